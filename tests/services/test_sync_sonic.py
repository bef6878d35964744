"""The sync stores each track's sonic analysis version, and learns it once after an upgrade."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from plexmix.devserver.csv_loader import load_library
from plexmix.devserver.library import ManualClock, MusicLibrary
from plexmix.devserver.server import PlexEmulator
from plexmix.errors import PlexError
from plexmix.plex.client import PlexClient
from plexmix.services.sync import SyncEngine
from plexmix.storage import mirror
from plexmix.storage.sqlite_manager import SQLiteManager

TIDY = "tidytuesday_spotify_songs.csv.gz"
LISTING = "GET /library/sections/{id}/all?type=10"


@pytest.fixture
def lib(shared_data_dir: Path, clock: ManualClock) -> MusicLibrary:
    return load_library(shared_data_dir / TIDY, limit=300, clock=clock)


@pytest.fixture
def emu(lib: MusicLibrary) -> Iterator[PlexEmulator]:
    with PlexEmulator(lib) as emulator:
        yield emulator


def _sync(emu: PlexEmulator, path: Path, mode: str) -> tuple[str, int]:
    with SQLiteManager(path) as db, PlexClient(emu.url, emu.token, page_size=100, backoff_factor=0.0) as c:
        c.select_library("Music")
        report = SyncEngine(c, db).sync(mode)
        return report.mode, report.tracks_seen


def stored_versions(path: Path) -> dict[str, int | None]:
    with SQLiteManager(path) as db:
        return dict(db.conn.execute("SELECT plex_key, music_analysis_version FROM tracks").fetchall())


def plex_versions(lib: MusicLibrary) -> dict[str, int | None]:
    return {str(k): 1 if lib.analysed(t) else None for k, t in lib.tracks.items()}


def test_full_and_incremental_syncs_store_the_analysis_version(
    emu: PlexEmulator, lib: MusicLibrary, clock: ManualClock, tmp_path: Path
) -> None:
    lib.add_song("Field Recordist", "Unanalysed", "Rain On A Tin Roof", year=2020)  # no audio features
    path = tmp_path / "p.db"
    assert _sync(emu, path, "full")[0] == "full"
    versions = stored_versions(path)
    assert versions == plex_versions(lib)
    assert sorted(versions.values(), key=str).count(None) == 1 and list(versions.values()).count(1) == 300

    clock.advance(3600)
    album = next(iter(lib.albums))
    new = lib.add_track("Analysed Later", album, sonic=(0.5,) * 7)
    plain = lib.add_track("Never Analysed", album)
    assert _sync(emu, path, "incremental")[0] == "incremental"
    versions = stored_versions(path)
    assert (versions[str(new.rating_key)], versions[str(plain.rating_key)]) == (1, None)
    assert versions == plex_versions(lib)


def test_a_server_without_sonic_analysis_stores_null(shared_data_dir: Path, clock: ManualClock, tmp_path: Path) -> None:
    lib = load_library(shared_data_dir / TIDY, limit=120, clock=clock, sonic=False)
    with PlexEmulator(lib) as emu:
        _sync(emu, tmp_path / "p.db", "full")
    assert set(stored_versions(tmp_path / "p.db").values()) == {None}


def test_the_first_incremental_sync_after_the_upgrade_learns_the_versions(
    emu: PlexEmulator, lib: MusicLibrary, clock: ManualClock, tmp_path: Path
) -> None:
    path, control = tmp_path / "p.db", tmp_path / "control.db"
    _sync(emu, path, "full")
    shutil.copyfile(path, control)  # the same mirror, never made by an older PlexMix
    with SQLiteManager(path) as db:  # what migration 8 leaves in a database synced before it
        db.conn.execute("UPDATE tracks SET music_analysis_version = NULL")
        db.conn.execute("UPDATE mirror_state SET analysis_known = 0")
    clock.advance(3600)
    renamed = next(iter(lib.tracks))
    lib.update_track(renamed, title="Renamed After The Upgrade")

    emu.reset_counts()
    want_mode, want_seen = _sync(emu, control, "incremental")
    control_listings = emu.request_counts[LISTING]
    emu.reset_counts()
    assert _sync(emu, path, "incremental") == (want_mode, want_seen) == ("incremental", want_seen)
    # The 300 tracks are listed once more (pages of 100); the changed ones are read as always.
    assert emu.request_counts[LISTING] == control_listings + 3
    assert stored_versions(path) == stored_versions(control) == plex_versions(lib)
    with SQLiteManager(path) as db:
        assert mirror.analysis_known(db.conn)
        title = db.conn.execute("SELECT title FROM tracks WHERE plex_key = ?", (str(renamed),)).fetchone()[0]
        assert title == "Renamed After The Upgrade"

    emu.reset_counts()  # learnt once: the next sync lists no more than the control's
    _sync(emu, control, "incremental")
    control_listings = emu.request_counts[LISTING]
    emu.reset_counts()
    _sync(emu, path, "incremental")
    assert emu.request_counts[LISTING] == control_listings


def test_a_sync_that_fails_after_learning_learns_again_next_time(
    emu: PlexEmulator, lib: MusicLibrary, tmp_path: Path
) -> None:
    path = tmp_path / "p.db"
    _sync(emu, path, "full")
    with SQLiteManager(path) as db:
        db.conn.execute("UPDATE tracks SET music_analysis_version = NULL")
        db.conn.execute("UPDATE mirror_state SET analysis_known = 0")
    # Listings: the track count, changed artists, changed albums, the 3 pages of every track,
    # then the changed tracks: that seventh one fails (400 is not retried), after the versions
    # were learnt.
    fault = emu.set_fault(400, every_nth=7, path_contains="/library/sections/1/all")
    with pytest.raises(PlexError):
        _sync(emu, path, "incremental")
    assert fault.fired == 1
    assert stored_versions(path) == plex_versions(lib)  # written batch by batch...
    with SQLiteManager(path) as db:
        assert not mirror.analysis_known(db.conn)  # ...but known only once a sync succeeds
    emu.clear_faults()
    emu.reset_counts()
    assert _sync(emu, path, "incremental")[0] == "incremental"
    assert emu.request_counts[LISTING] >= 3 + 1  # it listed every track again
    assert stored_versions(path) == plex_versions(lib)
    with SQLiteManager(path) as db:
        assert mirror.analysis_known(db.conn)
