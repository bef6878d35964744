"""Writes and reads of the music library: artists, albums, tracks and their tags.

Writes are batched (``executemany``) and meant to run inside ``SQLiteManager.transaction()`` so a
failed batch rolls back whole. Unchanged rows are detected in Python and not written at all, which
keeps a repeated full sync cheap and the FTS triggers quiet.

The columns come from the models (:mod:`plexmix.storage.models`): a field is stored in the column
of the same name, except the links (``artist_key``/``album_key``, stored as ids), the names read
through joins, and the tags (stored as text and in the tag tables).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from operator import attrgetter
from typing import Any, TypeVar

from plexmix.storage.models import Album, Artist, LibraryItem, Track

_MAX_PARAMS = 900  # stay under SQLite's default host-parameter limit on old builds
T = TypeVar("T")
Item = TypeVar("Item", bound=LibraryItem)
Counts = TypeVar("Counts", bound="UpsertCounts")


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
_TAG_COLUMNS = tuple(f"{kind}_text" for kind in _TAGS)
_LINKS = ("artist_key", "album_key", "artist_id", "album_id")
# Not in a column of their name: the row's identity, the tags, the links and the joined names.
_NOT_STORED_AS_IS = {"id", "plex_key", *_TAGS, *_LINKS, "artist_name", "album_title"}


def _plain(model: type[LibraryItem]) -> tuple[str, ...]:
    """The fields of ``model`` stored as they are, each in the column of its name."""
    return tuple(f.name for f in fields(model) if f.name not in _NOT_STORED_AS_IS)


_ARTIST_PLAIN, _ALBUM_PLAIN, _TRACK_PLAIN = _plain(Artist), _plain(Album), _plain(Track)
_ARTIST_COLUMNS = (*_ARTIST_PLAIN, *_TAG_COLUMNS)
_ALBUM_COLUMNS = ("artist_id", *_ALBUM_PLAIN, *_TAG_COLUMNS)
_TRACK_COLUMNS = ("artist_id", "album_id", *_TRACK_PLAIN, *_TAG_COLUMNS)


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


def _tag_values(item: LibraryItem) -> tuple[str, str, str]:
    return ", ".join(item.genres), ", ".join(item.moods), ", ".join(item.styles)


def _changed_rows(
    conn: sqlite3.Connection,
    table: str,
    columns: Sequence[str],
    items: Sequence[Item],
    values: Callable[[Item], tuple[object, ...]],
) -> tuple[UpsertCounts, list[Item], list[tuple[object, ...]]]:
    """Count ``items`` as added/updated/unchanged; the changed ones and their rows to write."""
    existing = _existing_rows(conn, table, columns, [item.plex_key for item in items])
    counts, changed, rows = UpsertCounts(), [], []
    for item in items:
        new = values(item)
        old = existing.get(item.plex_key)
        if old is None:
            counts.added += 1
        elif old == new:
            counts.unchanged += 1
            continue
        else:
            counts.updated += 1
        changed.append(item)
        rows.append((item.plex_key, *new))
    return counts, changed, rows


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


def upsert_artists(conn: sqlite3.Connection, artists: Sequence[Artist]) -> UpsertCounts:
    """Insert or update artists with their tags (new rows are marked ``tags_synced``)."""
    plain = attrgetter(*_ARTIST_PLAIN)
    counts, _, rows = _changed_rows(
        conn, "artists", _ARTIST_COLUMNS, artists, lambda a: (*plain(a), *_tag_values(a))
    )
    conn.executemany(_upsert_sql("artists", _ARTIST_COLUMNS, new_tags_known=True), rows)
    return counts


def upsert_albums(
    conn: sqlite3.Connection, albums: Sequence[Album], artist_ids: dict[str, int]
) -> UpsertCounts:
    """Insert or update albums with their tags (new rows are marked ``tags_synced``)."""
    plain = attrgetter(*_ALBUM_PLAIN)

    def values(a: Album) -> tuple[object, ...]:
        artist_id = artist_ids.get(a.artist_key) if a.artist_key else a.artist_id
        return (artist_id, *plain(a), *_tag_values(a))

    counts, _, rows = _changed_rows(conn, "albums", _ALBUM_COLUMNS, albums, values)
    conn.executemany(_upsert_sql("albums", _ALBUM_COLUMNS, new_tags_known=True), rows)
    return counts


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
    tracks: Sequence[Track],
    artist_ids: dict[str, int],
    album_ids: dict[str, int],
    tag_cache: TagCache | None = None,
) -> tuple[UpsertCounts, list[str]]:
    """Insert or update ``tracks``; return the counts and the plex keys that were written."""
    tag_cache = tag_cache or TagCache(conn)
    plain = attrgetter(*_TRACK_PLAIN)

    def values(t: Track) -> tuple[object, ...]:
        artist_id = artist_ids.get(t.artist_key) if t.artist_key else t.artist_id
        album_id = album_ids.get(t.album_key) if t.album_key else t.album_id
        return (artist_id, album_id, *plain(t), *_tag_values(t))

    counts, written, rows = _changed_rows(conn, "tracks", _TRACK_COLUMNS, tracks, values)
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
    conn: sqlite3.Connection, written: Sequence[Track], track_ids: Sequence[int], tag_cache: TagCache
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


def split_tags(text: str) -> list[str]:
    """The tags stored as one text column (``"jazz, vocal jazz"``), as a list."""
    return [part for part in text.split(", ") if part]


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
