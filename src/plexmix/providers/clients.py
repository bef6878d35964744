"""One constructor per vendor SDK client, used by the curators, the embedding providers and the
API-key check of ``plexmix config validate``.

Each SDK is imported inside its function (``import plexmix`` loads none of them). The SDKs' own
retries are off: :class:`plexmix.providers.failures.RetryPolicy` is the one that retries. A
``base_url`` of ``None`` means the vendor's public endpoint.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


def openai_client(api_key: str, *, base_url: str | None = None, timeout: float = 60.0) -> Any:
    """``openai.OpenAI`` (also for OpenAI-compatible local servers)."""
    import openai

    return openai.OpenAI(api_key=api_key, base_url=base_url or None, timeout=timeout, max_retries=0)


def anthropic_client(api_key: str, *, base_url: str | None = None, timeout: float = 60.0) -> Any:
    """``anthropic.Anthropic``."""
    import anthropic

    return anthropic.Anthropic(api_key=api_key, base_url=base_url or None, timeout=timeout, max_retries=0)


def genai_client(api_key: str, *, base_url: str | None = None, timeout: float = 60.0) -> Any:
    """``google.genai.Client`` for the Gemini Developer API (never Vertex AI via the environment)."""
    from google import genai
    from google.genai import types

    options: dict[str, Any] = {
        "timeout": max(1, int(timeout * 1000)),  # milliseconds
        "retry_options": types.HttpRetryOptions(attempts=1),
    }
    if base_url:
        options["base_url"] = base_url
    return genai.Client(vertexai=False, api_key=api_key, http_options=types.HttpOptions(**options))


# The client constructor of each provider that needs an API key.
CLIENTS: dict[str, Callable[..., Any]] = {
    "gemini": genai_client,
    "openai": openai_client,
    "claude": anthropic_client,
}


def list_one_model(provider: str, api_key: str, *, base_url: str | None, timeout: float) -> None:
    """One tiny model-listing request; raises the SDK's exception when the key does not work."""
    client = CLIENTS[provider](api_key, base_url=base_url, timeout=timeout)
    if provider == "openai":
        client.models.list()
    elif provider == "claude":
        client.models.list(limit=1)
    else:
        client.models.list(config={"page_size": 1})


class LazyClient:
    """An SDK client made on first use by ``make`` and then shared (by all worker threads)."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self._make = make
        self._client: Any = None
        self._lock = threading.Lock()

    def get(self) -> Any:
        with self._lock:
            if self._client is None:
                self._client = self._make()
            return self._client
