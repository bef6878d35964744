"""The stored library as a whole: what the sync and the verify step ask of it.

Keys and counts, the tags and years tracks inherit from their albums and artists, the tracks of
given albums or artists, the newest Plex timestamp stored (the next incremental sync's
watermark), orphans and the health counts.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from plexmix.storage.library import chunks
from plexmix.storage.tags import TagTexts


def all_track_keys(conn: sqlite3.Connection, source_id: int | None = None) -> set[str]:
    """Plex keys of every stored track, or of one music library's (``source_id``)."""
    if source_id is None:
        return {k for (k,) in conn.execute("SELECT plex_key FROM tracks")}
    return {k for (k,) in conn.execute("SELECT plex_key FROM tracks WHERE source_id = ?", (source_id,))}


def track_count(conn: sqlite3.Connection, source_id: int | None = None) -> int:
    """Stored tracks, all or one music library's (``source_id``)."""
    only = "SELECT NOT EXISTS (SELECT 1 FROM sources WHERE id <> ?)"
    if source_id is None or conn.execute(only, (source_id,)).fetchone()[0]:  # no scan of source_id
        return int(conn.execute("SELECT COUNT(*) FROM tracks").fetchone()[0])
    return int(conn.execute("SELECT COUNT(*) FROM tracks WHERE source_id = ?", (source_id,)).fetchone()[0])


def counts(conn: sqlite3.Connection) -> dict[str, int]:
    return {
        table: conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        for table in ("artists", "albums", "tracks", "genres", "embeddings", "playlists")
    }


def source_counts(conn: sqlite3.Connection, source_id: int) -> dict[str, int]:
    """Artists, albums and tracks of one music library (``source_id``)."""
    return {
        table: conn.execute(f"SELECT COUNT(*) FROM {table} WHERE source_id = ?", (source_id,)).fetchone()[0]
        for table in ("artists", "albums", "tracks")
    }


def album_years(conn: sqlite3.Connection, keys: Sequence[str] | None = None) -> dict[str, int | None]:
    """plex_key -> year of every album, or of those of ``keys`` (a track without a year takes
    its album's)."""
    sql = "SELECT plex_key, year FROM albums"
    return dict(_rows_by_key(conn, sql, keys))


def tag_map(conn: sqlite3.Connection, table: str, keys: Sequence[str] | None = None) -> dict[str, TagTexts]:
    """plex_key -> the stored (genres, moods, styles) texts of every album or artist, or of
    those of ``keys``."""
    if table not in ("artists", "albums"):
        raise ValueError(table)
    sql = f"SELECT plex_key, genres_text, moods_text, styles_text FROM {table}"
    return {key: (g, m, s) for key, g, m, s in _rows_by_key(conn, sql, keys)}


def _rows_by_key(conn: sqlite3.Connection, sql: str, keys: Sequence[str] | None) -> list[tuple[Any, ...]]:
    """The rows of ``sql`` (a SELECT whose first column is plex_key): all, or those of ``keys``."""
    if keys is None:
        return [tuple(row) for row in conn.execute(sql)]
    rows: list[tuple[Any, ...]] = []
    for part in chunks(list(keys)):
        marks = ",".join("?" * len(part))
        rows.extend(tuple(r) for r in conn.execute(f"{sql} WHERE plex_key IN ({marks})", part))
    return rows


def track_keys_of(
    conn: sqlite3.Connection, album_keys: Sequence[str], artist_keys: Sequence[str]
) -> list[str]:
    """Plex keys of the stored tracks of these albums and artists (each once, albums' first)."""
    keys: list[str] = []
    lookups = (("album_id", "albums", album_keys), ("artist_id", "artists", artist_keys))
    for column, table, wanted in lookups:
        for part in chunks(list(wanted)):
            sql = (
                f"SELECT t.plex_key FROM tracks t JOIN {table} x ON x.id = t.{column} "
                f"WHERE x.plex_key IN ({','.join('?' * len(part))})"
            )
            keys.extend(row[0] for row in conn.execute(sql, part))
    return list(dict.fromkeys(keys))


def newest_timestamp(conn: sqlite3.Connection) -> int | None:
    """The newest Plex ``updatedAt``/``addedAt`` stored for any track, album or artist."""
    marks = [
        conn.execute(
            f"SELECT MAX(MAX(COALESCE(updated_at, 0)), MAX(COALESCE(added_at, 0))) FROM {table}"
        ).fetchone()[0]
        or 0
        for table in ("tracks", "albums", "artists")
    ]
    return max(marks) or None


def newest_play(conn: sqlite3.Connection) -> int | None:
    """The newest Plex ``lastViewedAt`` stored (None: no track was ever played)."""
    # The WHERE lets SQLite read the maximum from the partial index of migration 14.
    return conn.execute("SELECT MAX(last_played) FROM tracks WHERE last_played IS NOT NULL").fetchone()[0]


