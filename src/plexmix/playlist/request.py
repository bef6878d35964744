"""The records of a playlist request: what is asked (:class:`PlaylistRequest`), what it was read
as (:class:`Resolved`), and what came out (:class:`GeneratedPlaylist`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from plexmix.playlist.filters import describe_filters, understood_dict, understood_line
from plexmix.playlist.modes import ranked_tracks
from plexmix.playlist.ordering import DEFAULT_ORDER, Ordering, OrderSources, apply_order
from plexmix.playlist.phrases import Seed
from plexmix.playlist.recipe import Recipe
from plexmix.playlist.retrieval import Retrieved
from plexmix.providers.ai.records import PromptEstimate
from plexmix.storage.models import Track
from plexmix.storage.queries import TrackFilters
from plexmix.storage.sqlite_manager import Connection


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
    plan: bool = True  # with an LLM curator: a planning call reads the mood too
    seeds: list[SeedTracks] = field(default_factory=list)  # given directly (radio): the mood only names it
    libraries: list[str] = field(default_factory=list)  # --library: only these (default: plex.libraries)
    exclude_ids: set[int] = field(default_factory=set)  # never these tracks (extend: those already in)
    recipe: Recipe | None = None  # what made the request, saved with the playlist (refresh, extend)
    mode: str = "balanced"  # how listening history is blended with similarity (playlist.modes)
    order: str = DEFAULT_ORDER  # the order the chosen tracks play in (playlist.ordering)


@dataclass
class PlaylistTrack:
    track: Track
    score: float
    reason: str


@dataclass
class SeedTracks:
    """A seed and the library's tracks behind it: the versions of a song, or an artist's best-loved
    tracks (empty: not in the library)."""

    seed: Seed
    track_ids: list[int]

    @property
    def label(self) -> str:
        if self.seed.title and self.seed.artist:
            return f"{self.seed.title} by {self.seed.artist}"
        return self.seed.title or self.seed.artist or ""


class ReadAs:
    """The structured query a request was read as, as one line and as JSON: the filters understood
    (mood and flags), the seeds found, the ranking wish and the preferred moods and styles."""

    understood: TrackFilters
    seeds: list[SeedTracks]
    rank_by: str | None
    implied_moods: list[str]
    prefer_styles: list[str]

    @property
    def understood_line(self) -> str:
        parts = [understood_line(self.understood)] if understood_line(self.understood) else []
        parts += [f"like {s.label}" for s in self.seeds if s.track_ids]
        parts += ["most played first"] if self.rank_by == "plays" else []
        parts += ["preferring style " + " or ".join(self.prefer_styles)] if self.prefer_styles else []
        parts += ["preferring moods " + " or ".join(self.implied_moods)] if self.implied_moods else []
        return "; ".join(parts)

    @property
    def understood_dict(self) -> dict[str, object]:
        result = understood_dict(self.understood)
        if self.prefer_styles:
            result["prefer_styles"] = list(self.prefer_styles)
        if self.implied_moods:
            result["prefer_moods"] = list(self.implied_moods)
        found = [
            {key: value for key, value in (("title", s.seed.title), ("artist", s.seed.artist)) if value}
            for s in self.seeds if s.track_ids
        ]
        if found:
            result["seeds"] = found
        if self.rank_by:
            result["rank_by"] = self.rank_by
        return result


@dataclass
class GeneratedPlaylist(ReadAs):
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
    seeds: list[SeedTracks] = field(default_factory=list)
    rank_by: str | None = None
    implied_moods: list[str] = field(default_factory=list)
    prefer_styles: list[str] = field(default_factory=list)
    sonic_neighbours: int = 0  # Plex's sonically similar tracks that joined the ranking
    mode: str = "balanced"  # the ranking mode (playlist.modes)
    mode_scores: dict[int, float] = field(default_factory=dict)  # track id -> the mode's history score
    ordering: Ordering = field(default_factory=Ordering)  # how the tracks were ordered (playlist.ordering)

    @property
    def filter_lines(self) -> list[str]:
        return describe_filters(self.filters)

    def ordered(self, order: str, sources: OrderSources, first: Sequence[int] = ()) -> GeneratedPlaylist:
        """These tracks put in ``order`` (:mod:`plexmix.playlist.ordering`; ``first``: the seed song
        that leads them stays first)."""
        return apply_order(self, order, sources, first)


@dataclass
class Resolved(ReadAs):
    """A request's structured query: what was understood (mood and flags, flags winning), the
    filters in force (plus recent plays and blocked names from the settings), the search text,
    the seeds to sound like, a ranking wish and notes on what was read."""

    understood: TrackFilters
    filters: TrackFilters
    search_text: str
    seeds: list[SeedTracks] = field(default_factory=list)
    rank_by: str | None = None
    notes: list[str] = field(default_factory=list)
    implied_moods: list[str] = field(default_factory=list)  # preferred, not required
    prefer_styles: list[str] = field(default_factory=list)  # preferred, not required
    vector_text: str | None = None  # the planner's description of the sound, for the vector search
    sonic: list[int] = field(default_factory=list)  # Plex's sonically nearest tracks to the seeds
    mode_scores: dict[int, float] = field(default_factory=dict)  # track id -> the mode's history score

    def ranked_tracks(self, conn: Connection, mode: str, found: Retrieved) -> dict[int | None, Track]:
        """The retrieved tracks by id, ``found.ranked`` re-ordered by the ranking ``mode``
        (:mod:`plexmix.playlist.modes`; each track's history score kept in ``mode_scores``)."""
        return ranked_tracks(conn, mode, found, self.mode_scores)

    @property
    def seed_ids(self) -> list[int]:
        return [tid for s in self.seeds for tid in s.track_ids]

    @property
    def seed_song_ids(self) -> list[int]:
        """The versions of the seed songs: one leads the playlist, the others never appear."""
        return [tid for s in self.seeds if s.seed.title for tid in s.track_ids]
