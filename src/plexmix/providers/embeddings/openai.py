"""OpenAI embeddings (``text-embedding-3-small`` by default) through the official SDK."""

from __future__ import annotations

from typing import Any

import numpy as np

from plexmix.providers.embeddings.api import (
    ApiEmbeddingProvider,
    Failure,
    failure_for_status,
    is_transport_error,
    retry_after_from_headers,
)
from plexmix.providers.embeddings.base import (
    BatchFailedError,
)

# The API takes up to 2048 inputs per request; 256 short track texts stay far below its
# 300k-token request limit and keep one failed batch cheap.
OPENAI_BATCH_SIZE = 256


class OpenAIEmbeddingProvider(ApiEmbeddingProvider):
    name = "openai"
    key_env = "OPENAI_API_KEY"
    default_batch_size = OPENAI_BATCH_SIZE
    max_batch_size = 2048

    def _new_client(self) -> Any:
        import openai

        return openai.OpenAI(
            api_key=self._api_key,
            base_url=self._base_url,
            timeout=self._timeout,
            max_retries=0,  # ApiEmbeddingProvider retries
        )

    def _embed_batch(self, texts: list[str], *, query: bool) -> np.ndarray:
        kwargs: dict[str, Any] = {"input": texts, "model": self.model}
        if self.reduced_dimension:
            kwargs["dimensions"] = self.dimension
        response = self._get_client().embeddings.create(**kwargs)
        data = sorted(response.data, key=lambda item: item.index)
        if len(data) != len(texts):
            raise BatchFailedError(f"openai returned {len(data)} embeddings for {len(texts)} texts")
        return np.asarray([item.embedding for item in data], dtype=np.float32)

    def _classify(self, exc: BaseException) -> tuple[Failure, float | None, str]:
        status = getattr(exc, "status_code", None)
        if isinstance(status, int):
            response = getattr(exc, "response", None)
            retry_after = retry_after_from_headers(getattr(response, "headers", None))
            message = getattr(exc, "message", None) or str(exc)
            return failure_for_status(status), retry_after, f"HTTP {status}: {message}"
        if is_transport_error(exc):
            return Failure.RETRY, None, f"{type(exc).__name__}: {exc}"
        return Failure.SKIP, None, f"{type(exc).__name__}: {exc}"
