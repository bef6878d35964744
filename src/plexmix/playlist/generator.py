"""The playlist generator: filters -> retrieval -> AI curator -> validation and diversity."""

from __future__ import annotations

import logging
import re
import sqlite3
import time
from dataclasses import dataclass, field, replace

from plexmix.errors import PlaylistError, UsageError
from plexmix.playlist.diversity import pick_diverse, spread_artists
from plexmix.playlist.filters import describe_filters, filters_from_mood, merge_filters, mood_phrases
from plexmix.playlist.retrieval import (
    NO_EMBEDDINGS_NOTE,
    QueryEmbedder,
    Retrieved,
    VectorSearcher,
    retrieve,
)
from plexmix.providers.ai.base import AIProvider
from plexmix.providers.ai.records import Candidate, PromptEstimate
from plexmix.storage import library
from plexmix.storage.models import Track
from plexmix.storage.queries import TrackFilters

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

    @property
    def filter_lines(self) -> list[str]:
        return describe_filters(self.filters)


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


class PlaylistGenerator:
    def __init__(
        self,
        conn: sqlite3.Connection,
        provider: AIProvider,
        *,
        index: VectorSearcher | None = None,
        embedder: QueryEmbedder | None = None,
    ) -> None:
        self.conn = conn
        self.provider = provider
        self.index = index
        self.embedder = embedder

    # -- steps ---------------------------------------------------------------------------------
    def resolve_filters(self, request: PlaylistRequest) -> TrackFilters:
        """Mood-text filters overridden by flags, plus exclusions (recent plays, blocked)."""
        implied = TrackFilters()
        if request.parse_mood:
            implied = filters_from_mood(
                request.mood, _names(self.conn, "genres"), _artists_in(self.conn, request.mood)
            )
        filters = merge_filters(request.flag_filters, implied)
        if request.avoid_recent_days > 0:
            # Never before 1970: a huge day count means "ever played", not a date out of range.
            filters.exclude_played_since = max(0, int(time.time()) - request.avoid_recent_days * 86400)
        if request.blocked_artists:
            filters.exclude_artists = sorted({*filters.exclude_artists, *request.blocked_artists})
        if request.blocked_genres:
            filters.exclude_genres = sorted({*filters.exclude_genres, *request.blocked_genres})
        return filters

    def candidates(
        self, request: PlaylistRequest, filters: TrackFilters
    ) -> tuple[Retrieved, list[Candidate]]:
        found, candidates, _ = self._candidates(request, filters)
        return found, candidates

    def _candidates(
        self, request: PlaylistRequest, filters: TrackFilters
    ) -> tuple[Retrieved, list[Candidate], dict[int | None, Track]]:
        pool = max(request.pool, request.length * 2)
        found = retrieve(self.conn, request.mood, filters, pool, index=self.index, embedder=self.embedder)
        tracks = {t.id: t for t in library.get_tracks(self.conn, [tid for tid, _ in found.ranked])}
        return found, [
            Candidate(
                id=tid, title=t.title, artist=t.artist_name, album=t.album_title, year=t.year,
                genres=list(t.genres), moods=list(t.moods), score=round(score, 4),
            )
            for tid, score in found.ranked
            if (t := tracks.get(tid)) is not None
        ], tracks  # fmt: skip

    def estimate(self, request: PlaylistRequest) -> PromptEstimate:
        filters = self.resolve_filters(request)
        _, candidates = self.candidates(request, filters)
        return self.provider.estimate(request.mood, candidates, request.length)

    # -- the whole job -------------------------------------------------------------------------
    def generate(self, request: PlaylistRequest) -> GeneratedPlaylist:
        if request.length < 1:
            raise UsageError(f"The playlist length must be at least 1 (got {request.length}).",
                             hint="Use --limit with a positive number, e.g. --limit 25.")  # fmt: skip
        started = time.perf_counter()
        filters = self.resolve_filters(request)
        found, candidates, tracks = self._candidates(request, filters)
        if not candidates:
            raise self._nothing_matches(filters, found)
        estimate = self.provider.estimate(request.mood, candidates, request.length)
        selection = self.provider.select(request.mood, candidates, request.length)
        by_id = {c.id: c for c in candidates}
        chosen_ids = [tid for tid in dict.fromkeys(selection.track_ids) if tid in by_id]
        ranked_rest = [c.id for c in candidates if c.id not in set(chosen_ids)]
        max_per_artist = None if filters.artists else request.max_per_artist

        def diverse(order: list[int]) -> list[int]:
            return pick_diverse(
                distinct_songs([tid for tid in order if tid in tracks], tracks), request.length,
                artist_of=lambda tid: tracks[tid].artist_id, album_of=lambda tid: tracks[tid].album_id,
                max_per_artist=max_per_artist, max_per_album=request.max_per_album,
            )  # fmt: skip

        ordered = diverse([*chosen_ids, *ranked_rest])
        if len(ordered) < request.length and len(candidates) >= max(request.pool, request.length * 2):
            # Diversity rules or repeated songs thinned the pool: fill from a wider retrieval.
            wider = replace(request, pool=max(request.pool, request.length * 2) * 4)
            _, more, more_tracks = self._candidates(wider, filters)
            tracks.update(more_tracks)
            by_id.update({c.id: c for c in more if c.id not in by_id})
            ordered = diverse([*chosen_ids, *ranked_rest, *(c.id for c in more)])
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
        ]  # fmt: skip
        self._check_filters(result, filters)
        return GeneratedPlaylist(
            mood=request.mood, tracks=result, provider=selection.provider, model=selection.model,
            fallback=selection.fallback, fallback_reason=selection.fallback_reason, filters=filters,
            candidates=len(candidates), matching=found.matching, used_vectors=found.used_vectors,
            estimate=estimate, notes=notes, seconds=time.perf_counter() - started,
        )  # fmt: skip

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
                                 moods=t.moods, last_played=t.last_played):  # fmt: skip
                raise PlaylistError(f"Internal check failed: '{t.title}' does not satisfy the filters.")


