"""The playlist generator: filters -> retrieval -> AI curator -> validation and diversity."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass, replace
from typing import Any

from plexmix.errors import PlaylistError, PlexError, UsageError
from plexmix.playlist.diversity import Limits, distinct_songs, pick_diverse, spread_artists
from plexmix.playlist.filters import describe_filters, merge_filters, with_exclusions
from plexmix.playlist.phrases import Seed
from plexmix.playlist.planning import PlanOutcome, merge_planned, plan_query
from plexmix.playlist.request import (
    GeneratedPlaylist,
    PlaylistRequest,
    PlaylistTrack,
    Resolved,
    SeedTracks,
)
from plexmix.playlist.retrieval import (
    KEYWORD_BUDGET,
    NO_EMBEDDINGS_NOTE,
    STOPWORDS,
    QueryEmbedder,
    Retrieved,
    VectorSearcher,
    retrieve,
)
from plexmix.playlist.understanding import Understood, Vocabulary, mood_phrases, understand_mood
from plexmix.providers.ai.base import Curator
from plexmix.providers.ai.records import Candidate, PlanVocabulary, PromptEstimate
from plexmix.storage import artist_names, library, queries, similar, tagged
from plexmix.storage.models import Track
from plexmix.storage.queries import TrackFilters
from plexmix.storage.sqlite_manager import Connection

__all__ = [  # the records live in playlist/request.py; callers take them from here too
    "FILL_REASON", "GeneratedPlaylist", "PlaylistGenerator", "PlaylistRequest", "PlaylistTrack", "Resolved",
]

log = logging.getLogger(__name__)

FILL_REASON = "Added from the closest matches to keep the playlist full."
SEED_REASON = "The song you asked for more of."

# A track's Plex ratingKey -> the (ratingKey, distance) of the tracks Plex finds sonically nearest.
SonicNeighbours = Callable[[str], list[tuple[str, float]]]
SONIC_SEEDS = 3  # an artist seed: Plex's neighbours of their best-loved analysed tracks


@dataclass
class PlaylistGenerator:
    """Makes playlists from the library in ``conn`` with a curator, and vectors when given."""

    conn: Connection
    provider: Curator
    _: KW_ONLY
    index: VectorSearcher | None = None
    embedder: QueryEmbedder | None = None
    sonic: SonicNeighbours | None = None  # Plex's sonically similar tracks, where the server has them

    # -- steps ---------------------------------------------------------------------------------
    def resolve(self, request: PlaylistRequest, *, call_planner: bool = True) -> Resolved:
        """Mood-text filters overridden by flags, plus exclusions (recent plays, blocked); the
        seeds found in the library; the moods and styles to prefer. With an LLM curator (and
        ``call_planner``), its planning call fills what the rules did not read."""
        read, notes = Understood(TrackFilters(), request.mood), []
        vector_text: str | None = None
        if request.parse_mood:
            vocabulary = Vocabulary(
                queries.genre_names(self.conn), self._artists_in(request.mood),
                queries.mood_names(self.conn), queries.newest_year(self.conn),
                styles=queries.style_names(self.conn),
            )
            read = understand_mood(request.mood, vocabulary)
            if call_planner and self._plans(request):
                planned = plan_query(self.provider, request.mood, self.plan_vocabulary(), self._find_artists)
                notes += [planned.note] if planned.note else []
                self._take_plan(read, planned, request.flag_filters)
                vector_text = planned.search_text
        merged = merge_filters(request.flag_filters, read.filters)
        self._artist_era(read, merged)
        seeds = list(request.seeds) or [self._seed_tracks(seed) for seed in read.seeds]
        sonic = self._sonic_neighbours(seeds, notes)
        text = "" if request.seeds else read.search_text  # given seeds are the whole query
        for missing in (s for s in seeds if not s.track_ids):
            notes.append(f"No song or artist '{missing.label}' in the library; read as words.")
            text = f"{text} {missing.label}"
        filters = with_exclusions(
            merged, avoid_recent_days=request.avoid_recent_days,
            blocked_artists=request.blocked_artists, blocked_genres=request.blocked_genres,
        )
        implied = [] if merged.moods else list(read.implied_moods)
        if implied:
            text = f"{text} " + " ".join(implied).replace("/", " ")
        return Resolved(merged, filters, text, seeds, read.rank_by, notes, implied, list(read.prefer_styles),
                        vector_text, sonic)

    def _sonic_neighbours(self, seeds: list[SeedTracks], notes: list[str]) -> list[int]:
        """The library ids of Plex's sonically nearest tracks to the seeds, nearest first: for a
        song its first analysed version, for an artist their best-loved analysed tracks. [] when
        there is no Plex connection, no sonic analysis, or Plex fails (then a note says so)."""
        if self.sonic is None or not seeds:
            return []
        analysed: list[Track] = []
        for seed in seeds:
            found = [t for t in library.get_tracks(self.conn, seed.track_ids) if t.music_analysis_version]
            analysed += found[: 1 if seed.seed.title else SONIC_SEEDS]
        distance: dict[str, float] = {}
        try:
            for track in analysed:
                for key, away in self.sonic(track.plex_key):
                    distance[key] = min(away, distance.get(key, away))
        except PlexError as exc:
            notes.append(f"Plex's sonically similar tracks could not be read ({exc.message.rstrip('.')}); "
                         "the embeddings and tags alone found similar songs.")
            return []
        ids = similar.track_ids_by_plex_key(self.conn, list(distance))
        return [ids[key] for key in sorted(distance, key=lambda k: (distance[k], k)) if key in ids]

    # -- the planning call ---------------------------------------------------------------------
    def _plans(self, request: PlaylistRequest) -> bool:
        return request.plan and request.parse_mood and self.provider.plans and bool(request.mood.strip())

    def plan_vocabulary(self) -> PlanVocabulary:
        return PlanVocabulary(
            genres=queries.names_by_use(self.conn, "genre"), styles=queries.names_by_use(self.conn, "style"),
            moods=queries.names_by_use(self.conn, "mood"), newest_year=queries.newest_year(self.conn),
        )

    def plan_estimate(self, request: PlaylistRequest) -> PromptEstimate | None:
        """What the planning call of ``request`` would cost (None: there is none)."""
        if not self._plans(request):
            return None
        return self.provider.estimate_plan(request.mood, self.plan_vocabulary())

    def _find_artists(self, names: list[str]) -> list[str]:
        return artist_names.artists_named(self.conn, names)

    @staticmethod
    def _take_plan(read: Understood, planned: PlanOutcome, flags: TrackFilters) -> None:
        """The planner fills what the flags and the rules did not read (it never excludes what
        they ask for). Its moods and styles are preferred, not required (the model infers them;
        the rules require only what the text names), unless the text excludes them."""
        wanted = planned.filters
        rules = read.filters
        read.prefer_styles = sorted({*read.prefer_styles, *_allowed(wanted.styles, rules.exclude_styles)})
        if not rules.moods and not flags.moods:
            read.implied_moods = sorted({*read.implied_moods, *_allowed(wanted.moods, rules.exclude_moods)})
        read.filters = merge_planned(merge_filters(flags, read.filters), replace(wanted, styles=[], moods=[]))
        read.seeds = read.seeds or planned.seeds
        read.rank_by = read.rank_by or planned.rank_by

    def _artist_era(self, read: Understood, merged: TrackFilters) -> None:
        """ "early Queen": the first third of the artist's years (at least 5); "late": the last."""
        if read.artist_era is None or merged.year_min is not None or merged.year_max is not None:
            return
        part, artist = read.artist_era
        years = similar.artist_years(self.conn, artist)
        if years is None:
            return
        first, last = years
        span = max(4, (last - first) // 3)
        merged.year_min, merged.year_max = (first, first + span) if part == "early" else (last - span, last)

    def _seed_tracks(self, seed: Seed) -> SeedTracks:
        if seed.title:
            found = similar.tracks_titled(self.conn, seed.title, seed.artist)
            if found or seed.artist is None:
                return SeedTracks(seed, found)
            seed = Seed(artist=seed.artist)  # the song is not in the library: its artist
        return SeedTracks(seed, similar.tracks_by_artist(self.conn, seed.artist or "", SEED_TRACKS))

    def _artists_in(self, mood: str) -> list[str]:
        """The library's artists the mood may name: same case-insensitive or accent-insensitive."""
        return artist_names.artists_named(self.conn, mood_phrases(mood))

    def resolve_filters(self, request: PlaylistRequest) -> TrackFilters:
        return self.resolve(request).filters

    def candidates(self, request: PlaylistRequest, resolved: Resolved) -> tuple[Retrieved, list[Candidate]]:
        found, candidates, _ = self._candidates(request, resolved)
        return found, candidates

    def _candidates(
        self, request: PlaylistRequest, resolved: Resolved, pool: int | None = None
    ) -> tuple[Retrieved, list[Candidate], dict[int | None, Track]]:
        """Retrieval for the resolved request: the search text's (or the seeds') vector, keywords,
        tracks that share the seeds' tags, Plex's sonic neighbours, preferred moods and styles.
        "Most played" orders the matching tracks by plays, the rest breaking ties. The seed songs
        themselves are left out (``generate`` puts one first); a seed artist's tracks compete."""
        pool = pool or max(request.pool, request.length * 2)
        filters, text = resolved.filters, resolved.search_text
        seed_ids, song_ids = resolved.seed_ids, set(resolved.seed_song_ids) | request.exclude_ids
        extra: list[list[int]] = []
        if seed_ids:
            extra.append(similar.tracks_sharing_tags(self.conn, seed_ids, filters, pool))
        if resolved.sonic:  # counts twice: Plex analysed the audio itself
            extra += [resolved.sonic[: pool * 2], resolved.sonic[: pool * 2]]
        if resolved.implied_moods:  # counts twice: tracks carrying them lead the fusion
            moody = tagged.tracks_with_tags(self.conn, "mood", resolved.implied_moods, filters, pool)
            extra += [moody, moody]
        if resolved.prefer_styles:
            styled = tagged.tracks_with_tags(self.conn, "style", resolved.prefer_styles, filters, pool)
            extra += [styled, styled]
        vector = self._seed_vector(seed_ids, text)
        if vector is None and resolved.vector_text and self.index is not None and self.embedder is not None:
            vector = self.embedder.embed_query(f"{text} {resolved.vector_text}")
        found = retrieve(
            self.conn, text, filters, pool + len(seed_ids) + len(request.exclude_ids),
            index=self.index, embedder=self.embedder,
            query_vector=vector, extra_rankings=extra,
            use_keywords=not seed_ids or _describes(text), keyword_budget=KEYWORD_BUDGET,
        )
        found.ranked = [(tid, score) for tid, score in found.ranked if tid not in song_ids][:pool]
        if resolved.rank_by == "plays":  # the most played matching tracks, in that order
            most = queries.best_loved_track_ids(self.conn, filters, pool + len(song_ids), by="plays")
            most = [tid for tid in most if tid not in song_ids][:pool]
            found.ranked = [(tid, round(1.0 - i / len(most), 4)) for i, tid in enumerate(most)]
        tracks = resolved.ranked_tracks(self.conn, request.mode, found)  # ordered by the mode
        return found, [
            Candidate(
                id=tid, title=t.title, artist=t.artist_name, album=t.album_title, year=t.year,
                genres=list(t.genres), moods=list(t.moods), score=round(score, 4),
            )
            for tid, score in found.ranked
            if (t := tracks.get(tid)) is not None
        ], tracks

    def _seed_vector(self, seed_ids: list[int], text: str) -> Any:
        """The seeds' mean vector (blended with the text's when it describes more), or None."""
        if self.index is None or not seed_ids:
            return None
        import numpy as np

        known = [tid for tid in seed_ids if tid in self.index]
        if not known:
            return None
        vector = np.asarray(self.index.vectors(known), dtype=np.float32).mean(axis=0)
        vector /= np.linalg.norm(vector) or 1.0
        if self.embedder is not None and _describes(text):
            described = np.asarray(self.embedder.embed_query(text), dtype=np.float32).reshape(-1)
            vector = 0.7 * vector + 0.3 * described / (np.linalg.norm(described) or 1.0)
            vector /= np.linalg.norm(vector) or 1.0
        return vector

    def estimate(self, request: PlaylistRequest) -> PromptEstimate:
        """The prompt of the curator (and of the planning call, when there is one); calls nothing."""
        resolved = self.resolve(request, call_planner=False)
        _, candidates = self.candidates(request, resolved)
        estimate = self.provider.estimate(request.mood, candidates, request.length)
        planning = self.plan_estimate(request)
        return estimate + planning if planning is not None else estimate

    # -- the whole job -------------------------------------------------------------------------
    def generate(self, request: PlaylistRequest) -> GeneratedPlaylist:
        if request.length < 1:
            raise UsageError(f"The playlist length must be at least 1 (got {request.length}).",
                             hint="Use --limit with a positive number, e.g. --limit 25.")
        started = time.perf_counter()
        resolved = self.resolve(request)
        filters = resolved.filters
        found, candidates, tracks = self._candidates(request, resolved)
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

        first = [tid for tid in self._first_seed(resolved, tracks) if tid not in request.exclude_ids]
        order = [*first, *chosen_ids, *ranked_rest]
        ordered = diverse(order, [])
        if len(ordered) < request.length and len(candidates) >= max(request.pool, request.length * 2):
            # Diversity rules or repeated songs thinned the pool: fill from a wider retrieval.
            wider = max(request.pool, request.length * 2) * 4
            _, more, more_tracks = self._candidates(request, resolved, wider)
            tracks.update(more_tracks)
            by_id.update({c.id: c for c in more if c.id not in by_id})
            order += [c.id for c in more]
            ordered = diverse(order, [])
        if len(ordered) < request.length and looser:
            ordered = diverse(order, looser)
        ordered = spread_artists(ordered, artist_of=lambda tid: tracks[tid].artist_id)
        notes: list[str] = list(resolved.notes)
        if not found.used_vectors:
            notes.append(NO_EMBEDDINGS_NOTE)
        if len(ordered) < request.length:
            notes.append(self._short_note(len(ordered), request, filters, found, bool(looser)))
        dropped = len([tid for tid in chosen_ids if tid not in set(ordered)])
        if dropped:
            notes.append(f"{dropped} of the curator's picks were replaced to respect the diversity limits.")
        result = [
            PlaylistTrack(track=tracks[tid], score=by_id[tid].score if tid in by_id else 1.0,
                          reason=selection.reasons.get(tid) or (SEED_REASON if tid in first else FILL_REASON))
            for tid in ordered
        ]
        self._check_filters(result, filters)
        return GeneratedPlaylist(
            mood=request.mood, tracks=result, provider=selection.provider, model=selection.model,
            fallback=selection.fallback, fallback_reason=selection.fallback_reason, filters=filters,
            candidates=len(candidates), matching=found.matching, used_vectors=found.used_vectors,
            estimate=estimate, notes=notes, seconds=time.perf_counter() - started,
            understood=resolved.understood, seeds=resolved.seeds, rank_by=resolved.rank_by,
            implied_moods=resolved.implied_moods, prefer_styles=resolved.prefer_styles,
            sonic_neighbours=len(resolved.sonic), mode=request.mode, mode_scores=resolved.mode_scores,
        ).ordered(request.order, self, first)  # --order (playlist.ordering)

    def _first_seed(self, resolved: Resolved, tracks: dict[int | None, Track]) -> list[int]:
        """The seed song itself, once, first (as a radio starts with its seed), when it passes the
        filters; an artist seed adds nothing here (its tracks compete under the artist cap)."""
        for seed in resolved.seeds:
            if not seed.seed.title:
                continue
            for track in library.get_tracks(self.conn, seed.track_ids):
                if _passes(track, resolved.filters):
                    tracks[track.id] = track
                    return [track.id] if track.id is not None else []
        return []

    @staticmethod
    def _short_note(count: int, request: PlaylistRequest, filters: TrackFilters, found: Retrieved,
                    loosened: bool) -> str:
        """Why the playlist is shorter than asked: how many tracks matched and which limits held."""
        matched = f"{found.matching} tracks match the filters" if found.matching is not None else ""
        if filters.artists and loosened:
            limits = "one version of each song by the named artists"
        else:
            limits = (f"the diversity limits ({request.max_per_artist} per artist, "
                      f"{request.max_per_album} per album)")
        because = f"{matched}, and {limits}" if matched else limits
        return f"Only {count} of {request.length} tracks could be chosen: {because}."

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
            if not _passes(item.track, filters):
                title = item.track.title
                raise PlaylistError(f"Internal check failed: '{title}' does not satisfy the filters.")


SEED_TRACKS = 50  # an artist seed: the vector of their best-loved tracks
_FILLER = frozenset({
    "songs", "song", "tracks", "track", "music", "something", "stuff", "more", "like", "sounds", "sound",
    "similar", "playlist", "mix", "please", "anything", "ones", "that", "give", "play",
})


def _allowed(names: list[str], excluded: list[str]) -> list[str]:
    banned = {name.casefold() for name in excluded}
    return [name for name in names if name.casefold() not in banned]


def _describes(text: str) -> bool:
    """Whether ``text`` says more than filler ("songs", "more like"): then it shapes the search."""
    return any(w not in STOPWORDS and w not in _FILLER for w in re.findall(r"\w+", text.lower()))


def _passes(t: Track, filters: TrackFilters) -> bool:
    return filters.matches(year=t.year, rating=t.rating, artist=t.artist_name, genres=t.genres, moods=t.moods,
                           last_played=t.last_played, duration_ms=t.duration_ms, styles=t.styles,
                           play_count=t.play_count, source_id=t.source_id, added_at=t.added_at)
