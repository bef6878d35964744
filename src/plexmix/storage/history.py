"""The sync_history table: one row per sync, written when it starts and when it ends."""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from plexmix.storage.library import UpsertCounts

if TYPE_CHECKING:
    from plexmix.storage.records import SyncRecord

Counts = TypeVar("Counts", bound="SyncCounts")
RUNNING, SUCCESS, FAILED, INTERRUPTED = "running", "success", "failed", "interrupted"


@dataclass
class SyncCounts(UpsertCounts):
    """What a sync did: its tracks added/updated/unchanged (not stored), removed and seen, and
    the artists and albums it wrote."""

    removed: int = 0
    tracks_seen: int = 0
    artists: int = 0
    albums: int = 0

    def __iadd__(self: Counts, other: UpsertCounts) -> Counts:
        """Add another batch's track counts, or (another SyncCounts) a whole sync's counts."""
        super().__iadd__(other)
        if isinstance(other, SyncCounts):
            self.removed += other.removed
            self.tracks_seen += other.tracks_seen
            self.artists += other.artists
            self.albums += other.albums
        return self


def start_sync(
    conn: sqlite3.Connection, mode: str, server_time: int | None = None, *, source_id: int = 1
) -> int:
    """Record a sync of one music library (``source_id``) as running. A row left ``running`` by
    a killed process is marked interrupted."""
    conn.execute(
        "UPDATE sync_history SET status = ?, error_message = COALESCE(error_message, ?) "
        "WHERE status = ?",
        (INTERRUPTED, "The sync process stopped before it finished.", RUNNING),
    )
    cur = conn.execute(
        "INSERT INTO sync_history (mode, status, started_at, server_time, source_id) VALUES (?, ?, ?, ?, ?)",
        (mode, RUNNING, int(time.time()), server_time, source_id),
    )
    return int(cur.lastrowid or 0)


def finish_sync(
    conn: sqlite3.Connection,
    sync_id: int,
    status: str,
    counts: SyncCounts,
    *,
    duration_s: float | None = None,
    error: str | None = None,
) -> None:
    conn.execute(
        "UPDATE sync_history SET status = ?, finished_at = ?, tracks_added = ?, tracks_updated = ?,"
        " tracks_removed = ?, tracks_seen = ?, artists_synced = ?, albums_synced = ?,"
        " duration_s = ?, error_message = ? WHERE id = ?",
        (status, int(time.time()), counts.added, counts.updated, counts.removed, counts.tracks_seen,
         counts.artists, counts.albums, duration_s, error, sync_id),
    )


def set_watermark(
    conn: sqlite3.Connection,
    sync_id: int,
    server_time: int,
    *,
    plays_time: int | None = None,
    ratings_time: int | None = None,
) -> None:
    """Remember the Plex times a sync is complete up to: the next incremental sync starts there.

    ``server_time`` is for metadata (``updatedAt``/``addedAt``), ``plays_time`` for
    ``lastViewedAt`` and ``ratings_time`` for ``lastRatedAt``, all on Plex's clock.
    """
    conn.execute(
        "UPDATE sync_history SET server_time = ?, plays_time = ?, ratings_time = ? WHERE id = ?",
        (server_time, plays_time, ratings_time, sync_id),
    )


@dataclass(frozen=True)
class Watermarks:
    """Where the next incremental sync starts reading: metadata, plays, ratings (Plex's clock)."""

    metadata: int
    plays: int | None
    ratings: int | None


def last_watermarks(conn: sqlite3.Connection, source_id: int = 1) -> Watermarks | None:
    """The watermarks of the last successful sync of one music library (None: there was none, or
    it stored none). Syncs from before sources (schema 12) were of source 1's library.

    A sync by a PlexMix older than schema 9 stored only the metadata one: plays and ratings are
    then ``None`` and are read from the metadata watermark, as that PlexMix did.
    """
    row = conn.execute(
        "SELECT server_time, plays_time, ratings_time FROM sync_history WHERE status = ? "
        "AND COALESCE(source_id, 1) = ? ORDER BY id DESC LIMIT 1",
        (SUCCESS, source_id),
    ).fetchone()
    if row is None or row[0] is None:
        return None
    return Watermarks(metadata=row[0], plays=row[1], ratings=row[2])


def recent_syncs(conn: sqlite3.Connection, limit: int = 10) -> list[SyncRecord]:
    from plexmix.storage.records import SyncRecord  # pydantic schemas: not at a sync's start-up

    rows = conn.execute("SELECT * FROM sync_history ORDER BY id DESC LIMIT ?", (limit,))
    return [SyncRecord(**dict(r)) for r in rows]


def last_successful_sync(conn: sqlite3.Connection) -> SyncRecord | None:
    from plexmix.storage.records import SyncRecord

    row = conn.execute(
        "SELECT * FROM sync_history WHERE status = ? ORDER BY id DESC LIMIT 1", (SUCCESS,)
    ).fetchone()
    return SyncRecord(**dict(row)) if row else None
