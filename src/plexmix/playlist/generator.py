"""The playlist generator: filters -> retrieval -> AI curator -> validation and diversity."""

from __future__ import annotations

import logging
import re
import time
from dataclasses import KW_ONLY, dataclass, field, replace

from plexmix.errors import PlaylistError, UsageError
from plexmix.playlist.diversity import Limits, pick_diverse, spread_artists
from plexmix.playlist.filters import (
    describe_filters,
    merge_filters,
    understood_dict,
    understood_line,
    with_exclusions,
)
from plexmix.playlist.retrieval import (
    NO_EMBEDDINGS_NOTE,
    QueryEmbedder,
    Retrieved,
    VectorSearcher,
    retrieve,
)
from plexmix.playlist.understanding import Vocabulary, mood_phrases, understand_mood
from plexmix.providers.ai.base import Curator
from plexmix.providers.ai.records import Candidate, PromptEstimate
from plexmix.storage import library, queries
from plexmix.storage.models import Track
from plexmix.storage.queries import TrackFilters
from plexmix.storage.sqlite_manager import Connection

log = logging.getLogger(__name__)

FILL_REASON = "Added from the closest matches to keep the playlist full."


@dataclass
class PlaylistRequest:
    mood: str
    length: int = 50
    pool: int = 100
    flag_filters: TrackFilters = field(default_factory=TrackFilters)
    avoid_recent_days: int = 0
    max_per_artist: int = 3
    max_per_album: int = 2
    blocked_artists: list[str] = field(default_factory=list)
    blocked_genres: list[str] = field(default_factory=list)
    parse_mood: bool = True


@dataclass
class PlaylistTrack:
    track: Track
    score: float
    reason: str


@dataclass
class GeneratedPlaylist:
    mood: str
    tracks: list[PlaylistTrack]
    provider: str
    model: str | None
    fallback: bool
    fallback_reason: str | None
    filters: TrackFilters
    candidates: int
    matching: int | None
    used_vectors: bool
    estimate: PromptEstimate | None = None
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    understood: TrackFilters = field(default_factory=TrackFilters)  # from the mood and the flags

    @property
    def filter_lines(self) -> list[str]:
        return describe_filters(self.filters)

    @property
    def understood_line(self) -> str:
        return understood_line(self.understood)

    @property
    def understood_dict(self) -> dict[str, object]:
        return understood_dict(self.understood)


@dataclass
class Resolved:
    """A request's structured query: what was understood (mood and flags, flags winning), the
    filters in force (plus recent plays and blocked names from the settings) and the search text."""

    understood: TrackFilters
    filters: TrackFilters
    search_text: str


def song_key(track: Track) -> tuple[str, str]:
    """Artist + base title: "Sleigh Ride" and "Sleigh Ride - Remastered 2011" are one song."""
    title = re.split(r"\s+-\s+|\s*[(\[]", track.title.lower(), maxsplit=1)[0].strip() or track.title.lower()
    return (track.artist_name or "").lower(), title


def distinct_songs(track_ids: list[int], tracks: dict[int | None, Track]) -> list[int]:
    """Keep the first of several versions of one song (same artist and base title)."""
    seen: set[tuple[str, str]] = set()
    kept: list[int] = []
    for tid in track_ids:
        key = song_key(tracks[tid])
        if key not in seen:
            seen.add(key)
            kept.append(tid)
    return kept


