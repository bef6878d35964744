"""Candidate retrieval: SQL filters -> vector search restricted to them, fused with FTS5.

Vector and full-text rankings are combined by reciprocal-rank fusion, so a mood that names a
word in a title or genre ("rainy", "jazz") and one that only describes a feeling both work.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from plexmix.storage import queries
from plexmix.storage.queries import TrackFilters
from plexmix.storage.sqlite_manager import Connection

if TYPE_CHECKING:
    import numpy as np

RRF_K = 60
# The full-text rows the keyword ranking of ``create`` reads beside the vectors (~80 ms of bm25 at
# most): past it the most common words count only in titles, artists and albums, or are left to
# the vectors and tag rankings (queries.search_fts). ``search`` ranks every matching row.
KEYWORD_BUDGET = 50_000
NO_EMBEDDINGS_NOTE = (
    "No embeddings yet, so candidates come from keyword search and ratings "
    "(run `plexmix embeddings generate`)."
)


class QueryEmbedder(Protocol):
    def embed_query(self, text: str) -> Any: ...


class VectorSearcher(Protocol):
    def search(self, query: Any, k: int, *, allowed_ids: Any = None) -> list[tuple[int, float]]: ...

    def vectors(self, ids: Any) -> Any: ...

    def __contains__(self, track_id: object) -> bool: ...


@dataclass
class Retrieved:
    """Fused ranking, best first: (track id, fused score in 0..1)."""

    ranked: list[tuple[int, float]]
    similarity: dict[int, float] = field(default_factory=dict)  # cosine, where the vector search saw it
    keyword: dict[int, float] = field(default_factory=dict)  # bm25 relevance, where FTS matched
    matching: int | None = None  # tracks that satisfy the filters (None: no filters)
    used_vectors: bool = False


# Words that say nothing about music: matching them ranks half the library ("the") for noise.
STOPWORDS = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "from", "i", "in", "into", "is", "it",
    "its", "me", "my", "of", "on", "or", "our", "so", "some", "that", "the", "their", "this", "to", "up",
    "we", "while", "with", "you", "your",
})


def keywords(text: str) -> str:
    """The mood without stopwords, for the full-text search."""
    return " ".join(w for w in text.split() if w.strip(".,;:!?\"'()").lower() not in STOPWORDS)


def fuse(rankings: Sequence[Sequence[int]], k: int = RRF_K) -> list[tuple[int, float]]:
    """Reciprocal-rank fusion, scaled so a track ranked first everywhere scores 1.0."""
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, track_id in enumerate(ranking, start=1):
            scores[track_id] = scores.get(track_id, 0.0) + 1.0 / (k + rank)
    best = len([r for r in rankings if r]) / (k + 1) or 1.0
    return sorted(((tid, s / best) for tid, s in scores.items()), key=lambda x: (-x[1], x[0]))


def retrieve(
    conn: Connection,
    text: str,
    filters: TrackFilters,
    pool: int,
    *,
    index: VectorSearcher | None = None,
    embedder: QueryEmbedder | None = None,
    use_keywords: bool = True,
    query_vector: Any = None,
    extra_rankings: Sequence[Sequence[int]] = (),
    keyword_budget: int | None = None,
) -> Retrieved:
    """Up to ``pool`` track ids that satisfy ``filters``, nearest to ``text`` first.

    ``query_vector`` (e.g. the seeds' mean vector) replaces the embedding of ``text``;
    ``extra_rankings`` (ids, best first; those that fail ``filters`` are left out) join the fusion;
    ``keyword_budget``: beside the vectors, the full-text rows the keyword ranking may read
    (:func:`plexmix.storage.queries.search_fts`)."""
    allowed: np.ndarray | None = None  # ascending
    if not filters.is_empty():
        allowed = queries.track_ids(conn, filters)
        if not len(allowed):
            return Retrieved(ranked=[], matching=0)
    rankings: list[list[int]] = []
    result = Retrieved(ranked=[], matching=len(allowed) if allowed is not None else None)
    query = query_vector
    if index is not None and query is None and embedder is not None:
        query = embedder.embed_query(text)
    if index is not None and query is not None:
        hits = index.search(query, pool, allowed_ids=allowed)
        result.similarity = dict(hits)
        result.used_vectors = True
        rankings.append([tid for tid, _ in hits])
    if use_keywords:
        budget = keyword_budget if result.used_vectors else None  # alone, the keywords must rank all
        hits_fts = queries.search_fts(conn, keywords(text), limit=pool, filters=filters, budget=budget)
        result.keyword = dict(hits_fts)
        rankings.append([tid for tid, _ in hits_fts])
    for ranking in extra_rankings:
        rankings.append(list(ranking) if allowed is None else _within(ranking, allowed))
    fused = fuse(rankings)
    if len(fused) < pool and not result.used_vectors:
        # Without vectors, top up with the best-loved matching tracks so the pool is never short.
        seen = {tid for tid, _ in fused}
        best = queries.best_loved_track_ids(conn, filters, pool + len(seen))
        extra = [tid for tid in best if tid not in seen][: pool - len(fused)]
        fused.extend((tid, 0.0) for tid in extra)
    result.ranked = fused[:pool]
    return result


def _within(ids: Sequence[int], allowed: np.ndarray) -> list[int]:
    """``ids`` (in their order) that are in ``allowed`` (ascending)."""
    import numpy as np

    wanted = np.asarray(ids, dtype=np.int64)
    slots = np.minimum(np.searchsorted(allowed, wanted), len(allowed) - 1)
    return [int(tid) for tid in wanted[allowed[slots] == wanted]]
