"""refresh_runs: a run is logged when it starts and when it ends, newest first."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from plexmix.storage.refresh_runs import finish_run, list_runs, start_run
from plexmix.storage.sqlite_manager import SQLiteManager


def test_start_finish_and_list(tmp_path: Path) -> None:
    with SQLiteManager(tmp_path / "plexmix.db") as db:
        before = int(time.time())
        first = start_run(db.conn, "schedule")
        running = list_runs(db.conn, 5)
        assert [(r.id, r.status, r.trigger, r.finished_at) for r in running] == [(first, "running", "schedule", None)]
        assert running[0].started_at >= before
        finish_run(db.conn, first, "success", refreshed=3, skipped=1, failed=0, added=12, removed=9,
                   message="3 refreshed, 1 skipped")
        second = start_run(db.conn)
        finish_run(db.conn, second, "failed", failed=2, message="Plex cannot be reached")
        runs = list_runs(db.conn, 5)
    assert [r.id for r in runs] == [second, first], "newest first"
    newest, oldest = runs
    assert (newest.status, newest.trigger, newest.failed, newest.message) == (
        "failed", "manual", 2, "Plex cannot be reached")
    assert (oldest.refreshed, oldest.skipped, oldest.failed, oldest.added, oldest.removed) == (3, 1, 0, 12, 9)
    assert oldest.finished_at is not None and oldest.finished_at >= oldest.started_at
    assert newest.model_dump()["message"] == "Plex cannot be reached"


def test_limit_and_a_run_left_running(tmp_path: Path) -> None:
    with SQLiteManager(tmp_path / "plexmix.db") as db:
        stale = start_run(db.conn)  # its process was killed: never finished
        ids = [stale] + [start_run(db.conn) for _ in range(3)]
        runs = list_runs(db.conn, 2)
        assert [r.id for r in runs] == ids[:-3:-1]
        everything = {r.id: r for r in list_runs(db.conn, 10)}
    assert [everything[i].status for i in ids] == ["interrupted", "interrupted", "interrupted", "running"]
    assert everything[stale].message == "The refresh process stopped before it finished."
    assert everything[stale].finished_at is not None


def test_parameters_are_data(tmp_path: Path) -> None:
    """A message with quotes and SQL in it is stored as text."""
    with SQLiteManager(tmp_path / "plexmix.db") as db:
        run = start_run(db.conn, "manual'); DROP TABLE refresh_runs; --")
        finish_run(db.conn, run, "success", message="it's \"fine\"; DELETE FROM refresh_runs")
        (row,) = list_runs(db.conn, 1)
        assert row.trigger == "manual'); DROP TABLE refresh_runs; --"
        assert row.message == "it's \"fine\"; DELETE FROM refresh_runs"
    plain = sqlite3.connect(tmp_path / "plexmix.db")  # no row factory: list_runs still reads it
    try:
        assert list_runs(plain, 1)[0].id == run
    finally:
        plain.close()