def has_unknown_tags(conn: sqlite3.Connection) -> bool:
    """True when some album or artist has tags not known to be read from Plex (rows from before schema 7)."""
    sql = (
        "SELECT EXISTS (SELECT 1 FROM albums WHERE tags_synced = 0) "
        "OR EXISTS (SELECT 1 FROM artists WHERE tags_synced = 0)"
    )
    return bool(conn.execute(sql).fetchone()[0])


# A stored track's tags of one kind are right if they equal what it inherits now (album, else
# artist): a track's own tags win over inherited ones, so either way that is what Plex gives.
_INHERITED = "COALESCE(NULLIF(al.{0}, ''), ar.{0}, '')"
_STALE_TRACKS_SQL = (
    "SELECT t.plex_key FROM tracks t LEFT JOIN albums al ON al.id = t.album_id "
    "LEFT JOIN artists ar ON ar.id = t.artist_id "
    "WHERE (al.tags_synced = 0 OR ar.tags_synced = 0) AND ("
    + " OR ".join(f"t.{c} != {_INHERITED.format(c)}" for c in ("genres_text", "moods_text", "styles_text"))
    + ") ORDER BY t.id"
)


def tracks_with_stale_tags(conn: sqlite3.Connection) -> list[str]:
    """Plex keys of tracks of albums/artists with unknown tags whose tags may be wrong.

    Call it after the album and artist tags were stored. A track listed here either has its own
    tags (which differ from the inherited ones) or was written while the album's tags were
    unknown: only Plex can tell, so the sync reads these tracks again.
    """
    return [key for (key,) in conn.execute(_STALE_TRACKS_SQL)]


def mark_tags_synced(conn: sqlite3.Connection) -> None:
    """Every album and artist now has its tags from Plex, and every track inherited them."""
    conn.execute("UPDATE albums SET tags_synced = 1 WHERE tags_synced = 0")
    conn.execute("UPDATE artists SET tags_synced = 1 WHERE tags_synced = 0")


def analysis_known(conn: sqlite3.Connection) -> bool:
    """False while tracks stored before schema 8 may lack their sonic analysis version."""
    return bool(conn.execute("SELECT analysis_known FROM mirror_state WHERE id = 1").fetchone()[0])


def mark_analysis_known(conn: sqlite3.Connection) -> None:
    """Every stored track now has the analysis version Plex gives it."""
    conn.execute("UPDATE mirror_state SET analysis_known = 1 WHERE id = 1")


_ORPHAN_ALBUM = "NOT EXISTS (SELECT 1 FROM tracks t WHERE t.album_id = {0}.id)"
_ORPHAN_ARTIST = (
    "NOT EXISTS (SELECT 1 FROM tracks t WHERE t.artist_id = {0}.id)"
    " AND NOT EXISTS (SELECT 1 FROM albums b WHERE b.artist_id = {0}.id)"
)


def delete_orphans(conn: sqlite3.Connection) -> tuple[int, int]:
    """Remove albums without tracks and artists without albums or tracks."""
    albums = conn.execute(f"DELETE FROM albums WHERE {_ORPHAN_ALBUM.format('albums')}").rowcount
    artists = conn.execute(f"DELETE FROM artists WHERE {_ORPHAN_ARTIST.format('artists')}").rowcount
    return albums, artists


@dataclass(kw_only=True)
class LibraryHealth:
    """Counts that should all be zero, but ``fts_rows``, which should equal the track count."""

    tracks_without_album: int
    tracks_without_artist: int
    orphan_albums: int
    orphan_artists: int
    fts_rows: int


_HEALTH_SQL = {
    "tracks_without_album": "SELECT COUNT(*) FROM tracks WHERE album_id IS NULL",
    "tracks_without_artist": "SELECT COUNT(*) FROM tracks WHERE artist_id IS NULL",
    "orphan_albums": f"SELECT COUNT(*) FROM albums a WHERE {_ORPHAN_ALBUM.format('a')}",
    "orphan_artists": f"SELECT COUNT(*) FROM artists a WHERE {_ORPHAN_ARTIST.format('a')}",
    "fts_rows": "SELECT COUNT(*) FROM tracks_fts",
}


def health(conn: sqlite3.Connection) -> LibraryHealth:
    return LibraryHealth(**{name: int(conn.execute(sql).fetchone()[0]) for name, sql in _HEALTH_SQL.items()})


def orphans_may_remain(conn: sqlite3.Connection, sync_id: int) -> bool:
    """True when the sync before ``sync_id`` (of any library) did not succeed: it may have written
    tracks and stopped before removing the albums and artists they left empty."""
    from plexmix.storage.history import SUCCESS

    row = conn.execute(
        "SELECT status FROM sync_history WHERE id < ? ORDER BY id DESC LIMIT 1", (sync_id,)
    ).fetchone()
    return row is not None and row[0] != SUCCESS
