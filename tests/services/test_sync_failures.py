"""A sync that fails or is interrupted partway: its history row says so, its prefetch threads
stop, no half-written batch is visible, and the next sync completes exactly.

The failures come from the emulator's fault hooks (a server that starts answering 500 or 401
for good after some pages; Ctrl+C pressed while a request is in flight) or from the progress
callback, at points counted in requests and batches, never in seconds.
"""

from __future__ import annotations

import signal
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from kill_harness import consistency_problems
from sync_helpers import actual_albums, actual_artists, actual_tracks, assert_mirror_exact
from typer.testing import CliRunner

from plexmix.cli.main import app
from plexmix.devserver.faults import Fault
from plexmix.devserver.library import ManualClock, MusicLibrary
from plexmix.devserver.server import PlexEmulator
from plexmix.errors import PlexAuthError, PlexMixError
from plexmix.plex.client import PlexClient
from plexmix.plex.transport import PlexHTTPError
from plexmix.services.progress import NullProgress
from plexmix.services.sync import SyncEngine
from plexmix.storage import history
from plexmix.storage.sqlite_manager import SQLiteManager
from plexmix.utils.prefetch import prefetch

TIDY = "tidytuesday_spotify_songs.csv.gz"
PAGE, BATCH = 50, 100  # 400 tracks: 8 pages, 4 batches
TRACK_LISTING = "GET /library/sections/{id}/all?type=10"
PREFETCH_NAMES = frozenset({"plex-artists", "plex-albums", "plex-tracks"})
runner = CliRunner()


# -- fixtures and helpers ----------------------------------------------------------------------
@pytest.fixture
def threads_before() -> set[threading.Thread]:
    """Threads alive before the test's sync (another test's leftovers are not this test's)."""
    return set(threading.enumerate())


@dataclass
class TrackListingBreaks(Fault):
    """Answers ``status`` to every track listing once ``served`` of them were answered."""

    emu: PlexEmulator | None = None
    served: int = 0

    def check(self, method: str, path: str) -> bool:
        assert self.emu is not None
        # Called under the hooks' lock, after this request was counted.
        if not path.endswith("/all") or self.emu.hooks.request_counts[TRACK_LISTING] <= self.served:
            return False
        self.seen += 1
        self.fired += 1
        return True


@dataclass
class CtrlCDuring(Fault):
    """Presses Ctrl+C (SIGINT to the main thread) while the first matching request is in flight.

    It never answers an error itself: the request goes on, the client is interrupted waiting.
    """

    def check(self, method: str, path: str) -> bool:
        if self.fired or self.path_contains is None or self.path_contains not in path:
            return False
        self.fired += 1
        main = threading.main_thread().ident
        assert main is not None
        signal.pthread_kill(main, signal.SIGINT)
        return False


def add_fault(emu: PlexEmulator, fault: Fault) -> Fault:
    with emu.hooks.lock:
        emu.hooks.faults.append(fault)
    return fault


