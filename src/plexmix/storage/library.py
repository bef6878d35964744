"""Writes and reads of the music library: artists, albums, tracks (their tags: :mod:`.tags`).

Writes are batched (``executemany``) and meant to run inside ``SQLiteManager.transaction()`` so a
failed batch rolls back whole. Unchanged rows are detected in Python and not written at all, which
keeps a repeated full sync cheap and the FTS triggers quiet.

The columns come from the models (:mod:`plexmix.storage.models`): a field is stored in the column
of the same name, except the links (``artist_key``/``album_key``, stored as ids), the names read
through joins, and the tags (stored as text and in the tag tables).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, TypeVar

from plexmix.storage.models import Album, Artist, LibraryItem, Track
from plexmix.storage.tags import (
    ID_SET,
    TEXT_COLUMNS,
    TagCache,
    TagTexts,
    id_list,
    split_tags,
    tag_text,
    tags_changed,
)

__all__ = ["TagCache", "split_tags"]  # re-exported: what callers of the tag writes import from here

_MAX_PARAMS = 900  # stay under SQLite's default host-parameter limit on old builds
T = TypeVar("T")
Counts = TypeVar("Counts", bound="UpsertCounts")
Row = tuple[Any, ...]  # a row to write: plex_key, then the table's columns in order


def chunks(items: Sequence[T], size: int = _MAX_PARAMS) -> Iterable[list[T]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def _placeholders(n: int) -> str:
    return ",".join("?" * n)


@dataclass
class UpsertCounts:
    added: int = 0
    updated: int = 0
    unchanged: int = 0

    def __iadd__(self: Counts, other: UpsertCounts) -> Counts:
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


# -- columns, from the models ------------------------------------------------------------------
_TAGS = ("genres", "moods", "styles")
_TAG_COLUMNS = TEXT_COLUMNS
_LINKS = ("artist_key", "album_key", "artist_id", "album_id")
# Not in a column of their name: the row's identity, the tags, the links and the joined names.
_NOT_STORED_AS_IS = {"id", "plex_key", "source_id", *_TAGS, *_LINKS, "artist_name", "album_title"}


def _plain(model: type[LibraryItem]) -> tuple[str, ...]:
    """The fields of ``model`` stored as they are, each in the column of its name."""
    return tuple(f.name for f in fields(model) if f.name not in _NOT_STORED_AS_IS)


_ARTIST_PLAIN, _ALBUM_PLAIN, _TRACK_PLAIN = _plain(Artist), _plain(Album), _plain(Track)
_ARTIST_COLUMNS = (*_ARTIST_PLAIN, *_TAG_COLUMNS, "source_id")
_ALBUM_COLUMNS = ("artist_id", *_ALBUM_PLAIN, *_TAG_COLUMNS, "source_id")
_TRACK_COLUMNS = ("artist_id", "album_id", *_TRACK_PLAIN, *_TAG_COLUMNS, "source_id")


def _upsert_sql(table: str, columns: Sequence[str], *, new_tags_known: bool = False) -> str:
    """Insert or update by plex_key; ``new_tags_known`` marks inserted rows ``tags_synced = 1``.

    An update leaves ``tags_synced`` alone: only the sync step that re-derived the tracks of a row
    whose tags were unknown may mark it known (:func:`mark_tags_synced`).
    """
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns)
    flag_column, flag_value = (", tags_synced", ", 1") if new_tags_known else ("", "")
    return (
        f"INSERT INTO {table} (plex_key, {', '.join(columns)}{flag_column}) "
        f"VALUES ({_placeholders(len(columns) + 1)}{flag_value}) "
        f"ON CONFLICT(plex_key) DO UPDATE SET {updates}"
    )


# The plain columns in the order the row builders below write them (checked against the models).
assert _ARTIST_PLAIN == ("added_at", "updated_at", "name", "sort_name", "summary"), _ARTIST_PLAIN
assert _ALBUM_PLAIN == ("added_at", "updated_at", "title", "year"), _ALBUM_PLAIN
assert _TRACK_PLAIN == (
    "added_at", "updated_at", "title", "track_number", "disc_number", "duration_ms", "year", "rating",
    "play_count", "last_played", "file_path", "music_analysis_version", "skip_count",
), _TRACK_PLAIN


def artist_row(
    plex_key: str, *, name: str, sort_name: str | None, summary: str | None,
    added_at: int | None, updated_at: int | None, tags: TagTexts, source_id: int = 1,
) -> Row:
    """An artist as :func:`upsert_artists` writes it (``tags``: the stored texts; ``source_id``:
    its music library)."""
    return (plex_key, added_at, updated_at, name, sort_name, summary, *tags, source_id)


def album_row(
    plex_key: str, artist_id: int | None, *, title: str, year: int | None,
    added_at: int | None, updated_at: int | None, tags: TagTexts, source_id: int = 1,
) -> Row:
    """An album as :func:`upsert_albums` writes it, linked to its artist's row id."""
    return (plex_key, artist_id, added_at, updated_at, title, year, *tags, source_id)


