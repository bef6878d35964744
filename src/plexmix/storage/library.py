"""Writes and reads of the music library: artists, albums, tracks and their tags.

Writes are batched (``executemany``) and meant to run inside ``SQLiteManager.transaction()`` so a
failed batch rolls back whole. Unchanged rows are detected in Python and not written at all, which
keeps a repeated full sync cheap and the FTS triggers quiet.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from plexmix.storage.models import Album, AlbumLike, Artist, ArtistLike, Track, TrackLike

_MAX_PARAMS = 900  # stay under SQLite's default host-parameter limit on old builds


def chunks(items: Sequence[Any], size: int = _MAX_PARAMS) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def _placeholders(n: int) -> str:
    return ",".join("?" * n)


@dataclass
class UpsertCounts:
    added: int = 0
    updated: int = 0
    unchanged: int = 0

    def __iadd__(self, other: UpsertCounts) -> UpsertCounts:
        self.added += other.added
        self.updated += other.updated
        self.unchanged += other.unchanged
        return self


def key_map(conn: sqlite3.Connection, table: str, keys: Sequence[str] | None = None) -> dict[str, int]:
    """plex_key -> id for ``table`` (all rows, or only ``keys``)."""
    if table not in ("artists", "albums", "tracks"):
        raise ValueError(table)
    if keys is None:
        return {k: i for k, i in conn.execute(f"SELECT plex_key, id FROM {table}")}
    found: dict[str, int] = {}
    for part in chunks(list(keys)):
        sql = f"SELECT plex_key, id FROM {table} WHERE plex_key IN ({_placeholders(len(part))})"
        found.update({k: i for k, i in conn.execute(sql, part)})
    return found


_TAG_COLUMNS = "genres_text, moods_text, styles_text"
_ARTIST_COLUMNS = f"name, sort_name, summary, added_at, updated_at, {_TAG_COLUMNS}"
_ALBUM_COLUMNS = f"title, artist_id, year, added_at, updated_at, {_TAG_COLUMNS}"


def _upsert_sql(table: str, columns: str, *, new_tags_known: bool = False) -> str:
    """Insert or update by plex_key; ``new_tags_known`` marks inserted rows ``tags_synced = 1``.

    An update leaves ``tags_synced`` alone: only the sync step that re-derived the tracks of a row
    whose tags were unknown may mark it known (:func:`mark_tags_synced`).
    """
    names = [c.strip() for c in columns.split(",")]
    updates = ", ".join(f"{c} = excluded.{c}" for c in names)
    flag_column, flag_value = (", tags_synced", ", 1") if new_tags_known else ("", "")
    return (
        f"INSERT INTO {table} (plex_key, {columns}{flag_column}) "
        f"VALUES ({_placeholders(len(names) + 1)}{flag_value}) "
        f"ON CONFLICT(plex_key) DO UPDATE SET {updates}"
    )


def _tag_values(item: ArtistLike | AlbumLike | TrackLike) -> tuple[str, str, str]:
    return ", ".join(item.genres), ", ".join(item.moods), ", ".join(item.styles)


def upsert_artists(conn: sqlite3.Connection, artists: Sequence[ArtistLike]) -> UpsertCounts:
    """Insert or update artists with their tags (new rows are marked ``tags_synced``)."""
    existing = _existing_rows(conn, "artists", _ARTIST_COLUMNS, [a.plex_key for a in artists])
    rows, counts = [], UpsertCounts()
    for a in artists:
        values = (a.name, a.sort_name, a.summary, a.added_at, a.updated_at, *_tag_values(a))
        if _classify(existing.get(a.plex_key), values, counts):
            rows.append((a.plex_key, *values))
    conn.executemany(_upsert_sql("artists", _ARTIST_COLUMNS, new_tags_known=True), rows)
    return counts


def upsert_albums(
    conn: sqlite3.Connection, albums: Sequence[AlbumLike], artist_ids: dict[str, int]
) -> UpsertCounts:
    """Insert or update albums with their tags (new rows are marked ``tags_synced``)."""
    existing = _existing_rows(conn, "albums", _ALBUM_COLUMNS, [a.plex_key for a in albums])
    rows, counts = [], UpsertCounts()
    for a in albums:
        artist_id = artist_ids.get(a.artist_key) if a.artist_key else a.artist_id
        values = (a.title, artist_id, a.year, a.added_at, a.updated_at, *_tag_values(a))
        if _classify(existing.get(a.plex_key), values, counts):
            rows.append((a.plex_key, *values))
    conn.executemany(_upsert_sql("albums", _ALBUM_COLUMNS, new_tags_known=True), rows)
    return counts


_TRACK_COLUMNS = (
    "title, artist_id, album_id, track_number, disc_number, duration_ms, year, rating, "
    "play_count, last_played, file_path, added_at, updated_at, genres_text, moods_text, styles_text"
)


class TagCache:
    """name -> id for genres and mood/style tags, creating rows on first use."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.reload()

    def reload(self) -> None:
        """Forget cached ids (after a rollback, ids created inside it no longer exist)."""
        self.genres = {n: i for i, n in self.conn.execute("SELECT id, name FROM genres")}
        self.tags = {(k, n): i for i, k, n in self.conn.execute("SELECT id, kind, name FROM tags")}

    def genre_id(self, name: str) -> int:
        gid = self.genres.get(name)
        if gid is None:
            self.conn.execute("INSERT OR IGNORE INTO genres (name) VALUES (?)", (name,))
            gid = self.conn.execute("SELECT id FROM genres WHERE name = ?", (name,)).fetchone()[0]
            self.genres[name] = gid
        return gid

    def tag_id(self, kind: str, name: str) -> int:
        tid = self.tags.get((kind, name))
        if tid is None:
            self.conn.execute("INSERT OR IGNORE INTO tags (kind, name) VALUES (?, ?)", (kind, name))
            tid = self.conn.execute(
                "SELECT id FROM tags WHERE kind = ? AND name = ?", (kind, name)
            ).fetchone()[0]
            self.tags[(kind, name)] = tid
        return tid