@pytest.fixture
def default_sigint() -> Iterator[None]:
    """SIGINT raises KeyboardInterrupt in the main thread, as in a terminal."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def connected(emu: PlexEmulator) -> PlexClient:
    client = PlexClient(emu.url, emu.token, timeout=5.0, max_retries=2, backoff_factor=0.0, page_size=PAGE)
    client.connect()
    client.select_library("Music")
    return client


def sync(emu: PlexEmulator, db_path: Path, mode: str) -> history.SyncRecord:
    with connected(emu) as client, SQLiteManager(db_path) as db:
        report = SyncEngine(client, db, batch_size=BATCH).sync(mode)
        assert report.status == "success"
        return history.recent_syncs(db.conn, 1)[0]


class CtrlCAfterBatches(NullProgress):
    """A progress display whose user presses Ctrl+C once ``batches`` track batches were written."""

    def __init__(self, batches: int) -> None:
        self.batches = batches
        self.written = 0

    def advance(self, stage: str, amount: int = 1) -> None:
        if stage == "Tracks":
            self.written += 1
            if self.written == self.batches:
                raise KeyboardInterrupt


def failing_sync(emu: PlexEmulator, db_path: Path, mode: str, progress: NullProgress | None = None) -> str:
    """Run a sync that must fail; the name of what it raised. The error is let go (as the CLI
    lets it go once it has printed it), so whatever it referenced can be released."""
    with connected(emu) as client, SQLiteManager(db_path) as db:
        engine = SyncEngine(client, db, batch_size=BATCH, progress=progress)
        try:
            engine.sync(mode)
        except (PlexMixError, KeyboardInterrupt) as exc:
            return type(exc).__name__
    raise AssertionError("the sync did not fail")


def new_prefetch_threads(before: set[threading.Thread]) -> list[str]:
    return [t.name for t in threading.enumerate() if t.name in PREFETCH_NAMES and t not in before]


def last_sync(db_path: Path) -> history.SyncRecord:
    with SQLiteManager(db_path) as db:
        return history.recent_syncs(db.conn, 1)[0]


def track_keys(db_path: Path) -> set[str]:
    conn = sqlite3.connect(db_path)
    try:
        return {row[0] for row in conn.execute("SELECT plex_key FROM tracks")}
    finally:
        conn.close()


def assert_equals_a_fresh_full_sync(emu: PlexEmulator, db_path: Path, tmp_path: Path) -> None:
    fresh = tmp_path / "fresh" / "plexmix.db"
    fresh.parent.mkdir(exist_ok=True)
    sync(emu, fresh, "full")
    with SQLiteManager(db_path) as got, SQLiteManager(fresh) as want:
        assert actual_tracks(got.conn) == actual_tracks(want.conn)
        assert actual_albums(got.conn) == actual_albums(want.conn)
        assert actual_artists(got.conn) == actual_artists(want.conn)
        assert_mirror_exact(emu.library, got.conn)
        assert got.integrity_check() == []


def change_the_library(lib: MusicLibrary, clock: ManualClock) -> None:
    """An hour later: renames, a new album genre, plays, deletions and new songs."""
    clock.advance(3600)
    keys = sorted(lib.tracks)
    for key in keys[:30]:
        lib.update_track(key, title=f"{lib.tracks[key].title} (live)")
    for key in keys[30:40]:
        lib.record_play(key)
    for key in sorted(lib.albums)[-20:]:
        lib.update_album(key, genres=["Failure Test"])
    for key in keys[-5:]:
        lib.delete_track(key)
    for n in range(5):
        lib.add_song("Failure Test Artist", "Failure Test Album", f"Song {n}", year=2024, genres=["Jazz"])


# -- a full sync that fails partway ------------------------------------------------------------
@pytest.mark.parametrize(
    ("status", "raised", "message"),
    [(500, "PlexHTTPError", "HTTP 500"), (401, "PlexAuthError", "rejected the token")],
)
def test_full_sync_failing_partway_keeps_whole_batches_only(
    emu: PlexEmulator,
    lib: MusicLibrary,
    tmp_path: Path,
    threads_before: set[threading.Thread],
    status: int,
    raised: str,
    message: str,
) -> None:
    db_path = tmp_path / "plexmix.db"
    with connected(emu) as client:
        listing_order = [t.rating_key for t in client.iter_tracks()]
    # One count and three pages (150 tracks) are answered, then the server fails for good.
    fault = add_fault(emu, TrackListingBreaks(status, emu=emu, served=1 + 3))
    emu.reset_counts()

    expected_error = PlexHTTPError if status == 500 else PlexAuthError
    with connected(emu) as client, SQLiteManager(db_path) as db:
        with pytest.raises(expected_error) as err:
            SyncEngine(client, db, batch_size=BATCH).full_sync()
        # The producer failed: its thread has ended by the time the error reaches the caller.
        assert new_prefetch_threads(threads_before) == []
    assert type(err.value).__name__ == raised
    assert fault.fired >= 1

    record = last_sync(db_path)
    assert (record.mode, record.status) == ("full", "failed")
    assert record.error_message is not None and message in record.error_message
    # One whole batch was committed; the 50 tracks of the unfinished batch are not visible.
    assert track_keys(db_path) == set(listing_order[:BATCH])
    assert consistency_problems(db_path, lib) == []

    emu.clear_faults()
    after = sync(emu, db_path, "incremental")
    assert after.mode == "full"  # no successful sync yet: the next one is a full sync
    assert after.tracks_seen == len(lib.tracks)
    assert_equals_a_fresh_full_sync(emu, db_path, tmp_path)


def test_incremental_sync_failing_partway_then_the_next_one_is_exact(
    emu: PlexEmulator, lib: MusicLibrary, clock: ManualClock, tmp_path: Path
) -> None:
    db_path = tmp_path / "plexmix.db"
    sync(emu, db_path, "full")
    change_the_library(lib, clock)
    # The changed artists and albums are read and written; then track listings fail for good.
    emu.reset_counts()
    fault = add_fault(emu, TrackListingBreaks(500, emu=emu, served=0))

    assert failing_sync(emu, db_path, "incremental") == "PlexHTTPError"
    assert fault.fired >= 1
    record = last_sync(db_path)
    assert (record.mode, record.status) == ("incremental", "failed")
    assert record.error_message is not None and "HTTP 500" in record.error_message
    assert consistency_problems(db_path, lib) == []

    emu.clear_faults()
    after = sync(emu, db_path, "incremental")
    assert after.mode == "incremental"  # from the last successful sync, so nothing is skipped
    assert_equals_a_fresh_full_sync(emu, db_path, tmp_path)


# -- Ctrl+C ------------------------------------------------------------------------------------
def test_ctrl_c_during_a_full_sync_stops_the_prefetch_threads(
    emu: PlexEmulator, lib: MusicLibrary, tmp_path: Path, threads_before: set[threading.Thread]
) -> None:
    db_path = tmp_path / "plexmix.db"
    progress = CtrlCAfterBatches(2)

    assert failing_sync(emu, db_path, "full", progress) == "KeyboardInterrupt"
    # The track listing was still being fetched ahead; its thread has ended now.
    assert progress.written == 2
    assert new_prefetch_threads(threads_before) == []

    record = last_sync(db_path)
    assert (record.status, record.error_message) == ("interrupted", "Interrupted by the user.")
    assert len(track_keys(db_path)) == 2 * BATCH  # the two batches written before Ctrl+C, whole
    assert consistency_problems(db_path, lib) == []

    after = sync(emu, db_path, "incremental")
    assert (after.mode, after.tracks_seen) == ("full", len(lib.tracks))
    assert_equals_a_fresh_full_sync(emu, db_path, tmp_path)


def test_prefetch_threads_stop_before_the_interrupt_reaches_the_caller(
    emu: PlexEmulator, tmp_path: Path, threads_before: set[threading.Thread]
) -> None:
    with connected(emu) as client, SQLiteManager(tmp_path / "plexmix.db") as db:
        engine = SyncEngine(client, db, batch_size=BATCH, progress=CtrlCAfterBatches(2))
        with pytest.raises(KeyboardInterrupt) as err:
            engine.full_sync()
        assert new_prefetch_threads(threads_before) == [], err.value


def test_ctrl_c_during_plexmix_sync(
    emu: PlexEmulator,
    lib: MusicLibrary,
    clock: ManualClock,
    isolated_env: Path,
    tmp_path: Path,
    default_sigint: None,
) -> None:
    env = {"PLEX_URL": emu.url, "PLEX_TOKEN": emu.token, "PLEX_LIBRARY": "Music", "COLUMNS": "200"}
    db_path = isolated_env / "plexmix.db"
    first = runner.invoke(app, ["sync", "--no-embeddings"], env=env)
    assert first.exit_code == 0, first.output
    change_the_library(lib, clock)
    # Ctrl+C while the tracks of the changed albums are being read (artists and albums are
    # written by then, the tracks not yet).
    ctrl_c = add_fault(emu, CtrlCDuring(0, path_contains="/library/metadata/"))

    result = runner.invoke(app, ["sync", "--no-embeddings"], env=env)
    assert ctrl_c.fired == 1
    assert result.exit_code == 130, result.output
    assert result.stdout == "", result.output  # no result table: the sync did not finish
    assert "Traceback" not in result.output and "KeyboardInterrupt" not in result.output
    messages = [line for line in result.stderr.splitlines() if line.startswith(("Error:", "Hint:"))]
    assert messages == [  # one error (with its hint) besides the progress bars
        "Error: Interrupted.",
        "Hint: Nothing already saved was lost; run the command again to resume.",
    ], result.output
    record = last_sync(db_path)
    assert (record.mode, record.status) == ("incremental", "interrupted")
    assert consistency_problems(db_path, lib) == []

    again = runner.invoke(app, ["sync", "--no-embeddings"], env=env)
    assert again.exit_code == 0, again.output
    with SQLiteManager(db_path) as db:
        statuses = [r.status for r in reversed(history.recent_syncs(db.conn, 10))]
    assert statuses == ["success", "interrupted", "success"]
    assert_equals_a_fresh_full_sync(emu, db_path, tmp_path)


# -- the prefetch helper itself ------------------------------------------------------------------
def test_closing_a_prefetch_ends_its_thread_and_closes_the_source(
    threads_before: set[threading.Thread],
) -> None:
    closed = threading.Event()

    def source() -> Iterator[int]:
        try:
            yield from range(1000)
        finally:
            closed.set()

    pages = prefetch(source(), depth=2, name="plex-tracks")
    assert [next(pages), next(pages)] == [0, 1]  # the producer is now blocked, waiting for room
    assert new_prefetch_threads(threads_before) == ["plex-tracks"]
    pages.close()
    assert new_prefetch_threads(threads_before) == []  # ended before close() returned
    assert closed.is_set()  # the source generator ran its cleanup
