"""The most played genre: what ``--genre top`` (a template's dynamic genre) stands for."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from plexmix.storage.sql_helpers import marks

# Plays (Plex's viewCount of each track) summed per genre; a library never played falls back to
# the genre on most tracks, then to the name, so the answer is always the same for the same data.
_MOST_PLAYED = (
    "SELECT g.name FROM genres g JOIN track_genres tg ON tg.genre_id = g.id"
    " JOIN tracks t ON t.id = tg.track_id"
    " {where} GROUP BY g.id ORDER BY SUM(t.play_count) DESC, COUNT(*) DESC, g.name LIMIT 1"
)


def most_played_genre(conn: sqlite3.Connection, source_ids: Sequence[int] = ()) -> str | None:
    """The genre whose tracks were played most (of the music libraries ``source_ids``, or all);
    None when no track has a genre."""
    where = f"WHERE t.source_id IN ({marks(source_ids)})" if source_ids else ""
    row = conn.execute(_MOST_PLAYED.format(where=where), list(source_ids)).fetchone()
    return str(row[0]) if row else None
