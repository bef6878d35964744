"""A bigger real library for the tests marked ``needs_shared_data``: ~3,700 tracks of ../shared/data.

The rows are picked the way ``bench/quality.py`` picks them (every 12th TidyTuesday row, every 5th
row of the 114-genre sample, and the whole discographies of artists that era, several-artist and
exclusion queries need), served by the Plex emulator and synced by the real ``SyncEngine`` over
loopback HTTP with a real ``PlexClient`` (plexapi). No embeddings: keyword search only, so it takes
seconds.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

from playlist_helpers import SAMPLE, TIDY, TOKEN

from plexmix.devserver.csv_loader import DEFAULT_NOW, SongRow, build_library, read_rows
from plexmix.devserver.server import PlexEmulator
from plexmix.plex.client import PlexClient
from plexmix.services.sync import SyncEngine
from plexmix.storage.sqlite_manager import SQLiteManager

WHOLE = ("Queen", "Guns N' Roses", "The Rolling Stones", "Scorpions", "Drake", "Eminem", "2Pac",
         "Martin Garrix", "Daddy Yankee", "Coldplay", "The Cranberries", "Lynyrd Skynyrd",
         "The Weeknd", "Avicii", "Depeche Mode", "Janet Jackson")


def shared_rows() -> Iterator[SongRow]:
    """Every 12th TidyTuesday row, the whole discographies of ``WHOLE``, every 5th sample row
    (each album's song once)."""
    tidy = list(read_rows(TIDY))
    picked = itertools.chain(tidy[::12], (r for r in tidy if r.artists[0] in WHOLE),
                             itertools.islice(read_rows(SAMPLE), 0, None, 5))
    seen: set[tuple[str, str]] = set()
    for row in picked:
        if (row.album_id, row.title) not in seen:
            seen.add((row.album_id, row.title))
            yield row


def sync_shared_library(db_path: Path) -> int:
    """Build the library, serve it, sync it into ``db_path``; the number of tracks synced."""
    library = build_library(shared_rows(), track_genres=True, seed=11, now=DEFAULT_NOW)
    with PlexEmulator(library, token=TOKEN) as emu, SQLiteManager(db_path) as db:
        with PlexClient(emu.url, emu.token, page_size=1000, backoff_factor=0.0) as client:
            client.connect()
            client.select_library("Music")
            report = SyncEngine(client, db).full_sync()
        assert report.status == "success" and report.added == len(library.tracks), report
        db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return len(library.tracks)
