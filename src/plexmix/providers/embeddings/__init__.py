"""Embeddings facade: the text a track is embedded as, its hash, and the provider factory.

Importing this module is cheap (numpy only); the SDKs and model runtimes load on first use.
"""

from __future__ import annotations

import os

from plexmix.errors import ConfigError, CredentialError
from plexmix.providers.embeddings.api import RetryPolicy
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

# Environment variables consulted when no key is passed, first match wins.
KEY_ENV_VARS: dict[str, tuple[str, ...]] = {
    "gemini": ("GOOGLE_API_KEY", "GEMINI_API_KEY"),
    "openai": ("OPENAI_API_KEY",),
}


def _api_key(provider: str, api_key: str | None) -> str:
    if api_key:
        return api_key
    for var in KEY_ENV_VARS[provider]:
        value = os.environ.get(var)
        if value:
            return value
    label = "Google Gemini" if provider == "gemini" else "OpenAI"
    raise CredentialError(
        f"No {label} API key is set for {provider} embeddings.",
        hint=f"Set {KEY_ENV_VARS[provider][0]} (or use the offline 'local' embedding provider).",
    )


def get_embedding_provider(
    name: str,
    *,
    model: str | None = None,
    dimension: int | None = None,
    api_key: str | None = None,
    base_url: str | None = None,
    timeout: float = 60.0,
    batch_size: int | None = None,
    max_concurrency: int | None = None,
    retry: RetryPolicy | None = None,
) -> EmbeddingProvider:
    """A provider by name: ``gemini``, ``openai`` or ``local``.

    For ``local``, ``model`` picks the route: ``all-MiniLM-L6-v2-onnx-int8`` (default, ONNX) or
    ``all-MiniLM-L6-v2`` (sentence-transformers, needs ``plexmix[local]``). API keys fall back to
    GOOGLE_API_KEY/GEMINI_API_KEY and OPENAI_API_KEY. Nothing heavy is loaded here.
    """
    provider = (name or "").strip().lower()
    if provider not in PROVIDERS:
        raise ConfigError(
            f"Unknown embedding provider {name!r}.",
            hint="Use one of: " + ", ".join(PROVIDERS) + ".",
        )
    model = model or DEFAULT_MODELS[provider]
    expected_dimension(provider, model, dimension)  # validates before any key or import
    if provider == "local":
        if model == "all-MiniLM-L6-v2":
            from plexmix.providers.embeddings.sentence_transformers import (
                SentenceTransformersProvider,
            )

            return SentenceTransformersProvider(batch_size=batch_size or 64)
        from plexmix.providers.embeddings.local_onnx import LocalOnnxProvider

        return LocalOnnxProvider(batch_size=batch_size or 32)
    key = _api_key(provider, api_key)
    if provider == "gemini":
        from plexmix.providers.embeddings.gemini import (
            GEMINI_BATCH_SIZE,
            GeminiEmbeddingProvider,
        )

        return GeminiEmbeddingProvider(
            key,
            model=model,
            dimension=dimension,
            base_url=base_url,
            timeout=timeout,
            batch_size=batch_size or GEMINI_BATCH_SIZE,
            max_concurrency=max_concurrency or 4,
            retry=retry,
        )
    from plexmix.providers.embeddings.openai import (
        OPENAI_BATCH_SIZE,
        OpenAIEmbeddingProvider,
    )

    return OpenAIEmbeddingProvider(
        key,
        model=model,
        dimension=dimension,
        base_url=base_url,
        timeout=timeout,
        batch_size=batch_size or OPENAI_BATCH_SIZE,
        max_concurrency=max_concurrency or 4,
        retry=retry,
    )
