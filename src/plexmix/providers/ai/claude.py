"""Anthropic Claude via the Messages API (``POST {base}/v1/messages``).

JSON through Structured Outputs (``output_config.format`` = json_schema): the answer is a
text block holding JSON that matches the schema. Forced tool use is not used because
current Claude models think adaptively and reject forced tool choice. Claude 5 models also
reject a non-default temperature: temperature is sent only to older models, and Claude 5
models get a low effort instead (picking tracks needs little thinking).
"""

from __future__ import annotations

import re
from typing import Any

from plexmix.providers.ai.base import Curator

_FAMILY_RE = re.compile(r"^claude-[a-z]+-(\d+)")
_THINKING_HEADROOM = 4_096


class ClaudeCurator(Curator):
    """Anthropic Claude through the official SDK."""

    name = "claude"
    display_name = "Anthropic Claude"
    default_model = "claude-sonnet-5-5"
    context_tokens = 150_000
    # Whether output_config.format is sent; turned off if the model rejects it.
    _structured: bool = True

    def _is_adaptive_model(self) -> bool:
        """Claude 5 and later: adaptive thinking on, sampling parameters refused."""
        match = _FAMILY_RE.match(self.model or "")
        return bool(match and int(match.group(1)) >= 5)

    def _headroom(self) -> int:
        return _THINKING_HEADROOM if self._is_adaptive_model() else self.output_headroom_tokens

    def _request(self, system: str, user: str, schema: dict, max_tokens: int) -> dict[str, Any]:
        request: dict[str, Any] = {
            "model": self.model,
            "max_tokens": max_tokens,
            "system": system,
            "messages": [{"role": "user", "content": user}],
        }
        output_config: dict[str, Any] = {}
        if self._structured:
            output_config["format"] = {"type": "json_schema", "schema": schema}
        if self._is_adaptive_model():
            output_config["effort"] = "low"
        else:
            # Not a named parameter of the current SDK; the API still takes it for these.
            request["extra_body"] = {"temperature": self.temperature}
        if output_config:
            request["output_config"] = output_config
        return request

    def _call(
        self, system: str, user: str, schema: dict, *, max_output_tokens: int = 1024
    ) -> str:
        import anthropic

        client = self._client.get()
        while True:
            request = self._request(system, user, schema, max_output_tokens)
            try:
                response = client.messages.create(**request)
                break
            except anthropic.BadRequestError as exc:
                message = str(exc).lower()
                if self._structured and any(
                    word in message for word in ("output_config", "json_schema", "structured")
                ):
                    self._structured = False  # older model: rely on the prompt alone
                    continue
                raise
        self._note_usage(response, "input_tokens", "output_tokens")
        # Thinking blocks may come first; take the text blocks only.
        parts = [
            str(getattr(block, "text", ""))
            for block in getattr(response, "content", None) or []
            if getattr(block, "type", None) == "text"
        ]
        return "".join(parts)
