"""The planning call's prompt: turn a mood into one structured query (JSON schema), and read
the answer back as a plain dict.

The schema has no nullable fields (Gemini, OpenAI strict mode and Claude structured outputs
each spell "null" differently): 0, "" and empty lists mean "not asked". The answer is checked
against the library by :mod:`plexmix.playlist.planning`, not here.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from plexmix.providers.ai.parsing import InvalidAnswerError, load_json
from plexmix.providers.ai.prompt import estimate_tokens
from plexmix.providers.ai.records import PlanVocabulary

# How many names of each kind the prompt lists (the caller passes them most common first).
VOCABULARY_CAP = 150
# The answer is a small object; this is generous for a dozen names and a sentence.
PLAN_OUTPUT_TOKENS = 400
_MESSAGE_OVERHEAD = 24  # two messages' chat formatting
_MAX_MOOD_CHARS = 500
_MAX_NAME_CHARS = 40

_NAMES = {"type": "array", "items": {"type": "string"}}
_SEED = {
    "type": "object",
    "properties": {"title": {"type": "string"}, "artist": {"type": "string"}},
    "required": ["title", "artist"],
    "additionalProperties": False,
}
_PROPERTIES: dict = {
    "genres": _NAMES,
    "styles": _NAMES,
    "moods": _NAMES,
    "artists": _NAMES,
    "exclude_artists": _NAMES,
    "exclude_genres": _NAMES,
    "exclude_moods": _NAMES,
    "exclude_styles": _NAMES,
    "year_min": {"type": "integer"},
    "year_max": {"type": "integer"},
    "min_minutes": {"type": "number"},
    "max_minutes": {"type": "number"},
    "min_rating": {"type": "integer"},
    "never_played": {"type": "boolean"},
    "most_played": {"type": "boolean"},
    "seeds": {"type": "array", "items": _SEED},
    "description": {"type": "string"},
}
# Closed and all-required: what OpenAI strict mode and Claude structured outputs demand.
PLAN_SCHEMA: dict = {
    "type": "object",
    "properties": _PROPERTIES,
    "required": list(_PROPERTIES),
    "additionalProperties": False,
}



def _empty(schema: dict) -> object:
    """The "not asked" value of a schema: [] (or one empty item of an object list), 0, false, ""."""
    kind = schema["type"]
    if kind == "array":
        item = schema["items"]
        return [_empty(item)] if item["type"] == "object" else []
    if kind == "object":
        return {name: _empty(sub) for name, sub in schema["properties"].items()}
    return {"integer": 0, "number": 0, "boolean": False}.get(kind, "")


# Every field with its "not asked" value: the shape to answer in, for servers without schemas.
PLAN_TEMPLATE = json.dumps(_empty(PLAN_SCHEMA))

PLAN_SYSTEM = """You turn a playlist request into a query over the user's own music library.
Fill every field of the JSON object; use 0, false, "" or [] for what the request does not ask.
- genres, styles, moods: only names from the lists given, spelled as there; only when the
  request asks for them. exclude_*: names the request rules out ("no X", "without X").
- artists / exclude_artists: artist names the request names or rules out.
- year_min, year_max: the years asked for ("80s" = 1980 and 1989; "recent" = the last 3 years
  up to the newest year given).
- min_minutes, max_minutes: track length bounds in minutes ("under 3 minutes": max 3).
- min_rating: 1-5 stars, only when the request asks for rated or favourite tracks.
- never_played / most_played: only when the request says so.
- seeds: songs or artists the playlist should sound like ("songs like TITLE by ARTIST").
- description: one short sentence describing the sound, for a similarity search.
Do not turn a topic ("songs about love") or an activity ("focus while studying") into filters.
Answer with only this JSON object, filled in (seeds: [] when there are none):
""" + PLAN_TEMPLATE

PLAN_CORRECTION = (
    "Your previous answer was not valid JSON ({problem}). Answer again with only the JSON object "
    + PLAN_TEMPLATE.replace("{", "{{").replace("}", "}}") + " filled in, and no other text."
)


def _names(values: Sequence[str]) -> str:
    names = [" ".join(str(v).split())[:_MAX_NAME_CHARS] for v in list(values)[:VOCABULARY_CAP]]
    return ", ".join(n for n in names if n) or "(none)"


def plan_user_prompt(mood: str, vocabulary: PlanVocabulary) -> str:
    """The user message: the request, the library's names (capped) and its newest year."""
    newest = "unknown" if vocabulary.newest_year is None else str(vocabulary.newest_year)
    request = " ".join(mood.split())[:_MAX_MOOD_CHARS]
    return (
        f"Request: {request}\n"
        f"Newest year in the library: {newest}\n"
        f"Genres: {_names(vocabulary.genres)}\n"
        f"Styles: {_names(vocabulary.styles)}\n"
        f"Moods: {_names(vocabulary.moods)}"
    )


def plan_prompt_tokens(user: str) -> int:
    """Estimated prompt tokens of a planning call with this user message."""
    return estimate_tokens(PLAN_SYSTEM) + estimate_tokens(user) + _MESSAGE_OVERHEAD


def parse_plan(text: str) -> dict:
    """The answer as a dict; :class:`InvalidAnswerError` unless it is a JSON object with at
    least one of the schema's fields (the values are checked by the caller)."""
    data = load_json(text)
    if not isinstance(data, dict):
        raise InvalidAnswerError("the answer is not a JSON object")
    if not set(data) & set(_PROPERTIES):
        raise InvalidAnswerError("the JSON object has none of the plan's fields")
    return data