def track_row(
    plex_key: str, artist_id: int | None, album_id: int | None, *, title: str,
    track_number: int | None, disc_number: int | None, duration_ms: int | None, year: int | None,
    rating: float | None, play_count: int, last_played: int | None, file_path: str | None,
    added_at: int | None, updated_at: int | None, music_analysis_version: int | None, tags: TagTexts,
    source_id: int = 1, skip_count: int = 0,
) -> Row:
    """A track as :func:`upsert_tracks` writes it, linked to its artist's and album's row ids."""
    return (
        plex_key, artist_id, album_id, added_at, updated_at, title, track_number, disc_number,
        duration_ms, year, rating, play_count, last_played, file_path, music_analysis_version, skip_count,
        *tags, source_id,
    )


def _tags_of(item: LibraryItem) -> TagTexts:
    return tag_text(tuple(item.genres)), tag_text(tuple(item.moods)), tag_text(tuple(item.styles))


@dataclass(slots=True)
class TrackRows:
    """Tracks as the rows they are stored as (:func:`track_row`): what a sync writes in bulk
    without building a :class:`Track` per row."""

    rows: list[Row] = field(default_factory=list)

    @classmethod
    def of(cls, tracks: Sequence[Track], artist_ids: dict[str, int], album_ids: dict[str, int]) -> TrackRows:
        """Rows of ``tracks``, linked by ``artist_key``/``album_key`` (else their ids)."""
        out = cls()
        for t in tracks:
            out.rows.append(track_row(
                t.plex_key,
                artist_ids.get(t.artist_key) if t.artist_key else t.artist_id,
                album_ids.get(t.album_key) if t.album_key else t.album_id,
                title=t.title, track_number=t.track_number, disc_number=t.disc_number,
                duration_ms=t.duration_ms, year=t.year, rating=t.rating, play_count=t.play_count,
                last_played=t.last_played, file_path=t.file_path, added_at=t.added_at,
                updated_at=t.updated_at, music_analysis_version=t.music_analysis_version, tags=_tags_of(t),
                source_id=t.source_id, skip_count=t.skip_count,
            ))
        return out


def _changed_rows(
    conn: sqlite3.Connection, table: str, columns: Sequence[str], rows: Sequence[Row]
) -> tuple[UpsertCounts, list[int]]:
    """Count ``rows`` as added/updated/unchanged; the positions of those to write."""
    existing = _existing_rows(conn, table, columns, [row[0] for row in rows])
    if not existing:
        return UpsertCounts(added=len(rows)), list(range(len(rows)))
    counts, changed = UpsertCounts(), []
    for i, row in enumerate(rows):
        old = existing.get(row[0])
        if old is None:
            counts.added += 1
        elif old == row[1:]:
            counts.unchanged += 1
            continue
        else:
            counts.updated += 1
        changed.append(i)
    return counts, changed


def _existing_rows(
    conn: sqlite3.Connection, table: str, columns: Sequence[str], keys: Sequence[str]
) -> dict[str, tuple[object, ...]]:
    found: dict[str, tuple[object, ...]] = {}
    select = ", ".join(columns)
    for part in chunks(list(keys)):
        sql = f"SELECT plex_key, {select} FROM {table} WHERE plex_key IN ({_placeholders(len(part))})"
        for row in conn.execute(sql, part):
            found[row[0]] = tuple(row[1:])
    return found


def upsert_rows(conn: sqlite3.Connection, table: str, rows: Sequence[Row]) -> UpsertCounts:
    """Insert or update artist or album rows (:func:`artist_row`, :func:`album_row`); new rows
    are marked ``tags_synced``. Unchanged rows are not written."""
    columns = {"artists": _ARTIST_COLUMNS, "albums": _ALBUM_COLUMNS}[table]
    counts, changed = _changed_rows(conn, table, columns, rows)
    conn.executemany(_upsert_sql(table, columns, new_tags_known=True), [rows[i] for i in changed])
    return counts


def upsert_artists(conn: sqlite3.Connection, artists: Sequence[Artist]) -> UpsertCounts:
    """Insert or update artists with their tags (new rows are marked ``tags_synced``)."""
    rows = [
        artist_row(a.plex_key, name=a.name, sort_name=a.sort_name, summary=a.summary,
                   added_at=a.added_at, updated_at=a.updated_at, tags=_tags_of(a), source_id=a.source_id)
        for a in artists
    ]
    return upsert_rows(conn, "artists", rows)


def upsert_albums(
    conn: sqlite3.Connection, albums: Sequence[Album], artist_ids: dict[str, int]
) -> UpsertCounts:
    """Insert or update albums with their tags (new rows are marked ``tags_synced``)."""
    rows = [
        album_row(a.plex_key, artist_ids.get(a.artist_key) if a.artist_key else a.artist_id,
                  title=a.title, year=a.year, added_at=a.added_at, updated_at=a.updated_at,
                  tags=_tags_of(a), source_id=a.source_id)
        for a in albums
    ]
    return upsert_rows(conn, "albums", rows)


