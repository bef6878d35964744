"""`plexmix players`, `plexmix play` and `create --play` end to end against the emulator."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner, Result

from plexmix.cli.main import app
from plexmix.devserver.library import MusicLibrary
from plexmix.devserver.server import PlexEmulator

runner = CliRunner()
PLAYERS = [("Living Room", "living-room-id", "Plexamp"), ("Kitchen", "kitchen-id", "Plex for iOS")]


@pytest.fixture
def emu(lib: MusicLibrary, monkeypatch: pytest.MonkeyPatch) -> Iterator[PlexEmulator]:
    monkeypatch.setenv("DEFAULT_EMBEDDING_PROVIDER", "local")
    with PlexEmulator(lib, players=PLAYERS[:1]) as emulator:
        monkeypatch.setenv("PLEX_URL", emulator.url)
        monkeypatch.setenv("PLEX_TOKEN", emulator.token)
        assert runner.invoke(app, ["sync", "--no-embeddings", "--json"]).exit_code == 0
        yield emulator


def _ok(*argv: str) -> Result:
    result = runner.invoke(app, list(argv))
    assert result.exit_code == 0, result.output
    return result


def _failed(*argv: str, code: int = 1) -> str:
    started = time.monotonic()
    result = runner.invoke(app, list(argv))
    assert time.monotonic() - started < 5
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output and "Error:" in result.output and "Hint:" in result.output
    return " ".join(result.output.split())


def _queue(emu: PlexEmulator, queue_id: int) -> list[int]:
    queue = emu.players.queues.get(queue_id)
    assert queue is not None
    return queue.track_keys


def test_create_play_plays_the_playlist_it_wrote(emu: PlexEmulator) -> None:
    out = _ok("create", "calm evening", "--limit", "6", "--name", "Evening", "--play", "--json").stdout
    data = json.loads(out)
    (made,) = emu.playlists.find("Evening")
    assert data["plex_key"] == str(made.rating_key)
    playback = data["playback"]
    assert (playback["player"], playback["playlist_key"], playback["tracks"]) == (
        "Living Room", data["plex_key"], len(data["tracks"])
    )
    (command,) = emu.players.commands
    assert (command.player, command.play_queue_id) == ("living-room-id", playback["play_queue_id"])
    assert _queue(emu, command.play_queue_id or 0) == made.track_keys == [int(t["plex_key"]) for t in data["tracks"]]


def test_create_queue_only_and_play_later(emu: PlexEmulator) -> None:
    text = _ok("create", "calm evening", "--limit", "4", "--name", "Later", "--queue-only").stdout
    assert "no player was asked" in text and emu.players.commands == []
    played = _ok("play", "Later", "--shuffle").stdout
    assert "Playing 'Later' (4 tracks, shuffled) on Living Room" in " ".join(played.split())
    (command,) = emu.players.commands
    (made,) = emu.playlists.find("Later")
    assert sorted(_queue(emu, command.play_queue_id or 0)) == sorted(made.track_keys)


def test_a_local_only_playlist_is_played_from_its_tracks(emu: PlexEmulator) -> None:
    created = json.loads(_ok("create", "calm evening", "--limit", "5", "--name", "Local", "--no-plex",
                             "--json").stdout)
    result = runner.invoke(app, ["play", "Local", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["playlist_key"] is None and "never written to Plex" in data["notes"][0]
    assert _queue(emu, data["play_queue_id"]) == [int(t["plex_key"]) for t in created["tracks"]]
    by_id = json.loads(_ok("play", str(created["playlist_id"]), "--json", "--queue-only").stdout)
    assert by_id["name"] == "Local" and by_id["player"] is None


def test_players_command(emu: PlexEmulator) -> None:
    emu.players.add(PLAYERS[1])
    listed = json.loads(_ok("players", "--json").stdout)
    assert [(p["name"], p["machine_identifier"], p["product"]) for p in listed] == PLAYERS
    table = _ok("players").stdout
    assert "Living Room" in table and "kitchen-id" in table


def test_player_errors(emu: PlexEmulator) -> None:
    _ok("create", "calm evening", "--limit", "3", "--name", "Errs", "--queue-only")
    emu.players.add(PLAYERS[1])
    several = _failed("play", "Errs")
    assert "sees 2 players; choose one with --player" in several and "'Living Room', 'Kitchen'" in several
    unknown = _failed("play", "Errs", "--player", "Attic")
    assert "no player named 'Attic'" in unknown and "'Kitchen'" in unknown
    emu.players.get("Kitchen").reachable = False  # type: ignore[union-attr]
    assert "'Kitchen' did not start playing" in _failed("play", "Errs", "--player", "Kitchen")
    emu.players.remove("Kitchen")
    emu.players.remove("Living Room")
    assert "sees no players" in _failed("play", "Errs")
    assert "no playlist 'Nope'" in _failed("play", "Nope")
    assert "--player cannot go with it" in _failed("play", "Errs", "--queue-only", "--player", "X", code=2)
    assert emu.players.commands == []


def test_create_play_with_an_unknown_player_keeps_the_playlist(emu: PlexEmulator) -> None:
    message = _failed("create", "calm evening", "--limit", "3", "--name", "Kept", "--player", "Attic")
    assert "Saved 3 tracks" in message and "no player named 'Attic'" in message
    assert [p.title for p in emu.playlists.find("Kept")] == ["Kept"]
    data = json.loads(runner.invoke(app, ["create", "calm evening", "--limit", "3", "--name", "Kept2",
                                          "--player", "Attic", "--json"]).stdout)
    assert data["playback"] is None and data["name"] == "Kept2"


def test_help_has_examples() -> None:
    for command in (["play"], ["players"]):
        assert "Example: plexmix " + command[0] in runner.invoke(app, [*command, "--help"]).output
    assert "--player NAME" in " ".join(runner.invoke(app, ["create", "--help"]).output.split())
