"""Albums and artists left without tracks by an incremental sync are removed, and only then.

An incremental sync with nothing to write skips the orphan scan (two full-table ``NOT EXISTS``
scans); one that moved a track, or follows a sync that stopped before cleaning up, runs it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sync_helpers import assert_mirror_exact

from plexmix.devserver.library import ManualClock, MusicLibrary
from plexmix.devserver.server import PlexEmulator
from plexmix.plex.client import PlexClient
from plexmix.services import sync as sync_module
from plexmix.services.sync import SyncEngine
from plexmix.storage import history, library, mirror
from plexmix.storage.sqlite_manager import SQLiteManager


@pytest.fixture
def client(emu: PlexEmulator) -> Iterator[PlexClient]:
    with PlexClient(emu.url, emu.token, page_size=200, backoff_factor=0.0) as c:
        c.connect()
        c.select_library("Music")
        yield c


@pytest.fixture
def db(tmp_path: Path) -> Iterator[SQLiteManager]:
    with SQLiteManager(tmp_path / "orphans.db") as manager:
        yield manager


@pytest.fixture
def orphan_scans(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the orphan scans the sync runs (each still really runs)."""
    calls: list[int] = []
    real = mirror.delete_orphans

    def counted(conn: object) -> tuple[int, int]:
        calls.append(1)
        return real(conn)  # type: ignore[arg-type]

    monkeypatch.setattr(mirror, "delete_orphans", counted)
    return calls


def _lone_song(lib: MusicLibrary, clock: ManualClock) -> tuple[str, str, str]:
    """A track alone on its album, its artist's only album: the keys of the three."""
    song = lib.add_song("Lone Artist", "Lone Album", "Wanderer", year=2001)
    clock.advance(60)
    return str(song.rating_key), str(song.album_key), str(song.artist_key)


def _retag(lib: MusicLibrary, clock: ManualClock, track_key: str) -> None:
    """Move the track onto another artist's album, as Plex does after a retag: its old album
    and artist disappear."""
    clock.advance(3600)
    target = next(a for a in lib.albums.values() if a.title != "Lone Album")
    track = lib.tracks[int(track_key)]
    old_album, old_artist = track.album_key, track.artist_key
    lib.update_track(int(track_key), album_key=target.rating_key, artist_key=target.artist_key)
    with lib.lock:
        del lib.albums[old_album]
        del lib.artists[old_artist]


def test_nothing_changed_skips_the_orphan_scan_and_the_artist_map(
    lib: MusicLibrary, client: PlexClient, db: SQLiteManager, orphan_scans: list[int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    SyncEngine(client, db).full_sync()
    orphan_scans.clear()
    maps: list[str] = []
    real_key_map = library.key_map

    def counted_key_map(conn: object, table: str, keys: object = None) -> dict[str, int]:
        maps.append(table)
        return real_key_map(conn, table, keys)  # type: ignore[arg-type]

    monkeypatch.setattr(sync_module.library, "key_map", counted_key_map)
    report = SyncEngine(client, db).incremental_sync()
    assert report.status == "success" and (report.added, report.updated, report.removed) == (0, 0, 0)
    assert orphan_scans == [] and "artists" not in maps
    assert_mirror_exact(lib, db.conn)


def test_a_track_moved_to_another_album_leaves_no_orphans(
    lib: MusicLibrary, client: PlexClient, db: SQLiteManager, clock: ManualClock, orphan_scans: list[int],
) -> None:
    track_key, album_key, artist_key = _lone_song(lib, clock)
    SyncEngine(client, db).full_sync()
    assert album_key in library.key_map(db.conn, "albums", [album_key])
    _retag(lib, clock, track_key)
    orphan_scans.clear()
    report = SyncEngine(client, db).incremental_sync()
    assert report.mode == "incremental" and report.updated == 1 and report.removed == 0
    assert orphan_scans, "the sync wrote a track: it must look for orphans"
    assert library.key_map(db.conn, "albums", [album_key]) == {}
    assert library.key_map(db.conn, "artists", [artist_key]) == {}
    health = mirror.health(db.conn)
    assert (health.orphan_albums, health.orphan_artists) == (0, 0)
    assert_mirror_exact(lib, db.conn)


def test_orphans_left_by_a_sync_that_stopped_are_removed_by_the_next(
    lib: MusicLibrary, client: PlexClient, db: SQLiteManager, clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    track_key, album_key, artist_key = _lone_song(lib, clock)
    SyncEngine(client, db).full_sync()
    _retag(lib, clock, track_key)

    def stopped(conn: object) -> tuple[int, int]:
        raise KeyboardInterrupt  # Ctrl+C after the moved track was written

    monkeypatch.setattr(mirror, "delete_orphans", stopped)
    with pytest.raises(KeyboardInterrupt):
        SyncEngine(client, db).incremental_sync()
    assert history.recent_syncs(db.conn, 1)[0].status == history.INTERRUPTED
    assert library.key_map(db.conn, "albums", [album_key]) != {}  # left behind
    monkeypatch.undo()

    # Nothing changed since: the track is read again but not written; the cleanup still runs.
    report = SyncEngine(client, db).incremental_sync()
    assert report.status == "success" and (report.added, report.updated, report.removed) == (0, 0, 0)
    assert library.key_map(db.conn, "albums", [album_key]) == {}
    assert library.key_map(db.conn, "artists", [artist_key]) == {}
    assert_mirror_exact(lib, db.conn)
