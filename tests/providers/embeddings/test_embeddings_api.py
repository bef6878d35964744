"""Gemini and OpenAI embeddings through their real SDKs against a fake endpoint on 127.0.0.1."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from embedding_db_fakes import add_track, open_library
from embedding_fakes import SECRET, FakeEmbeddingAPI, Request, fake_embedding_api, fake_vector

from plexmix.errors import EmbeddingError
from plexmix.providers.embeddings import EmbeddingProvider, RetryPolicy, get_embedding_provider
from plexmix.services.embed import refresh_embeddings
from plexmix.storage.vector_index import VectorIndex


class Sleeps(list):
    """Records requested delays instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def api() -> Iterator[FakeEmbeddingAPI]:
    with fake_embedding_api(dimension=8) as fake:
        yield fake


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


def make(
    name: str, api: FakeEmbeddingAPI, sleeps: Sleeps, *, dimension: int = 8, **kwargs: object
) -> EmbeddingProvider:
    # Unknown model names take any dimension, so the fake can answer with small vectors.
    model = {"openai": "fake-embed", "gemini": "fake-gemini-embed"}[name]
    base = f"{api.url}/v1" if name == "openai" else api.url
    retry = RetryPolicy(max_attempts=3, base_delay=0.01, sleep=sleeps)
    return get_embedding_provider(
        name, model=model, dimension=dimension, api_key=SECRET, base_url=base, timeout=5.0,
        retry=retry, **kwargs,  # type: ignore[arg-type]
    )


def expected(texts: list[str], dimension: int = 8) -> np.ndarray:
    matrix = np.stack([fake_vector(t, dimension) for t in texts])
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


TEXTS = [f"Track {i} by Artist {i % 3} - Rock ({1990 + i})" for i in range(7)]


@pytest.mark.parametrize("name", ["openai", "gemini"])
def test_documents_are_embedded_in_order_and_normalised(
    name: str, api: FakeEmbeddingAPI, sleeps: Sleeps
) -> None:
    provider = make(name, api, sleeps, batch_size=3, max_concurrency=2)
    vectors = provider.embed_documents(TEXTS)
    assert vectors.shape == (7, 8) and vectors.dtype == np.float32
    np.testing.assert_allclose(vectors, expected(TEXTS), atol=1e-6)
    assert len(api.requests) == 3  # 3 + 3 + 1
    assert sorted(api.embedded_texts()) == sorted(TEXTS)
    assert sleeps == []


def test_openai_wire_format(api: FakeEmbeddingAPI, sleeps: Sleeps) -> None:
    make("openai", api, sleeps, dimension=8).embed_query("hello")
    request = api.requests[0]
    assert request.path == "/v1/embeddings"
    assert request.headers["authorization"] == f"Bearer {SECRET}"
    assert request.body["model"] == "fake-embed"
    assert request.body["dimensions"] == 8  # an unknown model is always told the size


def test_openai_native_dimension_is_not_requested(api: FakeEmbeddingAPI, sleeps: Sleeps) -> None:
    provider = get_embedding_provider(
        "openai", api_key=SECRET, base_url=f"{api.url}/v1", model="text-embedding-3-small",
        retry=RetryPolicy(sleep=sleeps),
    )
    vector = provider.embed_query("hello")
    assert vector.shape == (1536,)
    assert "dimensions" not in api.requests[0].body
    reduced = get_embedding_provider(
        "openai", api_key=SECRET, base_url=f"{api.url}/v1", dimension=256
    ).embed_query("hello")
    assert reduced.shape == (256,) and api.requests[1].body["dimensions"] == 256
    assert abs(float(np.linalg.norm(reduced)) - 1.0) < 1e-5


