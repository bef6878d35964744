"""The refresh_runs table: one row per ``plexmix refresh`` run, written when it starts and ends."""

from __future__ import annotations

import sqlite3
import time

from plexmix.storage.history import INTERRUPTED, RUNNING
from plexmix.storage.records import RefreshRun


def start_run(conn: sqlite3.Connection, trigger: str = "manual") -> int:
    """Record a refresh run as running and return its id. Call it holding the run lock: a row
    still ``running`` then belongs to a process that stopped early, and is marked interrupted."""
    conn.execute(
        "UPDATE refresh_runs SET status = ?, finished_at = COALESCE(finished_at, ?),"
        " message = COALESCE(message, ?) WHERE status = ?",
        (INTERRUPTED, int(time.time()), "The refresh process stopped before it finished.", RUNNING),
    )
    cur = conn.execute(
        "INSERT INTO refresh_runs (started_at, status, trigger) VALUES (?, ?, ?)",
        (int(time.time()), RUNNING, trigger),
    )
    return int(cur.lastrowid or 0)


def finish_run(
    conn: sqlite3.Connection,
    run_id: int,
    status: str,
    *,
    refreshed: int = 0,
    skipped: int = 0,
    failed: int = 0,
    added: int = 0,
    removed: int = 0,
    message: str | None = None,
) -> None:
    """What the run did: playlists refreshed, skipped and failed; tracks added and removed."""
    conn.execute(
        "UPDATE refresh_runs SET status = ?, finished_at = ?, refreshed = ?, skipped = ?, failed = ?,"
        " added = ?, removed = ?, message = ? WHERE id = ?",
        (status, int(time.time()), refreshed, skipped, failed, added, removed, message, run_id),
    )


def list_runs(conn: sqlite3.Connection, limit: int = 10) -> list[RefreshRun]:
    """The latest runs, newest first."""
    cur = conn.execute("SELECT * FROM refresh_runs ORDER BY id DESC LIMIT ?", (limit,))
    names = [column[0] for column in cur.description]
    return [RefreshRun(**dict(zip(names, row, strict=True))) for row in cur]
