"""A local OpenAI-compatible server: Ollama, LM Studio, llama.cpp ``llama-server``, vLLM.

Uses the OpenAI SDK pointed at ``base_url``. Asks for ``response_format`` json_object and
tolerates servers that ignore or reject it (the answer parser strips code fences and finds
the first JSON object in the text).
"""

from __future__ import annotations

from typing import Any, ClassVar

from plexmix.errors import AIProviderError, ConfigError
from plexmix.providers.ai.openai import OpenAICurator
from plexmix.providers.failures import Failure

OLLAMA_BASE_URL = "http://localhost:11434/v1"
# Settings (and their environment variables) that configure the local provider.
BASE_URL_SETTING = "ai.local_base_url"
BASE_URL_ENV = "LOCAL_LLM_BASE_URL"
MODEL_SETTING = "ai.local_model"
MODEL_ENV = "LOCAL_LLM_MODEL"


class LocalCurator(OpenAICurator):
    """Any OpenAI-compatible chat endpoint; ``base_url`` and ``model`` are required."""

    name = "local"
    display_name = "the local AI server"
    default_model = None
    needs_key = False
    # Local servers often run with small windows (Ollama's default context is 4096 tokens and
    # it silently cuts longer prompts from the front); raise with context_tokens=.
    context_tokens = 4_096
    free = True
    json_modes: ClassVar[tuple[str | None, ...]] = ("json_object", None)
    # Older servers only know the classic parameter.
    token_limit_param: ClassVar[str] = "max_tokens"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not self.base_url:
            raise ConfigError(
                "The local AI provider needs the address of an OpenAI-compatible server.",
                hint=(
                    f"Run `plexmix config set {BASE_URL_SETTING} {OLLAMA_BASE_URL}` (Ollama) "
                    f"or set {BASE_URL_ENV}."
                ),
            )
        if not self.model:
            raise ConfigError(
                "The local AI provider needs a model name.",
                hint=(
                    f"Run `plexmix config set {MODEL_SETTING} llama3.1`, set {MODEL_ENV} "
                    "(`ollama list` shows installed models)."
                ),
            )

    @classmethod
    def key_hint(cls) -> str:
        return (
            "PlexMix sends no real key to local servers: turn off key checks on the server, "
            "or pass its key as api_key when building LocalCurator."
        )

    def _is_reasoning_model(self) -> bool:
        return False

    def _auth_error(self, failure: Failure) -> AIProviderError:
        return AIProviderError(
            f"The local AI server at {self.base_url} rejected the API key.",
            hint=self.key_hint(),
        )

    def _model_error(self, failure: Failure) -> AIProviderError:
        return AIProviderError(
            f"The model '{self.model}' is not served at {self.base_url}.",
            hint=(
                f"Set {MODEL_SETTING} (plexmix config set {MODEL_SETTING} ...) to "
                f"a model the server has, and check {BASE_URL_SETTING}."
            ),
        )
