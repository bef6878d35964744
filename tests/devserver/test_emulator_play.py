"""The emulator's play queues, players and relayed player commands, through the real plexapi."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest

from plexmix.devserver.__main__ import build_emulator, build_parser
from plexmix.devserver.library import MusicLibrary
from plexmix.devserver.server import PlexEmulator

os.environ.setdefault("PLEXAPI_PLEXAPI_AUTORELOAD", "false")
from plexapi.exceptions import BadRequest, NotFound
from plexapi.playqueue import PlayQueue
from plexapi.server import PlexServer

PLAYERS = [("Living Room", "living-room-id", "Plexamp"), ("Kitchen", "kitchen-id", "Plex for iOS")]


@pytest.fixture
def emu(small_library: MusicLibrary) -> Iterator[PlexEmulator]:
    with PlexEmulator(small_library, players=PLAYERS) as emulator:
        yield emulator


@pytest.fixture
def server(emu: PlexEmulator) -> PlexServer:
    return PlexServer(emu.url, emu.token, timeout=10)


def _keys(emu: PlexEmulator, n: int) -> list[int]:
    return sorted(emu.library.tracks)[:n]


def test_queue_from_a_playlist_keeps_its_order_and_shuffles_on_request(emu: PlexEmulator, server: PlexServer) -> None:
    keys = _keys(emu, 20)
    playlist = server.createPlaylist("Evening", items=server.fetchItems(keys))
    queue = PlayQueue.create(server, playlist)
    assert [int(t.ratingKey) for t in queue.items] == keys
    assert (queue.playQueueTotalCount, queue.playQueueVersion, queue.playQueueShuffled) == (20, 1, False)
    assert queue.playQueueSelectedItemID == queue.items[0].playQueueItemID
    assert int(queue.selectedItem.ratingKey) == keys[0]
    assert len({t.playQueueItemID for t in queue.items}) == 20
    shuffled = PlayQueue.create(server, playlist, shuffle=True)
    order = [int(t.ratingKey) for t in shuffled.items]
    assert shuffled.playQueueShuffled is True and shuffled.playQueueID != queue.playQueueID
    assert sorted(order) == keys and order != keys
    assert shuffled._data.get("playQueuePlaylistID") == str(playlist.ratingKey)


def test_queue_from_tracks_by_plexapi_items_and_by_server_uri(emu: PlexEmulator, server: PlexServer) -> None:
    keys = _keys(emu, 6)[::-1]
    by_items = PlayQueue.create(server, server.fetchItems(keys))
    assert [int(t.ratingKey) for t in by_items.items] == keys
    uri = f"server://{emu.machine_identifier}/com.plexapp.plugins.library/library/metadata/" + ",".join(map(str, keys))
    root = server.query(f"/playQueues?type=audio&shuffle=0&uri={quote(uri, safe='')}", method=server._session.post)
    assert [int(el.get("ratingKey")) for el in root] == keys
    assert root.get("playQueueTotalCount") == "6" and root.get("playQueueSourceURI") == uri


def test_get_and_add_items(emu: PlexEmulator, server: PlexServer) -> None:
    keys = _keys(emu, 8)
    queue = PlayQueue.create(server, server.fetchItems(keys[:3]))
    queue.addItem(server.fetchItem(keys[3]))
    assert queue.playQueueTotalCount == 4 and queue.playQueueVersion == 2
    assert queue.playQueueLastAddedItemID == queue.items[-1].playQueueItemID
    uri = f"server://{emu.machine_identifier}/com.plexapp.plugins.library/library/metadata/{keys[4]},{keys[5]}"
    server.query(f"/playQueues/{queue.playQueueID}?uri={quote(uri, safe='')}", method=server._session.put)
    again = PlayQueue.get(server, queue.playQueueID)
    assert [int(t.ratingKey) for t in again.items] == keys[:6] and again.playQueueVersion == 3
    assert emu.players.queues.get(queue.playQueueID).track_keys == keys[:6]  # type: ignore[union-attr]


def test_status_codes_as_a_real_server(emu: PlexEmulator, server: PlexServer) -> None:
    post = server._session.post
    with pytest.raises(NotFound):
        PlayQueue.get(server, 999)
    with pytest.raises(NotFound):
        server.query("/playQueues?type=audio&playlistID=424242", method=post)
    with pytest.raises(BadRequest, match=r"^\(400\)"):
        server.query("/playQueues?type=audio", method=post)  # neither uri nor playlistID
    with pytest.raises(BadRequest, match=r"^\(400\)"):
        server.query(f"/playQueues?uri=server%3A%2F%2F{emu.machine_identifier}", method=post)  # no type
    with pytest.raises(NotFound):
        server.query("/playQueues/999?uri=x", method=server._session.put)


def test_players_listed_as_plexapi_clients(emu: PlexEmulator, server: PlexServer) -> None:
    clients = server.clients()
    assert [(c.title, c.machineIdentifier, c.product) for c in clients] == PLAYERS
    assert "playback" in clients[0].protocolCapabilities
    emu.players.remove("Kitchen")
    assert [c.title for c in server.clients()] == ["Living Room"]


def test_no_players(small_library: MusicLibrary) -> None:
    with PlexEmulator(small_library) as emu:
        assert PlexServer(emu.url, emu.token, timeout=10).clients() == []


def test_play_media_through_the_server_is_recorded(emu: PlexEmulator, server: PlexServer) -> None:
    queue = PlayQueue.create(server, server.fetchItems(_keys(emu, 4)))
    player = server.client("Kitchen")
    player.proxyThroughServer()
    player.playMedia(queue)
    (command,) = emu.players.commands
    assert (command.player, command.command, command.play_queue_id) == ("kitchen-id", "playback/playMedia",
                                                                        queue.playQueueID)
    assert command.params["machineIdentifier"] == emu.machine_identifier
    assert command.params["key"] == queue.selectedItem.key and command.params["type"] == "music"
    assert emu.players.get("Kitchen").play_queue_id == queue.playQueueID  # type: ignore[union-attr]
    assert emu.players.get("Living Room").play_queue_id is None  # type: ignore[union-attr]


def _proxied(server: PlexServer, name: str) -> Any:
    player = server.client(name)
    player.proxyThroughServer()
    return player


def test_a_gone_player_answers_500_at_once(emu: PlexEmulator, server: PlexServer) -> None:
    queue = PlayQueue.create(server, server.fetchItems(_keys(emu, 2)))
    player = _proxied(server, "Living Room")
    emu.players.remove("Living Room")
    started = time.monotonic()
    with pytest.raises(BadRequest, match=r"^\(500\).*Unable to find player with identifier living-room-id"):
        player.playMedia(queue)
    assert time.monotonic() - started < 1.0
    emu.players.add(("Living Room", "living-room-id", "Plexamp")).reachable = False  # listed, unreachable
    with pytest.raises(BadRequest, match=r"^\(500\)"):
        player.playMedia(queue)
    assert emu.players.commands == []


def test_a_play_media_for_an_unknown_queue_is_refused(emu: PlexEmulator, server: PlexServer) -> None:
    player = _proxied(server, "Living Room")
    with pytest.raises(BadRequest, match=r"^\(400\)"):
        player.sendCommand("playback/playMedia", machineIdentifier=emu.machine_identifier,
                           containerKey="/playQueues/77?own=1")
    with pytest.raises(BadRequest, match=r"^\(400\)"):
        server.query("/player/playback/pause")  # no target client
    assert emu.players.commands == []


def test_command_line_players(small_library: MusicLibrary) -> None:
    emu = build_emulator(build_parser().parse_args(["--port", "0", "--player", "Den", "--player", "Car"]))
    assert [p.name for p in emu.players.listed()] == ["Den", "Car"]
    assert emu.players.get("Den").machine_identifier != emu.players.get("Car").machine_identifier  # type: ignore[union-attr]
