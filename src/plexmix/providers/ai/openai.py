"""OpenAI Chat Completions (``POST {base}/chat/completions``) with Structured Outputs."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from plexmix.providers.ai.base import Curator
from plexmix.providers.clients import openai_client

# Reasoning models reject a non-default temperature and spend output tokens on thinking.
_REASONING_RE = re.compile(r"^(o\d|gpt-5|gpt-6)", re.IGNORECASE)
_REASONING_HEADROOM = 8_000


class OpenAICurator(Curator):
    """OpenAI via the official SDK; JSON via ``response_format`` json_schema (strict)."""

    name = "openai"
    display_name = "OpenAI"
    default_model: ClassVar[str | None] = "gpt-4o-mini"  # LocalCurator has none
    # JSON modes tried in order; a 400 that complains about response_format moves on.
    json_modes: ClassVar[tuple[str | None, ...]] = ("json_schema", "json_object")
    # Parameter carrying the answer token limit.
    token_limit_param: ClassVar[str] = "max_completion_tokens"

    _mode_index: int = 0

    @property
    def json_mode(self) -> str | None:
        """The JSON mode currently used (``json_schema``, ``json_object`` or None)."""
        return self.json_modes[self._mode_index]

    def _is_reasoning_model(self) -> bool:
        return bool(self.model and _REASONING_RE.match(self.model))

    def _headroom(self) -> int:
        return _REASONING_HEADROOM if self._is_reasoning_model() else self.output_headroom_tokens

    def _sends_temperature(self) -> bool:
        return not self._is_reasoning_model()

    def _new_client(self) -> Any:
        # Local servers take any key (the SDK insists on one).
        return openai_client(self._api_key or "not-needed", base_url=self.base_url, timeout=self.timeout)

    @staticmethod
    def _response_format(mode: str | None, schema: dict) -> dict[str, Any]:
        if mode == "json_schema":
            return {
                "response_format": {
                    "type": "json_schema",
                    "json_schema": {"name": "playlist", "schema": schema, "strict": True},
                }
            }
        if mode == "json_object":
            return {"response_format": {"type": "json_object"}}
        return {}

    def _call(
        self, system: str, user: str, schema: dict, *, max_output_tokens: int = 1024
    ) -> str:
        import openai

        client = self._client.get()
        request: dict[str, Any] = {
            "model": self.model,
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": user},
            ],
            self.token_limit_param: max_output_tokens,
        }
        if self._sends_temperature():
            request["temperature"] = self.temperature
        while True:
            try:
                response = client.chat.completions.create(
                    **request, **self._response_format(self.json_mode, schema)
                )
                break
            except openai.BadRequestError as exc:
                if "response_format" in str(exc) and self._mode_index + 1 < len(self.json_modes):
                    self._mode_index += 1  # the server does not support this JSON mode
                    continue
                raise
        self._note_usage(response, "prompt_tokens", "completion_tokens")
        choices = getattr(response, "choices", None) or []
        if not choices:
            return ""
        return str(choices[0].message.content or "")
