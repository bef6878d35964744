"""Queries for songs like a seed and for preferences: the versions of a titled song, an artist's
best-loved tracks and years, tracks sharing the seeds' tags, and library ids of Plex keys (Plex's
sonic neighbours). Tracks carrying preferred moods or styles: storage/tagged.py."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from plexmix.storage.queries import TrackFilters, filter_sql, register_functions, unaccent
from plexmix.storage.sql_helpers import ARTISTS_NAMED, MAX_KEYS, marks


def tracks_titled(conn: sqlite3.Connection, title: str, artist: str | None = None) -> list[int]:
    """Ids of the tracks called ``title`` (case and accents aside; "Title - Remastered 2011" and
    "Title (Live)" count), by ``artist`` when given (the library's name), best loved first."""
    register_functions(conn)
    wanted = unaccent(title).strip()
    if not wanted:
        return []
    sql = (
        "SELECT t.id FROM tracks t LEFT JOIN artists ar ON ar.id = t.artist_id"
        " WHERE substr(plexmix_unaccent(t.title), 1, ?) = ?"
        " AND (length(t.title) = ? OR substr(plexmix_unaccent(t.title), ? + 1, 2) IN (' -', ' (', ' ['))"
    )
    params: list[object] = [len(wanted), wanted, len(wanted), len(wanted)]
    if artist is not None:
        sql += " AND plexmix_unaccent(ar.name) = ?"
        params.append(unaccent(artist))
    sql += " ORDER BY COALESCE(t.rating, 0) DESC, t.play_count DESC, t.id"
    return [row[0] for row in conn.execute(sql, params)]


def tracks_by_artist(conn: sqlite3.Connection, artist: str, limit: int) -> list[int]:
    """Ids of ``artist``'s tracks (the library's name, case aside), best loved first."""
    register_functions(conn)
    sql = (
        f"SELECT t.id FROM tracks t WHERE t.artist_id IN ({ARTISTS_NAMED.format(marks='?')})"
        " ORDER BY COALESCE(t.rating, 0) DESC, t.play_count DESC, t.id LIMIT ?"
    )
    return [row[0] for row in conn.execute(sql, [artist.casefold(), limit])]


def artist_years(conn: sqlite3.Connection, artist: str) -> tuple[int, int] | None:
    """The first and last release year of ``artist``'s tracks (None: no years known)."""
    register_functions(conn)
    named = ARTISTS_NAMED.format(marks="?")
    sql = f"SELECT MIN(t.year), MAX(t.year) FROM tracks t WHERE t.artist_id IN ({named})"
    row = conn.execute(sql, [artist.casefold()]).fetchone()
    return (int(row[0]), int(row[1])) if row and row[0] is not None else None


def tracks_sharing_tags(
    conn: sqlite3.Connection, seed_ids: Sequence[int], filters: TrackFilters, limit: int
) -> list[int]:
    """Ids of the tracks that pass ``filters`` and share genres, styles or moods with the seeds,
    most shared first, then nearest in year to the seeds' mean year. A shared tag weighs by how
    many seeds carry it (an artist's main genre over a stray one), times 3 for a genre, 2 for a
    style, 1 for a mood."""
    if not seed_ids:
        return []
    register_functions(conn)
    seeds = list(seed_ids)[: MAX_KEYS // 4]
    seed_marks = marks(seeds)
    where, params = filter_sql(filters)
    sql = (
        "WITH seed_genres(genre_id, n) AS (SELECT genre_id, COUNT(*) FROM track_genres"
        f"  WHERE track_id IN ({seed_marks}) GROUP BY genre_id),"
        " seed_tags(tag_id, weight) AS ("
        "  SELECT tt.tag_id, COUNT(*) * (CASE x.kind WHEN 'style' THEN 2 ELSE 1 END)"
        "  FROM track_tags tt JOIN tags x ON x.id = tt.tag_id"
        f"  WHERE tt.track_id IN ({seed_marks}) GROUP BY tt.tag_id),"
        " shared(track_id, weight) AS ("
        "  SELECT tg.track_id, 3 * sg.n FROM track_genres tg JOIN seed_genres sg ON sg.genre_id = tg.genre_id"
        "  UNION ALL"
        "  SELECT tt.track_id, st.weight FROM track_tags tt JOIN seed_tags st ON st.tag_id = tt.tag_id),"
        f" era(year) AS (SELECT AVG(year) FROM tracks WHERE id IN ({seed_marks}))"
        " SELECT t.id FROM shared s JOIN tracks t ON t.id = s.track_id"
        f" WHERE {where} GROUP BY t.id"
        " ORDER BY SUM(s.weight) DESC, ABS(COALESCE(t.year, 0) - COALESCE((SELECT year FROM era), 0)), t.id"
        " LIMIT ?"
    )
    return [row[0] for row in conn.execute(sql, [*seeds, *seeds, *seeds, *params, limit])]


def track_ids_by_plex_key(conn: sqlite3.Connection, plex_keys: Sequence[str]) -> dict[str, int]:
    """The library's track ids of these Plex ratingKeys (unknown keys are left out)."""
    found: dict[str, int] = {}
    keys = list(dict.fromkeys(plex_keys))
    for i in range(0, len(keys), MAX_KEYS):
        chunk = keys[i : i + MAX_KEYS]
        sql = f"SELECT plex_key, id FROM tracks WHERE plex_key IN ({marks(chunk)})"
        found.update((str(row[0]), int(row[1])) for row in conn.execute(sql, chunk))
    return found
