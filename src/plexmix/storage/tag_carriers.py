"""The carriers of a common mood or style tag: the ids of the tracks that carry it.

Ranking by tags (storage/tagged.py) on a million tracks reads hundreds of thousands of carriers
per tag: ~35 ms a tag from the tag index, a few ms from one stored blob. A tag with at least
:data:`CACHED_FROM` carriers is stored that way (table ``tag_carriers``, migration 14): by
:func:`refresh` after a sync in a library of :data:`REFRESH_FROM_TRACKS` or more, so the first
``create`` after it reads blobs too, and otherwise once a ranking has read it.

A stored list is valid while ``mirror_state.tags_generation`` has not moved since it was stored;
every write of tag links (:func:`plexmix.storage.tags.tags_changed`: TagCache.link,
library.delete_tracks, sources.remove_source) moves it. Storing on a read is a courtesy: when the
database is busy (a sync is writing) or read-only, the list is simply not kept.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence
from typing import TYPE_CHECKING

from plexmix.storage.mirror import track_count
from plexmix.storage.queries import id_array
from plexmix.storage.sql_helpers import marks
from plexmix.storage.sqlite_manager import transaction

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

CACHED_FROM = 20_000  # carriers: a tag on at least this many tracks is kept as a blob
REFRESH_FROM_TRACKS = 100_000  # a sync stores them all anew in a library at least this large
_DTYPE = "<i4"  # track ids are SQLite rowids of a table far below 2**31 rows


def tag_ids(conn: sqlite3.Connection, kind: str, names: Sequence[str]) -> list[int]:
    """The ids (ascending) of the ``kind`` ("mood" or "style") tags ``names`` (normalised as
    stored); names no tag has are left out."""
    sql = f"SELECT id FROM tags WHERE kind = ? AND name IN ({marks(names)}) ORDER BY id"
    return [int(row[0]) for row in conn.execute(sql, [kind, *names])]


def carriers(conn: sqlite3.Connection, tag_id: int) -> np.ndarray:
    """The ids (ascending, int64) of the tracks that carry the tag ``tag_id``."""
    import numpy as np

    generation = conn.execute("SELECT tags_generation FROM mirror_state WHERE id = 1").fetchone()[0]
    row = conn.execute("SELECT generation, ids FROM tag_carriers WHERE tag_id = ?", (tag_id,)).fetchone()
    if row is not None and row[0] == generation:
        return np.frombuffer(row[1], dtype=_DTYPE).astype(np.int64)
    ids = id_array(conn, "SELECT track_id FROM track_tags WHERE tag_id = ? ORDER BY track_id", [tag_id])
    blob = _packed(ids)
    if blob is not None:
        _store(conn, tag_id, generation, blob)
    return ids


def carrying_any(conn: sqlite3.Connection, kind: str, names: list[str]) -> np.ndarray:
    """The ids (ascending, int64) of the tracks that carry any of the ``kind`` ("mood" or
    "style") tags ``names`` (normalised as stored)."""
    import numpy as np

    from plexmix.storage.id_arrays import sorted_unique  # numpy: not at a sync's start-up

    found = [carriers(conn, tag) for tag in tag_ids(conn, kind, names)]
    if len(found) == 1:
        return found[0]
    return sorted_unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)


def _packed(ids: np.ndarray) -> bytes | None:
    """``ids`` (ascending) as stored, when the tag is common enough to keep and they fit."""
    if len(ids) < CACHED_FROM or ids[-1] >= 2**31:
        return None
    return ids.astype(_DTYPE).tobytes()


def _store(conn: sqlite3.Connection, tag_id: int, generation: int, blob: bytes) -> None:
    if conn.in_transaction:  # the caller's transaction is not ours to commit
        return
    (timeout,) = conn.execute("PRAGMA busy_timeout").fetchone()
    conn.execute("PRAGMA busy_timeout = 0")  # never wait for a sync's writes: skip instead
    try:
        conn.execute(
            "INSERT OR REPLACE INTO tag_carriers (tag_id, generation, ids) SELECT ?, ?, ?"
            " WHERE ? = (SELECT tags_generation FROM mirror_state WHERE id = 1)",
            (tag_id, generation, blob, generation),
        )
    except sqlite3.OperationalError as exc:  # busy, locked or read-only: not kept this time
        log.debug("Tag carriers not stored (%s).", exc)
    finally:
        conn.execute(f"PRAGMA busy_timeout = {int(timeout)}")


def refresh(conn: sqlite3.Connection) -> int:
    """Store anew the carriers of every common tag when tag links changed since the last time
    (a sync calls it at its end, outside a transaction), in a library of
    :data:`REFRESH_FROM_TRACKS` tracks or more; smaller ones read a tag from its index in a few
    ms. One pass over the tag index, one transaction. Returns the tags stored (0: nothing to do)."""
    import numpy as np

    from plexmix.storage.id_arrays import sorted_unique

    state = "SELECT tags_generation, carriers_generation FROM mirror_state WHERE id = 1"
    generation, refreshed = conn.execute(state).fetchone()
    if generation == refreshed or track_count(conn) < REFRESH_FROM_TRACKS:
        return 0
    rows = []
    sql = "SELECT tag_id, group_concat(track_id) FROM track_tags GROUP BY tag_id HAVING COUNT(*) >= ?"
    for tag_id, text in conn.execute(sql, (CACHED_FROM,)):
        blob = _packed(sorted_unique(np.fromstring(text, dtype=np.int64, sep=",")))
        if blob is not None:
            rows.append((tag_id, generation, blob))
    with transaction(conn):
        if conn.execute(state).fetchone()[0] == generation:  # no write came in between
            conn.execute("DELETE FROM tag_carriers")
            conn.executemany("INSERT INTO tag_carriers (tag_id, generation, ids) VALUES (?, ?, ?)", rows)
            conn.execute("UPDATE mirror_state SET carriers_generation = ? WHERE id = 1", (generation,))
    return len(rows)
