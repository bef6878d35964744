"""The FAISS vector index for real: exact search, filters, replacement, removal and files."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from plexmix.errors import EmbeddingError, IndexMismatchError
from plexmix.storage import vector_index as vi
from plexmix.storage.index_header import read_index_metadata
from plexmix.storage.vector_index import VectorIndex, ids_checksum

MODEL = "test:hash-v1:32"


def random_unit(n: int, d: int = 32, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    matrix = rng.standard_normal((n, d)).astype(np.float32)
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


@pytest.fixture
def data() -> tuple[np.ndarray, np.ndarray]:
    ids = np.arange(1, 2001, dtype=np.int64) * 7  # sparse ids, like real track ids
    return ids, random_unit(len(ids))


@pytest.fixture
def index(data: tuple[np.ndarray, np.ndarray]) -> VectorIndex:
    return VectorIndex.from_arrays(*data, MODEL)


def brute_force(
    ids: np.ndarray, vectors: np.ndarray, query: np.ndarray, k: int, allowed: np.ndarray | None
) -> list[int]:
    mask = np.ones(len(ids), bool) if allowed is None else np.isin(ids, allowed)
    scores = vectors[mask] @ query
    order = np.lexsort((ids[mask], -scores))[:k]
    return [int(i) for i in ids[mask][order]]


def test_search_is_exact_and_sorted(index: VectorIndex, data: tuple[np.ndarray, np.ndarray]) -> None:
    ids, vectors = data
    results = index.search(vectors[10], 25)
    assert results[0][0] == int(ids[10]) and results[0][1] == pytest.approx(1.0, abs=1e-5)
    assert [r[0] for r in results] == brute_force(ids, vectors, vectors[10], 25, None)
    scores = [s for _, s in results]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize("path", ["direct", "selector"])
@pytest.mark.parametrize("allowed_count", [1, 30, 512, 1500])
def test_filtered_search_is_never_short(
    index: VectorIndex,
    data: tuple[np.ndarray, np.ndarray],
    allowed_count: int,
    path: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(vi, "DIRECT_SCORING_BUDGET", 10**12 if path == "direct" else 0)
    ids, vectors = data
    rng = np.random.default_rng(allowed_count)
    allowed = rng.choice(ids, allowed_count, replace=False)
    query = random_unit(1, seed=99)[0]
    for k in (1, 10, 50, 5000):
        results = index.search(query, k, allowed_ids=allowed)
        assert len(results) == min(k, allowed_count)
        assert {r[0] for r in results} <= set(allowed.tolist())
        assert [r[0] for r in results] == brute_force(ids, vectors, query, k, allowed)


def test_filter_ignores_unknown_ids_and_duplicates(index: VectorIndex) -> None:
    query = random_unit(1, seed=5)[0]
    results = index.search(query, 10, allowed_ids=[7, 7, 14, 999_999, -3])
    assert sorted(r[0] for r in results) == [7, 14]
    assert index.search(query, 10, allowed_ids=[123_456]) == []
    assert index.search(query, 10, allowed_ids=np.array([], dtype=np.int64)) == []
    assert index.search(query, 0) == []


def test_direct_and_selector_paths_agree(
    index: VectorIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    allowed = np.arange(1, 400, dtype=np.int64) * 7
    query = random_unit(1, seed=3)[0]
    monkeypatch.setattr(vi, "DIRECT_SCORING_BUDGET", 10**12)
    direct = index.search(query, 40, allowed_ids=allowed)
    monkeypatch.setattr(vi, "DIRECT_SCORING_BUDGET", 0)
    selector = index.search(query, 40, allowed_ids=allowed)
    assert [r[0] for r in direct] == [r[0] for r in selector]
    np.testing.assert_allclose([r[1] for r in direct], [r[1] for r in selector], atol=1e-5)


def test_add_replaces_existing_ids(index: VectorIndex, data: tuple[np.ndarray, np.ndarray]) -> None:
    ids, vectors = data
    target = int(ids[0])
    new_vector = random_unit(1, seed=42)[0]
    index.add([target], new_vector * 5)  # not normalised: the index normalises
    assert len(index) == len(ids)
    np.testing.assert_allclose(index.vectors([target])[0], new_vector, atol=1e-6)
    assert index.search(new_vector, 1)[0][0] == target
    top_id, top_score = index.search(vectors[0], 1)[0]
    assert not (top_id == target and top_score > 0.999)  # the old vector is gone


def test_duplicate_ids_in_one_add_keep_the_last() -> None:
    index = VectorIndex(32, MODEL)
    first, second = random_unit(2, seed=8)
    index.add([5, 5], np.stack([first, second]))
    assert len(index) == 1
    np.testing.assert_allclose(index.vectors([5])[0], second, atol=1e-6)


def test_remove(index: VectorIndex, data: tuple[np.ndarray, np.ndarray]) -> None:
    ids, vectors = data
    gone = ids[:100]
    assert index.remove(np.concatenate([gone, [10**9]])) == 100
    assert len(index) == len(ids) - 100
    assert not (set(gone.tolist()) & set(index.ids().tolist()))
    assert int(ids[0]) not in index and int(ids[500]) in index
    results = index.search(vectors[0], 50)
    assert not ({r[0] for r in results} & set(gone.tolist()))
    # The direct path sees the removal too.
    assert index.search(vectors[0], 5, allowed_ids=ids[:150]) == index.search(
        vectors[0], 5, allowed_ids=ids[100:150]
    )
    assert index.remove([]) == 0


def test_empty_index_search_says_what_to_do() -> None:
    index = VectorIndex(32, MODEL)
    assert index.is_empty and len(index) == 0
    with pytest.raises(EmbeddingError) as info:
        index.search(random_unit(1)[0], 5)
    assert str(info.value) == "The vector index is empty."
    assert "plexmix sync" in (info.value.hint or "")
    assert "plexmix embeddings generate" in (info.value.hint or "")


def test_wrong_dimensions_are_a_mismatch(index: VectorIndex) -> None:
    with pytest.raises(IndexMismatchError):
        index.search(np.ones(16, dtype=np.float32), 3)
    with pytest.raises(IndexMismatchError):
        index.add([1], np.ones((1, 16), dtype=np.float32))


def test_save_and_load_round_trip(index: VectorIndex, tmp_path: Path) -> None:
    path = tmp_path / "sub" / "embeddings.index"
    index.source_checksum = "abc"
    index.save(path)
    loaded = VectorIndex.load(path)
    assert (loaded.model_id, loaded.dimension, len(loaded)) == (MODEL, 32, len(index))
    assert loaded.source_checksum == "abc" and loaded.created_at == index.created_at
    np.testing.assert_array_equal(np.sort(loaded.ids()), np.sort(index.ids()))
    query = random_unit(1, seed=11)[0]
    assert loaded.search(query, 20) == index.search(query, 20)
    allowed = index.ids()[:50]
    assert loaded.search(query, 5, allowed_ids=allowed) == index.search(query, 5, allowed_ids=allowed)
    meta = read_index_metadata(path)
    assert meta is not None
    assert meta["count"] == len(index) and meta["checksum"] == ids_checksum(index.ids())
    assert [p.name for p in path.parent.iterdir()] == ["embeddings.index"]  # no temp files left


def test_loaded_index_can_be_changed_and_saved_again(index: VectorIndex, tmp_path: Path) -> None:
    path = tmp_path / "embeddings.index"
    index.save(path)
    loaded = VectorIndex.load(path)
    loaded.remove(loaded.ids()[:10])
    loaded.add([1], random_unit(1, seed=1))
    loaded.save(path)
    again = VectorIndex.load(path)
    assert len(again) == len(index) - 9 and 1 in again


def test_failed_save_keeps_the_previous_file(
    index: VectorIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import faiss

    path = tmp_path / "embeddings.index"
    index.save(path)
    before = path.read_bytes()
    index.remove(index.ids()[:5])

    def broken_write(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(faiss, "write_index", broken_write)
    with pytest.raises(OSError):
        index.save(path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["embeddings.index"]


def test_missing_index_file(tmp_path: Path) -> None:
    with pytest.raises(EmbeddingError) as info:
        VectorIndex.load(tmp_path / "nope.index")
    assert "plexmix embeddings generate" in (info.value.hint or "")
    assert read_index_metadata(tmp_path / "nope.index") is None


@pytest.mark.parametrize("damage", ["garbage", "truncated", "checksum", "empty"])
def test_damaged_index_file(index: VectorIndex, tmp_path: Path, damage: str) -> None:
    path = tmp_path / "embeddings.index"
    index.save(path)
    raw = path.read_bytes()
    if damage == "garbage":
        path.write_bytes(b"\x00" * 200)
    elif damage == "truncated":
        path.write_bytes(raw[: len(raw) // 2])
    elif damage == "checksum":
        meta = read_index_metadata(path)
        assert meta is not None
        path.write_bytes(raw.replace(meta["checksum"].encode(), b"0" * 64))
    else:
        path.write_bytes(b"")
    with pytest.raises(EmbeddingError) as info:
        VectorIndex.load(path)
    assert "plexmix embeddings generate" in (info.value.hint or "")


def test_ids_checksum_ignores_order() -> None:
    assert ids_checksum([3, 1, 2]) == ids_checksum(np.array([1, 2, 3]))
    assert ids_checksum([1, 2]) != ids_checksum([1, 2, 3])
