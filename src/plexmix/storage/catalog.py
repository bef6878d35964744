"""What the library holds, counted: its genres, moods and decades (what an assistant may ask for).

Each list is ``(name, tracks)`` pairs, those on most tracks first, of the music libraries
``source_ids`` (or all of them).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from plexmix.storage.sql_helpers import marks

_GENRES = (
    "SELECT g.name, COUNT(*) FROM genres g JOIN track_genres tg ON tg.genre_id = g.id"
    " JOIN tracks t ON t.id = tg.track_id {where} GROUP BY g.id ORDER BY COUNT(*) DESC, g.name"
)
_TAGS = (
    "SELECT x.name, COUNT(*) FROM tags x JOIN track_tags tt ON tt.tag_id = x.id"
    " JOIN tracks t ON t.id = tt.track_id WHERE x.kind = ? {also} GROUP BY x.id"
    " ORDER BY COUNT(*) DESC, x.name"
)
_DECADES = (
    "SELECT (t.year / 10) * 10 AS decade, COUNT(*) FROM tracks t WHERE t.year > 0 {also}"
    " GROUP BY decade ORDER BY decade"
)


def _scope(source_ids: Sequence[int]) -> str:
    return f"t.source_id IN ({marks(source_ids)})" if source_ids else ""


def genre_counts(conn: sqlite3.Connection, source_ids: Sequence[int] = ()) -> list[tuple[str, int]]:
    """Every genre with its number of tracks."""
    scope = _scope(source_ids)
    sql = _GENRES.format(where=f"WHERE {scope}" if scope else "")
    return [(str(name), int(n)) for name, n in conn.execute(sql, list(source_ids))]


def mood_counts(conn: sqlite3.Connection, source_ids: Sequence[int] = ()) -> list[tuple[str, int]]:
    """Every Plex mood tag with its number of tracks."""
    scope = _scope(source_ids)
    sql = _TAGS.format(also=f"AND {scope}" if scope else "")
    return [(str(name), int(n)) for name, n in conn.execute(sql, ["mood", *source_ids])]


def decade_counts(conn: sqlite3.Connection, source_ids: Sequence[int] = ()) -> list[tuple[int, int]]:
    """Each decade that has dated tracks (1990 for the 1990s), oldest first, with its tracks."""
    scope = _scope(source_ids)
    sql = _DECADES.format(also=f"AND {scope}" if scope else "")
    return [(int(decade), int(n)) for decade, n in conn.execute(sql, list(source_ids))]