def upsert_tracks(
    conn: sqlite3.Connection,
    tracks: Sequence[TrackLike],
    artist_ids: dict[str, int],
    album_ids: dict[str, int],
    tag_cache: TagCache | None = None,
) -> tuple[UpsertCounts, list[str]]:
    """Insert or update ``tracks``; return the counts and the plex keys that were written.

    Tags in ``genres``/``moods``/``styles`` must already be normalised (``models.normalize_tags``).
    """
    tag_cache = tag_cache or TagCache(conn)
    existing = _existing_rows(conn, "tracks", _TRACK_COLUMNS, [t.plex_key for t in tracks])
    rows: list[tuple[object, ...]] = []
    written: list[TrackLike] = []
    counts = UpsertCounts()
    for t in tracks:
        artist_id = artist_ids.get(t.artist_key) if t.artist_key else t.artist_id
        album_id = album_ids.get(t.album_key) if t.album_key else t.album_id
        values = (
            t.title, artist_id, album_id, t.track_number, t.disc_number, t.duration_ms, t.year,
            t.rating, t.play_count, t.last_played, t.file_path, t.added_at, t.updated_at,
            *_tag_values(t),
        )  # fmt: skip
        if _classify(existing.get(t.plex_key), values, counts):
            rows.append((t.plex_key, *values))
            written.append(t)
    if not rows:
        return counts, []
    own_transaction = not conn.in_transaction
    if own_transaction:
        conn.execute("BEGIN IMMEDIATE")
    # No SAVEPOINT here: inside one, SQLite journals every page it touches (~3x slower writes).
    # The caller's transaction (or ours) makes the batch atomic, the bulk flag included.
    try:
        conn.execute("UPDATE fts_control SET bulk = 1 WHERE id = 1")
        try:
            conn.executemany(_upsert_sql("tracks", _TRACK_COLUMNS), rows)
        finally:
            conn.execute("UPDATE fts_control SET bulk = 0 WHERE id = 1")
        ids = key_map(conn, "tracks", [t.plex_key for t in written])
        track_ids = [ids[t.plex_key] for t in written]
        refresh_fts(conn, track_ids)
        _replace_track_tags(conn, written, track_ids, tag_cache)
    except BaseException:
        if own_transaction:
            conn.execute("ROLLBACK")
        raise
    if own_transaction:
        conn.execute("COMMIT")
    return counts, [t.plex_key for t in written]