def upsert_tracks(
    conn: sqlite3.Connection,
    tracks: Sequence[Track] | TrackRows,
    artist_ids: dict[str, int],
    album_ids: dict[str, int],
    tag_cache: TagCache | None = None,
) -> tuple[UpsertCounts, list[str]]:
    """Insert or update tracks (models, or rows already linked: :class:`TrackRows`); return the
    counts and the plex keys that were written. Unchanged rows are not written."""
    tag_cache = tag_cache or TagCache(conn)
    batch = tracks if isinstance(tracks, TrackRows) else TrackRows.of(tracks, artist_ids, album_ids)
    counts, changed = _changed_rows(conn, "tracks", _TRACK_COLUMNS, batch.rows)
    if not changed:
        return counts, []
    rows = [batch.rows[i] for i in changed]
    keys = [row[0] for row in rows]
    fresh = counts.updated == 0  # only new rows: no full-text or tag rows to replace
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
        ids = key_map(conn, "tracks", keys)
        track_ids = [ids[k] for k in keys]
        refresh_fts(conn, track_ids, fresh=fresh)
        tag_cache.link(track_ids, fresh=fresh)
    except BaseException:
        if own_transaction:
            conn.execute("ROLLBACK")
        raise
    if own_transaction:
        conn.execute("COMMIT")
    return counts, keys


def refresh_fts(conn: sqlite3.Connection, track_ids: Sequence[int], *, fresh: bool = False) -> None:
    """Rewrite the full-text rows of ``track_ids`` from the tables in one statement (``fresh``:
    the tracks are new, there is nothing to delete first)."""
    ids = id_list(track_ids)
    if not fresh:
        conn.execute(f"DELETE FROM tracks_fts WHERE rowid IN {ID_SET}", (ids,))
    conn.execute(
        "INSERT INTO tracks_fts (rowid, title, artist, album, genres, tags) "
        "SELECT t.id, t.title, COALESCE(ar.name, ''), COALESCE(al.title, ''), t.genres_text, "
        "trim(t.moods_text || ' ' || t.styles_text) FROM tracks t "
        "LEFT JOIN artists ar ON ar.id = t.artist_id LEFT JOIN albums al ON al.id = t.album_id "
        f"WHERE t.id IN {ID_SET}",
        (ids,),
    )


def delete_tracks(conn: sqlite3.Connection, plex_keys: Iterable[str]) -> int:
    """Hard-delete tracks; genres, tags, embeddings and playlist entries go with them (cascade)."""
    removed = 0
    tags_changed(conn)
    for part in chunks(list(plex_keys)):
        cur = conn.execute(f"DELETE FROM tracks WHERE plex_key IN ({_placeholders(len(part))})", part)
        removed += cur.rowcount
    return removed


def rebuild_fts(conn: sqlite3.Connection) -> None:
    """Rebuild every full-text row from the tables (inside the caller's transaction)."""
    conn.execute("DELETE FROM tracks_fts")
    refresh_fts(conn, [row[0] for row in conn.execute("SELECT id FROM tracks")])


# -- reads of entities -------------------------------------------------------------------------
def _select(table: str, alias: str, columns: Sequence[str], joined: Sequence[str] = ()) -> str:
    listed = [f"{alias}.{c}" for c in ("id", "plex_key", *columns)]
    return f"SELECT {', '.join([*listed, *joined])} FROM {table} {alias}"


_TRACK_SELECT = (
    _select("tracks", "t", _TRACK_COLUMNS, ("ar.name AS artist_name", "ar.plex_key AS artist_key",
                                            "al.title AS album_title", "al.plex_key AS album_key"))
    + " LEFT JOIN artists ar ON ar.id = t.artist_id LEFT JOIN albums al ON al.id = t.album_id"
)
_ARTIST_SELECT = _select("artists", "ar", _ARTIST_COLUMNS)
_ALBUM_SELECT = _select("albums", "al", _ALBUM_COLUMNS)


def _with_tags(row: sqlite3.Row) -> dict[str, Any]:
    data = dict(row)
    for kind, column in zip(_TAGS, _TAG_COLUMNS, strict=True):
        data[kind] = split_tags(data.pop(column) or "")
    return data


def row_to_track(row: sqlite3.Row) -> Track:
    return Track(**_with_tags(row))


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


def get_artist_by_plex_key(conn: sqlite3.Connection, plex_key: str) -> Artist | None:
    row = conn.execute(f"{_ARTIST_SELECT} WHERE ar.plex_key = ?", (plex_key,)).fetchone()
    return Artist(**_with_tags(row)) if row else None


def get_album_by_plex_key(conn: sqlite3.Connection, plex_key: str) -> Album | None:
    row = conn.execute(f"{_ALBUM_SELECT} WHERE al.plex_key = ?", (plex_key,)).fetchone()
    return Album(**_with_tags(row)) if row else None
