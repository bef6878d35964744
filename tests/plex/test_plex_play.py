"""plexmix.plex.play against the emulator over loopback: players, play queues, playback."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest

from plexmix.devserver.library import MusicLibrary
from plexmix.devserver.server import PlexEmulator
from plexmix.errors import PlexError
from plexmix.plex import play
from plexmix.plex.client import PlexClient
from plexmix.plex.play import PlayerError, PlayerInfo

PLAYERS = [("Living Room", "living-room-id", "Plexamp"), ("Kitchen", "kitchen-id", "Plex for iOS")]


@pytest.fixture
def emu(small_library: MusicLibrary) -> Iterator[PlexEmulator]:
    with PlexEmulator(small_library, players=PLAYERS) as emulator:
        yield emulator


@pytest.fixture
def client(emu: PlexEmulator, make_client: Callable[..., PlexClient]) -> PlexClient:
    return make_client(emu)


def _keys(emu: PlexEmulator, n: int) -> list[str]:
    return [str(k) for k in sorted(emu.library.tracks)[:n]]


def test_players_listed(client: PlexClient) -> None:
    found = play.list_players(client)
    assert [(p.name, p.machine_identifier, p.product) for p in found] == PLAYERS
    assert "playback" in found[0].capabilities and found[0].as_dict()["name"] == "Living Room"


def _player(name: str) -> PlayerInfo:
    return PlayerInfo(name, f"{name.lower()}-id")


def test_choose_player() -> None:
    one, two = _player("Den"), _player("Car")
    assert play.choose_player([one], None) is one  # the only player is the default
    assert play.choose_player([one, two], "car") is two  # names ignore case
    assert play.choose_player([one, two], "den-id") is one  # or the machine identifier
    with pytest.raises(PlayerError, match="sees no players") as none:
        play.choose_player([], None)
    assert "--queue-only" in (none.value.hint or "")
    with pytest.raises(PlayerError, match="sees 2 players; choose one with --player") as several:
        play.choose_player([one, two], None)
    assert several.value.hint == "Players: 'Den', 'Car'."
    with pytest.raises(PlayerError, match="no player named 'Attic'") as unknown:
        play.choose_player([one, two], "Attic")
    assert unknown.value.hint == "Players: 'Den', 'Car'."


def test_queue_from_tracks_in_chunks_keeps_the_order(
    emu: PlexEmulator, make_client: Callable[..., PlexClient]
) -> None:
    client = make_client(emu, max_url_length=400)
    keys = _keys(emu, 120)[::-1]
    emu.reset_counts()
    queue = play.queue_from_tracks(client, keys)
    stored = emu.players.queues.get(int(queue.playQueueID))
    assert stored is not None and [str(k) for k in stored.track_keys] == keys
    assert emu.request_counts["POST /playQueues"] == 1 and emu.request_counts["PUT /playQueues/{id}"] >= 2
    assert all(len(path) <= 400 for _, path in emu.request_log if "/playQueues" in path)
    info = play.QueueInfo.of(queue)
    assert info.total == 120 and info.track_keys == keys[: len(info.track_keys)]


def test_queue_from_a_playlist_and_shuffle(emu: PlexEmulator, client: PlexClient) -> None:
    keys = _keys(emu, 15)
    made = client.create_playlist("Evening", keys)
    queue = play.QueueInfo.of(play.queue_from_playlist(client, made.rating_key))
    assert queue.track_keys == keys and not queue.shuffled
    shuffled = play.QueueInfo.of(play.queue_from_playlist(client, made.rating_key, shuffle=True))
    assert shuffled.shuffled and sorted(shuffled.track_keys) == sorted(keys) and shuffled.track_keys != keys
    with pytest.raises(PlexError, match="could not find"):
        play.queue_from_playlist(client, "424242")


def test_get_and_add(emu: PlexEmulator, client: PlexClient) -> None:
    keys = _keys(emu, 5)
    queue = play.queue_from_tracks(client, keys[:2])
    added = play.QueueInfo.of(play.add_to_queue(client, int(queue.playQueueID), keys[2:]))
    assert added.track_keys == keys and added.version == 2
    read = play.QueueInfo.of(play.get_queue(client, int(queue.playQueueID)))
    assert read == added
    with pytest.raises(PlexError):
        play.get_queue(client, 999)


def test_play_on_the_chosen_player_with_the_queue(emu: PlexEmulator, client: PlexClient) -> None:
    queue = play.queue_from_tracks(client, _keys(emu, 3))
    kitchen = play.choose_player(play.list_players(client), "Kitchen")
    play.play_on(client, kitchen, queue)
    (command,) = emu.players.commands
    assert (command.player, command.play_queue_id) == ("kitchen-id", int(queue.playQueueID))


def test_a_gone_player_is_a_clear_error_at_once(emu: PlexEmulator, client: PlexClient) -> None:
    queue = play.queue_from_tracks(client, _keys(emu, 3))
    living = play.choose_player(play.list_players(client), "Living Room")
    emu.players.remove("Living Room")
    emu.reset_counts()
    started = time.monotonic()
    with pytest.raises(PlayerError, match="'Living Room' did not start playing.*could not reach it") as gone:
        play.play_on(client, living, queue)
    assert time.monotonic() - started < 1.5
    assert "plexmix players" in (gone.value.hint or "")
    assert emu.request_counts["GET /player/playback/playMedia"] == 1  # never retried
    assert emu.players.commands == []


def test_a_player_that_hangs_times_out_quickly(emu: PlexEmulator, client: PlexClient) -> None:
    queue = play.queue_from_tracks(client, _keys(emu, 3))
    living = play.choose_player(play.list_players(client), "Living Room")
    emu.players.get("Living Room").delay = 5.0  # type: ignore[union-attr]
    started = time.monotonic()
    with pytest.raises(PlayerError, match="did not answer within 0.5 s"):
        play.play_on(client, living, queue, timeout=0.5)
    assert time.monotonic() - started < 2.0