def refresh_fts(conn: sqlite3.Connection, track_ids: Sequence[int]) -> None:
    """Rewrite the full-text rows of ``track_ids`` from the tables, one statement per chunk."""
    for part in chunks(list(track_ids)):
        marks = _placeholders(len(part))
        conn.execute(f"DELETE FROM tracks_fts WHERE rowid IN ({marks})", part)
        conn.execute(
            "INSERT INTO tracks_fts (rowid, title, artist, album, genres, tags) "
            "SELECT t.id, t.title, COALESCE(ar.name, ''), COALESCE(al.title, ''), t.genres_text, "
            "trim(t.moods_text || ' ' || t.styles_text) FROM tracks t "
            "LEFT JOIN artists ar ON ar.id = t.artist_id LEFT JOIN albums al ON al.id = t.album_id "
            f"WHERE t.id IN ({marks})",
            part,
        )


def _replace_track_tags(
    conn: sqlite3.Connection, written: Sequence[TrackLike], track_ids: Sequence[int], tag_cache: TagCache
) -> None:
    for part in chunks(track_ids):
        marks = _placeholders(len(part))
        conn.execute(f"DELETE FROM track_genres WHERE track_id IN ({marks})", part)
        conn.execute(f"DELETE FROM track_tags WHERE track_id IN ({marks})", part)
    genre_rows: list[tuple[int, int]] = []
    tag_rows: list[tuple[int, int]] = []
    for t, tid in zip(written, track_ids, strict=True):
        genre_rows.extend((tid, tag_cache.genre_id(g)) for g in t.genres)
        tag_rows.extend((tid, tag_cache.tag_id("mood", m)) for m in t.moods)
        tag_rows.extend((tid, tag_cache.tag_id("style", s)) for s in t.styles)
    conn.executemany("INSERT OR IGNORE INTO track_genres (track_id, genre_id) VALUES (?, ?)", genre_rows)
    conn.executemany("INSERT OR IGNORE INTO track_tags (track_id, tag_id) VALUES (?, ?)", tag_rows)


def delete_tracks(conn: sqlite3.Connection, plex_keys: Iterable[str]) -> int:
    """Hard-delete tracks; genres, tags, embeddings and playlist entries go with them (cascade)."""
    removed = 0
    for part in chunks(list(plex_keys)):
        cur = conn.execute(f"DELETE FROM tracks WHERE plex_key IN ({_placeholders(len(part))})", part)
        removed += cur.rowcount
    return removed


def delete_orphans(conn: sqlite3.Connection) -> tuple[int, int]:
    """Remove albums without tracks and artists without albums or tracks."""
    albums = conn.execute(
        "DELETE FROM albums WHERE NOT EXISTS (SELECT 1 FROM tracks WHERE tracks.album_id = albums.id)"
    ).rowcount
    artists = conn.execute(
        "DELETE FROM artists WHERE NOT EXISTS (SELECT 1 FROM tracks WHERE tracks.artist_id = artists.id)"
        " AND NOT EXISTS (SELECT 1 FROM albums WHERE albums.artist_id = artists.id)"
    ).rowcount
    return albums, artists


def health(conn: sqlite3.Connection) -> dict[str, int]:
    """Counts that should all be zero (but ``fts_rows``, which should equal the track count)."""
    queries = {
        "tracks_without_album": "SELECT COUNT(*) FROM tracks WHERE album_id IS NULL",
        "tracks_without_artist": "SELECT COUNT(*) FROM tracks WHERE artist_id IS NULL",
        "orphan_albums": "SELECT COUNT(*) FROM albums a"
        " WHERE NOT EXISTS (SELECT 1 FROM tracks t WHERE t.album_id = a.id)",
        "orphan_artists": "SELECT COUNT(*) FROM artists a"
        " WHERE NOT EXISTS (SELECT 1 FROM tracks t WHERE t.artist_id = a.id)"
        " AND NOT EXISTS (SELECT 1 FROM albums b WHERE b.artist_id = a.id)",
        "fts_rows": "SELECT COUNT(*) FROM tracks_fts",
    }
    return {name: int(conn.execute(sql).fetchone()[0]) for name, sql in queries.items()}


