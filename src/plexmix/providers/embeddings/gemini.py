"""Google Gemini embeddings (``gemini-embedding-001``, 3072 dims) through the google-genai SDK.

Documents are embedded with task type ``RETRIEVAL_DOCUMENT`` and queries with
``RETRIEVAL_QUERY``: the same vector space, so both share one ``model_id``. A reduced
``output_dimensionality`` is not normalised by the API; :class:`EmbeddingProvider` re-normalises.
"""

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

GEMINI_BATCH_SIZE = 100  # batchEmbedContents accepts at most 100 requests


def retry_delay_from_details(details: object) -> float | None:
    """Seconds from a ``google.rpc.RetryInfo`` entry (``"retryDelay": "37s"``) of an error body."""
    error = details.get("error", details) if isinstance(details, dict) else None
    entries = error.get("details") if isinstance(error, dict) else None
    for entry in entries if isinstance(entries, list) else []:
        delay = entry.get("retryDelay") if isinstance(entry, dict) else None
        if isinstance(delay, str) and delay.endswith("s"):
            try:
                return max(0.0, float(delay[:-1]))
            except ValueError:
                return None
    return None


class GeminiEmbeddingProvider(ApiEmbeddingProvider):
    name = "gemini"
    key_env = "GOOGLE_API_KEY"
    default_batch_size = GEMINI_BATCH_SIZE
    max_batch_size = GEMINI_BATCH_SIZE

    def _new_client(self) -> Any:
        from google import genai
        from google.genai import types

        options = types.HttpOptions(
            base_url=self._base_url,
            timeout=int(self._timeout * 1000),  # milliseconds
            retry_options=None,  # no SDK retries: ApiEmbeddingProvider retries
        )
        return genai.Client(api_key=self._api_key, http_options=options)

    def _embed_batch(self, texts: list[str], *, query: bool) -> np.ndarray:
        from google.genai import types

        config = types.EmbedContentConfig(
            task_type="RETRIEVAL_QUERY" if query else "RETRIEVAL_DOCUMENT",
            output_dimensionality=self.dimension if self.reduced_dimension else None,
        )
        # One Content per text: a bare list of strings would be merged into one multi-part
        # content (one embedding) for models the SDK treats as multimodal.
        contents = [types.Content(parts=[types.Part(text=text)]) for text in texts]
        response = self._get_client().models.embed_content(
            model=self.model, contents=contents, config=config
        )
        embeddings = response.embeddings or []
        if len(embeddings) != len(texts):
            raise BatchFailedError(
                f"gemini returned {len(embeddings)} embeddings for {len(texts)} texts"
            )
        return np.asarray([e.values or [] for e in embeddings], dtype=np.float32)

    def _classify(self, exc: BaseException) -> tuple[Failure, float | None, str]:
        code = getattr(exc, "code", None)
        if isinstance(code, int) and hasattr(exc, "details"):  # google.genai.errors.APIError
            response = getattr(exc, "response", None)
            retry_after = retry_after_from_headers(getattr(response, "headers", None))
            if retry_after is None:
                retry_after = retry_delay_from_details(getattr(exc, "details", None))
            message = getattr(exc, "message", None) or getattr(exc, "status", None) or ""
            kind = failure_for_status(code)
            if code == 400 and "API key" in str(message):  # Gemini says 400 for a bad key
                kind = Failure.FATAL
            return kind, retry_after, f"HTTP {code}: {message}"
        if is_transport_error(exc):
            return Failure.RETRY, None, f"{type(exc).__name__}: {exc}"
        return Failure.SKIP, None, f"{type(exc).__name__}: {exc}"
