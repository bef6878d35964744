"""Read queries: tracks by filters, full-text search (FTS5, bm25), the genre, mood and style names."""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from plexmix.storage.models import normalize_tag
from plexmix.storage.sql_helpers import ARTISTS_NAMED, marks

if TYPE_CHECKING:
    import numpy as np


@dataclass
class TrackFilters:
    """Hard constraints on tracks. Empty lists and ``None`` mean "no constraint"."""

    genres: list[str] = field(default_factory=list)  # any of these genres (or styles of these names)
    year_min: int | None = None
    year_max: int | None = None
    rating_min: float | None = None  # Plex 0-10 scale
    artists: list[str] = field(default_factory=list)  # any of these artist names (case-insensitive)
    moods: list[str] = field(default_factory=list)  # any of these moods
    styles: list[str] = field(default_factory=list)  # any of these Plex styles (sub-genres)
    exclude_played_since: int | None = None  # epoch seconds: drop tracks played after this
    exclude_artists: list[str] = field(default_factory=list)
    exclude_genres: list[str] = field(default_factory=list)
    exclude_moods: list[str] = field(default_factory=list)
    exclude_styles: list[str] = field(default_factory=list)
    duration_min_ms: int | None = None  # tracks of unknown length never pass a duration bound
    duration_max_ms: int | None = None
    play_count_min: int | None = None  # "most played": at least once; "never played": max 0
    play_count_max: int | None = None
    source_ids: list[int] = field(default_factory=list)  # only these music libraries (storage.sources)
    added_since: int | None = None  # epoch seconds: only tracks added to Plex at or after this

    def is_empty(self) -> bool:
        return not (
            self.genres or self.artists or self.moods or self.styles or self.source_ids
            or self.exclude_artists or self.exclude_genres or self.exclude_moods or self.exclude_styles
            or self.year_min is not None or self.year_max is not None
            or self.rating_min is not None or self.exclude_played_since is not None
            or self.duration_min_ms is not None or self.duration_max_ms is not None
            or self.play_count_min is not None or self.play_count_max is not None
            or self.added_since is not None
        )

    def matches(self, *, year: int | None, rating: float | None, artist: str | None,
                genres: list[str], moods: list[str] | None = None,
                last_played: int | None = None, duration_ms: int | None = None,
                styles: list[str] | None = None, play_count: int = 0, source_id: int = 1,
                added_at: int | None = None) -> bool:
        """The same rules as :func:`filter_sql`, for checking a track in Python."""
        if self.source_ids and source_id not in self.source_ids:
            return False
        if self.added_since is not None and (added_at is None or added_at < self.added_since):
            return False
        artist_l = (artist or "").casefold()
        mood_set = set(moods or [])
        style_set = set(styles or [])
        genre_set = set(genres) | style_set  # a genre named is met by a style of that name too
        if self.styles and not style_set & {normalize_tag(s) for s in self.styles}:
            return False
        if self.exclude_styles and style_set & {normalize_tag(s) for s in self.exclude_styles}:
            return False
        if self.genres and not genre_set & {normalize_tag(g) for g in self.genres}:
            return False
        if self.moods and not mood_set & {normalize_tag(m) for m in self.moods}:
            return False
        if self.exclude_moods and mood_set & {normalize_tag(m) for m in self.exclude_moods}:
            return False
        if self.duration_min_ms is not None and (duration_ms is None or duration_ms < self.duration_min_ms):
            return False
        if self.duration_max_ms is not None and (duration_ms is None or duration_ms > self.duration_max_ms):
            return False
        if self.play_count_min is not None and play_count < self.play_count_min:
            return False
        if self.play_count_max is not None and play_count > self.play_count_max:
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


