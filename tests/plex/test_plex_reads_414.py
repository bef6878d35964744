"""A server stricter about URL length than PlexMix assumes: reads by key shrink and start again.

``fetch_tracks`` names many ratingKeys in one ``/library/metadata/k1,k2,...`` URL. The incremental
sync uses it for the tracks of changed albums; a server that refuses long URLs (HTTP 414) must
not make that sync fail, and what it stores must equal what a lenient server gives.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sync_helpers import actual_tracks, assert_mirror_exact

from plexmix.devserver.csv_loader import load_library
from plexmix.devserver.library import ManualClock, MusicLibrary
from plexmix.devserver.server import PlexEmulator
from plexmix.plex.client import PlexClient
from plexmix.plex.transport import PlexHTTPError
from plexmix.services.sync import SyncEngine
from plexmix.storage.sqlite_manager import SQLiteManager

TIDY = "tidytuesday_spotify_songs.csv.gz"
STRICT = 300  # the emulator's URL limit: far below the client's default budget of 2,000
METADATA = "/library/metadata/"


@pytest.fixture
def lib(shared_data_dir: Path, clock: ManualClock) -> MusicLibrary:
    """400 tracks that carry no genres of their own: they inherit their album's."""
    return load_library(shared_data_dir / TIDY, limit=400, track_genres=False, clock=clock)


@pytest.fixture
def emu(lib: MusicLibrary) -> Iterator[PlexEmulator]:
    with PlexEmulator(lib) as emulator:
        yield emulator


def refused(emu: PlexEmulator) -> list[str]:
    """Key lookups the emulator answered with 414 (their path alone was over its limit)."""
    limit = emu.max_url_length
    assert limit is not None
    return [path for _method, path in emu.request_log if path.startswith(METADATA) and len(path) > limit]


def answered(emu: PlexEmulator) -> list[str]:
    limit = emu.max_url_length
    assert limit is not None
    return [path for _method, path in emu.request_log if path.startswith(METADATA) and len(path) <= limit]


def connected(emu: PlexEmulator) -> PlexClient:
    client = PlexClient(emu.url, emu.token, timeout=5.0, backoff_factor=0.0, page_size=100)
    client.connect()
    client.select_library("Music")
    return client


def test_fetch_tracks_shrinks_its_requests_after_a_414(emu: PlexEmulator) -> None:
    keys = [str(k) for k in sorted(emu.library.tracks)]
    with connected(emu) as lenient, connected(emu) as strict:
        expected = lenient.fetch_tracks(keys)
        assert [t.rating_key for t in expected] == keys
        assert strict.max_url_length == 2000

        emu.max_url_length = STRICT
        emu.reset_counts()
        got = strict.fetch_tracks(keys)

    assert got == expected
    # The first request of each try was refused: with 2,000, 1,000 and 500 characters; 250 fit.
    assert len(refused(emu)) == 3
    assert strict.max_url_length == 250  # and the budget stays shrunk for later requests
    served = answered(emu)
    # Every key was read once after the budget fitted: no key is asked for twice.
    assert sorted(k for path in served for k in path[len(METADATA) :].split(",")) == sorted(keys)


def test_incremental_sync_of_changed_albums_on_a_strict_server(
    emu: PlexEmulator, lib: MusicLibrary, clock: ManualClock, tmp_path: Path
) -> None:
    strict_db, lenient_db = tmp_path / "strict" / "plexmix.db", tmp_path / "lenient" / "plexmix.db"
    strict_db.parent.mkdir()
    lenient_db.parent.mkdir()
    with connected(emu) as client, SQLiteManager(strict_db) as db:
        assert SyncEngine(client, db, batch_size=100).full_sync().status == "success"
    shutil.copy(strict_db, lenient_db)  # closed: the WAL is checkpointed into the file

    # Rename the genre of 150 albums: their tracks (which inherit it) must be read again by key.
    clock.advance(3600)
    changed = sorted(lib.albums)[:150]
    for key in changed:
        lib.update_album(key, genres=["Strict Server Test"])
    inheriting = [str(t.rating_key) for t in lib.tracks.values() if t.album_key in set(changed)]
    assert len(METADATA + ",".join(inheriting)) > STRICT  # one request for all of them is too long

    reports = {}
    for name, db_path, limit in (("lenient", lenient_db, None), ("strict", strict_db, STRICT)):
        emu.max_url_length = limit
        emu.reset_counts()
        with connected(emu) as client, SQLiteManager(db_path) as db:
            reports[name] = SyncEngine(client, db, batch_size=100).incremental_sync()
        if limit is not None:
            assert refused(emu), "the emulator never refused a URL: the test proves nothing"
            assert client.max_url_length <= STRICT

    strict, lenient = reports["strict"], reports["lenient"]
    assert strict.status == lenient.status == "success"
    assert strict.mode == "incremental"
    assert (strict.added, strict.updated, strict.removed) == (lenient.added, lenient.updated, lenient.removed)
    assert strict.updated == len(inheriting)  # each of those tracks got the new genre
    with SQLiteManager(strict_db) as a, SQLiteManager(lenient_db) as b:
        assert actual_tracks(a.conn) == actual_tracks(b.conn)
        assert_mirror_exact(lib, a.conn)
        genre_rows = a.conn.execute(
            "SELECT COUNT(*) FROM tracks WHERE genres_text = ?", ("strict server test",)
        ).fetchone()[0]
        assert genre_rows == len(inheriting)


def test_a_server_stricter_than_the_smallest_budget_gets_one_clear_error(emu: PlexEmulator) -> None:
    keys = [str(k) for k in sorted(emu.library.tracks)]
    emu.max_url_length = 150  # shorter than any budget PlexMix will use
    with connected(emu) as client:
        emu.reset_counts()
        with pytest.raises(PlexHTTPError) as err:
            client.fetch_tracks(keys)
    assert err.value.status == 414
    assert "414" in err.value.message and err.value.hint
    # 2,000 → 1,000 → 500 → 250 → 200 characters, then it gives up instead of shrinking forever.
    assert len(refused(emu)) == 5 and answered(emu) == []
    assert client.max_url_length == 200
