"""Prompt text for the playlist curator: candidate table, rules, token estimate and trimming.

Provider independent. The candidate table is one compact line per track::

    id|title|artist|album|year|genres|moods

so that a few hundred candidates fit into a modest token budget.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from plexmix.providers.ai.records import Candidate

TABLE_HEADER = "id|title|artist|album|year|genres|moods"

# JSON schema of the expected answer. OpenAI strict mode and Anthropic structured outputs
# need every object closed (additionalProperties false) and every property required.
RESPONSE_SCHEMA: dict = {
    "type": "object",
    "properties": {
        "tracks": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "reason": {"type": "string"},
                },
                "required": ["id", "reason"],
                "additionalProperties": False,
            },
        }
    },
    "required": ["tracks"],
    "additionalProperties": False,
}

SYSTEM_PROMPT = """You are PlexMix, a music curator building a playlist from a user's own library.
You receive a mood and a table of candidate tracks, one per line:
id|title|artist|album|year|genres|moods

Rules:
1. Choose only from the ids in the table. Never invent ids.
2. No duplicates: each id at most once.
3. Choose exactly the requested number of tracks if the table has enough; otherwise all that fit.
4. Order the tracks as a listening sequence with a natural flow from first to last.
5. Keep tracks by the same artist apart; avoid playing one artist twice in a row.
6. Give each track a short reason of at most 12 words saying why it fits the mood.

Answer with only this JSON object and nothing else:
{"tracks": [{"id": <id from the table>, "reason": "<short reason>"}]}"""

CORRECTION = (
    "Your previous answer was not valid JSON ({problem}). Answer again with only the JSON "
    'object {{"tracks": [{{"id": <id>, "reason": "<short reason>"}}]}} and no other text.'
)

_MAX_FIELD_CHARS = 60
_MAX_TAGS = 4
_TOKEN_RE = re.compile(r"[A-Za-z]+|\d+|[^\sA-Za-z\d]")
# Tokens the provider adds per message and for chat formatting; a small safety margin.
_MESSAGE_OVERHEAD = 12
# Output tokens per chosen track: id, a reason of up to 12 words, JSON punctuation.
_TOKENS_PER_TRACK = 28
_OUTPUT_OVERHEAD = 16


def estimate_tokens(text: str) -> int:
    """Estimate the token count of ``text`` for BPE tokenizers (GPT, Claude, Gemini alike).

    Better than chars/4 for this prompt's shape: words cost about one token per four
    letters, digit runs one per three digits, each punctuation mark (``|``, ``,``) one.
    """
    total = 0
    for piece in _TOKEN_RE.findall(text):
        first = piece[0]
        if first.isdigit():
            total += math.ceil(len(piece) / 3)
        elif first.isalpha():
            total += max(1, math.ceil(len(piece) / 4.5))
        else:
            total += 1
    return total


def expected_output_tokens(length: int) -> int:
    """Tokens a complete answer of ``length`` tracks needs (an upper estimate)."""
    return _OUTPUT_OVERHEAD + _TOKENS_PER_TRACK * max(0, length)


def _clean(value: object, limit: int = _MAX_FIELD_CHARS) -> str:
    if value is None:
        return ""
    text = " ".join(str(value).replace("|", "/").split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def _tags(values: Sequence[str] | None) -> str:
    if not values:
        return ""
    return ",".join(_clean(v, 24).replace(",", " ") for v in list(values)[:_MAX_TAGS])


def candidate_line(candidate: Candidate) -> str:
    """One table line: ``id|title|artist|album|year|genres|moods`` (``|`` in values -> ``/``)."""
    return "|".join(
        [
            str(int(candidate.id)),
            _clean(candidate.title),
            _clean(candidate.artist),
            _clean(candidate.album),
            "" if candidate.year is None else str(candidate.year),
            _tags(candidate.genres),
            _tags(candidate.moods),
        ]
    )


def user_prompt(mood: str, lines: Sequence[str], length: int) -> str:
    """The user message: the mood, the wanted length and the candidate table."""
    count = min(length, len(lines))
    return (
        f"Mood: {_clean(mood, 500)}\n"
        f"Number of tracks to choose: {count}\n"
        f"Candidates ({len(lines)}):\n"
        f"{TABLE_HEADER}\n" + "\n".join(lines)
    )


def by_score(candidates: Sequence[Candidate]) -> list[Candidate]:
    """Candidates best first (stable: equal scores keep their given order)."""
    return sorted(candidates, key=lambda c: -float(c.score))


@dataclass
class BuiltPrompt:
    """A prompt ready to send plus what it contains."""

    system: str
    user: str
    candidates_used: list[Candidate]
    prompt_tokens: int


def build_prompt(
    mood: str, candidates: Sequence[Candidate], length: int, budget_tokens: int | None = None
) -> BuiltPrompt:
    """Build system and user text; drop lowest-score candidates until the prompt fits.

    ``budget_tokens`` is the number of prompt tokens allowed (None: no limit). At least one
    candidate is always kept so that the model has something to choose from. The table keeps
    the score order (best first).
    """
    ranked = by_score(candidates)
    lines = [candidate_line(c) for c in ranked]
    costs = [estimate_tokens(line) + 1 for line in lines]  # +1 for the newline
    fixed = (
        estimate_tokens(SYSTEM_PROMPT)
        + estimate_tokens(user_prompt(mood, [], length))
        + 2 * _MESSAGE_OVERHEAD
        + 4  # the "(N)" count grows with N
    )
    keep = len(lines)
    if budget_tokens is not None:
        used = fixed
        keep = 0
        for cost in costs:
            if used + cost > budget_tokens:
                break
            used += cost
            keep += 1
        keep = max(keep, min(1, len(lines)))
    kept = ranked[:keep]
    user = user_prompt(mood, lines[:keep], length)
    tokens = estimate_tokens(SYSTEM_PROMPT) + estimate_tokens(user) + 2 * _MESSAGE_OVERHEAD
    return BuiltPrompt(SYSTEM_PROMPT, user, kept, tokens)