def _names(conn: sqlite3.Connection, table: str) -> list[str]:
    """Every genre or artist name, as plain tuples and unsorted: a library may have tens of
    thousands of artists, and this runs on every ``create``."""
    cursor = conn.cursor()
    cursor.row_factory = None
    return [row[0] for row in cursor.execute(f"SELECT name FROM {_NAME_TABLES[table]}")]


_NAME_TABLES = {"genres": "genres", "artists": "artists"}
_MAX_KEYS = 900  # SQL parameters per statement
_MAX_VARIANTS = 64


def _artists_in(conn: sqlite3.Connection, mood: str) -> list[str]:
    """Artist names ``mood`` may mention (``filters_from_mood`` checks them exactly).

    The scan over all artists stays in SQLite: ``lower(name) IN (the mood's phrases)``. SQLite's
    lower() folds ASCII only, so each phrase is also offered with its other letters capitalised
    ("dj ötzi" also as "dj Ötzi"). A very long mood falls back to reading every name.
    """
    keys: set[str] = set()
    for phrase in mood_phrases(mood):
        variants = _sqlite_lower_variants(phrase)
        if variants is None or len(keys) + len(variants) > _MAX_KEYS:
            return _names(conn, "artists")
        keys.update(variants)
    if not keys:
        return []
    cursor = conn.cursor()
    cursor.row_factory = None
    sql = f"SELECT name FROM artists WHERE lower(name) IN ({','.join('?' * len(keys))})"
    return [row[0] for row in cursor.execute(sql, sorted(keys))]


def _sqlite_lower_variants(phrase: str) -> list[str] | None:
    """What SQLite's lower() makes of the names whose Python lower() is ``phrase`` (None: too many)."""
    options = [
        [c, c.upper()] if not c.isascii() and len(c.upper()) == 1 and c.upper() != c else [c]
        for c in phrase
    ]
    variants = [""]
    for choice in options:
        variants = [v + c for v in variants for c in choice]
        if len(variants) > _MAX_VARIANTS:
            return None
    return variants
