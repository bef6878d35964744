"""A sync killed with SIGKILL leaves a consistent database, and the next sync completes it exactly.

The sync runs in a separate Python process (a worker script written to tmp_path, see
tests/reliability/kill_harness.py) against the emulator served from this process on 127.0.0.1.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from kill_harness import BATCH_SIZE, PAGE_SIZE, consistency_problems, copy_db, run_once, statuses
from sync_helpers import assert_mirror_exact

from plexmix.devserver.csv_loader import load_library
from plexmix.devserver.library import ManualClock, MusicLibrary
from plexmix.devserver.server import PlexEmulator
from plexmix.plex.client import PlexClient
from plexmix.services.sync import SyncEngine
from plexmix.storage import history
from plexmix.storage.sqlite_manager import SQLiteManager

TIDY = "tidytuesday_spotify_songs.csv.gz"


@pytest.fixture
def lib(shared_data_dir: Path, clock: ManualClock) -> MusicLibrary:
    return load_library(shared_data_dir / TIDY, limit=800, track_genres=True, clock=clock)


@pytest.fixture
def emu(lib: MusicLibrary) -> Iterator[PlexEmulator]:
    with PlexEmulator(lib) as emulator:
        emulator.set_latency(0.01)
        yield emulator


def _job(emu: PlexEmulator, db_path: Path, mode: str, **extra: object) -> dict[str, object]:
    return {"url": emu.url, "token": emu.token, "db": str(db_path), "mode": mode, **extra}


def _tracks(db_path: Path) -> int:
    conn = sqlite3.connect(db_path, timeout=0.2)
    try:
        return int(conn.execute("SELECT COUNT(*) FROM tracks").fetchone()[0])
    except sqlite3.Error:
        return 0  # not created yet, or busy
    finally:
        conn.close()


def _sync(emu: PlexEmulator, db_path: Path, mode: str) -> history.SyncRecord:
    emu.set_latency(0)
    with (
        PlexClient(emu.url, emu.token, page_size=PAGE_SIZE, backoff_factor=0.0) as client,
        SQLiteManager(db_path) as db,
    ):
        client.connect()
        client.select_library("Music")
        report = SyncEngine(client, db, batch_size=BATCH_SIZE).sync(mode)
        assert report.status == "success"
        return history.recent_syncs(db.conn, 1)[0]


def _recover_both_ways(
    emu: PlexEmulator, lib: MusicLibrary, killed_db: Path
) -> dict[str, history.SyncRecord]:
    """Run the next sync, incremental and full, each on its own copy of what the kill left."""
    records = {}
    for mode in ("incremental", "full"):
        db_path = copy_db(killed_db, killed_db.parent / mode / "plexmix.db")
        before = statuses(db_path)
        records[mode] = _sync(emu, db_path, mode)
        _check_recovery(lib, db_path, before, records[mode])
    return records


def _check_recovery(
    lib: MusicLibrary, db_path: Path, before: dict[int, str], record: history.SyncRecord
) -> None:
    """The next sync marked the killed run interrupted and left an exact mirror."""
    running = [i for i, s in before.items() if s == "running"]
    assert running, f"the killed sync left no running history row: {before}"
    after = statuses(db_path)
    assert all(after[i] == "interrupted" for i in running), after
    assert "running" not in after.values() and after[record.id] == "success"
    with SQLiteManager(db_path) as db:
        assert_mirror_exact(lib, db.conn)
        assert db.integrity_check() == []
        row = db.conn.execute("SELECT error_message FROM sync_history WHERE id = ?", (running[0],)).fetchone()
        assert row[0] and "stopped" in row[0]


def test_sigkill_during_a_first_full_sync(lib: MusicLibrary, emu: PlexEmulator, tmp_path: Path) -> None:
    db_path = tmp_path / "plexmix.db"
    total = len(lib.tracks)
    # Killed from outside once some, not all, track batches are committed.
    outcome = run_once(
        tmp_path, _job(emu, db_path, "full"), kill_when=lambda: _tracks(db_path) >= 2 * BATCH_SIZE
    )
    assert outcome.killed, outcome
    assert 0 < _tracks(db_path) < total
    assert consistency_problems(db_path, lib) == []

    records = _recover_both_ways(emu, lib, db_path)
    # No successful sync yet, so the incremental request runs a full one.
    assert [r.mode for r in records.values()] == ["full", "full"]
    assert all(r.tracks_seen == total for r in records.values())


def test_sigkill_inside_a_write_transaction_of_an_incremental_sync(
    lib: MusicLibrary, emu: PlexEmulator, tmp_path: Path, clock: ManualClock
) -> None:
    db_path = tmp_path / "plexmix.db"
    _sync(emu, db_path, "full")
    emu.set_latency(0.01)
    clock.advance(3600)
    keys = sorted(lib.tracks)
    for key in keys[:250]:
        lib.update_track(key, title=f"{lib.tracks[key].title} (remaster)", genres=["Kill Test"])
    for key in keys[-15:]:
        lib.delete_track(key)
    for n in range(15):
        lib.add_song("Kill Test Artist", "Kill Test Album", f"New Song {n}", year=2024, genres=["Jazz"])

    # The worker SIGKILLs itself inside its second track write, after the rows are written
    # but before COMMIT: that batch must vanish whole, the first one stay whole.
    outcome = run_once(tmp_path, _job(emu, db_path, "incremental", die_inside_write=2))
    assert outcome.killed, outcome
    assert consistency_problems(db_path, lib) == []
    conn = sqlite3.connect(db_path)
    renamed = conn.execute("SELECT COUNT(*) FROM tracks WHERE title LIKE '% (remaster)'").fetchone()[0]
    new = conn.execute("SELECT COUNT(*) FROM tracks t JOIN artists a ON a.id = t.artist_id "
                       "WHERE a.name = 'Kill Test Artist'").fetchone()[0]
    conn.close()
    assert renamed + new == BATCH_SIZE  # exactly the committed batch: nothing of the killed one

    records = _recover_both_ways(emu, lib, db_path)
    assert [r.mode for r in records.values()] == ["incremental", "full"]
