"""Watermarks: where an incremental sync starts reading, and where the next one will.

Every watermark is on Plex's own clock (the ``Date`` header of its answers), never ours. A sync
notes that clock at its first answer, before any listing is read; the next sync asks for
everything changed (``updatedAt``), played (``lastViewedAt``) or rated (``lastRatedAt``) at or
after it. That boundary is exact: whatever changed before it was already visible to this sync's
listings, and whatever changes from then on, even within the same second, is stamped at or after
it. Nothing changed means empty listings: no track is read again.

A server that sends no date falls back to what is stored: the newest ``updatedAt``/``addedAt``
for metadata, the newest ``lastViewedAt`` for plays, the newest ``lastRatedAt`` seen for ratings.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from plexmix.storage import history, mirror

if TYPE_CHECKING:
    from plexmix.storage.sqlite_manager import Connection

SAFETY_MARGIN_S = 0  # seconds read again before each watermark (the boundary itself is exact)


@dataclass(frozen=True)
class Since:
    """Where an incremental sync reads from (epoch seconds on Plex's clock, inclusive, margin
    included): metadata changes (``updatedAt``), plays (``lastViewedAt``), ratings (``lastRatedAt``)."""

    metadata: int
    plays: int
    ratings: int


def since_last_sync(conn: Connection, margin_s: int = SAFETY_MARGIN_S, source_id: int = 1) -> Since | None:
    """Where to read from after the last successful sync (None: there was none).

    Plays and ratings stored by an older PlexMix (None) start from the metadata watermark, as
    that PlexMix read them.
    """
    marks = history.last_watermarks(conn, source_id)
    if marks is None:
        return None
    return Since(
        *(max(0, (mark if mark is not None else marks.metadata) - margin_s)
          for mark in (marks.metadata, marks.plays, marks.ratings))
    )


@dataclass
class SyncMarks:
    """What one sync learns about the next one's watermarks while it runs."""

    previous_ratings: int | None = None  # the ratings watermark this sync started from
    start_clock: int | None = None  # Plex's clock at this sync's first answer
    newest_rating: int = 0  # the newest lastRatedAt among the tracks read

    def note_start(self, clock: int | None) -> None:
        """Plex's clock at the sync's first answer, before any listing: changes from then on
        are the next sync's to read (everything before it is read by this one)."""
        self.start_clock = clock

    def note_ratings(self, newest: int) -> None:
        self.newest_rating = max(self.newest_rating, newest)

    def save(self, conn: Connection, sync_id: int) -> None:
        """Store where the next sync reads from (call once this sync succeeded)."""
        if self.start_clock is not None:
            metadata = plays = ratings = self.start_clock
        else:
            metadata = mirror.newest_timestamp(conn) or int(time.time())
            plays = mirror.newest_play(conn) or 0
            ratings = max(self.previous_ratings or 0, self.newest_rating)
        history.set_watermark(conn, sync_id, metadata, plays_time=plays, ratings_time=ratings)