def test_gemini_wire_format_and_task_types(api: FakeEmbeddingAPI, sleeps: Sleeps) -> None:
    provider = get_embedding_provider(
        "gemini", api_key=SECRET, base_url=api.url, dimension=256, retry=RetryPolicy(sleep=sleeps)
    )
    assert provider.model_id == "gemini:gemini-embedding-001:256"
    docs = provider.embed_documents(["a", "b"])
    query = provider.embed_query("c")
    assert docs.shape == (2, 256) and query.shape == (256,)
    assert abs(float(np.linalg.norm(query)) - 1.0) < 1e-5  # re-normalised after reduction
    doc_request, query_request = api.requests
    assert doc_request.path.endswith("/models/gemini-embedding-001:batchEmbedContents")
    assert doc_request.headers["x-goog-api-key"] == SECRET
    assert {r["taskType"] for r in doc_request.body["requests"]} == {"RETRIEVAL_DOCUMENT"}
    assert query_request.body["requests"][0]["taskType"] == "RETRIEVAL_QUERY"
    assert query_request.body["requests"][0]["outputDimensionality"] == 256


def test_gemini_native_dimension_sends_no_output_dimensionality(
    api: FakeEmbeddingAPI, sleeps: Sleeps
) -> None:
    provider = get_embedding_provider("gemini", api_key=SECRET, base_url=api.url, dimension=3072)
    assert provider.embed_query("x").shape == (3072,)
    assert "outputDimensionality" not in api.requests[0].body["requests"][0]


@pytest.mark.parametrize("name", ["openai", "gemini"])
def test_429_honours_retry_after_then_succeeds(
    name: str, api: FakeEmbeddingAPI, sleeps: Sleeps
) -> None:
    api.fault = lambda request, earlier: (429, {"Retry-After": "7"}) if earlier == 0 else None
    vector = make(name, api, sleeps).embed_query("rate limited")
    np.testing.assert_allclose(vector, expected(["rate limited"])[0], atol=1e-6)
    assert sleeps == [7.0]
    assert len(api.requests) == 2


def test_gemini_429_honours_retry_info_in_the_body(api: FakeEmbeddingAPI, sleeps: Sleeps) -> None:
    retry_info = {"details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo",
                               "retryDelay": "37s"}]}
    api.fault = lambda request, earlier: (429, {}, retry_info) if earlier == 0 else None
    assert make("gemini", api, sleeps).embed_query("quota").shape == (8,)
    assert sleeps == [37.0]


@pytest.mark.parametrize("name", ["openai", "gemini"])
def test_500_backs_off_then_succeeds(name: str, api: FakeEmbeddingAPI, sleeps: Sleeps) -> None:
    api.fault = lambda request, earlier: (500, {}) if earlier < 2 else None
    vectors = make(name, api, sleeps).embed_documents(["x", "y"])
    assert vectors.shape == (2, 8)
    assert len(sleeps) == 2 and 0 < sleeps[0] <= sleeps[1] < 1.0
    assert len(api.requests) == 3


def test_timeout_is_retried(api: FakeEmbeddingAPI, sleeps: Sleeps) -> None:
    retried = threading.Event()

    def hold_first(request: Request, earlier: int) -> None:
        # The first request gets no answer until the client has given up on it and sent it
        # again: it can only end in the client's read timeout.
        if earlier == 0:
            retried.wait(10)
        else:
            retried.set()

    api.fault = hold_first
    provider = get_embedding_provider(
        "openai", model="fake-embed", dimension=8, api_key=SECRET, base_url=f"{api.url}/v1",
        timeout=1.0, retry=RetryPolicy(max_attempts=3, base_delay=0.01, sleep=sleeps),
    )
    np.testing.assert_allclose(provider.embed_query("slow"), expected(["slow"])[0], atol=1e-6)
    assert retried.is_set() and len(api.requests) == 2
    assert len(sleeps) == 1 and 0 < sleeps[0] < 1.0  # one backoff wait, then the retry


