"""A flaky Plex server: 429 and 503 answers, latency spikes, a URL-length limit, slow writes.

Everything runs through the real CLI (CliRunner) against the emulator on 127.0.0.1, and every
result is compared exactly: the database with the emulator's library, the Plex playlist with
the tracks `create` reports.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sync_helpers import assert_mirror_exact
from typer.testing import CliRunner, Result

from plexmix.cli.main import app
from plexmix.devserver.library import ManualClock, MusicLibrary
from plexmix.devserver.server import PlexEmulator

TIDY = "tidytuesday_spotify_songs.csv.gz"
URL_LIMIT = 2000  # where real servers start answering 414 (long playlist URIs)
runner = CliRunner()


def cli_env(emu: PlexEmulator, **extra: str) -> dict[str, str]:
    return {
        "PLEX_URL": emu.url, "PLEX_TOKEN": emu.token, "PLEX_LIBRARY": "Music",
        "DEFAULT_AI_PROVIDER": "none", "DEFAULT_EMBEDDING_PROVIDER": "local",
        "PLEXMIX_PLEX__PAGE_SIZE": "100", "COLUMNS": "200", **extra,
    }


def invoke(env: dict[str, str], *args: str) -> Result:
    result = runner.invoke(app, list(args), env=env)
    assert "Traceback" not in result.output, result.output
    return result


def ok_json(env: dict[str, str], *args: str) -> Any:
    result = invoke(env, *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def db_conn(home: Path) -> sqlite3.Connection:
    return sqlite3.connect(home / "plexmix.db")


def assert_playlist_exact(emu: PlexEmulator, home: Path, data: dict[str, Any]) -> None:
    """The Plex playlist holds exactly the reported tracks, in order, once; so does the database."""
    wanted = [int(t["plex_key"]) for t in data["tracks"]]
    same_name = [p for p in emu.playlists.playlists.values() if p.title == data["name"]]
    assert len(same_name) == 1, f"{len(same_name)} Plex playlists named {data['name']!r}"
    assert same_name[0].rating_key == int(data["plex_key"])
    assert same_name[0].track_keys == wanted
    conn = db_conn(home)
    try:
        stored = [
            int(k)
            for (k,) in conn.execute(
                "SELECT t.plex_key FROM playlist_tracks pt JOIN tracks t ON t.id = pt.track_id "
                "WHERE pt.playlist_id = ? ORDER BY pt.position",
                (data["playlist_id"],),
            )
        ]
    finally:
        conn.close()
    assert stored == wanted


def change_library(lib: MusicLibrary, clock: ManualClock) -> None:
    """Renames, deletions, additions and many album changes (their tracks are fetched by key)."""
    clock.advance(3600)
    keys = sorted(lib.tracks)
    for key in keys[:40]:
        lib.update_track(key, title=f"{lib.tracks[key].title} (live)")
    for key in keys[-12:]:
        lib.delete_track(key)
    for n in range(12):
        lib.add_song("Fault Test Band", "Under Load", f"Retry Song {n}", year=2023, genres=["Noise Pop"])
    for album in sorted(lib.albums)[:380]:
        lib.update_album(album, moods=["Resilient"])
    lib.record_play(keys[100])
    lib.update_track(keys[101], user_rating=10.0)


@pytest.mark.needs_shared_data
def test_sync_and_create_under_429_503_spikes_and_a_url_limit(
    lib: MusicLibrary, emu: PlexEmulator, clock: ManualClock, isolated_env: Path
) -> None:
    env = cli_env(emu)
    too_many = emu.set_fault(429, every_nth=5, retry_after=0)
    unavailable = emu.set_fault(503, every_nth=5)
    emu.set_latency(0.001, jitter=0.003, spike_every=10, spike=0.15)
    emu.max_url_length = URL_LIMIT

    report = ok_json(env, "sync", "full", "--no-embeddings")
    assert report["mode"] == "full" and report["added"] == len(lib.tracks)
    with db_conn(isolated_env) as conn:
        assert_mirror_exact(lib, conn)

    change_library(lib, clock)
    report = ok_json(env, "sync", "incremental", "--no-embeddings")
    assert report["mode"] == "incremental" and report["added"] == 12 and report["removed"] == 12
    with db_conn(isolated_env) as conn:
        assert_mirror_exact(lib, conn)

    data = ok_json(env, "create", "loud guitar rock", "--provider", "none", "--limit", "320", "--pool", "500",
                   "--name", "Under Load")
    assert len(data["tracks"]) >= 300 and data["plex_key"] and data["plex_error"] is None
    assert_playlist_exact(emu, isolated_env, data)
    again = ok_json(env, "create", "quiet acoustic", "--provider", "none", "--limit", "305", "--pool", "500",
                    "--name", "Under Load", "--replace")
    assert again["replaced"] and again["plex_key"] == data["plex_key"]
    assert_playlist_exact(emu, isolated_env, again)

    # The faults really happened, and the long requests really came close to the limit.
    assert too_many.fired > 5 and unavailable.fired > 5
    longest = max(len(path) for _, path in emu.request_log)
    assert longest > URL_LIMIT * 0.6, longest
    assert all(len(path) <= URL_LIMIT for _, path in emu.request_log)


def test_a_write_that_times_out_is_not_sent_twice(lib: MusicLibrary, isolated_env: Path) -> None:
    with PlexEmulator(lib) as emu:
        env = cli_env(emu)
        assert invoke(env, "sync", "--no-embeddings").exit_code == 0
        args = ("create", "late night drive", "--provider", "none", "--limit", "40", "--name", "Slow Server")
        # The server holds the first POST /playlists unanswered until the client has given up.
        held = emu.set_trap(method="POST", path_pattern=r"^/playlists$")
        emu.reset_counts()
        result = invoke({**env, "PLEXMIX_PLEX__TIMEOUT": "1"}, *args)
        assert held.reached.is_set() and not held.answered.is_set()
        # The POST timed out on our side; the server carries it out only now. Repeating it would
        # make a second playlist. PlexMix reports the failure once and keeps the playlist locally.
        assert result.exit_code == 1, result.output
        errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
        assert len(errors) == 1 and "did not answer in time" in errors[0], result.output
        assert "Hint:" in result.output
        held.release.set()
        assert held.answered.wait(10), "the held POST was never carried out"
        # The command has returned, so every request it made has been counted: one POST, no PUT.
        writes = [(m, p) for m, p in emu.request_log if m in ("POST", "PUT", "DELETE")]
        assert writes == [("POST", "/playlists")], writes
        made = [p for p in emu.playlists.playlists.values() if p.title == "Slow Server"]
        assert len(made) == 1 and len(made[0].track_keys) == len(set(made[0].track_keys)) == 40
        local = ok_json(env, "list", "playlists")
        assert [p["name"] for p in local] == ["Slow Server"] and local[0]["plex_key"] is None

        # Running it again with --replace repairs Plex in place: one playlist, exactly the tracks.
        data = ok_json(env, *args, "--replace")
        assert data["replaced"] and data["plex_key"] == str(made[0].rating_key)
        assert_playlist_exact(emu, isolated_env, data)
