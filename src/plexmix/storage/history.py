"""The sync_history table: one row per sync, written when it starts and when it ends."""

from __future__ import annotations

import sqlite3
import time

from plexmix.storage.models import SyncRecord

RUNNING, SUCCESS, FAILED, INTERRUPTED = "running", "success", "failed", "interrupted"


def start_sync(conn: sqlite3.Connection, mode: str, server_time: int | None = None) -> int:
    """Record a sync as running. A row left ``running`` by a killed process is marked interrupted."""
    conn.execute(
        "UPDATE sync_history SET status = ?, error_message = COALESCE(error_message, ?) "
        "WHERE status = ?",
        (INTERRUPTED, "The sync process stopped before it finished.", RUNNING),
    )
    cur = conn.execute(
        "INSERT INTO sync_history (mode, status, started_at, server_time) VALUES (?, ?, ?, ?)",
        (mode, RUNNING, int(time.time()), server_time),
    )
    return int(cur.lastrowid or 0)


def finish_sync(
    conn: sqlite3.Connection,
    sync_id: int,
    status: str,
    *,
    added: int = 0,
    updated: int = 0,
    removed: int = 0,
    seen: int = 0,
    artists: int = 0,
    albums: int = 0,
    duration_s: float | None = None,
    error: str | None = None,
) -> None:
    conn.execute(
        "UPDATE sync_history SET status = ?, finished_at = ?, tracks_added = ?, tracks_updated = ?,"
        " tracks_removed = ?, tracks_seen = ?, artists_synced = ?, albums_synced = ?,"
        " duration_s = ?, error_message = ? WHERE id = ?",
        (status, int(time.time()), added, updated, removed, seen, artists, albums, duration_s,
         error, sync_id),
    )  # fmt: skip


def recent_syncs(conn: sqlite3.Connection, limit: int = 10) -> list[SyncRecord]:
    rows = conn.execute("SELECT * FROM sync_history ORDER BY id DESC LIMIT ?", (limit,))
    return [SyncRecord(**dict(r)) for r in rows]


def last_successful_sync(conn: sqlite3.Connection) -> SyncRecord | None:
    row = conn.execute(
        "SELECT * FROM sync_history WHERE status = ? ORDER BY id DESC LIMIT 1", (SUCCESS,)
    ).fetchone()
    return SyncRecord(**dict(row)) if row else None
