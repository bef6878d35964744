"""Gemini's default embedding size is 768 (output_dimensionality), through the real google-genai SDK
against the fake endpoint; indexes made at the native 3,072 dimensions keep working."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from embedding_db_fakes import add_track, open_library
from embedding_fakes import SECRET, FakeEmbeddingAPI, fake_embedding_api

from plexmix.config.embedding_models import KNOWN_MODELS, stored_dimension
from plexmix.errors import IndexMismatchError
from plexmix.providers.embeddings import RetryPolicy, get_embedding_provider
from plexmix.services.embed import refresh_embeddings
from plexmix.storage.index_header import read_index_metadata
from plexmix.storage.vector_index import VectorIndex


@pytest.fixture
def api() -> Iterator[FakeEmbeddingAPI]:
    with fake_embedding_api() as fake:
        yield fake


def gemini(api: FakeEmbeddingAPI, dimension: int | None = None) -> object:
    return get_embedding_provider(
        "gemini", api_key=SECRET, base_url=api.url, dimension=dimension, batch_size=3,
        retry=RetryPolicy(sleep=lambda _s: None),
    )


def test_new_gemini_indexes_ask_for_768_dimensions(api: FakeEmbeddingAPI, tmp_path: Path) -> None:
    provider = gemini(api)
    assert provider.model_id == "gemini:gemini-embedding-001:768"  # type: ignore[attr-defined]
    conn = open_library(tmp_path / "library.db")
    for i in range(7):
        add_track(conn, f"Song {i}", f"Band {i % 2}")
    report = refresh_embeddings(conn, provider, tmp_path / "index.faiss")  # type: ignore[arg-type]
    assert report.embedded == 7
    items = [item for request in api.requests for item in request.body["requests"]]
    assert len(items) == 7 and {item["outputDimensionality"] for item in items} == {768}
    assert all(r.path.endswith("/models/gemini-embedding-001:batchEmbedContents") for r in api.requests)
    meta = read_index_metadata(tmp_path / "index.faiss")
    assert meta is not None and (meta["model_id"], meta["dimension"]) == ("gemini:gemini-embedding-001:768", 768)
    query = provider.embed_query("rainy day")  # type: ignore[attr-defined]
    assert query.shape == (768,) and abs(float(np.linalg.norm(query)) - 1.0) < 1e-5
    assert api.requests[-1].body["requests"][0]["outputDimensionality"] == 768


def test_an_existing_3072_index_keeps_working(api: FakeEmbeddingAPI, tmp_path: Path) -> None:
    conn = open_library(tmp_path / "library.db")
    for i in range(4):
        add_track(conn, f"Song {i}")
    index_path = tmp_path / "index.faiss"
    native = gemini(api, 3072)  # how an index was made before the default changed
    refresh_embeddings(conn, native, index_path)  # type: ignore[arg-type]
    assert all("outputDimensionality" not in item for r in api.requests for item in r.body["requests"])
    stored = ["gemini:gemini-embedding-001:3072"]
    # With no dimension configured, the stored size is kept: same model id, nothing re-embedded.
    kept = stored_dimension("gemini", None, None, stored)
    assert kept == 3072
    add_track(conn, "Song new")
    before = len(api.requests)
    report = refresh_embeddings(conn, gemini(api, kept), index_path)  # type: ignore[arg-type]
    assert (report.embedded, report.skipped_unchanged) == (1, 4) and len(api.requests) == before + 1
    assert len(VectorIndex.load(index_path)) == 5
    # Without that choice the 768 default meets the 3,072 index: reported as a mismatch to rebuild.
    with pytest.raises(IndexMismatchError) as info:
        refresh_embeddings(conn, gemini(api), index_path)  # type: ignore[arg-type]
    assert "3072" in info.value.message and "768" in info.value.message and info.value.hint


def test_stored_dimension_rules() -> None:
    assert KNOWN_MODELS[("gemini", "gemini-embedding-001")].dimension == 3072  # native size unchanged
    assert stored_dimension("gemini", None, None, []) == 768
    assert stored_dimension("gemini", None, None, ["local:all-MiniLM-L6-v2-onnx-int8:384"]) == 768
    assert stored_dimension("gemini", None, 768, ["gemini:gemini-embedding-001:3072"]) == 768  # configured wins
    assert stored_dimension("gemini", None, None, ["gemini:gemini-embedding-001:1536"]) == 1536
    assert stored_dimension("openai", None, None, ["openai:text-embedding-3-small:1536"]) == 1536