def unaccent(text: str) -> str:
    """Lower case without accents ("Beyoncé" -> "beyonce"): how names in a mood are compared."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def _unaccent(value: str | None) -> str | None:
    return unaccent(value) if isinstance(value, str) else value


def register_functions(conn: sqlite3.Connection) -> None:
    """SQL functions the filters use: ``plexmix_fold`` is Unicode case folding (SQLite's
    ``lower()`` folds ASCII only, so 'DJ Ötzi' would never match 'dj ötzi'); ``plexmix_unaccent``
    is :func:`unaccent`."""
    conn.create_function("plexmix_fold", 1, _fold, deterministic=True)
    conn.create_function("plexmix_unaccent", 1, _unaccent, deterministic=True)


_GENRE_TRACKS = (
    "SELECT tg.track_id FROM track_genres tg JOIN genres g ON g.id = tg.genre_id WHERE g.name IN ({marks})"
)
_TAG_TRACKS = (
    "SELECT tt.track_id FROM track_tags tt JOIN tags x ON x.id = tt.tag_id"
    " WHERE x.kind = '{kind}' AND x.name IN ({{marks}})"
)
_MOOD_TRACKS = _TAG_TRACKS.format(kind="mood")
_STYLE_TRACKS = _TAG_TRACKS.format(kind="style")
# A genre named is met by the genre or by a Plex style of that name ("reggaeton" may be either).
_GENRE_OR_STYLE_TRACKS = f"{_GENRE_TRACKS} UNION ALL {_STYLE_TRACKS}"


def _own(tracks_sql: str, probe: bool) -> str:
    """A set of track ids; with ``probe`` only the row's own id ({a}) in it, so SQLite reads it
    by primary key per row instead of listing the whole set first (a third of a million ids
    for a common mood, when a full-text search only needs to check a few hundred rows)."""
    if not probe:
        return tracks_sql
    parts = tracks_sql.split(" UNION ALL ")
    return " UNION ALL ".join(f"{part} AND {part.split()[1]} = {{a}}.id" for part in parts)


def filter_sql(filters: TrackFilters, alias: str = "t", *, probe: bool = False) -> tuple[str, list[object]]:
    """A WHERE clause (without the keyword) over ``tracks AS alias`` and its parameters; with
    ``probe`` (for a query that checks few rows) the tag sets are read per row (see :func:`_own`).

    The connection must have :func:`register_functions` (SQLiteManager does it).
    """
    tag_sets = (_GENRE_OR_STYLE_TRACKS, _MOOD_TRACKS, _STYLE_TRACKS)
    genres, moods, styles = (_own(sql, probe) for sql in tag_sets)
    # Each name list: the names, how they are compared, the clause ({a}: the alias).
    name_lists: list[tuple[list[str], Callable[[str], str], str]] = [
        (filters.genres, normalize_tag, f"{{a}}.id IN ({genres})"),
        (filters.moods, normalize_tag, f"{{a}}.id IN ({moods})"),
        (filters.styles, normalize_tag, f"{{a}}.id IN ({styles})"),
        (filters.artists, str.casefold, f"{{a}}.artist_id IN ({ARTISTS_NAMED})"),
        (filters.exclude_artists, str.casefold,
         f"({{a}}.artist_id IS NULL OR {{a}}.artist_id NOT IN ({ARTISTS_NAMED}))"),
        (filters.exclude_genres, normalize_tag, f"{{a}}.id NOT IN ({genres})"),
        (filters.exclude_moods, normalize_tag, f"{{a}}.id NOT IN ({moods})"),
        (filters.exclude_styles, normalize_tag, f"{{a}}.id NOT IN ({styles})"),
    ]
    bounds: list[tuple[float | None, str]] = [
        (filters.year_min, "{a}.year >= ?"),
        (filters.year_max, "{a}.year <= ?"),
        (filters.rating_min, "{a}.rating >= ?"),
        (filters.exclude_played_since, "({a}.last_played IS NULL OR {a}.last_played < ?)"),
        (filters.duration_min_ms, "{a}.duration_ms >= ?"),
        (filters.duration_max_ms, "{a}.duration_ms <= ?"),
        (filters.play_count_min, "{a}.play_count >= ?"),
        (filters.play_count_max, "{a}.play_count <= ?"),
        (filters.added_since, "{a}.added_at >= ?"),
    ]
    clauses: list[str] = []
    params: list[object] = []
    if filters.source_ids:
        clauses.append(f"{alias}.source_id IN ({marks(filters.source_ids)})")
        params.extend(filters.source_ids)
    for names, compared, clause in name_lists:
        if names:
            values = [compared(name) for name in names]
            clauses.append(clause.format(a=alias, marks=marks(values)))
            params.extend(values * clause.count("{marks}"))
    for bound, clause in bounds:
        if bound is not None:
            clauses.append(clause.format(a=alias))
            params.append(bound)
    return (" AND ".join(clauses) or "1"), params


_TAG_SETS = (("genres", _GENRE_OR_STYLE_TRACKS), ("moods", _MOOD_TRACKS), ("styles", _STYLE_TRACKS))


def track_ids(conn: sqlite3.Connection, filters: TrackFilters) -> np.ndarray:
    """The ids (ascending, int64) of the tracks that pass ``filters``.

    A million-track library may have hundreds of thousands: they come back as one string built
    in C (group_concat), not row by row. Filters that only name genres, moods or styles are read
    from the tag indexes (moods and styles from their stored carriers) alone, without visiting
    every matching track."""
    import numpy as np

    from plexmix.storage.id_arrays import sorted_unique

    register_functions(conn)
    if filters.is_empty() or not replace(filters, genres=[], moods=[], styles=[]).is_empty():
        where, params = filter_sql(filters)
        return sorted_unique(id_array(conn, f"SELECT t.id FROM tracks t WHERE {where}", params))
    from plexmix.storage import tag_carriers

    found: np.ndarray | None = None
    for name, sql in _TAG_SETS:
        if values := [normalize_tag(n) for n in getattr(filters, name)]:
            if name != "genres":  # moods and styles: from their carriers (stored when common)
                ids = tag_carriers.carrying_any(conn, name[:-1], values)
            else:
                names = values * sql.count("{marks}")
                ids = sorted_unique(id_array(conn, sql.format(marks=marks(values)), names))
            found = ids if found is None else np.intersect1d(found, ids, assume_unique=True)
    assert found is not None  # at least one name list is set
    return found


def id_array(conn: sqlite3.Connection, sql: str, params: Sequence[object]) -> np.ndarray:
    """The ids ``sql`` (one integer column) selects, in the order it gives them."""
    import numpy as np

    row = conn.execute(f"WITH found(id) AS ({sql}) SELECT group_concat(id) FROM found", params).fetchone()
    if not row or row[0] is None:
        return np.zeros(0, dtype=np.int64)
    return np.fromstring(row[0], dtype=np.int64, sep=",")


_TOKEN = re.compile(r"\w+", re.UNICODE)
NAMED_WORDS = 2  # over a budget, this many common words are still looked for in the song's names


def fts_query(text: str) -> str | None:
    """Turn free text into a safe FTS5 query: every word quoted, any word may match."""
    return " OR ".join(_phrases(text)) or None


def _phrases(text: str) -> list[str]:
    """Each word of ``text`` once, lower-cased and quoted as an FTS5 phrase."""
    return [f'"{w}"' for w in dict.fromkeys(w.lower() for w in _TOKEN.findall(text))]


def search_fts(
    conn: sqlite3.Connection, text: str, limit: int = 50, filters: TrackFilters | None = None,
    *, budget: int | None = None,
) -> list[tuple[int, float]]:
    """Track ids ranked by bm25 (best first) with a positive relevance score (higher is better).

    bm25 reads every row a word matches, so with ``budget`` the ranking reads at most that many
    rows (see :func:`_affordable`). Words that together match fewer rows are all kept, so the
    result is then the same as without it."""
    phrases = _phrases(text) if budget is None else _affordable(conn, _phrases(text), budget)
    if not phrases:
        return []
    register_functions(conn)
    where, params = filter_sql(filters or TrackFilters(), probe=budget is not None)
    tracks = "" if where == "1" else f"JOIN tracks t ON t.id = f.rowid WHERE {where} AND"
    sql = (
        "SELECT f.rowid, bm25(tracks_fts, 10.0, 5.0, 3.0, 4.0, 2.0) AS rank FROM tracks_fts f "
        f"{tracks or 'WHERE'} tracks_fts MATCH ? ORDER BY rank LIMIT ?"
    )
    return [(row[0], -float(row[1])) for row in conn.execute(sql, [*params, " OR ".join(phrases), limit])]


def _affordable(conn: sqlite3.Connection, phrases: list[str], budget: int) -> list[str]:
    """Those of the FTS5 ``phrases`` whose matching rows add up to at most ``budget``.

    All of them when they fit. Otherwise a word that alone matches more rows (a genre or mood on
    a sixth of a million tracks) counts only where it names the song (title, artist or album:
    "Life of the Party"), and then the rarest phrases are kept while they fit; a common word
    weighs little in bm25 anyway. Looking in those columns still reads every row of the word,
    so only the first :data:`NAMED_WORDS` such words (the user's own come before the moods a
    mood implies) are kept that way; the others are left to the vectors and tag rankings. Each
    count stops past the budget."""
    count = "SELECT COUNT(*) FROM (SELECT 1 FROM tracks_fts WHERE tracks_fts MATCH ? LIMIT ?)"

    def rows(phrase: str) -> int:
        return int(conn.execute(count, [phrase, budget + 1]).fetchone()[0])

    found = {phrase: rows(phrase) for phrase in phrases}
    if sum(found.values()) <= budget:
        return phrases
    common = [phrase for phrase in phrases if found[phrase] > budget]
    named = {phrase: f"{{title artist album}} : {phrase}" for phrase in common[:NAMED_WORDS]}
    phrases = [named.get(phrase, phrase) for phrase in phrases if phrase not in common or phrase in named]
    found.update({phrase: rows(phrase) for phrase in named.values()})
    kept: list[str] = []
    total = 0
    for phrase in sorted(phrases, key=lambda p: (found[p], p)):
        total += found[phrase]
        if total > budget:
            break
        kept.append(phrase)
    return [phrase for phrase in phrases if phrase in kept]


_ORDERS = {
    "loved": "COALESCE(t.rating, 0) DESC, t.play_count DESC, t.id",
    "plays": "t.play_count DESC, COALESCE(t.rating, 0) DESC, t.id",
}


def best_loved_track_ids(
    conn: sqlite3.Connection, filters: TrackFilters, limit: int, *, by: str = "loved"
) -> list[int]:
    """Ids of the tracks that pass ``filters``: best rated and most played first (``by="loved"``)
    or most played and best rated first (``by="plays"``)."""
    register_functions(conn)
    where, params = filter_sql(filters)
    sql = f"SELECT t.id FROM tracks t WHERE {where} ORDER BY {_ORDERS[by]} LIMIT ?"
    return [row[0] for row in conn.execute(sql, [*params, limit])]


def _names(conn: sqlite3.Connection, sql: str, params: Sequence[str] = ()) -> list[str]:
    """The first column as a list, read as plain tuples (a library may have tens of thousands of
    artists, and the mood parser reads them on every ``create``)."""
    cursor = conn.cursor()
    cursor.row_factory = None
    return [row[0] for row in cursor.execute(sql, params)]


def genre_names(conn: sqlite3.Connection) -> list[str]:
    """Every genre name, unsorted."""
    return _names(conn, "SELECT name FROM genres")


def mood_names(conn: sqlite3.Connection) -> list[str]:
    """Every Plex mood tag name, unsorted."""
    return _names(conn, "SELECT name FROM tags WHERE kind = 'mood'")


def names_by_use(conn: sqlite3.Connection, kind: str) -> list[str]:
    """Genre ("genre"), mood or style names, those on most tracks first (what a planning prompt
    lists when it can list only some)."""
    if kind == "genre":
        sql = ("SELECT g.name FROM genres g LEFT JOIN track_genres tg ON tg.genre_id = g.id"
               " GROUP BY g.id ORDER BY COUNT(tg.track_id) DESC, g.name")
        return _names(conn, sql)
    sql = ("SELECT x.name FROM tags x LEFT JOIN track_tags tt ON tt.tag_id = x.id WHERE x.kind = ?"
           " GROUP BY x.id ORDER BY COUNT(tt.track_id) DESC, x.name")
    return _names(conn, sql, [kind])


def style_names(conn: sqlite3.Connection) -> list[str]:
    """Every Plex style tag name (sub-genres such as "Reggaeton" or "Hard Rock"), unsorted."""
    return _names(conn, "SELECT name FROM tags WHERE kind = 'style'")


def newest_year(conn: sqlite3.Connection) -> int | None:
    """The latest release year in the library ("this year" means this one, not the clock's)."""
    row = conn.execute("SELECT MAX(year) FROM tracks").fetchone()
    return int(row[0]) if row and row[0] is not None else None
