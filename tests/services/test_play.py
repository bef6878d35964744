"""services.play: players, play_playlist (Plex playlists by title or key) and start_playback."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from plexmix.devserver.library import MusicLibrary
from plexmix.devserver.server import PlexEmulator
from plexmix.errors import PlaylistError, UsageError
from plexmix.plex.play import PlayerError
from plexmix.services import play
from plexmix.services.context import Context

PLAYERS = [("Living Room", "living-room-id", "Plexamp"), ("Kitchen", "kitchen-id", "Plex for iOS")]


@pytest.fixture
def emu(lib: MusicLibrary, monkeypatch: pytest.MonkeyPatch) -> Iterator[PlexEmulator]:
    with PlexEmulator(lib, players=PLAYERS) as emulator:
        monkeypatch.setenv("PLEX_URL", emulator.url)
        monkeypatch.setenv("PLEX_TOKEN", emulator.token)
        yield emulator


@pytest.fixture
def ctx(emu: PlexEmulator) -> Context:
    return Context.load()


def _playlist(emu: PlexEmulator, title: str, n: int = 12) -> tuple[int, list[int]]:
    keys = sorted(emu.library.tracks)[:n]
    uri = f"server://{emu.machine_identifier}/com.plexapp.plugins.library/library/metadata/"
    made = emu.playlists.create(title, uri + ",".join(map(str, keys)))
    return made.rating_key, keys


def _queue_keys(emu: PlexEmulator, queue_id: int) -> list[int]:
    queue = emu.players.queues.get(queue_id)
    assert queue is not None
    return queue.track_keys


def test_players(ctx: Context) -> None:
    assert [p.name for p in play.players(ctx)] == ["Living Room", "Kitchen"]


def test_play_a_server_playlist_by_title_and_by_key(emu: PlexEmulator, ctx: Context) -> None:
    key, keys = _playlist(emu, "Sunday Morning")
    result = play.play_playlist(ctx, "sunday morning", player="Kitchen")  # a title ignores case
    assert (result.name, result.playlist_key, result.tracks, result.player) == (
        "Sunday Morning", str(key), len(keys), "Kitchen"
    )
    assert _queue_keys(emu, result.play_queue_id) == keys
    by_key = play.play_playlist(ctx, str(key), player="Living Room", shuffle=True)
    assert by_key.shuffled and sorted(_queue_keys(emu, by_key.play_queue_id)) == keys
    assert [(c.player, c.play_queue_id) for c in emu.players.commands] == [
        ("kitchen-id", result.play_queue_id), ("living-room-id", by_key.play_queue_id)
    ]
    assert result.as_dict()["player_id"] == "kitchen-id"


def test_start_playback_of_tracks_on_the_only_player(emu: PlexEmulator, ctx: Context) -> None:
    emu.players.remove("Kitchen")
    keys = [str(k) for k in sorted(emu.library.tracks)[5:12]][::-1]
    result = play.start_playback(ctx, track_keys=keys, name="Picked")
    assert result.player == "Living Room" and result.playlist_key is None and result.tracks == 7
    assert [str(k) for k in _queue_keys(emu, result.play_queue_id)] == keys
    assert [c.play_queue_id for c in emu.players.commands] == [result.play_queue_id]


def test_queue_only_asks_no_player(emu: PlexEmulator, ctx: Context) -> None:
    key, keys = _playlist(emu, "Later")
    result = play.start_playback(ctx, playlist_key=str(key), queue_only=True)
    assert result.queue_only and result.player is None and result.player_id is None
    assert _queue_keys(emu, result.play_queue_id) == keys
    assert emu.players.commands == []
    with pytest.raises(UsageError, match="--queue-only"):
        play.start_playback(ctx, playlist_key=str(key), queue_only=True, player="Kitchen")


def test_player_errors_change_nothing_on_the_server(emu: PlexEmulator, ctx: Context) -> None:
    key, _ = _playlist(emu, "Errors")
    with pytest.raises(PlayerError, match="sees 2 players") as several:
        play.play_playlist(ctx, "Errors")
    assert several.value.hint == "Players: 'Living Room', 'Kitchen'."
    with pytest.raises(PlayerError, match="no player named 'Attic'"):
        play.play_playlist(ctx, "Errors", player="Attic")
    assert emu.players.queues.queues == {}  # the player is chosen before the queue is made
    emu.players.remove("Kitchen")
    emu.players.remove("Living Room")
    with pytest.raises(PlayerError, match="sees no players"):
        play.start_playback(ctx, playlist_key=str(key))


def test_a_gone_player_fails_fast(emu: PlexEmulator, ctx: Context) -> None:
    _playlist(emu, "Gone")
    emu.players.get("Kitchen").reachable = False  # type: ignore[union-attr]
    emu.players.get("Kitchen").delay = 0.2  # type: ignore[union-attr]
    started = time.monotonic()
    with pytest.raises(PlayerError, match="'Kitchen' did not start playing"):
        play.play_playlist(ctx, "Gone", player="Kitchen")
    assert time.monotonic() - started < 2.0


def test_unknown_playlist(ctx: Context) -> None:
    with pytest.raises(PlaylistError, match="no playlist 'Nothing Here'") as missing:
        play.play_playlist(ctx, "Nothing Here", player="Kitchen")
    assert "plexmix list playlists" in (missing.value.hint or "")
    with pytest.raises(UsageError):
        play.play_playlist(ctx, "  ")
