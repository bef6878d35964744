"""SIGKILL a real sync (and the embedding step after it) at 20 seeded random points.

Every round: the killed run leaves a database that passes SQLite's integrity and foreign-key
checks and PlexMix's own consistency rules (full-text rows, genre rows, no half batch), and
an index file that is either the old or the new one, never torn; then the next sync, full or
incremental, mirrors the emulator exactly, marks the killed run interrupted, and the next
embedding run leaves the vector index equal to the stored vectors.

One emulator and one fork server (tests/reliability/kill_harness.py) serve all rounds.
Set PLEXMIX_KILL_SEED to replay another sequence of kill points.
"""

from __future__ import annotations

import os
import random
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from kill_harness import (
    ForkServer,
    HashEmbedder,
    consistency_problems,
    remove_db,
    statuses,
)
from sync_helpers import assert_mirror_exact

from plexmix.database.embedding_store import pending_tracks
from plexmix.database.vector_index import VectorIndex
from plexmix.devserver.csv_loader import DEFAULT_NOW, load_library
from plexmix.devserver.library import ManualClock, MusicLibrary
from plexmix.devserver.server import PlexEmulator

ROUNDS = 20
PAUSE = 0.04  # seconds per embedding batch of 50: the embedding step is worth killing in
TRACKS, PAGE = 300, 40  # small, but still 8+ pages and write batches per kind
SEED = int(os.environ.get("PLEXMIX_KILL_SEED", "20240607"))
MODEL_ID = HashEmbedder().model_id


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(DEFAULT_NOW + 86400)


@pytest.fixture
def lib(shared_data_dir: Path, clock: ManualClock) -> MusicLibrary:
    return load_library(
        shared_data_dir / "tidytuesday_spotify_songs.csv.gz", limit=TRACKS, track_genres=True, clock=clock
    )


@pytest.fixture
def emu(lib: MusicLibrary) -> Iterator[PlexEmulator]:
    with PlexEmulator(lib) as emulator:
        yield emulator


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ForkServer]:
    fork_server = ForkServer(tmp_path)
    yield fork_server
    fork_server.close()


def _mutate(lib: MusicLibrary, clock: ManualClock, rng: random.Random, round_no: int) -> None:
    """Changes for the next sync to carry: renames, genre changes, deletions, additions."""
    clock.advance(3600)
    keys = sorted(lib.tracks)
    for key in rng.sample(keys, 60):
        lib.update_track(key, title=f"{lib.tracks[key].title} [r{round_no}]")
    for key in rng.sample(keys, 30):
        lib.update_track(key, genres=[rng.choice(["Jazz", "Dub", "Kill Test", "Polka"])])
    album = lib.tracks[rng.choice(keys)].album_key
    lib.update_album(album, genres=["Album Genre"], moods=["Tense"])
    for key in rng.sample(keys, 6):
        lib.delete_track(key)
    for n in range(6):
        lib.add_song(
            f"Round {round_no} Artist", f"Round {round_no} Album", f"Song {n}", year=2020, genres=["Dub"]
        )


def _index_problems(index_path: Path) -> list[str]:
    """The index file is absent or a whole, loadable index (saves are atomic)."""
    if not index_path.exists():
        return []
    try:
        VectorIndex.load(index_path)
    except Exception as exc:  # pragma: no cover - reported as a failure
        return [f"index file damaged: {exc}"]
    return []


def _check_embedded(db_path: Path, index_path: Path) -> None:
    conn = sqlite3.connect(db_path)
    try:
        tracks = sorted(r[0] for r in conn.execute("SELECT id FROM tracks"))
        stored = sorted(
            r[0] for r in conn.execute("SELECT track_id FROM embeddings WHERE model = ?", (MODEL_ID,))
        )
        assert stored == tracks, "some tracks have no current vector"
        assert pending_tracks(conn, MODEL_ID) == [], "stale vectors after the embedding run"
    finally:
        conn.close()
    index = VectorIndex.load(index_path)
    assert sorted(int(i) for i in index.ids()) == tracks and index.model_id == MODEL_ID


def test_sigkill_at_random_points_then_next_sync_is_exact(
    lib: MusicLibrary, emu: PlexEmulator, clock: ManualClock, server: ForkServer, tmp_path: Path
) -> None:
    rng = random.Random(SEED)
    db_path, index_path = tmp_path / "plexmix.db", tmp_path / "embeddings.index"

    def job(mode: str, pause: float) -> dict[str, object]:
        return {"url": emu.url, "token": emu.token, "db": str(db_path), "mode": mode,
                "index": str(index_path), "pause": pause, "page_size": PAGE, "batch_size": PAGE}  # fmt: skip

    # Measure one whole run (sync + embeddings) from an empty database: the kill window.
    emu.set_latency(0.01)
    whole = server.run(job("full", PAUSE)).seconds
    assert 0.2 < whole < 60
    killed, log, phases = 0, [], {}
    for round_no in range(ROUNDS):
        fresh = round_no % 4 == 0
        since = "SYNCED" if round_no % 4 == 1 else "START"  # every 4th round: in the embedding step
        if fresh:
            remove_db(db_path, index_path)
            mode = "full"
            delay = rng.uniform(0.0, whole)
        else:
            _mutate(lib, clock, rng, round_no)
            mode = rng.choice(["incremental", "full"])
            delay = rng.uniform(0.0, whole * (0.3 if since == "SYNCED" else 0.5))
        emu.set_latency(0.01)
        outcome = server.run(job(mode, PAUSE), kill_after=delay, since=since)
        killed += outcome.killed
        phases[outcome.phase] = phases.get(outcome.phase, 0) + 1
        where = f"round {round_no} (seed {SEED}): {mode} sync, SIGKILL {delay:.3f} s after {since}: {outcome.phase}"
        log.append(where)

        problems = consistency_problems(db_path, lib) + _index_problems(index_path)
        assert not problems, f"{where}: {problems}"
        before = statuses(db_path)

        next_mode = rng.choice(["incremental", "full"])
        emu.set_latency(0)
        server.run(job(next_mode, 0.0))  # the next sync (and embedding run), not killed
        after = statuses(db_path)
        interrupted = [i for i, s in before.items() if s == "running"]
        assert all(after[i] == "interrupted" for i in interrupted), f"{where}: {after}"
        assert "running" not in after.values() and after[max(after)] == "success", f"{where}: {after}"
        conn = sqlite3.connect(db_path)
        try:
            assert_mirror_exact(lib, conn)
        except AssertionError as exc:
            raise AssertionError(f"{where}; next sync {next_mode}: {exc}") from None
        finally:
            conn.close()
        assert consistency_problems(db_path, lib) == [], where
        _check_embedded(db_path, index_path)
    # The kill points are spread over the run: most of them land while it is still working.
    assert killed >= ROUNDS // 2 and phases.get("in the embedding step"), "\n".join(log)
