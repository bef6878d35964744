"""AI curators: pick and order tracks for a mood from retrieved candidates.

Import-light: the provider modules import their SDKs only when a call is made.
"""

from __future__ import annotations

from typing import Any

from plexmix.errors import UsageError
from plexmix.providers.ai.base import Curator
from plexmix.providers.ai.claude import ClaudeCurator
from plexmix.providers.ai.gemini import GeminiCurator
from plexmix.providers.ai.local import LocalCurator
from plexmix.providers.ai.none import NoneCurator
from plexmix.providers.ai.openai import OpenAICurator
from plexmix.providers.ai.records import Candidate, PlanResult, PlanVocabulary, PromptEstimate, Selection

__all__ = [
    "PROVIDERS",
    "Candidate",
    "Curator",
    "PlanResult",
    "PlanVocabulary",
    "PromptEstimate",
    "Selection",
    "get_curator",
]

PROVIDERS: dict[str, type[Curator]] = {
    "gemini": GeminiCurator,
    "openai": OpenAICurator,
    "claude": ClaudeCurator,
    "local": LocalCurator,
    "none": NoneCurator,
}


def get_curator(name: str, **options: Any) -> Curator:
    """Create the provider called ``name`` (gemini, openai, claude, local, none).

    ``options`` are :class:`Curator`'s: ``api_key`` (default: the stored or environment key,
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
