"""The ``none`` strategy: no LLM, the retrieval ranking is the playlist.

Also what every provider falls back to. Artist diversity is left to the generator.
"""

from __future__ import annotations

from collections.abc import Sequence

from plexmix.errors import UsageError
from plexmix.providers.ai.base import Curator
from plexmix.providers.ai.ranking import ranking_selection, unique_candidates
from plexmix.providers.ai.records import Candidate, PromptEstimate, Selection


class NoneCurator(Curator):
    """Takes the candidates in score order; reasons quote the similarity score."""

    name = "none"
    display_name = "the similarity ranking"
    needs_key = False
    free = True
    plans = False  # plan() and estimate_plan() send nothing

    def estimate(
        self, mood: str, candidates: Sequence[Candidate], length: int
    ) -> PromptEstimate:
        """Nothing is sent anywhere: zero tokens, zero cost."""
        return PromptEstimate(0, 0, 0, 0.0)

    def select(self, mood: str, candidates: Sequence[Candidate], length: int) -> Selection:
        if length < 1:
            raise UsageError("The playlist length must be at least 1.", hint="Use --limit N.")
        return ranking_selection(
            unique_candidates(candidates), length, provider=self.name, model=None,
            fallback=False,
        )

    def _call(
        self, system: str, user: str, schema: dict, *, max_output_tokens: int = 1024
    ) -> str:  # pragma: no cover - select() never calls it
        raise NotImplementedError("the none provider does not call a model")
