"""The local ONNX route's bulk path (several length-sorted batches in flight on one session)
against its query path and against the route that made the vectors already stored."""

from __future__ import annotations

import csv
import gzip

import numpy as np
import pytest

from datafiles import TIDY, shared_data
from plexmix.providers.embeddings import get_embedding_provider
from plexmix.providers.embeddings.local_onnx import (
    BATCH_SIZE,
    LocalOnnxProvider,
    _sessions,
    default_model_path,
    load_session,
)
from plexmix.storage.track_text import track_text


@pytest.fixture(scope="module")
def real_texts() -> list[str]:
    """Track texts of 160 real tracks, spread over the data set, as the library embeds them."""
    with gzip.open(shared_data() / TIDY, "rt", encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["track_name"] and r["track_artist"]]
    step = max(1, len(rows) // 160)
    return [
        track_text(r["track_name"], r["track_artist"], r["track_album_name"],
                   f"{r['playlist_genre']}, {r['playlist_subgenre']}".title(),
                   r["track_album_release_date"][:4])
        for r in rows[::step][:160]
    ]


def min_cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.min(np.sum(a * b, axis=1)))


def test_bulk_vectors_agree_with_query_vectors(real_texts: list[str]) -> None:
    provider = LocalOnnxProvider(workers=2)
    bulk = provider.embed_documents(real_texts)
    queries = np.stack([provider.embed_query(text) for text in real_texts])
    assert bulk.shape == (len(real_texts), 384)
    assert min_cosine(bulk, queries) >= 0.999


def test_bulk_vectors_agree_with_the_route_that_made_stored_vectors(real_texts: list[str]) -> None:
    # Before: one two-thread run at a time, all graph optimisations, batches of 32. The model id
    # is unchanged, so vectors stored by that route must stay interchangeable with new ones.
    before = LocalOnnxProvider(batch_size=32, workers=1, threads=2, optimization="all")
    after = get_embedding_provider("local", batch_size=64)
    assert after.model_id == before.model_id == "local:all-MiniLM-L6-v2-onnx-int8:384"
    assert min_cosine(after.embed_documents(real_texts), before.embed_documents(real_texts)) >= 0.999


def test_concurrent_batches_give_the_same_vectors_as_one_at_a_time(real_texts: list[str]) -> None:
    concurrent = LocalOnnxProvider(workers=3, batch_size=8).embed_documents(real_texts)
    sequential = LocalOnnxProvider(workers=1, batch_size=8).embed_documents(real_texts)
    np.testing.assert_allclose(concurrent, sequential, atol=1e-5)


def test_bulk_work_uses_the_query_session(real_texts: list[str]) -> None:
    provider = LocalOnnxProvider(workers=2)
    provider.embed_query("a query loads the one session")
    loaded = set(_sessions)
    provider.embed_documents(real_texts)
    assert set(_sessions) == loaded  # no second model load for bulk work
    assert provider.runner.session is load_session(default_model_path(), 1, "basic")


def test_settings_batch_size_is_capped_at_the_measured_best() -> None:
    assert get_embedding_provider("local", batch_size=64).batch_size == BATCH_SIZE
    assert get_embedding_provider("local", batch_size=4).batch_size == 4
    assert get_embedding_provider("local").max_concurrency >= 1


def test_unknown_optimisation_level_is_refused() -> None:
    from plexmix.errors import EmbeddingError

    with pytest.raises(EmbeddingError):
        LocalOnnxProvider(optimization="fastest")
