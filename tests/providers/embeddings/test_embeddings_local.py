"""The offline routes for real: the int8 ONNX MiniLM (default) and sentence-transformers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from plexmix.errors import EmbeddingError
from plexmix.providers.embeddings import EmbeddingProvider, get_embedding_provider
from plexmix.providers.embeddings.local_onnx import LocalOnnxProvider
from plexmix.storage.track_text import track_text

TEXTS = [
    track_text("Creep", "Radiohead", "Pablo Honey", "Alternative, Rock", 1993, moods="Melancholy"),
    "a sad, melancholy acoustic ballad about heartbreak",
    "a gloomy and sorrowful acoustic song about a broken heart",
    "aggressive heavy metal with screaming distorted guitars",
    "Happy by Pharrell Williams - Pop (2013). Mood: Cheerful, Upbeat",
    "",
]


@pytest.fixture(scope="session")
def onnx_provider() -> EmbeddingProvider:
    provider = get_embedding_provider("local")
    provider.embed_query("load the model once per session")
    return provider


def test_onnx_vectors_are_384_dim_unit_length(onnx_provider: EmbeddingProvider) -> None:
    vectors = onnx_provider.embed_documents(TEXTS)
    assert vectors.shape == (len(TEXTS), 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert onnx_provider.model_id == "local:all-MiniLM-L6-v2-onnx-int8:384"


def test_similar_texts_are_closer_than_dissimilar(onnx_provider: EmbeddingProvider) -> None:
    sad, gloomy, metal = onnx_provider.embed_documents(TEXTS[1:4])
    assert float(sad @ gloomy) > float(sad @ metal) + 0.2
    query = onnx_provider.embed_query("songs for a rainy melancholy day")
    assert float(query @ sad) > float(query @ metal)


def test_batching_and_length_sorting_keep_input_order(onnx_provider: EmbeddingProvider) -> None:
    batched = LocalOnnxProvider(batch_size=2)
    together = batched.embed_documents(TEXTS)
    for text, vector in zip(TEXTS, together, strict=True):
        alone = onnx_provider.embed_query(text)
        # The int8 weights are dequantised at load (fp32 MatMuls); padding moves values a little.
        assert float(alone @ vector) > 0.99


def test_long_text_is_truncated_not_rejected(onnx_provider: EmbeddingProvider) -> None:
    long_text = " ".join(["guitar"] * 2000)
    vector = onnx_provider.embed_query(long_text)
    assert vector.shape == (384,)
    runner = onnx_provider.runner  # type: ignore[attr-defined]
    assert len(runner.tokenizer.encode(long_text).ids) == 256


def test_onnx_model_inputs_match_what_we_feed(onnx_provider: EmbeddingProvider) -> None:
    runner = onnx_provider.runner  # type: ignore[attr-defined]
    names = {i.name for i in runner.session.get_inputs()}
    assert {"input_ids", "attention_mask"} <= names
    assert runner.session.get_outputs()[0].shape[-1] == 384


def test_missing_model_file_is_an_embedding_error(tmp_path: Path) -> None:
    provider = LocalOnnxProvider(model_path=tmp_path / "missing.onnx")
    with pytest.raises(EmbeddingError) as info:
        provider.embed_query("x")
    assert "reinstall" in (info.value.hint or "").lower()


def test_damaged_model_file_is_an_embedding_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not an onnx model")
    with pytest.raises(EmbeddingError):
        LocalOnnxProvider(model_path=bad).embed_query("x")


@pytest.mark.local_model
def test_sentence_transformers_route_agrees_with_onnx(onnx_provider: EmbeddingProvider) -> None:
    st = get_embedding_provider("local", model="all-MiniLM-L6-v2")
    assert st.model_id == "local:all-MiniLM-L6-v2:384" != onnx_provider.model_id
    reference = st.embed_documents(TEXTS)
    ours = onnx_provider.embed_documents(TEXTS)
    np.testing.assert_allclose(np.linalg.norm(reference, axis=1), 1.0, atol=1e-5)
    cosines = (reference * ours).sum(axis=1)
    assert cosines.min() >= 0.99, cosines
