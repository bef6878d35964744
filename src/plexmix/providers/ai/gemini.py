"""Google Gemini via the google-genai SDK (``POST {base}/{version}/models/{model}:generateContent``).

JSON through ``response_mime_type="application/json"`` plus ``response_schema``.
"""

from __future__ import annotations

from typing import Any

from plexmix.providers.ai.base import Curator

_THINKING_HEADROOM = 8_192


def gemini_schema(schema: Any) -> Any:
    """The response schema in the OpenAPI subset Gemini accepts (no additionalProperties)."""
    if isinstance(schema, dict):
        return {k: gemini_schema(v) for k, v in schema.items() if k != "additionalProperties"}
    if isinstance(schema, list):
        return [gemini_schema(v) for v in schema]
    return schema


class GeminiCurator(Curator):
    """Google Gemini (AI Studio API key)."""

    name = "gemini"
    display_name = "Google Gemini"
    default_model = "gemini-2.5-flash"
    context_tokens = 200_000
    # Gemini 2.5 models think by default and thinking counts against the output limit.
    output_headroom_tokens = _THINKING_HEADROOM

    def _call(
        self, system: str, user: str, schema: dict, *, max_output_tokens: int = 1024
    ) -> str:
        from google.genai import types

        client = self._client.get()
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
