from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from sync_helpers import assert_mirror_exact

from plexmix.devserver.csv_loader import load_library
from plexmix.devserver.library import ManualClock, MusicLibrary
from plexmix.devserver.server import PlexEmulator
from plexmix.plex.client import PlexClient
from plexmix.services.sync import SyncEngine
from plexmix.services.verify import verify
from plexmix.storage import history, mirror
from plexmix.storage.sqlite_manager import SQLiteManager

TIDY = "tidytuesday_spotify_songs.csv.gz"
SAMPLE = "spotify_114_genres_sample.csv"


@pytest.fixture
def track_genres() -> bool:
    return False


@pytest.fixture
def lib(shared_data_dir: Path, clock: ManualClock, track_genres: bool) -> MusicLibrary:
    """About 1,200 real tracks; genres on albums (old servers) unless ``track_genres``."""
    return load_library(
        [shared_data_dir / SAMPLE, shared_data_dir / TIDY], limit=1200, track_genres=track_genres, clock=clock
    )


@pytest.fixture
def emu(lib: MusicLibrary) -> Iterator[PlexEmulator]:
    with PlexEmulator(lib) as emulator:
        yield emulator


@pytest.fixture
def client(emu: PlexEmulator) -> Iterator[PlexClient]:
    with PlexClient(emu.url, emu.token, page_size=500, backoff_factor=0.0) as c:
        c.connect()
        c.select_library("Music")
        yield c


@pytest.fixture
def db(tmp_path: Path) -> Iterator[SQLiteManager]:
    with SQLiteManager(tmp_path / "sync.db") as manager:
        yield manager


@dataclass(frozen=True)
class Answered:
    """One request the emulator answered, as it arrived (query string and headers included)."""

    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    headers: dict[str, str]
    status: int

    @property
    def is_track_listing(self) -> bool:
        return self.path.endswith("/all") and ("type", "10") in self.query

    @property
    def filtered(self) -> bool:
        """A listing restricted by a filter such as ``track.updatedAt>>=...``."""
        return any(name.endswith(">") for name, _ in self.query)

    @property
    def page_size(self) -> int | None:
        size = self.headers.get("x-plex-container-size")
        return None if size is None else int(size)

    @property
    def is_full_track_page(self) -> bool:
        """A page of the whole, unfiltered track listing (not a size-0 count request)."""
        return self.is_track_listing and not self.filtered and self.page_size != 0


def answers_of(emu: PlexEmulator) -> list[Answered]:
    """From now on, record every request the emulator answers and the status it gave."""
    seen: list[Answered] = []
    handle = emu.handle

    def recording(method: str, raw_path: str, headers: dict[str, str]) -> Any:
        response = handle(method, raw_path, headers)
        parts = urlsplit(raw_path)
        query = tuple(parse_qsl(parts.query, keep_blank_values=True))
        seen.append(Answered(method, parts.path, query, dict(headers), response.status))
        return response

    emu.handle = recording
    return seen


@pytest.mark.parametrize("track_genres", [False, True], ids=["album-genres", "track-genres"])
def test_full_sync_mirrors_the_library_exactly(
    lib: MusicLibrary, emu: PlexEmulator, client: PlexClient, db: SQLiteManager
) -> None:
    report = SyncEngine(client, db).full_sync()
    assert report.status == "success"
    assert report.added == len(lib.tracks) and report.removed == 0
    assert_mirror_exact(lib, db.conn)
    ratings = [r[0] for r in db.conn.execute("SELECT rating FROM tracks WHERE rating IS NOT NULL")]
    assert ratings and max(ratings) > 5  # Plex's 0-10 scale is kept
    (record,) = history.recent_syncs(db.conn)
    assert record.status == "success" and record.tracks_added == len(lib.tracks) and record.server_time


