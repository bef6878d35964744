"""Where rows come from: one *source* per music library of a Plex server.

Every artist, album and track carries ``source_id`` (the ``sources`` row of its library), and
``plex_key`` is unique per source, so several libraries of several servers share one database.
A database from before sources (one library of one server) is migrated in place by
:func:`add_sources`: its rows belong to source 1, a placeholder whose server and library are
filled in by the first sync after the upgrade (see :func:`source_for`), with no re-sync.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

REBUILT = ("artists", "albums", "tracks")  # the tables that gain source_id


@dataclass(frozen=True)
class Source:
    id: int
    server_id: str  # the server's machineIdentifier ('' for a database from before sources)
    server_name: str  # the server profile it was synced through (default, cabin, ...)
    section_key: str
    section_uuid: str
    title: str  # the library's name in Plex

    @property
    def legacy(self) -> bool:
        """A placeholder for rows synced before sources existed (claimed by the next sync)."""
        return self.server_id == ""


def add_sources(conn: sqlite3.Connection) -> None:
    """The schema change: a ``sources`` table; ``source_id`` on artists, albums and tracks with
    ``UNIQUE (source_id, plex_key)`` in place of ``UNIQUE (plex_key)``; ``playlists.server_id``.

    SQLite cannot drop a UNIQUE constraint, so the three tables are rebuilt (same ids, same
    columns): the caller runs this in a transaction with foreign keys OFF, or dropping a table
    would null the references to it. Their triggers and indexes are saved and made again.
    """
    conn.execute(
        "CREATE TABLE sources ("
        " id INTEGER PRIMARY KEY,"
        " server_id TEXT NOT NULL DEFAULT '',"
        " server_name TEXT NOT NULL DEFAULT '',"
        " section_key TEXT NOT NULL DEFAULT '',"
        " section_uuid TEXT NOT NULL DEFAULT '',"
        " title TEXT NOT NULL DEFAULT '')"
    )
    conn.execute("INSERT INTO sources (id) VALUES (1)")
    saved = conn.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL"
        " AND type IN ('trigger', 'index') AND tbl_name IN (?, ?, ?)",
        REBUILT,
    ).fetchall()
    for kind, name, _ in saved:
        if kind == "trigger":
            conn.execute(f'DROP TRIGGER "{name}"')  # names from sqlite_master, not user input
    for table in REBUILT:
        _rebuild(conn, table)
    for _, _, sql in saved:
        conn.execute(sql)
    conn.execute("ALTER TABLE playlists ADD COLUMN server_id TEXT NOT NULL DEFAULT ''")


def _rebuild(conn: sqlite3.Connection, table: str) -> None:
    query = "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?"
    sql = conn.execute(query, (table,)).fetchone()[0]
    unique = "plex_key TEXT NOT NULL UNIQUE"
    if unique not in sql:
        raise sqlite3.DatabaseError(f"unexpected schema of {table}: {sql}")
    body = sql.replace(unique, "plex_key TEXT NOT NULL", 1).rstrip().removesuffix(")")
    new_sql = (
        body.replace(f"CREATE TABLE {table}", f"CREATE TABLE {table}_rebuilt", 1)
        + ", source_id INTEGER NOT NULL DEFAULT 1 REFERENCES sources(id),"
        " UNIQUE (source_id, plex_key))"
    )
    columns = ", ".join(row[1] for row in conn.execute(f"PRAGMA table_info({table})"))
    conn.execute(new_sql)
    conn.execute(f"INSERT INTO {table}_rebuilt ({columns}) SELECT {columns} FROM {table}")
    conn.execute(f"DROP TABLE {table}")
    conn.execute(f"ALTER TABLE {table}_rebuilt RENAME TO {table}")


def all_sources(conn: sqlite3.Connection) -> list[Source]:
    rows = conn.execute(
        "SELECT id, server_id, server_name, section_key, section_uuid, title FROM sources ORDER BY id"
    ).fetchall()
    return [Source(*row) for row in rows]


def source_for(
    conn: sqlite3.Connection,
    *,
    server_id: str,
    server_name: str,
    section_key: str,
    section_uuid: str,
    title: str,
    claim_legacy: bool = False,
) -> Source:
    """The source of one library (made when new). With ``claim_legacy`` the placeholder of a
    database from before sources becomes this library's, keeping its rows: the caller passes it
    for the library the older PlexMix synced (``plex.library``, else the first music library)."""
    known = all_sources(conn)
    found = next((s for s in known if (s.server_id, s.section_uuid) == (server_id, section_uuid)), None)
    if found is None and claim_legacy:
        found = next((s for s in known if s.legacy), None)
    if found is None:
        cursor = conn.execute("INSERT INTO sources (server_id) VALUES (?)", (server_id,))
        source_id = int(cursor.lastrowid or 0)
    else:
        source_id = found.id
    conn.execute(
        "UPDATE sources SET server_id = ?, server_name = ?, section_key = ?, section_uuid = ?,"
        " title = ? WHERE id = ?",
        (server_id, server_name, section_key, section_uuid, title, source_id),
    )
    return Source(source_id, server_id, server_name, section_key, section_uuid, title)


def source_ids(
    conn: sqlite3.Connection, *, server_id: str | None = None, libraries: Sequence[str] = ()
) -> list[int]:
    """The sources of one server (``server_id``; ``None``: any) and, when given, only the named
    libraries (case-insensitive). A legacy placeholder counts as every server's, every library's:
    its rows are the only ones there were."""
    wanted = {name.casefold() for name in libraries}
    return [
        s.id
        for s in all_sources(conn)
        if s.legacy
        or ((server_id is None or s.server_id == server_id) and (not wanted or s.title.casefold() in wanted))
    ]


def remove_source(conn: sqlite3.Connection, source_id: int) -> dict[str, int]:
    """Delete a library's rows (its tracks, albums and artists; their vectors and tags cascade) and
    the source itself. Returns the counts removed. The caller owns the transaction."""
    counts = {}
    for table in ("tracks", "albums", "artists"):
        counts[table] = conn.execute(f"DELETE FROM {table} WHERE source_id = ?", (source_id,)).rowcount
    conn.execute("DELETE FROM sources WHERE id = ?", (source_id,))
    return counts
