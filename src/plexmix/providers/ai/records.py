"""Plain data passed into and out of the AI providers.

Kept free of any SDK import so that the CLI, the generator and the tests can use it cheaply.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass
class Candidate:
    """One track offered to the provider.

    ``id`` is the local database track id; ``score`` the retrieval score (higher is better).
    Lists of candidates arrive sorted by score, best first.
    """

    id: int
    title: str
    artist: str | None
    album: str | None
    year: int | None
    genres: list[str]
    moods: list[str]
    score: float


@dataclass
class Selection:
    """The provider's answer: an ordered playlist with one short reason per track.

    ``fallback`` is True when no usable LLM answer was obtained and the similarity ranking was
    used instead; ``fallback_reason`` then says why in one sentence. When the LLM answered but
    too few usable ids, the rest is filled from the ranking: ``fallback`` stays False,
    ``filled_ids`` lists the added tracks and ``fallback_reason`` notes "filled N".
    """

    track_ids: list[int]
    reasons: dict[int, str]
    provider: str
    model: str | None
    fallback: bool
    fallback_reason: str | None
    usage: dict | None
    filled_ids: list[int] = field(default_factory=list)


@dataclass
class PromptEstimate:
    """What a :meth:`Curator.select` call would send and roughly cost."""

    prompt_tokens: int
    max_output_tokens: int
    candidates_sent: int
    estimated_cost_usd: float | None

    def __add__(self, other: PromptEstimate) -> PromptEstimate:
        """Two calls together (the planning call plus ``select``); an unknown cost stays unknown."""
        a, b = self.estimated_cost_usd, other.estimated_cost_usd
        return PromptEstimate(
            self.prompt_tokens + other.prompt_tokens,
            self.max_output_tokens + other.max_output_tokens,
            self.candidates_sent + other.candidates_sent,
            None if a is None or b is None else round(a + b, 6),
        )


@dataclass
class PlanVocabulary:
    """The library's names the planning call may use, most common first (the prompt lists at
    most 150 of each kind; all of them are used to check the answer), and its newest year."""

    genres: Sequence[str] = ()
    styles: Sequence[str] = ()
    moods: Sequence[str] = ()
    newest_year: int | None = None


@dataclass
class PlanResult:
    """The planning call's answer: the raw JSON object, or None and ``reason`` (one sentence)
    when no usable answer came back. ``reason`` is None when the curator does not plan at all
    (provider ``none``). ``usage`` as for :class:`Selection`."""

    plan: dict | None
    reason: str | None
    usage: dict | None = None

