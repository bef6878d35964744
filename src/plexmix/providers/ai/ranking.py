"""The retrieval ranking as a playlist: the ``none`` strategy, every fallback and the filler
for short LLM answers."""

from __future__ import annotations

from collections.abc import Sequence

from plexmix.providers.ai.prompt import by_score
from plexmix.providers.ai.records import Candidate, Selection


def ranking_reason(candidate: Candidate) -> str:
    """Reason text for a track taken from the similarity ranking."""
    return f"Similar to the mood (score {float(candidate.score):.2f})"


def ranking_selection(
    candidates: Sequence[Candidate],
    length: int,
    *,
    provider: str,
    model: str | None,
    fallback: bool,
    fallback_reason: str | None = None,
    usage: dict | None = None,
) -> Selection:
    """The top ``length`` candidates by score, each with a score reason."""
    chosen = by_score(unique_candidates(candidates))[: max(0, length)]
    return Selection(
        track_ids=[c.id for c in chosen],
        reasons={c.id: ranking_reason(c) for c in chosen},
        provider=provider,
        model=model,
        fallback=fallback,
        fallback_reason=fallback_reason,
        usage=usage,
    )


def unique_candidates(candidates: Sequence[Candidate]) -> list[Candidate]:
    """Candidates with repeated ids removed (first occurrence wins)."""
    seen: set[int] = set()
    out: list[Candidate] = []
    for c in candidates:
        if c.id not in seen:
            seen.add(c.id)
            out.append(c)
    return out


def merge_with_ranking(
    picked: Sequence[tuple[int, str]],
    candidates: Sequence[Candidate],
    length: int,
    *,
    default_reason: str,
) -> tuple[list[int], dict[int, str], list[int], int]:
    """Clean the model's picks and fill a short answer from the ranking.

    Returns ``(track_ids, reasons, filled_ids, dropped)``: ids not among the candidates and
    repeated ids are dropped (``dropped`` counts both), the list is cut at ``length`` and then
    topped up with the best-scored candidates not yet chosen.
    """
    known = {c.id: c for c in candidates}
    ids: list[int] = []
    reasons: dict[int, str] = {}
    dropped = 0
    for track_id, reason in picked:
        if track_id not in known or track_id in reasons:
            dropped += 1
            continue
        if len(ids) >= length:
            break
        ids.append(track_id)
        reasons[track_id] = reason or default_reason
    filled: list[int] = []
    for c in by_score(unique_candidates(candidates)):
        if len(ids) >= length:
            break
        if c.id in reasons:
            continue
        ids.append(c.id)
        reasons[c.id] = ranking_reason(c)
        filled.append(c.id)
    return ids, reasons, filled, dropped
