"""Embeddings facade: the text a track is embedded as, its hash, and the provider factory.

Importing this module is cheap (numpy only); the SDKs and model runtimes load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from plexmix.errors import ConfigError
from plexmix.providers.embeddings.base import (
    DEFAULT_MODELS,
    KNOWN_MODELS,
    PROVIDERS,
    BatchResult,
    EmbeddingProvider,
    ModelSpec,
    expected_dimension,
    l2_normalize,
    make_model_id,
)
from plexmix.providers.failures import RetryPolicy

if TYPE_CHECKING:
    from plexmix.providers.embeddings.api import ApiEmbeddingProvider

__all__ = [
    "DEFAULT_MODELS",
    "KNOWN_MODELS",
    "PROVIDERS",
    "BatchResult",
    "EmbeddingProvider",
    "ModelSpec",
    "RetryPolicy",
    "expected_dimension",
    "get_embedding_provider",
    "l2_normalize",
    "make_model_id",
]


def get_embedding_provider(
    name: str, *, model: str | None = None, dimension: int | None = None, **options: Any
) -> EmbeddingProvider:
    """A provider by name: ``gemini``, ``openai`` or ``local``.

    For ``local``, ``model`` picks the route: ``all-MiniLM-L6-v2-onnx-int8`` (default, ONNX) or
    ``all-MiniLM-L6-v2`` (sentence-transformers, needs ``plexmix[local]``); of the ``options`` it
    takes only ``batch_size`` (for the ONNX route, at most its measured best, 8). gemini and
    openai take all of them: ``api_key`` (default: from
    :func:`plexmix.config.credentials.provider_key`, the environment with its aliases, the keyring
    or the credentials file), ``base_url``, ``timeout``, ``batch_size``, ``max_concurrency`` and
    ``retry`` (a :class:`RetryPolicy`). Nothing heavy is loaded here.
    """
    provider = (name or "").strip().lower()
    if provider not in PROVIDERS:
        raise ConfigError(
            f"Unknown embedding provider {name!r}.",
            hint="Use one of: " + ", ".join(PROVIDERS) + ".",
        )
    model = model or DEFAULT_MODELS[provider]
    expected_dimension(provider, model, dimension)  # validates before anything is imported
    if provider == "local":
        if model == "all-MiniLM-L6-v2":
            from plexmix.providers.embeddings.sentence_transformers import (
                SentenceTransformersProvider,
            )

            return SentenceTransformersProvider(batch_size=options.get("batch_size") or 64)
        from plexmix.providers.embeddings.local_onnx import BATCH_SIZE, LocalOnnxProvider

        # The local model is fastest on small batches: a larger setting is capped at BATCH_SIZE.
        return LocalOnnxProvider(batch_size=min(options.get("batch_size") or BATCH_SIZE, BATCH_SIZE))
    if provider == "gemini":
        from plexmix.providers.embeddings.gemini import GeminiEmbeddingProvider

        cls: type[ApiEmbeddingProvider] = GeminiEmbeddingProvider
    else:
        from plexmix.providers.embeddings.openai import OpenAIEmbeddingProvider

        cls = OpenAIEmbeddingProvider
    return cls(model=model, dimension=dimension, **options)
