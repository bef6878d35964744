"""A flaky Plex server at any library size: the equivalent of test_rel_faults.py's test marked
``needs_shared_data``, which counts on 320-track playlists from the first 400 rows of the full
TidyTuesday set. Here the playlist lengths come from the library the data gives (the full sets
in CI, the bundled tracks in a fresh clone), and the diversity limits are lifted so that a long
playlist exists in any library: what is tested is the sync, the retries and the chunked writes.

Everything runs through the real CLI against the emulator on 127.0.0.1; the database is
compared with the emulator's library, the Plex playlist with the tracks `create` reports.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

from sync_helpers import assert_mirror_exact
from typer.testing import CliRunner

from plexmix.cli.main import app
from plexmix.devserver.library import ManualClock, MusicLibrary
from plexmix.devserver.server import PlexEmulator

TIDY = "tidytuesday_spotify_songs.csv.gz"
URL_LIMIT = 2000  # where real servers start answering 414 (long playlist URIs)
ADDED = REMOVED = 12


def run_json(emu: PlexEmulator, *args: str) -> Any:
    env = {
        "PLEX_URL": emu.url, "PLEX_TOKEN": emu.token, "PLEX_LIBRARY": "Music", "DEFAULT_AI_PROVIDER": "none",
        "DEFAULT_EMBEDDING_PROVIDER": "local", "PLEXMIX_PLEX__PAGE_SIZE": "100", "COLUMNS": "200",
        "PLEXMIX_PLAYLIST__MAX_PER_ARTIST": "1000", "PLEXMIX_PLAYLIST__MAX_PER_ALBUM": "1000",
    }
    result = CliRunner().invoke(app, [*args, "--json"], env=env)
    assert result.exit_code == 0 and "Traceback" not in result.output, result.output
    return json.loads(result.stdout)


def assert_playlist_exact(emu: PlexEmulator, home: Path, data: dict[str, Any]) -> None:
    """The Plex playlist holds exactly the reported tracks, in order, once; so does the database."""
    wanted = [int(t["plex_key"]) for t in data["tracks"]]
    (playlist,) = [p for p in emu.playlists.find() if p.title == data["name"]]
    assert playlist.rating_key == int(data["plex_key"]) and playlist.track_keys == wanted
    with closing(sqlite3.connect(home / "plexmix.db")) as conn:
        stored = conn.execute(
            "SELECT t.plex_key FROM playlist_tracks pt JOIN tracks t ON t.id = pt.track_id"
            " WHERE pt.playlist_id = ? ORDER BY pt.position",
            (data["playlist_id"],),
        ).fetchall()
    assert [int(k) for (k,) in stored] == wanted


def record_requests(emu: PlexEmulator) -> list[tuple[str, str, int]]:
    """(method, path with its query, status) of every request the emulator answers from now on."""
    seen: list[tuple[str, str, int]] = []
    handle = emu.handle

    def recording(method: str, raw_path: str, headers: dict[str, str]) -> Any:
        response = handle(method, raw_path, headers)
        seen.append((method, raw_path, response.status))
        return response

    emu.handle = recording  # type: ignore[method-assign]
    return seen


def change_library(lib: MusicLibrary, clock: ManualClock) -> None:
    """Renames, deletions, additions and changes to every album (their tracks are fetched by key)."""
    clock.advance(3600)
    keys = sorted(lib.tracks)
    for key in keys[: len(keys) // 10]:
        lib.update_track(key, title=f"{lib.tracks[key].title} (live)")
    for key in keys[-REMOVED:]:
        lib.delete_track(key)
    for n in range(ADDED):
        lib.add_song("Fault Test Band", "Under Load", f"Retry Song {n}", year=2023, genres=["Noise Pop"])
    for album in sorted(lib.albums):
        lib.update_album(album, moods=["Resilient"])
    lib.record_play(keys[1])
    lib.update_track(keys[2], user_rating=10.0)


def test_sync_and_long_playlists_under_429_503_spikes_and_a_url_limit(
    lib: MusicLibrary, emu: PlexEmulator, clock: ManualClock, isolated_env: Path
) -> None:
    too_many = emu.set_fault(429, every_nth=5, retry_after=0)
    unavailable = emu.set_fault(503, every_nth=5)
    emu.set_latency(0.001, jitter=0.002, spike_every=10, spike=0.05)
    emu.max_url_length = URL_LIMIT
    seen = record_requests(emu)

    report = run_json(emu, "sync", "full", "--no-embeddings")
    assert report["mode"] == "full" and report["added"] == len(lib.tracks)
    with closing(sqlite3.connect(isolated_env / "plexmix.db")) as conn:
        assert_mirror_exact(lib, conn)

    change_library(lib, clock)
    report = run_json(emu, "sync", "incremental", "--no-embeddings")
    assert report["mode"] == "incremental" and (report["added"], report["removed"]) == (ADDED, REMOVED)
    with closing(sqlite3.connect(isolated_env / "plexmix.db")) as conn:
        assert_mirror_exact(lib, conn)

    # Playlists of most of the library: their keys need more than one URL of URL_LIMIT.
    first, second = len(lib.tracks) * 4 // 5, len(lib.tracks) * 3 // 4
    mood = "something for a long drive"  # names no genre, artist, year or rating: no filter
    data = run_json(emu, "create", mood, "--provider", "none", "--limit", str(first),
                    "--pool", str(len(lib.tracks)), "--name", "Under Load")
    assert data["filters"] == [] and data["plex_error"] is None and len(data["tracks"]) == first
    assert_playlist_exact(emu, isolated_env, data)
    again = run_json(emu, "create", "quiet acoustic evening", "--provider", "none", "--limit", str(second),
                     "--pool", str(len(lib.tracks)), "--name", "Under Load", "--replace")
    assert again["replaced"] and again["plex_key"] == data["plex_key"] and len(again["tracks"]) == second
    assert_playlist_exact(emu, isolated_env, again)

    # The faults really happened, and the long requests really came close to the limit.
    assert too_many.fired > 5 and unavailable.fired > 5
    assert all(len(path) <= URL_LIMIT and status != 414 for _, path, status in seen)
    writes = [path for method, path, status in seen if method in ("POST", "PUT") and status == 200]
    assert len(writes) >= 4, "each playlist was written in several chunks"
    assert max(len(path) for path in writes) > URL_LIMIT * 0.6
