"""Incremental syncs read from exact watermarks: Plex's clock when the last sync started.

A real server does not move ``updatedAt`` when a track is played or rated, so an incremental
sync asks for ``lastViewedAt`` / ``lastRatedAt`` separately. Every change (metadata, plays,
ratings) is read from Plex's clock at the last sync's first answer, inclusive: nothing changed
before the last sync is fetched again, and nothing changed after it, even in the same second, is
missed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sync_helpers import assert_mirror_exact

from plexmix.devserver.library import ManualClock, MusicLibrary
from plexmix.devserver.server import PlexEmulator
from plexmix.plex.client import PlexClient
from plexmix.services.sync import SyncEngine
from plexmix.storage import history
from plexmix.storage.sqlite_manager import SQLiteManager

# Requests an incremental sync with nothing changed makes: one count, then changed artists,
# albums and tracks, plays, skips and ratings (each an empty listing), the play history since the
# newest stored play (an empty page); no read by key.
NOTHING_CHANGED_REQUESTS = 8


@pytest.fixture
def client(emu: PlexEmulator) -> Iterator[PlexClient]:
    with PlexClient(emu.url, emu.token, page_size=100, backoff_factor=0.0) as c:
        c.connect()
        c.select_library("Music")
        yield c


@pytest.fixture
def db(tmp_path: Path) -> Iterator[SQLiteManager]:
    with SQLiteManager(tmp_path / "sync.db") as manager:
        yield manager


def _reads_by_key(emu: PlexEmulator) -> list[str]:
    return [path for _method, path in emu.request_log if path.startswith("/library/metadata")]


@pytest.mark.needs_shared_data  # the bundled tracks' plays all predate their metadata changes
def test_plays_and_ratings_were_not_all_before_the_last_sync(lib: MusicLibrary) -> None:
    """The premise of the shared data: the library has plays and ratings, all before the sync's
    clock, and some newer than the newest metadata change (the tests below also make such plays
    themselves, so they hold on the bundled data too)."""
    played = [t.last_viewed_at for t in lib.tracks.values() if t.last_viewed_at]
    rated = [t.last_rated_at for t in lib.tracks.values() if t.last_rated_at]
    assert len(played) > 20 and len(rated) > 20
    newest_metadata = max(max(t.updated_at, t.added_at) for t in lib.tracks.values())
    # Many plays are newer than the newest metadata change: a metadata watermark re-reads them.
    assert sum(p > newest_metadata for p in played) > 0


def test_nothing_changed_reads_no_tracks_and_makes_a_handful_of_requests(
    lib: MusicLibrary, emu: PlexEmulator, client: PlexClient, db: SQLiteManager
) -> None:
    SyncEngine(client, db).full_sync()
    emu.reset_counts()
    report = SyncEngine(client, db).incremental_sync()
    assert report.status == "success"
    assert report.tracks_seen == 0, "tracks changed or played before the last sync were fetched again"
    assert (report.added, report.updated, report.removed) == (0, 0, 0)
    assert emu.total_requests <= NOTHING_CHANGED_REQUESTS, dict(emu.request_counts)
    assert _reads_by_key(emu) == []
    assert_mirror_exact(lib, db.conn)


def test_a_change_in_the_same_second_as_the_last_sync_is_read_once(
    lib: MusicLibrary, emu: PlexEmulator, client: PlexClient, db: SQLiteManager, clock: ManualClock
) -> None:
    """The boundary is exact and inclusive: a change stamped with the very second the last sync
    started is read by the next sync; once Plex's clock has moved on, it is not read again."""
    SyncEngine(client, db).full_sync()
    keys = sorted(lib.tracks)
    lib.update_track(keys[10], title="Same Second")  # Plex's clock did not move since the sync
    lib.update_album(lib.tracks[keys[20]].album_key, title="Same Second Album")
    report = SyncEngine(client, db).incremental_sync()
    assert str(keys[10]) in report.changed_keys
    assert_mirror_exact(lib, db.conn)  # the album's new title too
    clock.advance(1)
    SyncEngine(client, db).incremental_sync()  # starts a second later: the new watermark
    emu.reset_counts()
    report = SyncEngine(client, db).incremental_sync()
    assert report.tracks_seen == 0
    assert emu.total_requests <= NOTHING_CHANGED_REQUESTS, dict(emu.request_counts)
    assert_mirror_exact(lib, db.conn)


