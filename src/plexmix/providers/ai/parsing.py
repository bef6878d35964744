"""Turn a model's text answer into ``[(track_id, reason), ...]``.

Tolerant of servers that ignore JSON mode: Markdown code fences are stripped and the first
JSON object in the text is used. Anything that does not yield a ``tracks`` list raises
:class:`InvalidAnswerError` (internal; the provider then asks once more and finally falls back).
"""

from __future__ import annotations

import json
import re
from typing import Any

_FENCE_RE = re.compile(r"```(?:json|JSON)?\s*(.*?)```", re.DOTALL)
_MAX_REASON_CHARS = 120


class InvalidAnswerError(ValueError):
    """The model's answer is not the JSON object we asked for."""


def _json_candidates(text: str) -> list[str]:
    """Texts worth trying to decode, most likely first."""
    stripped = text.strip()
    found = [stripped]
    found.extend(m.group(1).strip() for m in _FENCE_RE.finditer(text))
    return found


def _first_object(text: str) -> Any:
    """Decode the first JSON object or array that appears anywhere in ``text``."""
    decoder = json.JSONDecoder()
    for index, char in enumerate(text):
        if char not in "{[":
            continue
        try:
            value, _ = decoder.raw_decode(text, index)
        except json.JSONDecodeError:
            continue
        if isinstance(value, (dict, list)):
            return value
    raise InvalidAnswerError("no JSON object found")


def load_json(text: str) -> Any:
    """Decode ``text`` as JSON, tolerating code fences and prose around the object."""
    if not text or not text.strip():
        raise InvalidAnswerError("the answer was empty")
    for piece in _json_candidates(text):
        try:
            return json.loads(piece)
        except json.JSONDecodeError:
            continue
    return _first_object(text)


def _as_id(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("#").isdigit():
        return int(value.strip().lstrip("#"))
    return None


def _as_reason(value: object) -> str:
    if not isinstance(value, str):
        return ""
    text = " ".join(value.split())
    if len(text) > _MAX_REASON_CHARS:
        text = text[: _MAX_REASON_CHARS - 1].rstrip() + "…"
    return text


def parse_answer(text: str) -> list[tuple[int, str]]:
    """Parse ``{"tracks": [{"id": 1, "reason": "..."}]}`` into ``[(1, "..."), ...]``.

    Also accepts a bare list of such objects or of ids. Entries without a usable id are
    skipped; the order is kept; duplicates are NOT removed here.
    """
    data = load_json(text)
    if isinstance(data, dict):
        if "tracks" not in data:
            raise InvalidAnswerError('the JSON object has no "tracks" list')
        data = data["tracks"]
    if not isinstance(data, list):
        raise InvalidAnswerError('"tracks" is not a list')
    picked: list[tuple[int, str]] = []
    for entry in data:
        if isinstance(entry, dict):
            track_id = _as_id(entry.get("id", entry.get("track_id")))
            reason = _as_reason(entry.get("reason", ""))
        else:
            track_id, reason = _as_id(entry), ""
        if track_id is not None:
            picked.append((track_id, reason))
    if data and not picked:
        raise InvalidAnswerError("no entry in \"tracks\" has a numeric id")
    return picked
