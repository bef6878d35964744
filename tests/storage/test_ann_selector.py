"""``ann.id_selector``: a bitmap where the ids are dense enough, FAISS's hash set otherwise; both
select exactly the ids given, and a filtered search answers the same through either."""

from __future__ import annotations

import numpy as np
import pytest

from plexmix.storage import ann
from plexmix.storage.vector_index import VectorIndex


@pytest.mark.parametrize(
    ("ids", "kind"),
    [
        (np.arange(0, 3000, 3), "IDSelectorBitmap"),  # dense: a bitmap of 1,000 bytes
        (np.array([5, 70_000, 9_000_000]), "IDSelectorBatch"),  # sparse: the bitmap would be larger
        (np.array([0]), "IDSelectorBitmap"),
    ],
)
def test_the_selector_holds_exactly_the_ids(ids: np.ndarray, kind: str) -> None:
    selector = ann.id_selector(ids)
    assert type(selector).__name__ == kind
    wanted = set(ids.tolist())
    probe = sorted(wanted | {i + 1 for i in wanted} | {0, 1, 2, 2999, 3000, 3001, 8 * 10**6})
    assert [i for i in probe if selector.is_member(i)] == sorted(wanted)


def test_a_filtered_search_answers_the_same_through_either(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(3)
    vectors = rng.standard_normal((4000, 16)).astype(np.float32)
    index = VectorIndex(16, "test:model:16")
    index.add(np.arange(1, 4001, dtype=np.int64), vectors)
    allowed = np.sort(rng.choice(np.arange(1, 4001), 1500, replace=False)).astype(np.int64)
    query = rng.standard_normal(16).astype(np.float32)
    monkeypatch.setattr("plexmix.storage.vector_index.DIRECT_SCORING_BUDGET", 0)  # through FAISS
    with_bitmap = index.search(query, 25, allowed_ids=allowed, exact=True)

    def hash_set(ids: np.ndarray) -> object:
        import faiss

        return faiss.IDSelectorBatch(np.ascontiguousarray(ids, dtype=np.int64))

    monkeypatch.setattr("plexmix.storage.vector_index.id_selector", hash_set)
    with_hash_set = index.search(query, 25, allowed_ids=allowed, exact=True)
    assert [i for i, _ in with_bitmap] == [i for i, _ in with_hash_set]
    assert len(with_bitmap) == 25 and set(i for i, _ in with_bitmap) <= set(allowed.tolist())