def test_full_sync_makes_no_request_per_track_or_album(
    lib: MusicLibrary, emu: PlexEmulator, client: PlexClient, db: SQLiteManager
) -> None:
    emu.reset_counts()
    SyncEngine(client, db).full_sync()
    total = emu.total_requests
    pages = sum(-(-n // 500) for n in (len(lib.artists), len(lib.albums), len(lib.tracks)))
    assert total <= pages + 3 + 2, dict(emu.request_counts)  # pages + 3 counts + slack
    assert not any("/library/metadata/" in key for key in emu.request_counts)


def test_second_full_sync_writes_nothing(emu: PlexEmulator, client: PlexClient, db: SQLiteManager) -> None:
    SyncEngine(client, db).full_sync()
    again = SyncEngine(client, db).full_sync()
    assert (again.added, again.updated, again.removed) == (0, 0, 0)
    assert again.unchanged == again.tracks_seen


def test_incremental_after_adds_changes_deletes_matches(
    lib: MusicLibrary, emu: PlexEmulator, client: PlexClient, db: SQLiteManager, clock: ManualClock
) -> None:
    SyncEngine(client, db).full_sync()
    clock.advance(3600)
    keys = sorted(lib.tracks)
    album_key = lib.tracks[keys[0]].album_key
    lib.add_track("A Brand New Song", album_key, user_rating=8.0)
    lib.add_song("New Artist", "New Album", "Fresh Track", year=2024, genres=["Jazz"])
    lib.update_track(keys[1], title="Renamed Track")
    lib.update_track(keys[2], user_rating=10.0)  # user state: updatedAt unchanged
    lib.record_play(keys[3])
    other_album = lib.tracks[keys[10]].album_key
    lib.update_album(other_album, genres=["Shoegaze"], moods=["Dreamy"])
    artist_key = lib.tracks[keys[20]].artist_key
    lib.update_artist(artist_key, title="Renamed Artist")
    for k in keys[-5:]:
        lib.delete_track(k)
    emu.reset_counts()
    report = SyncEngine(client, db).incremental_sync()
    assert report.mode == "incremental" and report.status == "success"
    assert report.added == 2 and report.removed == 5
    assert_mirror_exact(lib, db.conn)
    # Far fewer requests than listing everything again.
    assert emu.total_requests < 20, dict(emu.request_counts)


def test_incremental_without_changes_is_cheap_and_exact(
    lib: MusicLibrary, emu: PlexEmulator, client: PlexClient, db: SQLiteManager
) -> None:
    answers = answers_of(emu)
    SyncEngine(client, db).full_sync()
    track_pages = -(-len(lib.tracks) // 500)
    # The classifier sees the full listing of a full sync: one count, then every page.
    assert sum(a.is_full_track_page for a in answers) == track_pages
    assert sum(a.is_track_listing and a.page_size == 0 and not a.filtered for a in answers) == 1

    answers.clear()
    emu.reset_counts()
    report = SyncEngine(client, db).incremental_sync()
    assert report.status == "success"
    assert (report.added, report.updated, report.removed) == (0, 0, 0)
    assert emu.total_requests == len(answers) <= 8, dict(emu.request_counts)
    # The track listing is never read again: every track request is filtered or a size-0 count.
    track_requests = [a for a in answers if a.is_track_listing]
    assert emu.request_counts["GET /library/sections/{id}/all?type=10"] == len(track_requests)
    full_pages = [a for a in track_requests if a.is_full_track_page]
    assert full_pages == [], full_pages
    counts = [a for a in track_requests if not a.filtered]
    assert len(counts) == 1 and counts[0].page_size == 0  # deletions are ruled out by one count
    assert_mirror_exact(lib, db.conn)

    # And when the count shows a deletion, the listing is read, page by page: the check above
    # would have seen it.
    lib.delete_track(sorted(lib.tracks)[0])
    answers.clear()
    report = SyncEngine(client, db).incremental_sync()
    assert report.removed == 1
    assert sum(a.is_full_track_page for a in answers) == -(-len(lib.tracks) // 500)
    assert_mirror_exact(lib, db.conn)


def test_first_incremental_without_history_runs_full(lib: MusicLibrary, client: PlexClient, db: SQLiteManager) -> None:
    report = SyncEngine(client, db).incremental_sync()
    assert report.mode == "full"
    assert_mirror_exact(lib, db.conn)


def _assert_every_fault_was_retried(answers: list[Answered]) -> None:
    """Each request answered 429/503 was sent again (same URL and page) and then answered 200."""
    for i, failed in enumerate(answers):
        if failed.status not in (429, 503):
            continue
        page = failed.headers.get("x-plex-container-start")
        again = [
            a.status for a in answers[i + 1 :]
            if (a.method, a.path, a.query) == (failed.method, failed.path, failed.query)
            and a.headers.get("x-plex-container-start") == page
        ]
        assert 200 in again, f"{failed} was not retried successfully: {again}"


def test_sync_with_429_and_503_on_every_5th_request_is_exact(
    lib: MusicLibrary, emu: PlexEmulator, client: PlexClient, db: SQLiteManager
) -> None:
    answers = answers_of(emu)
    too_many = emu.set_fault(429, every_nth=5, retry_after=0)
    unavailable = emu.set_fault(503, every_nth=7)
    report = SyncEngine(client, db).full_sync()
    assert report.status == "success" and report.added == len(lib.tracks)
    assert_mirror_exact(lib, db.conn)
    statuses = [a.status for a in answers]
    # The faults fired, exactly as often as the emulator counted, and nothing else failed.
    assert too_many.fired >= 2 and unavailable.fired >= 1, (too_many.fired, unavailable.fired)
    assert statuses.count(429) == too_many.fired and statuses.count(503) == unavailable.fired
    assert statuses.count(200) == len(statuses) - too_many.fired - unavailable.fired
    _assert_every_fault_was_retried(answers)

    answers.clear()
    before = (too_many.fired, unavailable.fired)
    keys = sorted(lib.tracks)
    lib.delete_track(keys[0])
    lib.update_track(keys[1], title="Changed under load")
    report = SyncEngine(client, db).incremental_sync()
    assert report.status == "success" and report.removed == 1 and report.updated >= 1
    assert_mirror_exact(lib, db.conn)
    statuses = [a.status for a in answers]
    fired = (too_many.fired - before[0], unavailable.fired - before[1])
    assert fired[0] >= 1 and fired[1] >= 1, fired
    assert (statuses.count(429), statuses.count(503)) == fired
    assert statuses.count(200) == len(statuses) - sum(fired)
    _assert_every_fault_was_retried(answers)


def test_plex_is_the_source_of_truth_for_local_edits(
    lib: MusicLibrary, client: PlexClient, db: SQLiteManager
) -> None:
    SyncEngine(client, db).full_sync()
    db.conn.execute("UPDATE tracks SET title = 'edited locally', rating = 1 WHERE id = (SELECT MIN(id) FROM tracks)")
    db.conn.execute("DELETE FROM tracks WHERE id = (SELECT MAX(id) FROM tracks)")
    report = SyncEngine(client, db).full_sync()
    assert report.updated == 1 and report.added == 1
    assert_mirror_exact(lib, db.conn)


def test_verify_finds_and_repairs_differences(
    lib: MusicLibrary, client: PlexClient, db: SQLiteManager
) -> None:
    engine = SyncEngine(client, db)
    engine.full_sync()
    assert verify(engine).ok
    keys = sorted(lib.tracks)
    lib.delete_track(keys[0])
    db.conn.execute("DELETE FROM tracks WHERE plex_key = ?", (str(keys[5]),))
    report = verify(engine)
    assert not report.ok
    assert report.extra_keys == [str(keys[0])] and report.missing_keys == [str(keys[5])]
    repaired = verify(engine, repair=True)
    assert repaired.ok and repaired.repaired
    assert_mirror_exact(lib, db.conn)
    assert mirror.counts(db.conn)["tracks"] == len(lib.tracks)
