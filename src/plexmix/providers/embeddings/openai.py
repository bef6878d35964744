"""OpenAI embeddings (``text-embedding-3-small`` by default) through the official SDK."""

from __future__ import annotations

from typing import Any

import numpy as np

from plexmix.providers.embeddings.api import ApiEmbeddingProvider
from plexmix.providers.embeddings.base import BatchFailedError

# The API takes up to 2048 inputs per request; 256 short track texts stay far below its
# 300k-token request limit and keep one failed batch cheap.
OPENAI_BATCH_SIZE = 256


class OpenAIEmbeddingProvider(ApiEmbeddingProvider):
    name = "openai"
    default_batch_size = OPENAI_BATCH_SIZE
    max_batch_size = 2048

    def _embed_batch(self, texts: list[str], *, query: bool) -> np.ndarray:
        kwargs: dict[str, Any] = {"input": texts, "model": self.model}
        if self.reduced_dimension:
            kwargs["dimensions"] = self.dimension
        response = self._client.get().embeddings.create(**kwargs)
        data = sorted(response.data, key=lambda item: item.index)
        if len(data) != len(texts):
            raise BatchFailedError(f"openai returned {len(data)} embeddings for {len(texts)} texts")
        return np.asarray([item.embedding for item in data], dtype=np.float32)
