"""A sync stores Plex's skips with the tracks and its per-play history in ``plays`` (full and
incremental), reading the history only from the newest stored play on (the watermark)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from plexmix.devserver.library import ManualClock, MusicLibrary
from plexmix.devserver.server import PlexEmulator
from plexmix.plex.client import PlexClient
from plexmix.services.sync import SyncEngine
from plexmix.services.sync_plays import HISTORY_DAYS
from plexmix.storage import plays
from plexmix.storage.library import get_track_by_plex_key
from plexmix.storage.sqlite_manager import SQLiteManager

HISTORY = "GET /status/sessions/history/all"


@pytest.fixture
def client(emu: PlexEmulator) -> Iterator[PlexClient]:
    with PlexClient(emu.url, emu.token, page_size=100, backoff_factor=0.0) as c:
        c.select_library("Music")
        yield c


@pytest.fixture
def db(tmp_path: Path) -> Iterator[SQLiteManager]:
    with SQLiteManager(tmp_path / "plays.db") as manager:
        yield manager


def _stored(db: SQLiteManager) -> set[tuple[int, str, int]]:
    rows = db.conn.execute("SELECT p.history_id, t.plex_key, p.viewed_at FROM plays p JOIN tracks t ON t.id = p.track_id")
    return {(h, k, v) for h, k, v in rows}


def _served(lib: MusicLibrary, since: int) -> set[tuple[int, str, int]]:
    return {(p.history_id, str(p.rating_key), p.viewed_at) for p in lib.history.rows() if p.viewed_at >= since}


def test_full_sync_stores_skips_and_the_last_year_of_plays(
    lib: MusicLibrary, emu: PlexEmulator, client: PlexClient, db: SQLiteManager, clock: ManualClock
) -> None:
    report = SyncEngine(client, db).full_sync()
    assert report.status == "success"
    skips = dict(db.conn.execute("SELECT plex_key, skip_count FROM tracks"))
    assert skips == {str(k): t.skip_count for k, t in lib.tracks.items()}
    assert sum(1 for n in skips.values() if n) > 0  # the emulator's library has skipped tracks
    start = clock.now - HISTORY_DAYS * 86400
    expected = _served(lib, start)
    assert expected and _stored(db) == expected
    assert report.plays == len(expected)
    assert len(_served(lib, 0)) > len(expected)  # older plays exist but a first sync does not read them
    assert plays.watermark(db.conn) == max(v for _, _, v in expected)
    track = get_track_by_plex_key(db.conn, next(k for k, n in skips.items() if n))
    assert track is not None and track.skip_count == skips[track.plex_key]  # read back with the track


def test_incremental_sync_adds_new_plays_and_skips_from_the_watermark(
    lib: MusicLibrary, emu: PlexEmulator, client: PlexClient, db: SQLiteManager, clock: ManualClock
) -> None:
    SyncEngine(client, db).full_sync()
    before = _stored(db)
    mark = plays.watermark(db.conn)
    played, skipped = list(lib.tracks)[:2], list(lib.tracks)[5]
    clock.advance(3600)
    for key in played:
        lib.record_play(key)
    lib.record_skip(skipped)
    emu.reset_counts()
    report = SyncEngine(client, db).incremental_sync()
    assert report.status == "success" and report.plays == 2
    new = _stored(db) - before
    assert {(k, v) for _, k, v in new} == {(str(k), clock.now) for k in played}
    assert plays.watermark(db.conn) == clock.now > (mark or 0)
    skips = db.conn.execute("SELECT skip_count FROM tracks WHERE plex_key = ?", (str(skipped),)).fetchone()[0]
    assert skips == lib.tracks[skipped].skip_count  # lastSkippedAt told the incremental sync
    assert emu.request_counts[HISTORY] == 1
    # Nothing new: the same one request, from the watermark, finds nothing to add.
    again = SyncEngine(client, db).incremental_sync()
    assert again.plays == 0 and _stored(db) == before | new


def test_a_server_without_per_play_history_is_not_an_error(
    lib: MusicLibrary, emu: PlexEmulator, client: PlexClient, db: SQLiteManager
) -> None:
    for status in (404, 403):
        emu.clear_faults()
        emu.set_fault(status=status, path_contains="/status/sessions/history")
        report = SyncEngine(client, db).full_sync()
        assert report.status == "success" and report.plays == 0
        assert plays.play_count(db.conn) == 0
        assert db.conn.execute("SELECT SUM(skip_count) FROM tracks").fetchone()[0] == sum(
            t.skip_count for t in lib.tracks.values()
        )


def test_plays_of_a_deleted_track_go_with_it(
    lib: MusicLibrary, emu: PlexEmulator, client: PlexClient, db: SQLiteManager
) -> None:
    SyncEngine(client, db).full_sync()
    key = next(k for k, _, _ in [(int(k), h, v) for h, k, v in _stored(db)])
    count = plays.play_count(db.conn)
    mine = sum(1 for _, k, _ in _stored(db) if k == str(key))
    lib.delete_track(key)
    SyncEngine(client, db).full_sync()
    assert plays.play_count(db.conn) == count - mine
