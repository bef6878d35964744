"""Google Gemini embeddings (``gemini-embedding-001``) through the google-genai SDK.

The model's native size is 3,072; new indexes ask for 768 (``output_dimensionality``, the
registry's default in :mod:`plexmix.config.embedding_models`), a quarter of the memory and disk
at a small cost in quality. A configured ``dimension: 3072`` asks for the native size.

Documents are embedded with task type ``RETRIEVAL_DOCUMENT`` and queries with
``RETRIEVAL_QUERY``: the same vector space, so both share one ``model_id``. A reduced
``output_dimensionality`` is not normalised by the API; :class:`EmbeddingProvider` re-normalises.
"""

from __future__ import annotations

import numpy as np

from plexmix.providers.embeddings.api import ApiEmbeddingProvider
from plexmix.providers.embeddings.base import BatchFailedError

GEMINI_BATCH_SIZE = 100  # batchEmbedContents accepts at most 100 requests


class GeminiEmbeddingProvider(ApiEmbeddingProvider):
    name = "gemini"
    default_batch_size = GEMINI_BATCH_SIZE
    max_batch_size = GEMINI_BATCH_SIZE

    def _embed_batch(self, texts: list[str], *, query: bool) -> np.ndarray:
        from google.genai import types

        config = types.EmbedContentConfig(
            task_type="RETRIEVAL_QUERY" if query else "RETRIEVAL_DOCUMENT",
            output_dimensionality=self.dimension if self.reduced_dimension else None,
        )
        # One Content per text: a bare list of strings would be merged into one multi-part
        # content (one embedding) for models the SDK treats as multimodal.
        contents = [types.Content(parts=[types.Part(text=text)]) for text in texts]
        response = self._client.get().models.embed_content(
            model=self.model, contents=contents, config=config
        )
        embeddings = response.embeddings or []
        if len(embeddings) != len(texts):
            raise BatchFailedError(
                f"gemini returned {len(embeddings)} embeddings for {len(texts)} texts"
            )
        return np.asarray([e.values or [] for e in embeddings], dtype=np.float32)
