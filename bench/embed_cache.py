"""A local ONNX embedder that keeps its vectors on disk between runs (by text hash), so benchmarks
and the test libraries embed thousands of real tracks once per model, not once per run.

Shared by ``bench/`` and ``tests/`` (the tests' conftest puts this folder on the import path).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from plexmix.providers.embeddings.local_onnx import LocalOnnxProvider
from plexmix.storage.track_text import text_hash


class CachedLocalEmbedder(LocalOnnxProvider):
    """The real local ONNX provider; vectors it made before for the same text are reused."""

    def __init__(self, cache_file: Path | None) -> None:
        super().__init__(batch_size=64)
        self.cache_file = cache_file
        self.known: dict[str, np.ndarray] = {}
        self.computed = 0
        if cache_file is not None and cache_file.is_file():
            with np.load(cache_file) as data:
                self.known = dict(zip(data["hashes"].tolist(), data["vectors"], strict=True))

    def _embed_batch(self, texts: list[str], *, query: bool) -> np.ndarray:
        hashes = [text_hash(t) for t in texts]
        missing = [i for i, h in enumerate(hashes) if h not in self.known]
        if missing:
            fresh = super()._embed_batch([texts[i] for i in missing], query=query)
            self.computed += len(missing)
            for i, vector in zip(missing, fresh, strict=True):
                self.known[hashes[i]] = np.asarray(vector, dtype=np.float32)
        return np.stack([self.known[h] for h in hashes])

    def save(self) -> None:
        if self.cache_file is None or not self.computed:
            return
        self.cache_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.cache_file.with_name(f"{self.cache_file.stem}.{os.getpid()}.tmp.npz")
        np.savez(tmp, hashes=np.array(list(self.known)), vectors=np.stack(list(self.known.values())))
        os.replace(tmp, self.cache_file)
