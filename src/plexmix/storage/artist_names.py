"""The library's artists that a text names, case and accents aside, found by index.

Names are compared as :func:`plexmix.storage.queries.unaccent` makes them ("Beyoncé" ->
"beyonce"). For an ASCII name that is SQLite's ``lower(name)``, indexed (migration 11). Every
other name keeps its folding in ``artists.name_unaccented``, also indexed, which this module
fills in the first time it meets names without one (after a sync adds or renames artists, or
after the upgrade): so a ``create`` reads a few index entries instead of folding every name of a
library of hundreds of thousands of artists.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable, Sequence

from plexmix.storage.queries import unaccent
from plexmix.storage.sql_helpers import MAX_KEYS, marks

log = logging.getLogger(__name__)

# The names still to fold: non-ASCII (more bytes than characters) without a folding. The same
# expression as the partial index idx_artists_to_fold of migration 11, so the lookup uses it.
_TO_FOLD = "name_unaccented IS NULL AND length(name) <> length(CAST(name AS BLOB))"


def artists_named(conn: sqlite3.Connection, phrases: Iterable[str]) -> list[str]:
    """The names (sorted, each once) of the artists whose name without case and accents is one
    of ``phrases`` (compared the same way): "beyonce" and "BEYONCÉ" find "Beyoncé"."""
    keys = sorted({key for phrase in phrases if (key := unaccent(phrase))})
    if not keys:
        return []
    wanted = set(keys)
    found = {name for name, folded in fold_pending(conn) if folded in wanted}
    ascii_keys = [key for key in keys if key.isascii()]  # only these can be an ASCII name's lower()
    found.update(_names_in(conn, "lower(name)", ascii_keys))
    found.update(_names_in(conn, "name_unaccented", keys))
    return sorted(found)


def fold_pending(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """Fold the names that have no folding yet; returns them as (name, folded).

    The foldings are stored when the database is free; when it is not (a sync is writing, the
    connection is read-only or inside a transaction) they are only returned, and a later call
    stores them."""
    cursor = conn.cursor()
    cursor.row_factory = None
    rows = cursor.execute(f"SELECT id, name FROM artists WHERE {_TO_FOLD}").fetchall()
    if not rows:
        return []
    folded = [(unaccent(name), int(artist_id), name) for artist_id, name in rows]
    _store(conn, folded)
    return [(name, key) for key, _, name in folded]


def _store(conn: sqlite3.Connection, folded: Sequence[tuple[str, int, str]]) -> None:
    """Write the foldings without waiting for a lock; give up quietly if the database is busy."""
    if conn.in_transaction:
        return
    timeout = conn.execute("PRAGMA busy_timeout").fetchone()[0]
    conn.execute("PRAGMA busy_timeout = 0")
    try:
        conn.execute("BEGIN IMMEDIATE")
        # "AND name = ?": a rename since the read keeps its row unfolded (the trigger of
        # migration 11 cleared it) rather than taking the old name's folding.
        conn.executemany("UPDATE artists SET name_unaccented = ? WHERE id = ? AND name = ?", folded)
        conn.execute("COMMIT")
    except sqlite3.OperationalError as exc:  # locked by a writer, or a read-only database
        log.debug("Artist names folded but not stored (%s)", exc)
        if conn.in_transaction:
            conn.execute("ROLLBACK")
    finally:
        conn.execute(f"PRAGMA busy_timeout = {int(timeout)}")


def _names_in(conn: sqlite3.Connection, column: str, keys: Sequence[str]) -> set[str]:
    cursor = conn.cursor()
    cursor.row_factory = None
    found: set[str] = set()
    for i in range(0, len(keys), MAX_KEYS):
        chunk = keys[i : i + MAX_KEYS]
        sql = f"SELECT name FROM artists WHERE {column} IN ({marks(chunk)})"
        found.update(row[0] for row in cursor.execute(sql, chunk))
    return found
