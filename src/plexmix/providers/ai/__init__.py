"""AI curators: pick and order tracks for a mood from retrieved candidates.

Import-light: the provider modules import their SDKs only when a call is made.
"""

from __future__ import annotations

from typing import Any

from plexmix.errors import UsageError
from plexmix.providers.ai.base import AIProvider
from plexmix.providers.ai.claude_provider import ClaudeProvider
from plexmix.providers.ai.gemini_provider import GeminiProvider
from plexmix.providers.ai.local_provider import LocalProvider
from plexmix.providers.ai.none_provider import NoneProvider
from plexmix.providers.ai.openai_provider import OpenAIProvider
from plexmix.providers.ai.records import Candidate, PromptEstimate, Selection

__all__ = [
    "PROVIDERS",
    "AIProvider",
    "Candidate",
    "PromptEstimate",
    "Selection",
    "get_ai_provider",
]

PROVIDERS: dict[str, type[AIProvider]] = {
    "gemini": GeminiProvider,
    "openai": OpenAIProvider,
    "claude": ClaudeProvider,
    "local": LocalProvider,
    "none": NoneProvider,
}


def get_ai_provider(name: str, **options: Any) -> AIProvider:
    """Create the provider called ``name`` (gemini, openai, claude, local, none).

    ``options`` are :class:`AIProvider`'s: ``api_key`` (default: the stored or environment key,
    see :func:`plexmix.config.credentials.provider_key`), ``model``, ``base_url``, ``timeout``,
    ``temperature``, ``max_retries``, ``retry_backoff``, ``context_tokens``.

    Raises UsageError for an unknown name, CredentialError when a provider that needs a key
    finds none, ConfigError when the local provider lacks ``base_url`` or ``model``.
    """
    key = (name or "").strip().lower()
    cls = PROVIDERS.get(key)
    if cls is None:
        valid = ", ".join(PROVIDERS)
        raise UsageError(
            f"Unknown AI provider '{name}'.",
            hint=f"Choose one of: {valid} (plexmix config set ai.provider ... or --provider).",
        )
    return cls(**options)
