"""The approximate companion of the vector index (past APPROXIMATE_FROM vectors), on real-ish data.

Real-ish: the real local MiniLM vectors of 400 bundled demo tracks' texts, each spread into a
cloud of noisy neighbours (cosine ~0.55 to its centre, a hard case for IVF) until the index has
30,000 vectors; the threshold is lowered so that this size counts as large.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from embed_cache import CachedLocalEmbedder
from playlist_helpers import embed_cache_file

from plexmix.devserver.csv_loader import demo_library
from plexmix.storage import vector_index as vi
from plexmix.storage.index_header import read_index_metadata
from plexmix.storage.track_text import track_text
from plexmix.storage.vector_index import VectorIndex

COUNT = 30_000
MODEL = "local:all-MiniLM-L6-v2-onnx-int8:384"


@pytest.fixture(scope="module")
def centres() -> np.ndarray:
    lib = demo_library()
    texts = []
    for track in list(lib.tracks.values())[:400]:
        album, artist = lib.albums[track.album_key], lib.artists[track.artist_key]
        texts.append(track_text(track.title, artist.title, album.title, album.genres, album.year, album.moods))
    embedder = CachedLocalEmbedder(embed_cache_file())
    vectors = np.asarray(embedder.embed_documents(texts), dtype=np.float32)
    embedder.save()
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def realish(centres: np.ndarray, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal((n, centres.shape[1])).astype(np.float32) * (1.5 / np.sqrt(centres.shape[1]))
    matrix = centres[rng.integers(0, len(centres), n)] + noise
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


@pytest.fixture
def large(centres: np.ndarray, monkeypatch: pytest.MonkeyPatch) -> tuple[VectorIndex, np.ndarray, np.ndarray]:
    monkeypatch.setattr(vi, "APPROXIMATE_FROM", 20_000)
    ids = np.arange(1, COUNT + 1, dtype=np.int64) * 3
    vectors = realish(centres, COUNT, 1)
    return VectorIndex.from_arrays(ids, vectors, MODEL), ids, realish(centres, 60, 2)


def test_small_indexes_stay_exact(centres: np.ndarray) -> None:
    index = VectorIndex.from_arrays(np.arange(1, 1001), realish(centres, 1000, 3), MODEL)
    assert index.approximate is None
    assert index.recall(realish(centres, 5, 4), 50) == 1.0


def test_recall_at_50_against_the_exact_index(large: tuple[VectorIndex, np.ndarray, np.ndarray]) -> None:
    index, _, queries = large
    approx = index.approximate
    assert approx is not None and approx.count == COUNT
    recall = index.recall(queries, 50)
    assert recall >= 0.95, recall
    # Scores are exact cosines of the stored vectors, best first.
    query = queries[0] / np.linalg.norm(queries[0])
    hits = index.search(query, 50)
    scores = [s for _, s in hits]
    assert scores == sorted(scores, reverse=True) and len(hits) == 50
    assert scores == pytest.approx([float(index.vectors([i])[0] @ query) for i, _ in hits], abs=1e-5)


@pytest.mark.parametrize("share", [0.3, 0.1, 0.002])  # approximate, approximate, direct
def test_filtered_search_never_short_and_accurate(
    large: tuple[VectorIndex, np.ndarray, np.ndarray], share: float
) -> None:
    index, ids, queries = large
    rng = np.random.default_rng(int(share * 1000))
    allowed = rng.choice(ids, max(1, int(len(ids) * share)), replace=False)
    found = wanted = 0
    for query in queries[:20]:
        truth = {i for i, _ in index.search_exact(query, 50, allowed_ids=allowed)}
        got = index.search(query, 50, allowed_ids=allowed)
        assert len(got) == min(50, len(allowed))
        assert {i for i, _ in got} <= set(allowed.tolist())
        found += len(truth & {i for i, _ in got})
        wanted += len(truth)
    assert found / wanted >= 0.95


def test_a_short_approximate_answer_falls_back_to_exact(
    large: tuple[VectorIndex, np.ndarray, np.ndarray], monkeypatch: pytest.MonkeyPatch
) -> None:
    index, ids, queries = large
    approx = index.approximate
    assert approx is not None
    allowed = ids[::4]
    monkeypatch.setattr(approx, "candidates", lambda *a, **k: allowed[:10])
    got = index.search(queries[0], 50, allowed_ids=allowed)
    assert got == index.search_exact(queries[0], 50, allowed_ids=allowed)
    assert len(got) == 50


def test_changes_reach_the_approximate_index(
    large: tuple[VectorIndex, np.ndarray, np.ndarray], centres: np.ndarray
) -> None:
    index, ids, _ = large
    approx = index.approximate
    assert approx is not None
    gone = ids[:100]
    index.remove(gone)
    fresh = realish(centres, 5, 9)
    index.add([7, 8, 10, 11, 13], fresh)
    assert approx.count == COUNT - 100 + 5
    for track_id, vector in zip([7, 8, 10, 11, 13], fresh, strict=True):
        hits = index.search(vector, 20)
        assert hits[0][0] == track_id
        assert not {i for i, _ in hits} & set(gone.tolist())


def test_saved_with_its_approximate_index(large: tuple[VectorIndex, np.ndarray, np.ndarray], tmp_path: Path) -> None:
    index, ids, queries = large
    path = tmp_path / "index.faiss"
    index.save(path)
    meta = read_index_metadata(path)
    assert meta is not None and meta["approximate"]["kind"] == "ivf-sq8"
    assert meta["checksum"] == vi.ids_checksum(ids) and meta["count"] == COUNT
    loaded = VectorIndex.load(path)
    assert loaded._approx is not None and loaded._approx.count == COUNT  # read, not rebuilt
    for query in queries[:5]:
        assert loaded.search(query, 50) == index.search(query, 50)
    # A companion that does not match its vectors makes the file damaged, like a bad checksum.
    loaded._approx.remove(ids[:1])
    loaded.save(path)
    with pytest.raises(vi.EmbeddingError, match="damaged"):
        VectorIndex.load(path)