@pytest.mark.parametrize("name", ["openai", "gemini"])
def test_bad_request_is_not_retried(name: str, api: FakeEmbeddingAPI, sleeps: Sleeps) -> None:
    api.fault = lambda request, earlier: (400, {})
    with pytest.raises(EmbeddingError):
        make(name, api, sleeps).embed_documents(["x"])
    assert len(api.requests) == 1 and sleeps == []


@pytest.mark.parametrize("name", ["openai", "gemini"])
def test_rejected_key_stops_everything(
    name: str, api: FakeEmbeddingAPI, sleeps: Sleeps, caplog: pytest.LogCaptureFixture
) -> None:
    api.fault = lambda request, earlier: (401, {})
    provider = make(name, api, sleeps, batch_size=1, max_concurrency=2)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(EmbeddingError) as info:
        list(provider.iter_document_batches([f"t{i}" for i in range(20)]))
    hint = info.value.hint or ""
    assert ("OPENAI_API_KEY" if name == "openai" else "GOOGLE_API_KEY") in hint
    assert len(api.requests) < 20  # the remaining batches were cancelled
    assert SECRET not in caplog.text and SECRET not in str(info.value)


@pytest.mark.parametrize("name", ["openai", "gemini"])
def test_failing_batch_is_skipped_and_the_rest_stored(
    name: str, api: FakeEmbeddingAPI, sleeps: Sleeps, tmp_path: Path
) -> None:
    conn = open_library(tmp_path / "library.db")
    ids = [add_track(conn, f"Song {i:02d}", f"Band {i % 4}") for i in range(10)]
    poisoned = "Song 03"
    api.fault = lambda request, earlier: (
        (503, {}) if any(poisoned in t for t in request.texts) else None
    )
    provider = make(name, api, sleeps, batch_size=2, max_concurrency=3)
    index_path = tmp_path / "index.faiss"
    report = refresh_embeddings(conn, provider, index_path)
    assert report.failed == 2 and report.embedded == 8
    assert len(report.errors) == 1 and "503" in report.errors[0]
    assert len(sleeps) == 2  # 3 attempts for the poisoned batch, none for the others
    stored = {r[0] for r in conn.execute("SELECT track_id FROM embeddings")}
    assert len(stored) == 8 and stored < set(ids)
    assert len(VectorIndex.load(index_path)) == 8

    api.fault = None  # the next run embeds only the two that failed
    before = len(api.requests)
    again = refresh_embeddings(conn, provider, index_path)
    assert (again.embedded, again.skipped_unchanged, again.failed) == (2, 8, 0)
    assert len(api.requests) == before + 1
    assert len(VectorIndex.load(index_path)) == 10


def test_concurrent_batches_stay_bounded(api: FakeEmbeddingAPI, sleeps: Sleeps) -> None:
    active = {"now": 0, "max": 0}
    three_at_once = threading.Event()

    def track_concurrency(request: Request, earlier: int) -> None:
        with api.lock:
            active["now"] += 1
            active["max"] = max(active["max"], active["now"])
            if active["now"] == 3:
                three_at_once.set()
        # The first requests are answered only once three are in flight together (if that
        # never happens, give up after a while so that the test fails instead of hanging).
        if not three_at_once.wait(10):
            three_at_once.set()
        with api.lock:
            active["now"] -= 1

    api.fault = track_concurrency
    texts = [f"text {i}" for i in range(40)]
    vectors = make("openai", api, sleeps, batch_size=4, max_concurrency=3).embed_documents(texts)
    np.testing.assert_allclose(vectors, expected(texts), atol=1e-6)
    assert active["max"] == 3
    assert len(api.requests) == 10 and sleeps == []


def test_retry_after_header_forms() -> None:
    from plexmix.providers.failures import parse_retry_after, retry_after_from_headers

    assert parse_retry_after("12") == 12.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now=1445412500.0) == pytest.approx(10.0)
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now=1445412600.0) == 0.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None
    assert retry_after_from_headers({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    assert retry_after_from_headers({}) is None
