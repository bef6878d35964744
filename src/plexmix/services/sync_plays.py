"""The per-play history step of a sync: Plex's plays since the newest one stored.

Both a full and an incremental sync ask Plex for the plays of the library from the second of the
newest stored play on (inclusive: a play in that same second is not missed; one stored already
is ignored by its history id) and store them in one transaction, after the tracks they belong to.
With no play stored yet, only the last :data:`HISTORY_DAYS` days are read (on Plex's clock): the
ranking modes look at recent plays, and every track's play count and last play come with the
track anyway, so a first sync need not read years of history. A server without per-play history
gives none.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from plexmix.storage import plays
from plexmix.storage.plays import PlayRow

if TYPE_CHECKING:
    from plexmix.plex.client import PlexClient
    from plexmix.storage.sqlite_manager import Connection, SQLiteManager

HISTORY_DAYS = 365  # what a first sync reads of the play history


def history_start(conn: Connection, source_id: int, server_clock: int | None) -> int | None:
    """Where the plays to read start: the newest stored play of the library, else
    :data:`HISTORY_DAYS` before Plex's clock (None: Plex sent no clock, read everything)."""
    newest = plays.watermark(conn, source_id)
    if newest is not None:
        return newest
    return None if server_clock is None else server_clock - HISTORY_DAYS * 86400


def play_pages(client: PlexClient, since: int | None) -> Iterator[list[PlayRow]]:
    """Pages of Plex's plays at or after ``since`` (None: every play) as rows to store; nothing
    when the server keeps no per-play history."""
    pages = client.history_pages(None if since is None else since - 1)
    for page in pages or ():
        yield [(p.history_id, p.rating_key, p.viewed_at, p.account_id) for p in page]


def store_plays(db: SQLiteManager, pages: Iterable[list[PlayRow]]) -> int:
    """Store every page at once (the watermark is the newest play stored, so a sync stopped
    half-way must store none); return how many plays were new."""
    rows = [row for page in pages for row in page]
    if not rows:
        return 0
    with db.transaction() as tx:
        return plays.insert_plays(tx, rows)
