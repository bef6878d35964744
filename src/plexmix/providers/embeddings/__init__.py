"""Embeddings facade: the text a track is embedded as, its hash, and the provider factory.

Importing this module is cheap (numpy only); the SDKs and model runtimes load on first use.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable

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
    "text_hash",
    "track_text",
]

# Environment variables consulted when no key is passed, first match wins.
KEY_ENV_VARS: dict[str, tuple[str, ...]] = {
    "gemini": ("GOOGLE_API_KEY", "GEMINI_API_KEY"),
    "openai": ("OPENAI_API_KEY",),
}


def _clean(value: object) -> str:
    if value is None:
        return ""
    return " ".join(str(value).split())


def _tag_list(tags: str | Iterable[str] | None) -> list[str]:
    """Tag names from a ', '-joined string or a sequence; blanks and repeats dropped."""
    if tags is None:
        return []
    items = tags.split(",") if isinstance(tags, str) else list(tags)
    seen: set[str] = set()
    out: list[str] = []
    for item in items:
        name = _clean(item)
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            out.append(name)
    return out


def _year(value: object) -> int | None:
    try:
        year = int(str(value).strip()[:4]) if value is not None else None
    except ValueError:
        return None
    return year if year and year > 0 else None


def _sentence(text: str, addition: str) -> str:
    if not text:
        return addition
    separator = " " if text.endswith((".", "!", "?")) else ". "
    return text + separator + addition


def track_text(
    title: str | None,
    artist: str | None,
    album: str | None,
    genres: str | Iterable[str] | None,
    year: int | str | None,
    moods: str | Iterable[str] | None = (),
    styles: str | Iterable[str] | None = (),
) -> str:
    """The text a track is embedded as.

    ``"{title} by {artist} from {album} - {genres} ({year})"`` then ``". Mood: a, b"`` and
    ``". Style: c"`` when present. Missing parts are left out with their connecting words;
    genres, moods and styles may be ', '-joined strings or sequences.
    """
    text = _clean(title)
    artist_name, album_title = _clean(artist), _clean(album)
    if artist_name:
        text = f"{text} by {artist_name}" if text else artist_name
    if album_title:
        text = f"{text} from {album_title}" if text else album_title
    genre_names = _tag_list(genres)
    if genre_names:
        joined = ", ".join(genre_names)
        text = f"{text} - {joined}" if text else joined
    year_value = _year(year)
    if year_value:
        text = f"{text} ({year_value})" if text else f"({year_value})"
    mood_names = _tag_list(moods)
    if mood_names:
        text = _sentence(text, "Mood: " + ", ".join(mood_names))
    style_names = _tag_list(styles)
    if style_names:
        text = _sentence(text, "Style: " + ", ".join(style_names))
    return text


def text_hash(text: str) -> str:
    """SHA-256 hex digest of ``text`` (UTF-8): the embedding cache key with the model id."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


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
