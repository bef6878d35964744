"""The test embedding cache (playlist_helpers) cannot serve vectors made by other code.

Its file is keyed by the model, the tokenizer, the source of the local ONNX route and the runtime
versions. A change to truncation or pooling must give a new key, so a warm cache is not used.
"""

from __future__ import annotations

import inspect
import tempfile
from pathlib import Path

import numpy as np
import playlist_helpers
import pytest
from embed_cache import CachedLocalEmbedder
from playlist_helpers import (
    embed_cache_file,
    embed_cache_key,
    embedding_code,
    runtime_versions,
)

from plexmix.providers.embeddings import local_onnx
from plexmix.storage.track_text import text_hash

# Edits of the real source: (what is there now, what a change would make of it).
CODE_CHANGES = {
    "mean pooling becomes sum pooling": ("summed / counts", "summed"),
    "mean pooling ignores the mask": ("weights = mask.astype(np.float32)[:, :, None]", "weights = 1.0"),
    "truncation at 128 tokens": ("MAX_TOKENS = 256", "MAX_TOKENS = 128"),
    "truncation switched off": ("tokenizer.enable_truncation(max_length=MAX_TOKENS)\n", "\n"),
    "no token type ids": ('feeds["token_type_ids"] = np.zeros_like(ids)', "pass"),
}


def key(
    *,
    model: bytes = b"model",
    tokenizer: bytes = b"tokenizer",
    code: str | None = None,
    runtimes: str | None = None,
) -> str:
    code = embedding_code() if code is None else code
    runtimes = runtime_versions() if runtimes is None else runtimes
    return embed_cache_key(model=model, tokenizer=tokenizer, code=code, runtimes=runtimes)


def test_the_key_covers_the_truncation_and_pooling_code() -> None:
    code = embedding_code()
    for part in (
        local_onnx.load_tokenizer,
        local_onnx.mean_pool,
        local_onnx.OnnxMiniLM,
        local_onnx.LocalOnnxProvider,
    ):
        assert inspect.getsource(part) in code, part
    assert f"MAX_TOKENS = {local_onnx.MAX_TOKENS}" in code


@pytest.mark.parametrize("change", sorted(CODE_CHANGES))
def test_a_change_to_the_local_route_changes_the_key(change: str) -> None:
    before, after = CODE_CHANGES[change]
    code = embedding_code()
    assert code.count(before) == 1, f"the local ONNX code changed: update CODE_CHANGES[{change!r}]"
    assert key(code=code.replace(before, after)) != key(code=code)


def test_model_tokenizer_and_runtimes_change_the_key() -> None:
    base = key()
    assert key() == base
    assert key(model=b"model2") != base
    assert key(tokenizer=b"tokenizer2") != base
    assert key(runtimes=runtime_versions().replace("onnxruntime=", "onnxruntime=0")) != base
    # Parts are length-prefixed: moving bytes from one part to the next is a different key.
    assert key(model=b"mode", tokenizer=b"ltokenizer") != base


def test_a_warm_cache_is_not_used_after_the_pooling_code_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # not the real cache
    monkeypatch.delenv("PLEXMIX_TEST_NO_EMBED_CACHE", raising=False)
    text = "Creep by Radiohead from Pablo Honey - Alternative (1993)"
    poisoned = np.full(local_onnx.DIMENSION, 0.5, dtype=np.float32)

    # A warm cache, made by the current code, holding a vector the model would never make.
    current = embed_cache_file()
    assert current is not None and current.parent.parent == tmp_path
    warm = CachedLocalEmbedder(current)
    warm.known[text_hash(text)] = poisoned
    warm.computed = 1
    warm.save()
    reused = CachedLocalEmbedder(embed_cache_file()).embed_documents([text])
    assert np.allclose(reused[0], poisoned / np.linalg.norm(poisoned))  # same code: the cache is used

    # The pooling code changes: a different file, and the vector is made by the model again.
    before, after = CODE_CHANGES["mean pooling becomes sum pooling"]
    changed_code = embedding_code().replace(before, after)
    monkeypatch.setattr(playlist_helpers, "embedding_code", lambda: changed_code)
    changed = embed_cache_file()
    assert changed is not None and changed != current
    fresh = CachedLocalEmbedder(changed)
    assert fresh.known == {}
    vectors = fresh.embed_documents([text])
    assert fresh.computed == 1
    assert not np.allclose(vectors[0], reused[0])
    assert np.allclose(vectors[0], local_onnx.LocalOnnxProvider().embed_documents([text])[0], atol=1e-5)