def test_only_the_tracks_played_or_rated_since_are_fetched(
    lib: MusicLibrary, emu: PlexEmulator, client: PlexClient, db: SQLiteManager, clock: ManualClock
) -> None:
    SyncEngine(client, db).full_sync()
    clock.advance(3600)
    keys = sorted(lib.tracks)
    played, rated = keys[5:9], keys[40:42]
    for key in played:
        lib.record_play(key)
    for key in rated:
        lib.update_track(key, user_rating=4.0)
    emu.reset_counts()
    report = SyncEngine(client, db).incremental_sync()
    assert report.tracks_seen == len({str(k) for k in played + rated})
    assert sorted(report.changed_keys) == sorted(str(k) for k in played + rated)
    assert emu.total_requests <= NOTHING_CHANGED_REQUESTS, dict(emu.request_counts)
    assert _reads_by_key(emu) == []
    assert_mirror_exact(lib, db.conn)


def test_plays_and_ratings_at_the_margin_are_not_lost(
    lib: MusicLibrary,
    emu: PlexEmulator,
    client: PlexClient,
    db: SQLiteManager,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without a safety margin: plays in the same second as the last sync, and during it after
    its activity listing was read, are all read by the next one."""
    engine = SyncEngine(client, db, safety_margin_s=0)
    engine.full_sync()
    keys = sorted(lib.tracks)
    lib.record_play(keys[0])  # the same second as the sync: Plex's clock did not move
    lib.update_track(keys[1], user_rating=2.0)
    report = engine.incremental_sync()
    assert {str(keys[0]), str(keys[1])} <= set(report.changed_keys)
    clock.advance(1)
    lib.record_play(keys[2])
    lib.update_track(keys[3], user_rating=10.0)
    report = engine.incremental_sync()
    assert {str(keys[2]), str(keys[3])} <= set(report.changed_keys)
    assert_mirror_exact(lib, db.conn)

    # Played and rated while a sync runs, just after it read the plays and ratings.
    clock.advance(3600)
    read_activity = client.iter_tracks_activity

    def then_play(*since: int) -> Iterator[Any]:
        yield from read_activity(*since)
        clock.advance(5)
        lib.record_play(keys[6])
        lib.update_track(keys[7], user_rating=6.0)

    monkeypatch.setattr(client, "iter_tracks_activity", then_play)
    report = engine.incremental_sync()
    assert str(keys[6]) not in report.changed_keys  # too late for this sync ...
    monkeypatch.undo()
    report = engine.incremental_sync()
    assert {str(keys[6]), str(keys[7])} <= set(report.changed_keys)  # ... read by the next
    assert_mirror_exact(lib, db.conn)


def test_a_play_older_than_the_metadata_watermark_is_found(
    lib: MusicLibrary, emu: PlexEmulator, client: PlexClient, db: SQLiteManager, clock: ManualClock
) -> None:
    """Metadata stamped ahead of the server's clock (a scanner, an imported library) does not
    move the watermarks past "now": plays and changes made after the sync, before that stamp,
    still count."""
    keys = sorted(lib.tracks)
    lib.update_album(lib.tracks[keys[-1]].album_key, updated_at=clock() + 7200, title="From The Future")
    SyncEngine(client, db).full_sync()
    last = history.last_successful_sync(db.conn)
    assert last is not None and last.server_time == clock()
    clock.advance(3600)  # before the album's stamp
    lib.record_play(keys[3])
    lib.update_track(keys[4], user_rating=8.0)
    lib.update_track(keys[5], title="Renamed Before The Stamp")
    report = SyncEngine(client, db).incremental_sync()
    assert {str(keys[3]), str(keys[4]), str(keys[5])} <= set(report.changed_keys)
    assert_mirror_exact(lib, db.conn)


def test_the_watermarks_come_from_the_servers_clock(
    lib: MusicLibrary, emu: PlexEmulator, client: PlexClient, db: SQLiteManager, clock: ManualClock
) -> None:
    clock.advance(12345)
    SyncEngine(client, db).full_sync()
    marks = history.last_watermarks(db.conn)
    assert marks is not None
    assert (marks.metadata, marks.plays, marks.ratings) == (clock(), clock(), clock())
    assert client.server_clock() == clock()
