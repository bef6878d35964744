"""The carriers of a common mood or style tag: the ids of the tracks that carry it.

Ranking by tags (storage/tagged.py) on a million tracks reads hundreds of thousands of carriers
per tag: ~35 ms a tag from the tag index, a few ms from one stored blob. A tag with at least
:data:`CACHED_FROM` carriers is stored that way once read (table ``tag_carriers``, migration 14).

A stored list is valid while ``mirror_state.tags_generation`` has not moved since it was stored;
every write of tag links (:func:`plexmix.storage.tags.tags_changed`: TagCache.link, library.delete_tracks,
sources.remove_source) moves it, so the first ranking after a sync reads the index again. Storing
is a courtesy: when the database is busy (a sync is writing) or read-only, the list is simply
not kept.
"""

from __future__ import annotations

import logging
import sqlite3

import numpy as np

from plexmix.storage.queries import id_array

log = logging.getLogger(__name__)

CACHED_FROM = 20_000  # carriers: a tag on at least this many tracks is kept as a blob
_DTYPE = np.dtype("<i4")  # track ids are SQLite rowids of a table far below 2**31 rows


def carriers(conn: sqlite3.Connection, tag_id: int) -> np.ndarray:
    """The ids (ascending, int64) of the tracks that carry the tag ``tag_id``."""
    generation = conn.execute("SELECT tags_generation FROM mirror_state WHERE id = 1").fetchone()[0]
    row = conn.execute("SELECT generation, ids FROM tag_carriers WHERE tag_id = ?", (tag_id,)).fetchone()
    if row is not None and row[0] == generation:
        return np.frombuffer(row[1], dtype=_DTYPE).astype(np.int64)
    ids = id_array(conn, "SELECT track_id FROM track_tags WHERE tag_id = ? ORDER BY track_id", [tag_id])
    if len(ids) >= CACHED_FROM and ids[-1] < 2**31:
        _store(conn, tag_id, generation, ids)
    return ids


def _store(conn: sqlite3.Connection, tag_id: int, generation: int, ids: np.ndarray) -> None:
    if conn.in_transaction:  # the caller's transaction is not ours to commit
        return
    (timeout,) = conn.execute("PRAGMA busy_timeout").fetchone()
    conn.execute("PRAGMA busy_timeout = 0")  # never wait for a sync's writes: skip instead
    try:
        conn.execute(
            "INSERT OR REPLACE INTO tag_carriers (tag_id, generation, ids) SELECT ?, ?, ?"
            " WHERE ? = (SELECT tags_generation FROM mirror_state WHERE id = 1)",
            (tag_id, generation, ids.astype(_DTYPE).tobytes(), generation),
        )
    except sqlite3.OperationalError as exc:  # busy, locked or read-only: not kept this time
        log.debug("Tag carriers not stored (%s).", exc)
    finally:
        conn.execute(f"PRAGMA busy_timeout = {int(timeout)}")
