"""Where rows come from: one *source* per music library of the server.

Every artist, album and track carries ``source_id`` (the ``sources`` row of its library), so
several libraries share one database; each server has its own database (Plex's ratingKeys are
unique per server, not across servers). A database from before sources (migration 12) keeps its
rows in source 1, a placeholder whose server and library the first sync after the upgrade fills
in (see :func:`source_for`), with no re-sync.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from plexmix.storage.tags import tags_changed


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
    """The source of one library (made when new). The placeholder of a database from before
    sources becomes this library's, keeping its rows, when ``claim_legacy`` (the caller passes it
    for the library the older PlexMix synced: ``plex.library``, else the first music library) or
    when it holds no rows (a new database)."""
    known = all_sources(conn)
    found = next((s for s in known if (s.server_id, s.section_uuid) == (server_id, section_uuid)), None)
    if found is None:
        legacy = next((s for s in known if s.legacy), None)
        if legacy is not None and (claim_legacy or not _has_rows(conn, legacy.id)):
            found = legacy
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


def _has_rows(conn: sqlite3.Connection, source_id: int) -> bool:
    return any(
        conn.execute(f"SELECT EXISTS (SELECT 1 FROM {table} WHERE source_id = ?)", (source_id,)).fetchone()[0]
        for table in ("tracks", "albums", "artists")
    )


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


def servers_of(conn: sqlite3.Connection, source_ids: Sequence[int]) -> set[str]:
    """The machine ids of the servers these sources came from (``''``: not known yet)."""
    wanted = sorted(set(source_ids))
    if not wanted:
        return set()
    sql = f"SELECT DISTINCT server_id FROM sources WHERE id IN ({','.join('?' * len(wanted))})"
    return {row[0] for row in conn.execute(sql, wanted)}


def remove_source(conn: sqlite3.Connection, source_id: int) -> dict[str, int]:
    """Delete a library's rows (its tracks, albums and artists; their vectors and tags cascade) and
    the source itself. Returns the counts removed. The caller owns the transaction."""
    counts = {}
    tags_changed(conn)
    for table in ("tracks", "albums", "artists"):
        counts[table] = conn.execute(f"DELETE FROM {table} WHERE source_id = ?", (source_id,)).rowcount
    conn.execute("DELETE FROM sources WHERE id = ?", (source_id,))
    return counts
