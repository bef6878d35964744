"""Read queries: tracks by filters and full-text search (FTS5, bm25)."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field

from plexmix.storage.models import normalize_tag


@dataclass
class TrackFilters:
    """Hard constraints on tracks. Empty lists and ``None`` mean "no constraint"."""

    genres: list[str] = field(default_factory=list)  # any of these genres
    year_min: int | None = None
    year_max: int | None = None
    rating_min: float | None = None  # Plex 0-10 scale
    artists: list[str] = field(default_factory=list)  # any of these artist names (case-insensitive)
    moods: list[str] = field(default_factory=list)  # any of these moods
    exclude_played_since: int | None = None  # epoch seconds: drop tracks played after this
    exclude_artists: list[str] = field(default_factory=list)
    exclude_genres: list[str] = field(default_factory=list)

    def is_empty(self) -> bool:
        return not (
            self.genres or self.artists or self.moods or self.exclude_artists or self.exclude_genres
            or self.year_min is not None or self.year_max is not None
            or self.rating_min is not None or self.exclude_played_since is not None
        )  # fmt: skip

    def matches(self, *, year: int | None, rating: float | None, artist: str | None,
                genres: list[str], moods: list[str] | None = None,
                last_played: int | None = None) -> bool:  # fmt: skip
        """The same rules as :func:`filter_sql`, for checking a track in Python."""
        artist_l = (artist or "").casefold()
        genre_set = set(genres)
        if self.genres and not genre_set & {normalize_tag(g) for g in self.genres}:
            return False
        if self.moods and not set(moods or []) & {normalize_tag(m) for m in self.moods}:
            return False
        if self.year_min is not None and (year is None or year < self.year_min):
            return False
        if self.year_max is not None and (year is None or year > self.year_max):
            return False
        if self.rating_min is not None and (rating is None or rating < self.rating_min):
            return False
        if self.artists and artist_l not in {a.casefold() for a in self.artists}:
            return False
        if self.exclude_artists and artist_l in {a.casefold() for a in self.exclude_artists}:
            return False
        if self.exclude_genres and genre_set & {normalize_tag(g) for g in self.exclude_genres}:
            return False
        return not (
            self.exclude_played_since is not None
            and last_played is not None
            and last_played >= self.exclude_played_since
        )


def _fold(value: str | None) -> str | None:
    return value.casefold() if isinstance(value, str) else value


def register_functions(conn: sqlite3.Connection) -> None:
    """SQL functions the filters use: ``plexmix_fold`` is Unicode case folding (SQLite's
    ``lower()`` folds ASCII only, so 'DJ Ötzi' would never match 'dj ötzi')."""
    conn.create_function("plexmix_fold", 1, _fold, deterministic=True)


def filter_sql(filters: TrackFilters, alias: str = "t") -> tuple[str, list[object]]:
    """A WHERE clause (without the keyword) over ``tracks AS alias`` and its parameters.

    The connection must have :func:`register_functions` (SQLiteManager does it).
    """
    clauses: list[str] = []
    params: list[object] = []
    if filters.genres:
        names = [normalize_tag(g) for g in filters.genres]
        clauses.append(
            f"{alias}.id IN (SELECT tg.track_id FROM track_genres tg JOIN genres g ON g.id = tg.genre_id"
            f" WHERE g.name IN ({','.join('?' * len(names))}))"
        )
        params.extend(names)
    if filters.moods:
        names = [normalize_tag(m) for m in filters.moods]
        clauses.append(
            f"{alias}.id IN (SELECT tt.track_id FROM track_tags tt JOIN tags x ON x.id = tt.tag_id"
            f" WHERE x.kind = 'mood' AND x.name IN ({','.join('?' * len(names))}))"
        )
        params.extend(names)
    if filters.year_min is not None:
        clauses.append(f"{alias}.year >= ?")
        params.append(filters.year_min)
    if filters.year_max is not None:
        clauses.append(f"{alias}.year <= ?")
        params.append(filters.year_max)
    if filters.rating_min is not None:
        clauses.append(f"{alias}.rating >= ?")
        params.append(filters.rating_min)
    if filters.artists:
        clauses.append(
            f"{alias}.artist_id IN (SELECT id FROM artists WHERE plexmix_fold(name) IN"
            f" ({','.join('?' * len(filters.artists))}))"
        )
        params.extend(a.casefold() for a in filters.artists)
    if filters.exclude_artists:
        clauses.append(
            f"({alias}.artist_id IS NULL OR {alias}.artist_id NOT IN (SELECT id FROM artists WHERE"
            f" plexmix_fold(name) IN ({','.join('?' * len(filters.exclude_artists))})))"
        )
        params.extend(a.casefold() for a in filters.exclude_artists)
    if filters.exclude_genres:
        names = [normalize_tag(g) for g in filters.exclude_genres]
        clauses.append(
            f"{alias}.id NOT IN (SELECT tg.track_id FROM track_genres tg JOIN genres g"
            f" ON g.id = tg.genre_id WHERE g.name IN ({','.join('?' * len(names))}))"
        )
        params.extend(names)
    if filters.exclude_played_since is not None:
        clauses.append(f"({alias}.last_played IS NULL OR {alias}.last_played < ?)")
        params.append(filters.exclude_played_since)
    return (" AND ".join(clauses) or "1"), params


def find_track_ids(conn: sqlite3.Connection, filters: TrackFilters) -> list[int]:
    register_functions(conn)
    where, params = filter_sql(filters)
    return [row[0] for row in conn.execute(f"SELECT t.id FROM tracks t WHERE {where}", params)]


_TOKEN = re.compile(r"\w+", re.UNICODE)


def fts_query(text: str) -> str | None:
    """Turn free text into a safe FTS5 query: every word quoted, any word may match."""
    words = _TOKEN.findall(text)
    if not words:
        return None
    return " OR ".join(f'"{w}"' for w in dict.fromkeys(w.lower() for w in words))


def search_fts(
    conn: sqlite3.Connection, text: str, limit: int = 50, filters: TrackFilters | None = None
) -> list[tuple[int, float]]:
    """Track ids ranked by bm25 (best first) with a positive relevance score (higher is better)."""
    query = fts_query(text)
    if query is None:
        return []
    register_functions(conn)
    where, params = filter_sql(filters or TrackFilters())
    sql = (
        "SELECT f.rowid, bm25(tracks_fts, 10.0, 5.0, 3.0, 4.0, 2.0) AS rank FROM tracks_fts f "
        f"JOIN tracks t ON t.id = f.rowid WHERE tracks_fts MATCH ? AND {where} "
        "ORDER BY rank LIMIT ?"
    )
    return [(row[0], -float(row[1])) for row in conn.execute(sql, [query, *params, limit])]


def genre_names(conn: sqlite3.Connection) -> list[str]:
    return [row[0] for row in conn.execute("SELECT name FROM genres ORDER BY name")]


def mood_names(conn: sqlite3.Connection) -> list[str]:
    return [row[0] for row in conn.execute("SELECT name FROM tags WHERE kind = 'mood' ORDER BY name")]


def artist_names(conn: sqlite3.Connection) -> list[str]:
    return [row[0] for row in conn.execute("SELECT name FROM artists ORDER BY name")]
