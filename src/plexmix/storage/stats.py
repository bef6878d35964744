"""What the library holds, at a glance: tracks per decade and the most common genres and moods
(the charts of the web page's home)."""

from __future__ import annotations

import sqlite3


def tracks_per_decade(conn: sqlite3.Connection) -> list[tuple[int, int]]:
    """(decade, tracks) in order of decade; a track without a year takes its album's."""
    rows = conn.execute(
        "SELECT (COALESCE(t.year, a.year) / 10) * 10 AS decade, COUNT(*) FROM tracks t "
        "LEFT JOIN albums a ON a.id = t.album_id WHERE COALESCE(t.year, a.year) > 0 "
        "GROUP BY decade ORDER BY decade"
    )
    return [(int(decade), int(n)) for decade, n in rows]


def top_genres(conn: sqlite3.Connection, limit: int = 10) -> list[tuple[str, int]]:
    """The ``limit`` genres carried by the most tracks, with their track counts."""
    rows = conn.execute(
        "SELECT g.name, c.n FROM (SELECT genre_id, COUNT(*) AS n FROM track_genres GROUP BY genre_id "
        "ORDER BY n DESC LIMIT ?) c JOIN genres g ON g.id = c.genre_id ORDER BY c.n DESC, g.name",
        (limit,),
    )
    return [(str(name), int(n)) for name, n in rows]


def top_tags(conn: sqlite3.Connection, kind: str, limit: int = 10) -> list[tuple[str, int]]:
    """The ``limit`` tags of ``kind`` (``mood`` or ``style``) carried by the most tracks."""
    rows = conn.execute(  # counted on the covering index track_tags(tag_id, track_id)
        "SELECT t.name, c.n FROM (SELECT tag_id, COUNT(*) AS n FROM track_tags "
        "WHERE tag_id IN (SELECT id FROM tags WHERE kind = ?) GROUP BY tag_id) c "
        "JOIN tags t ON t.id = c.tag_id ORDER BY c.n DESC, t.name LIMIT ?",
        (kind, limit),
    )
    return [(str(name), int(n)) for name, n in rows]
