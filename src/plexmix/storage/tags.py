"""Genres, moods and styles: their stored text, their ids, and the links of tracks to them.

A track stores each kind of tag twice: as text (``genres_text``, ``"jazz, vocal jazz"``) and as
links (``track_genres``, ``track_tags``). A batch writer stores the text and then derives the
links from it in SQL (:meth:`TagCache.link`): each distinct tag list is resolved to ids once per
connection, kept in a temporary table, and joined to the tracks written, so no Python work is
done per track. A tag list's names are its text split on ``", "`` (:func:`split_tags`): what the
text holds is what the links hold.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from functools import lru_cache

from plexmix.storage.models import normalize_tags

Names = tuple[str, ...]  # normalised tag names (see normalize_tags)
TagTexts = tuple[str, str, str]  # genres, moods, styles as stored text (see tag_text)
KINDS = ("genre", "mood", "style")
TEXT_COLUMNS = ("genres_text", "moods_text", "styles_text")


@lru_cache(maxsize=16384)
def tag_text(names: Names) -> str:
    """The stored text of a tag list (``"jazz, vocal jazz"``)."""
    return ", ".join(names)


def raw_text(raw: Sequence[str]) -> str:
    """The stored text of tags as Plex names them (normalised first)."""
    return _raw_text(tuple(raw)) if raw else ""


@lru_cache(maxsize=16384)
def _raw_text(raw: Names) -> str:
    return ", ".join(normalize_tags(raw))


def split_tags(text: str) -> list[str]:
    """The tags stored as one text column (``"jazz, vocal jazz"``), as a list."""
    return [part for part in text.split(", ") if part]


def id_list(ids: Sequence[int]) -> str:
    """Row ids as one statement parameter, read back with ``json_each(?)``."""
    return json.dumps(list(ids))


ID_SET = "(SELECT value FROM json_each(?))"  # the ids of id_list, as a set to test against
_LISTS_TABLE = (
    "CREATE TEMP TABLE IF NOT EXISTS tag_lists (kind TEXT NOT NULL, text TEXT NOT NULL, "
    "tag_id INTEGER NOT NULL, PRIMARY KEY (kind, text, tag_id)) WITHOUT ROWID"
)
_NEW_LISTS = (
    f"SELECT DISTINCT t.{{column}} FROM tracks t WHERE t.id IN {ID_SET} "
    "AND t.{column} != '' AND NOT EXISTS "
    "(SELECT 1 FROM temp.tag_lists l WHERE l.kind = ? AND l.text = t.{column})"
)
_LINK = (
    "INSERT OR IGNORE INTO {table} (track_id, {id_column}) SELECT t.id, l.tag_id FROM tracks t "
    "JOIN temp.tag_lists l ON l.kind = ? AND l.text = t.{column} "
    f"WHERE t.id IN {ID_SET}"
)


def tags_changed(conn: sqlite3.Connection) -> None:
    """Mark the stored tag carriers stale (storage/tag_carriers.py): call inside the transaction
    that writes tag links or deletes tracks."""
    conn.execute("UPDATE mirror_state SET tags_generation = tags_generation + 1 WHERE id = 1")


class TagCache:
    """name -> id for genres and mood/style tags, creating rows on first use; and the links of
    tracks to them, written from the tracks' tag text (:meth:`link`)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.reload()

    def reload(self) -> None:
        """Forget cached ids (after a rollback, ids created inside it no longer exist)."""
        self.genres = {n: i for i, n in self.conn.execute("SELECT id, name FROM genres")}
        self.tags = {(k, n): i for i, k, n in self.conn.execute("SELECT id, kind, name FROM tags")}
        self.conn.execute(_LISTS_TABLE)
        self.conn.execute("DELETE FROM temp.tag_lists")

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

    def ids(self, kind: str, names: Sequence[str]) -> list[int]:
        """The ids of a list of ``genre``, ``mood`` or ``style`` names, in order."""
        if kind == "genre":
            return [self.genre_id(n) for n in names]
        return [self.tag_id(kind, n) for n in names]

    def link(self, track_ids: Sequence[int], *, fresh: bool = False) -> None:
        """Link ``track_ids`` to the tags their text names (``fresh``: they have no links yet,
        else their old links are replaced). Runs inside the caller's transaction."""
        conn, ids = self.conn, id_list(track_ids)
        tags_changed(conn)
        if not fresh:
            for table in ("track_genres", "track_tags"):
                conn.execute(f"DELETE FROM {table} WHERE track_id IN {ID_SET}", (ids,))
        for kind, column in zip(KINDS, TEXT_COLUMNS, strict=True):
            new = [text for (text,) in conn.execute(_NEW_LISTS.format(column=column), (ids, kind))]
            conn.executemany(
                "INSERT OR IGNORE INTO temp.tag_lists (kind, text, tag_id) VALUES (?, ?, ?)",
                [(kind, text, tag) for text in new for tag in self.ids(kind, split_tags(text))],
            )
            table, id_column = ("track_genres", "genre_id") if kind == "genre" else ("track_tags", "tag_id")
            conn.execute(_LINK.format(table=table, id_column=id_column, column=column), (kind, ids))