def rebuild_fts(conn: sqlite3.Connection) -> None:
    """Rebuild every full-text row from the tables (inside the caller's transaction)."""
    conn.execute("DELETE FROM tracks_fts")
    refresh_fts(conn, [row[0] for row in conn.execute("SELECT id FROM tracks")])


def all_track_keys(conn: sqlite3.Connection) -> set[str]:
    return {k for (k,) in conn.execute("SELECT plex_key FROM tracks")}


def counts(conn: sqlite3.Connection) -> dict[str, int]:
    return {
        table: conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        for table in ("artists", "albums", "tracks", "genres", "embeddings", "playlists")
    }


_TRACK_SELECT = (
    "SELECT t.*, ar.name AS artist_name, ar.plex_key AS artist_key, al.title AS album_title, "
    "al.plex_key AS album_key FROM tracks t LEFT JOIN artists ar ON ar.id = t.artist_id "
    "LEFT JOIN albums al ON al.id = t.album_id"
)


def _split(text: str) -> list[str]:
    return [part for part in text.split(", ") if part]


def row_to_track(row: sqlite3.Row) -> Track:
    return Track.model_construct(**_with_tags(row))


def get_tracks(conn: sqlite3.Connection, track_ids: Sequence[int]) -> list[Track]:
    """Tracks by id, in the order of ``track_ids`` (unknown ids are skipped)."""
    found: dict[int, Track] = {}
    for part in chunks(list(track_ids)):
        sql = f"{_TRACK_SELECT} WHERE t.id IN ({_placeholders(len(part))})"
        for row in conn.execute(sql, part):
            found[row["id"]] = row_to_track(row)
    return [found[i] for i in track_ids if i in found]


def get_track_by_plex_key(conn: sqlite3.Connection, plex_key: str) -> Track | None:
    row = conn.execute(f"{_TRACK_SELECT} WHERE t.plex_key = ?", (plex_key,)).fetchone()
    return row_to_track(row) if row else None


def _with_tags(row: sqlite3.Row) -> dict[str, Any]:
    data = dict(row)
    for kind in ("genres", "moods", "styles"):
        data[kind] = _split(data.pop(f"{kind}_text", "") or "")
    return data


def get_artist_by_plex_key(conn: sqlite3.Connection, plex_key: str) -> Artist | None:
    row = conn.execute("SELECT * FROM artists WHERE plex_key = ?", (plex_key,)).fetchone()
    return Artist(**_with_tags(row)) if row else None


def get_album_by_plex_key(conn: sqlite3.Connection, plex_key: str) -> Album | None:
    row = conn.execute("SELECT * FROM albums WHERE plex_key = ?", (plex_key,)).fetchone()
    return Album(**_with_tags(row)) if row else None


TagTriple = tuple[list[str], list[str], list[str]]


def tag_map(conn: sqlite3.Connection, table: str) -> dict[str, TagTriple]:
    """plex_key -> (genres, moods, styles) of every album or artist."""
    if table not in ("artists", "albums"):
        raise ValueError(table)
    return {
        key: (_split(g), _split(m), _split(s))
        for key, g, m, s in conn.execute(f"SELECT plex_key, {_TAG_COLUMNS} FROM {table}")
    }


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


def _existing_rows(
    conn: sqlite3.Connection, table: str, columns: str, keys: Sequence[str]
) -> dict[str, tuple[object, ...]]:
    found: dict[str, tuple[object, ...]] = {}
    for part in chunks(list(keys)):
        sql = f"SELECT plex_key, {columns} FROM {table} WHERE plex_key IN ({_placeholders(len(part))})"
        for row in conn.execute(sql, part):
            found[row[0]] = tuple(row[1:])
    return found


def _classify(old: tuple[object, ...] | None, new: tuple[object, ...], counts: UpsertCounts) -> bool:
    """Count the row as added/updated/unchanged; True when it must be written."""
    if old is None:
        counts.added += 1
        return True
    if old == new:
        counts.unchanged += 1
        return False
    counts.updated += 1
    return True