@dataclass
class PlaylistGenerator:
    """Makes playlists from the library in ``conn`` with a curator, and vectors when given."""

    conn: Connection
    provider: Curator
    _: KW_ONLY
    index: VectorSearcher | None = None
    embedder: QueryEmbedder | None = None

    # -- steps ---------------------------------------------------------------------------------
    def resolve(self, request: PlaylistRequest) -> Resolved:
        """Mood-text filters overridden by flags, plus exclusions (recent plays, blocked)."""
        implied, text = TrackFilters(), request.mood
        if request.parse_mood:
            vocabulary = Vocabulary(
                queries.genre_names(self.conn), self._artists_in(request.mood),
                queries.mood_names(self.conn), queries.newest_year(self.conn),
            )
            understood = understand_mood(request.mood, vocabulary)
            implied, text = understood.filters, understood.search_text
        merged = merge_filters(request.flag_filters, implied)
        filters = with_exclusions(
            merged, avoid_recent_days=request.avoid_recent_days,
            blocked_artists=request.blocked_artists, blocked_genres=request.blocked_genres,
        )
        return Resolved(merged, filters, text)

    def _artists_in(self, mood: str) -> list[str]:
        """The library's artists the mood may name: same case-insensitive or accent-insensitive."""
        phrases = mood_phrases(mood)
        return sorted({*queries.artists_named(self.conn, phrases),
                       *queries.artists_named_unaccented(self.conn, phrases)})

    def resolve_filters(self, request: PlaylistRequest) -> TrackFilters:
        return self.resolve(request).filters

    def candidates(
        self, request: PlaylistRequest, filters: TrackFilters, text: str | None = None
    ) -> tuple[Retrieved, list[Candidate]]:
        found, candidates, _ = self._candidates(request, filters, text)
        return found, candidates

    def _candidates(
        self, request: PlaylistRequest, filters: TrackFilters, text: str | None = None
    ) -> tuple[Retrieved, list[Candidate], dict[int | None, Track]]:
        """``text`` (default: the mood) is what keyword and vector search look for."""
        pool = max(request.pool, request.length * 2)
        found = retrieve(self.conn, text if text is not None else request.mood, filters, pool,
                         index=self.index, embedder=self.embedder)
        tracks = {t.id: t for t in library.get_tracks(self.conn, [tid for tid, _ in found.ranked])}
        return found, [
            Candidate(
                id=tid, title=t.title, artist=t.artist_name, album=t.album_title, year=t.year,
                genres=list(t.genres), moods=list(t.moods), score=round(score, 4),
            )
            for tid, score in found.ranked
            if (t := tracks.get(tid)) is not None
        ], tracks

    def estimate(self, request: PlaylistRequest) -> PromptEstimate:
        resolved = self.resolve(request)
        _, candidates = self.candidates(request, resolved.filters, resolved.search_text)
        return self.provider.estimate(request.mood, candidates, request.length)

    # -- the whole job -------------------------------------------------------------------------
    def generate(self, request: PlaylistRequest) -> GeneratedPlaylist:
        if request.length < 1:
            raise UsageError(f"The playlist length must be at least 1 (got {request.length}).",
                             hint="Use --limit with a positive number, e.g. --limit 25.")
        started = time.perf_counter()
        resolved = self.resolve(request)
        filters, text = resolved.filters, resolved.search_text
        found, candidates, tracks = self._candidates(request, filters, text)
        if not candidates:
            raise self._nothing_matches(filters, found)
        estimate = self.provider.estimate(request.mood, candidates, request.length)
        selection = self.provider.select(request.mood, candidates, request.length)
        by_id = {c.id: c for c in candidates}
        chosen_ids = [tid for tid in dict.fromkeys(selection.track_ids) if tid in by_id]
        ranked_rest = [c.id for c in candidates if c.id not in set(chosen_ids)]
        max_per_artist, looser = self._artist_limits(request, filters)

        def diverse(order: list[int], looser: list[Limits]) -> list[int]:
            return pick_diverse(
                distinct_songs([tid for tid in order if tid in tracks], tracks), request.length,
                artist_of=lambda tid: tracks[tid].artist_id, album_of=lambda tid: tracks[tid].album_id,
                max_per_artist=max_per_artist, max_per_album=request.max_per_album, looser=looser,
            )

        order = [*chosen_ids, *ranked_rest]
        ordered = diverse(order, [])
        if len(ordered) < request.length and len(candidates) >= max(request.pool, request.length * 2):
            # Diversity rules or repeated songs thinned the pool: fill from a wider retrieval.
            wider = replace(request, pool=max(request.pool, request.length * 2) * 4)
            _, more, more_tracks = self._candidates(wider, filters, text)
            tracks.update(more_tracks)
            by_id.update({c.id: c for c in more if c.id not in by_id})
            order += [c.id for c in more]
            ordered = diverse(order, [])
        if len(ordered) < request.length and looser:
            ordered = diverse(order, looser)
        ordered = spread_artists(ordered, artist_of=lambda tid: tracks[tid].artist_id)
        notes: list[str] = []
        if not found.used_vectors:
            notes.append(NO_EMBEDDINGS_NOTE)
        if len(ordered) < request.length:
            notes.append(
                f"Only {len(ordered)} of {request.length} tracks satisfy the filters and the "
                f"diversity limits ({request.max_per_artist} per artist, {request.max_per_album} per album)."
            )
        dropped = len([tid for tid in chosen_ids if tid not in set(ordered)])
        if dropped:
            notes.append(f"{dropped} of the curator's picks were replaced to respect the diversity limits.")
        result = [
            PlaylistTrack(track=tracks[tid], score=by_id[tid].score,
                          reason=selection.reasons.get(tid) or FILL_REASON)
            for tid in ordered
        ]
        self._check_filters(result, filters)
        return GeneratedPlaylist(
            mood=request.mood, tracks=result, provider=selection.provider, model=selection.model,
            fallback=selection.fallback, fallback_reason=selection.fallback_reason, filters=filters,
            candidates=len(candidates), matching=found.matching, used_vectors=found.used_vectors,
            estimate=estimate, notes=notes, seconds=time.perf_counter() - started,
            understood=resolved.understood,
        )

    @staticmethod
    def _artist_limits(request: PlaylistRequest, filters: TrackFilters) -> tuple[int, list[Limits]]:
        """The per-artist cap, and the looser limits that may fill the playlist. When the user names
        artists the cap applies among them only: each gets a fair share of the length (a playlist of
        one or two named artists is all theirs). When their songs cannot fill it that way, the album
        cap goes first (so an artist with few albums still gets its share), then the share."""
        if not filters.artists:
            return request.max_per_artist, []
        share = max(request.max_per_artist, -(-request.length // len(set(filters.artists))))
        return share, [(share, None), (None, request.max_per_album), (None, None)]

    @staticmethod
    def _nothing_matches(filters: TrackFilters, found: Retrieved) -> PlaylistError:
        if found.matching == 0:
            described = "; ".join(describe_filters(filters)) or "none"
            return PlaylistError(
                f"No track in your library matches the filters ({described}).",
                hint="Loosen the filters (genre, year, rating, artist) or check `plexmix search`.",
            )
        return PlaylistError(
            "Your library has no tracks yet.", hint="Run `plexmix sync` first."
        )

    @staticmethod
    def _check_filters(result: list[PlaylistTrack], filters: TrackFilters) -> None:
        """Filters are hard constraints: a violation here is a bug, never shipped silently."""
        for item in result:
            t = item.track
            if not filters.matches(year=t.year, rating=t.rating, artist=t.artist_name, genres=t.genres,
                                 moods=t.moods, last_played=t.last_played, duration_ms=t.duration_ms):
                raise PlaylistError(f"Internal check failed: '{t.title}' does not satisfy the filters.")
