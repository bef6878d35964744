"""Plex's per-play history in the ``plays`` table (schema 13): one row per play.

Rows come from ``/status/sessions/history/all`` and keep Plex's history id as their key, so
storing a play twice is a no-op (``INSERT OR IGNORE``). A music library's watermark is the newest
play stored for its tracks: a sync asks Plex for the plays from that second on. Deleting a track
deletes its plays (``ON DELETE CASCADE``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from plexmix.storage.library import chunks, key_map
from plexmix.storage.tags import ID_SET, id_list

PlayRow = tuple[int, str, int, int | None]  # history id, track plex_key, viewed_at, account id

_INSERT = "INSERT OR IGNORE INTO plays (history_id, track_id, viewed_at, account_id) VALUES (?, ?, ?, ?)"


def insert_plays(conn: sqlite3.Connection, plays: Iterable[PlayRow]) -> int:
    """Store plays of known tracks (plays of tracks not in the mirror are skipped); return how
    many were new. Run inside the caller's transaction."""
    rows = list(plays)
    ids = key_map(conn, "tracks", sorted({key for _, key, _, _ in rows}))
    before = conn.total_changes
    for part in chunks(rows, 1000):
        conn.executemany(
            _INSERT, [(hid, ids[key], at, account) for hid, key, at, account in part if key in ids]
        )
    return conn.total_changes - before


def watermark(conn: sqlite3.Connection, source_id: int = 1) -> int | None:
    """The newest play stored for the tracks of music library ``source_id`` (None: no plays)."""
    row = conn.execute(
        "SELECT MAX(p.viewed_at) FROM plays p JOIN tracks t ON t.id = p.track_id WHERE t.source_id = ?",
        (source_id,),
    ).fetchone()
    return row[0] if row else None


def play_count(conn: sqlite3.Connection, source_id: int | None = None) -> int:
    """How many plays are stored (of one music library's tracks, or all)."""
    if source_id is None:
        return int(conn.execute("SELECT COUNT(*) FROM plays").fetchone()[0])
    sql = "SELECT COUNT(*) FROM plays p JOIN tracks t ON t.id = p.track_id WHERE t.source_id = ?"
    return int(conn.execute(sql, (source_id,)).fetchone()[0])


@dataclass(frozen=True, slots=True)
class PlayStats:
    """A track's stored plays: how many since a moment, and the newest."""

    since: int = 0
    last: int | None = None


def play_stats(conn: sqlite3.Connection, track_ids: Sequence[int], since: int) -> dict[int, PlayStats]:
    """Per track of ``track_ids`` that has stored plays: the plays at or after ``since`` (epoch
    seconds) and the newest play."""
    if not track_ids:
        return {}
    sql = (
        "SELECT track_id, SUM(viewed_at >= ?), MAX(viewed_at) FROM plays "
        f"WHERE track_id IN {ID_SET} GROUP BY track_id"
    )
    return {tid: PlayStats(int(n), last) for tid, n, last in conn.execute(sql, (since, id_list(track_ids)))}


def plays_since(conn: sqlite3.Connection, since: int) -> dict[int, int]:
    """Track id -> its plays at or after ``since`` (epoch seconds), for tracks played since."""
    sql = "SELECT track_id, COUNT(*) FROM plays WHERE viewed_at >= ? GROUP BY track_id"
    return {tid: n for tid, n in conn.execute(sql, (since,))}
