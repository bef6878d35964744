"""Shared machinery of the HTTP embedding providers: retries (concurrency is in ``base``).

The SDKs' own retries are switched off (see :mod:`plexmix.providers.clients`) so that every
attempt, delay and failure goes through :class:`~plexmix.providers.failures.RetryPolicy`, which
tests can make instant. A rejected key or an unknown model stops the whole run; a bad request
skips its batch; rate limits, timeouts and server errors are retried.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from plexmix.config.credentials import provider_key, secret_for
from plexmix.config.embedding_models import DEFAULT_MODELS, KNOWN_MODELS, expected_dimension
from plexmix.errors import CredentialError, EmbeddingError
from plexmix.providers.clients import CLIENTS, LazyClient
from plexmix.providers.embeddings.base import (
    BatchFailedError,
    EmbeddingProvider,
)
from plexmix.providers.failures import CallFailedError, RetryPolicy

log = logging.getLogger(__name__)


class ApiEmbeddingProvider(EmbeddingProvider):
    """An HTTP provider: retries per request, batches run ``max_concurrency`` at a time."""

    default_batch_size = 100
    max_batch_size = 100

    def __init__(
        self,
        api_key: str | None = None,
        *,
        model: str | None = None,
        dimension: int | None = None,
        base_url: str | None = None,
        timeout: float = 60.0,
        batch_size: int | None = None,
        max_concurrency: int | None = None,  # default 4
        retry: RetryPolicy | None = None,
    ) -> None:
        secret = secret_for(self.name)
        assert secret is not None, f"the {self.name} key is missing from config.credentials.SECRETS"
        self.secret = secret
        self._api_key = provider_key(self.name, api_key)
        if not self._api_key:
            raise CredentialError(
                f"No {secret.label} is set for {self.name} embeddings.",
                hint=f"Set {secret.env_var} (or use the offline 'local' embedding provider).",
            )
        self.retry = retry or RetryPolicy()
        self.max_concurrency = max(1, int(max_concurrency or 4))
        self.model = model or DEFAULT_MODELS[self.name]
        self.dimension = expected_dimension(self.name, self.model, dimension)
        wanted = self.default_batch_size if batch_size is None else int(batch_size)
        self.batch_size = max(1, min(wanted, self.max_batch_size))
        spec = KNOWN_MODELS.get((self.name, self.model))
        # Ask the API for a reduced size only when it differs from the model's native one.
        self.reduced_dimension = spec is None or self.dimension != spec.dimension
        self._base_url = base_url
        self._timeout = timeout
        self._client = LazyClient(self._new_client)  # one client for all worker threads

    def _new_client(self) -> Any:
        """The vendor's SDK client (created once, on first use)."""
        return CLIENTS[self.name](self._api_key, base_url=self._base_url, timeout=self._timeout)

    def _fatal(self, description: str) -> EmbeddingError:
        return EmbeddingError(
            f"The {self.name} embedding API refused the request: {description}",
            hint=f"Check {self.secret.env_var} and the embedding model name ({self.model}).",
        )

    def _embed_with_retry(self, texts: list[str], *, query: bool) -> np.ndarray:
        # APIs reject empty inputs; an empty text carries no meaning anyway.
        texts = [t if t.strip() else "untitled" for t in texts]
        try:
            return self.retry.call(
                lambda: self._embed_batch(texts, query=query),
                label=f"{self.name} embedding request",
                passthrough=(BatchFailedError, EmbeddingError),
            )
        except CallFailedError as failed:
            if failed.failure.fatal:
                raise self._fatal(failed.failure.detail) from None
            raise BatchFailedError(failed.failure.detail) from None
