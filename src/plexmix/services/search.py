"""Search the library: full-text (FTS5, bm25) and vector results fused by reciprocal rank."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from plexmix.errors import UsageError

if TYPE_CHECKING:
    from plexmix.services.context import Context
    from plexmix.storage.queries import TrackFilters

MAX_RESULTS = 500


@dataclass
class SearchHit:
    plex_key: str
    title: str
    artist: str | None
    album: str | None
    year: int | None
    genres: list[str]
    score: float  # the fused rank score
    similarity: float | None  # cosine similarity to the query, when vectors were used
    keyword: float | None  # bm25 relevance, when the words matched

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class SearchResult:
    query: str
    hits: list[SearchHit]
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"query": self.query, "results": [h.as_dict() for h in self.hits], "notes": self.notes}


def search_tracks(
    ctx: Context, query: str, *, filters: TrackFilters | None = None, limit: int = 20,
    libraries: Sequence[str] = (),
) -> SearchResult:
    """The ``limit`` best matches for ``query`` among the tracks that pass ``filters``, in the
    music libraries named (default: the configured set)."""
    from plexmix.playlist.retrieval import retrieve
    from plexmix.services.libraries import library_scope
    from plexmix.services.wiring import build_retrieval
    from plexmix.storage import library
    from plexmix.storage.queries import TrackFilters

    if not query.strip():
        raise UsageError("The search query is empty.", hint='Try plexmix search "miles davis".')
    if not 1 <= limit <= MAX_RESULTS:
        raise UsageError(
            f"--limit must be between 1 and {MAX_RESULTS} (got {limit}).", hint="For example --limit 20."
        )
    with ctx.open_db() as db:
        scope = library_scope(ctx.settings, db.conn, libraries)
        filters = replace(filters or TrackFilters(), source_ids=scope)
        index, embedder, notes = build_retrieval(ctx.loaded, ctx.credentials, db.conn)
        found = retrieve(db.conn, query, filters, limit, index=index, embedder=embedder)
        tracks = {t.id: t for t in library.get_tracks(db.conn, [tid for tid, _ in found.ranked])}
    hits = [
        SearchHit(
            plex_key=t.plex_key, title=t.title, artist=t.artist_name, album=t.album_title, year=t.year,
            genres=list(t.genres), score=round(score, 4),
            similarity=round(found.similarity[tid], 4) if tid in found.similarity else None,
            keyword=round(found.keyword[tid], 4) if tid in found.keyword else None,
        )
        for tid, score in found.ranked
        if (t := tracks.get(tid)) is not None
    ]
    return SearchResult(query, hits, notes)
