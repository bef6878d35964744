"""Finding the library's tracks that a line of a playlist file names (import, copy between
servers): by file path, by the words of a title, and a short list of candidates for a fuzzy
match by artist and title. The comparing itself is :mod:`plexmix.playlist.matching`'s."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence

from plexmix.storage.sql_helpers import MAX_KEYS, marks

_WORD = re.compile(r"\w+", re.UNICODE)
PREFIX = 3  # letters of a word kept for a fuzzy candidate ("yesterdy" still finds "yesterday")


def _scope(source_ids: Sequence[int]) -> tuple[str, list[object]]:
    """SQL restricting ``t`` to the music libraries ``source_ids`` (empty: all)."""
    if not source_ids:
        return "1", []
    return f"t.source_id IN ({marks(source_ids)})", list(source_ids)


def ids_by_path(
    conn: sqlite3.Connection, paths: Sequence[str], source_ids: Sequence[int] = ()
) -> dict[str, int]:
    """The track id of each of ``paths`` that is a track's file path exactly (others left out)."""
    found: dict[str, int] = {}
    wanted = list(dict.fromkeys(p for p in paths if p))
    scope, params = _scope(source_ids)
    step = MAX_KEYS - len(params)
    for i in range(0, len(wanted), step):
        chunk = wanted[i : i + step]
        sql = f"SELECT t.file_path, t.id FROM tracks t WHERE t.file_path IN ({marks(chunk)}) AND {scope}"
        for path, track_id in conn.execute(sql, [*chunk, *params]):
            found.setdefault(str(path), int(track_id))
    return found


def _search(conn: sqlite3.Connection, query: str, source_ids: Sequence[int], limit: int) -> list[int]:
    scope, params = _scope(source_ids)
    sql = (
        "SELECT f.rowid FROM tracks_fts f JOIN tracks t ON t.id = f.rowid"
        f" WHERE tracks_fts MATCH ? AND {scope} ORDER BY bm25(tracks_fts, 10.0, 5.0) LIMIT ?"
    )
    return [int(row[0]) for row in conn.execute(sql, [query, *params, limit])]


def ids_titled(
    conn: sqlite3.Connection, title: str, source_ids: Sequence[int] = (), limit: int = 200
) -> list[int]:
    """Tracks whose title holds every word of ``title`` (case and accents aside), best first:
    the candidates for a title compared whole, in Python."""
    words = list(dict.fromkeys(w.lower() for w in _WORD.findall(title)))
    if not words:
        return []
    return _search(conn, "{title} : (" + " AND ".join(f'"{w}"' for w in words) + ")", source_ids, limit)


def fuzzy_candidates(
    conn: sqlite3.Connection, text: str, source_ids: Sequence[int] = (), limit: int = 200
) -> list[int]:
    """Tracks whose title or artist shares a word, or the first letters of one, with ``text``:
    the few hundred a fuzzy comparison looks at, most words shared first."""
    words = list(dict.fromkeys(w.lower() for w in _WORD.findall(text)))
    if not words:
        return []
    terms = [f'"{w}"' for w in words] + [f'"{w[:PREFIX]}"*' for w in words if len(w) > PREFIX]
    return _search(conn, "{title artist} : (" + " OR ".join(terms) + ")", source_ids, limit)
