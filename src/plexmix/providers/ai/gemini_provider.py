"""Google Gemini via the google-genai SDK (``POST {base}/{version}/models/{model}:generateContent``).

JSON through ``response_mime_type="application/json"`` plus ``response_schema``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from plexmix.providers.ai.base import AIProvider
from plexmix.providers.ai.failures import ErrorKind, classify, http_status

_THINKING_HEADROOM = 8_192
_BAD_KEY_MARKERS = ("API_KEY_INVALID", "API key not valid", "API key expired")


def gemini_schema(schema: Any) -> Any:
    """The response schema in the OpenAPI subset Gemini accepts (no additionalProperties)."""
    if isinstance(schema, dict):
        return {k: gemini_schema(v) for k, v in schema.items() if k != "additionalProperties"}
    if isinstance(schema, list):
        return [gemini_schema(v) for v in schema]
    return schema


class GeminiProvider(AIProvider):
    """Google Gemini (AI Studio API key)."""

    name: ClassVar[str] = "gemini"
    display_name: ClassVar[str] = "Google Gemini"
    default_model: ClassVar[str | None] = "gemini-2.5-flash"
    needs_key: ClassVar[bool] = True
    key_env_var: ClassVar[str | None] = "GOOGLE_API_KEY"
    key_setting: ClassVar[str | None] = "ai.google_api_key"
    key_env_aliases: ClassVar[tuple[str, ...]] = ("GEMINI_API_KEY",)
    context_tokens: ClassVar[int] = 200_000
    # Gemini 2.5 models think by default and thinking counts against the output limit.
    output_headroom_tokens: ClassVar[int] = _THINKING_HEADROOM

    def _sdk_client(self) -> Any:
        if self._client is None:
            from google import genai
            from google.genai import types

            options: dict[str, Any] = {
                "timeout": max(1, int(self.timeout * 1000)),  # milliseconds
                # One attempt per call: our own retry loop is the one that runs.
                "retry_options": types.HttpRetryOptions(attempts=1),
            }
            if self.base_url:
                options["base_url"] = self.base_url
            # The Gemini Developer API with an API key, never Vertex AI via environment.
            self._client = genai.Client(
                vertexai=False, api_key=self._api_key, http_options=types.HttpOptions(**options)
            )
        return self._client

    def _error_kind(self, exc: BaseException) -> ErrorKind:
        # A bad key comes back as 400 INVALID_ARGUMENT with reason API_KEY_INVALID.
        if http_status(exc) == 400 and any(m in str(exc) for m in _BAD_KEY_MARKERS):
            return ErrorKind.AUTH
        return classify(exc, self._transient_errors())

    def _call(
        self, system: str, user: str, schema: dict, *, max_output_tokens: int = 1024
    ) -> str:
        from google.genai import types

        client = self._sdk_client()
        config = types.GenerateContentConfig(
            system_instruction=system,
            temperature=self.temperature,
            max_output_tokens=max_output_tokens,
            response_mime_type="application/json",
            response_schema=gemini_schema(schema),
        )
        response = client.models.generate_content(model=self.model, contents=user, config=config)
        meta = getattr(response, "usage_metadata", None)
        if meta is not None:
            output = (meta.candidates_token_count or 0) + (meta.thoughts_token_count or 0)
            self._last_usage = {
                "prompt_tokens": meta.prompt_token_count,
                "output_tokens": output,
            }
        return str(response.text or "")
