"""Bulk embedding runs: length-sorted batches in flight at once are stored against the right
tracks, and the run reports an ETA (weighted by text length) through the Progress interface."""

from __future__ import annotations

import io
import sqlite3
import time
from pathlib import Path

import numpy as np
import pytest
from embedding_db_fakes import HashProvider, add_track, hash_vector, open_library

from plexmix.providers.embeddings import l2_normalize
from plexmix.services.embed import STAGE, TEXT_OVERHEAD, refresh_embeddings
from plexmix.services.progress import Eta
from plexmix.storage.embedding_store import load_vectors, pending_tracks


@pytest.fixture
def conn(tmp_path: Path) -> sqlite3.Connection:
    db = open_library(tmp_path / "library.db")
    for i in range(23):  # titles of very different lengths, inserted longest-last and mixed
        add_track(db, "x" * (1 + (i * 7) % 40) + f" {i}", f"Band {i % 3}", f"Record {i % 4}")
    return db


class SlowerForLongTexts(HashProvider):
    """Runs 3 batches at once and finishes short batches later than long ones (out of order)."""

    def __init__(self) -> None:
        super().__init__(batch_size=3)
        self.max_concurrency = 3
        self.batch_texts: list[list[str]] = []

    def _embed_batch(self, texts: list[str], *, query: bool) -> np.ndarray:
        self.batch_texts.append(list(texts))
        time.sleep(0.02 / max(1, len(texts[0])) ** 0.5)
        return super()._embed_batch(texts, query=query)


class Recorder:
    """A Progress that records every call, including the optional ``eta``."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, float | None]] = []

    def start(self, stage: str, total: int | None = None) -> None:
        self.calls.append(("start", stage, total))

    def advance(self, stage: str, amount: int = 1) -> None:
        self.calls.append(("advance", stage, amount))

    def finish(self, stage: str) -> None:
        self.calls.append(("finish", stage, None))

    def eta(self, stage: str, seconds: float) -> None:
        self.calls.append(("eta", stage, seconds))


def test_length_sorted_concurrent_batches_are_stored_against_the_right_tracks(
    conn: sqlite3.Connection, tmp_path: Path
) -> None:
    texts = {p.track_id: p.text for p in pending_tracks(conn, "test:hash-v1:16")}
    provider = SlowerForLongTexts()
    report = refresh_embeddings(conn, provider, tmp_path / "e.index", commit_every=2)
    assert report.embedded == len(texts) == 23 and report.failed == 0
    # Batches were planned shortest texts first, and each batch holds similar lengths.
    planned = sorted(provider.batch_texts, key=lambda b: len(b[0]))
    flat = [len(t) for batch in planned for t in batch]
    assert flat == sorted(flat)
    ids, vectors = load_vectors(conn, provider.model_id)
    for track_id, vector in zip(ids.tolist(), vectors, strict=True):
        expected = l2_normalize(hash_vector(texts[track_id], 16))
        np.testing.assert_allclose(vector, expected, atol=1e-6)


def test_the_run_reports_an_eta_down_to_zero(conn: sqlite3.Connection, tmp_path: Path) -> None:
    progress = Recorder()
    refresh_embeddings(conn, SlowerForLongTexts(), tmp_path / "e.index", progress=progress)
    etas = [seconds for kind, stage, seconds in progress.calls if kind == "eta" and stage == STAGE]
    advances = [n for kind, _, n in progress.calls if kind == "advance"]
    assert len(etas) == len(advances) == 8  # one per batch of 3 (23 tracks)
    assert all(s is not None and s >= 0 for s in etas)
    assert etas[-1] == 0.0 and max(etas) > 0
    kinds = [kind for kind, _, _ in progress.calls]
    assert kinds[0] == "start" and kinds[-1] == "finish"


def test_a_progress_without_eta_still_works(conn: sqlite3.Connection, tmp_path: Path) -> None:
    class Plain:
        def __init__(self) -> None:
            self.done = 0

        def start(self, stage: str, total: int | None = None) -> None: ...

        def advance(self, stage: str, amount: int = 1) -> None:
            self.done += amount

        def finish(self, stage: str) -> None: ...

    plain = Plain()
    refresh_embeddings(conn, HashProvider(), tmp_path / "e.index", progress=plain)
    assert plain.done == 23


def test_eta_weighs_work_not_counts() -> None:
    now = [100.0]
    eta = Eta(total_weight=3 * (10 + TEXT_OVERHEAD) + (90 + TEXT_OVERHEAD), clock=lambda: now[0])
    now[0] = 106.0  # three short texts took 6 s
    left = eta.add(3 * (10 + TEXT_OVERHEAD))
    # The long text left weighs 98 of the 54 done: 6 s * 98 / 54, not 6 s / 3 (a count's view).
    assert left == pytest.approx(6.0 * 98 / 54)
    now[0] = 117.0
    assert eta.add(90 + TEXT_OVERHEAD) == 0.0


def test_eta_before_any_work_is_unknown() -> None:
    assert Eta(10.0, clock=lambda: 0.0).add(0) is None


def test_cli_renders_the_reported_eta() -> None:
    from rich.console import Console

    from plexmix.cli.progress import RichProgress

    out = io.StringIO()
    console = Console(file=out, width=120, force_terminal=False, color_system=None)
    with RichProgress(console) as bars:
        bars.start(STAGE, 100)
        bars.advance(STAGE, 10)
        bars.eta(STAGE, 3725.0)
        task = bars._progress.tasks[0]
        eta_column = bars._progress.columns[-1]
        assert str(eta_column(task)) == "1:02:05"  # the service's figure, not Rich's guess
        bars.start(STAGE, 50)  # a new run of the stage forgets the old ETA
        assert task.fields["eta"] is None
