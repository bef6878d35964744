"""SIGKILL a real sync (and the embedding step after it) at 20 seeded random points.

A kill point is an event, not a delay: "while the emulator holds the n-th sync request" or
"inside the n-th embedding batch", so every round is killed exactly where its seed says,
however loaded the machine is.

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
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from kill_harness import (
    SYNC_REQUESTS,
    ForkServer,
    HashEmbedder,
    consistency_problems,
    remove_db,
    statuses,
)
from sync_helpers import assert_mirror_exact

from plexmix.devserver.csv_loader import load_library
from plexmix.devserver.library import ManualClock, MusicLibrary
from plexmix.devserver.server import PlexEmulator
from plexmix.storage.embedding_store import pending_tracks
from plexmix.storage.vector_index import VectorIndex

ROUNDS = 20
TRACKS, PAGE = 300, 40  # small, but still 8+ pages and write batches per kind
EMBED_BATCH = HashEmbedder.batch_size
SEED = int(os.environ.get("PLEXMIX_KILL_SEED", "20240607"))
MODEL_ID = HashEmbedder().model_id


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


def _sync_requests(emu: PlexEmulator) -> int:
    return sum(1 for _, path in emu.request_log if re.search(SYNC_REQUESTS, path.split("?")[0]))


def test_sigkill_at_random_points_then_next_sync_is_exact(
    lib: MusicLibrary, emu: PlexEmulator, clock: ManualClock, server: ForkServer, tmp_path: Path
) -> None:
    rng = random.Random(SEED)
    db_path, index_path = tmp_path / "plexmix.db", tmp_path / "embeddings.index"

    def job(mode: str, **extra: object) -> dict[str, object]:
        return {"url": emu.url, "token": emu.token, "db": str(db_path), "mode": mode,
                "index": str(index_path), "page_size": PAGE, "batch_size": PAGE, **extra}

    # One whole run from an empty database, counting its sync requests: the kill range.
    emu.reset_counts()
    assert server.run(job("full")).reached == "DONE"
    full_requests = _sync_requests(emu)
    pages = sum(-(-len(items) // PAGE) for items in (lib.artists, lib.albums, lib.tracks))
    assert full_requests >= pages, (full_requests, pages)  # every page of the 3 listings
    log: list[str] = []
    for round_no in range(ROUNDS):
        fresh = round_no % 4 == 0
        in_embedding = round_no % 4 == 1 or round_no % 8 == 4  # the rest: in the sync
        if fresh:
            remove_db(db_path, index_path)
            mode = "full"
        else:
            _mutate(lib, clock, rng, round_no)
            mode = rng.choice(["incremental", "full"])
        if in_embedding:
            # A fresh run embeds all tracks; a later one at least the 60 renamed: 2+ batches.
            batches = TRACKS // EMBED_BATCH if fresh else 2
            point = rng.randint(1, batches)
            where = f"inside embedding batch {point}"
            outcome = server.run(job(mode, die_in_batch=point))
        else:
            # An incremental sync asks for fewer pages than a full one (about 3/4 of them).
            point = rng.randint(1, full_requests - 2 if mode == "full" else full_requests // 2)
            where = f"at sync request {point}"
            trap = emu.set_trap(point, method="GET", path_pattern=SYNC_REQUESTS)
            outcome = server.run(job(mode), trap=trap)
            emu.clear_traps()
            assert trap.reached.is_set() == outcome.killed, (where, outcome)
        where = f"round {round_no} (seed {SEED}): {mode} sync, SIGKILL {where}: {outcome.phase}"
        log.append(where)
        # Every kill point lies inside the run, in the phase it was meant for.
        assert outcome.phase == ("in the embedding step" if in_embedding else "in the sync"), "\n".join(log)

        problems = consistency_problems(db_path, lib) + _index_problems(index_path)
        assert not problems, f"{where}: {problems}"
        before = statuses(db_path)

        next_mode = rng.choice(["incremental", "full"])
        server.run(job(next_mode))  # the next sync (and embedding run), not killed
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
