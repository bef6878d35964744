"""``journey``: N tracks that move step by step from one song to another.

Plex's sonic adventure where the server analysed both songs (filled locally when it has fewer
steps than asked), else a path through the embeddings (playlist/journey.py). The playlist is
written and saved like ``create``'s (services/create.py: Plex in place, locally kept on failure).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from typing_extensions import Unpack

from plexmix.errors import EmbeddingError, PlexError, UsageError
from plexmix.services.create import RequestOptions
from plexmix.services.radio import MadeOptions, split_options

if TYPE_CHECKING:
    from plexmix.playlist.generator import GeneratedPlaylist, PlaylistGenerator, PlaylistRequest
    from plexmix.playlist.radio import SeedSet
    from plexmix.plex.client import PlexClient
    from plexmix.services.context import Context
    from plexmix.services.create import CreateResult
    from plexmix.services.radio import Chooser

MIN_STEPS = 2  # the two songs themselves


@dataclass
class Route:
    """How the path was made: Plex's ``sonic`` adventure or the ``embeddings``; its smoothness."""

    start: SeedSet
    end: SeedSet
    method: str = ""
    smoothness: float | None = None
    filled: int = 0  # steps chosen locally between Plex's
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"from": self.start.as_dict(), "to": self.end.as_dict(), "method": self.method,
                "smoothness": self.smoothness, "filled_locally": self.filled}


@dataclass
class JourneyResult:
    created: CreateResult | None  # None: a dry run (nothing written)
    playlist: GeneratedPlaylist
    route: Route

    @property
    def plex_error(self) -> str | None:
        return self.created.plex_error if self.created is not None else None

    def as_dict(self) -> dict[str, Any]:
        from plexmix.playlist.export import playlist_json

        base = (self.created.as_dict() if self.created is not None
                else {**playlist_json(self.playlist, name="", plex_key=None), "dry_run": True})
        return {**base, **self.route.as_dict(), "steps": len(self.playlist.tracks)}


Make = Callable[["PlaylistGenerator", "PlexClient | None"], "GeneratedPlaylist"]


def tracer(route: Route, request: PlaylistRequest) -> Make:
    """What makes the journey's tracks inside ``create_playlist`` (see its ``make``)."""

    def make(generator: PlaylistGenerator, client: PlexClient | None) -> GeneratedPlaylist:
        from plexmix.playlist.generator import GeneratedPlaylist, PlaylistTrack, _passes
        from plexmix.playlist.journey import JourneyPlanner, smoothness
        from plexmix.storage import library

        started = time.perf_counter()
        conn = generator.conn
        resolved = generator.resolve(request, call_planner=False)
        start, end = library.get_tracks(conn, [route.start.track_ids[0], route.end.track_ids[0]])
        for which, track in (("start", start), ("end", end)):
            if not _passes(track, resolved.filters):
                raise UsageError(f"The {which} song '{track.title}' does not pass the filters.",
                                 hint="Loosen the filters or pick another song.")
        index = generator.index if generator.index is not None and start.id in generator.index else None
        sonic_ok = client is not None and bool(start.music_analysis_version and end.music_analysis_version)
        if index is None and not sonic_ok:
            raise EmbeddingError(
                "A journey needs the songs' embeddings or Plex's sonic analysis, and neither is there.",
                hint="Run `plexmix embeddings generate` (or `plexmix sync` with embeddings).",
            )

        def sonic(a: str, b: str) -> list[str]:
            assert client is not None
            return [str(k) for k in client.sonic_path(int(a), int(b))]

        options = {"max_per_artist": request.max_per_artist, "max_per_album": request.max_per_album}
        try:
            path = JourneyPlanner(conn, index, sonic if sonic_ok else None).path(
                start, end, request.length, resolved.filters, **options)
        except PlexError as exc:
            route.notes.append(f"Plex's sonic path could not be read ({exc.message.rstrip('.')}); "
                               "the embeddings made the path.")
            path = JourneyPlanner(conn, index).path(start, end, request.length, resolved.filters, **options)
        route.method, route.filled = path.method, path.filled
        route.smoothness = smoothness(generator.index, path.track_ids)
        by_id = {t.id: t for t in library.get_tracks(conn, path.track_ids)}
        last = max(1, len(path.track_ids) - 1)
        tracks = [
            PlaylistTrack(track=by_id[tid], score=round(i / last, 4), reason=_reason(i, last))
            for i, tid in enumerate(path.track_ids)
        ]
        return GeneratedPlaylist(
            mood=request.mood, tracks=tracks, provider="none", model=None, fallback=False,
            fallback_reason=None, filters=resolved.filters, candidates=len(tracks), matching=None,
            used_vectors=index is not None,
            notes=[*route.notes, *path.notes], seconds=time.perf_counter() - started,
            understood=resolved.understood,
        )

    return make


def _reason(step: int, last: int) -> str:
    return "The start." if step == 0 else "The end." if step == last else f"Step {step} of {last}."


def journey_request(ctx: Context, route: Route, steps: int, options: RequestOptions) -> PlaylistRequest:
    from plexmix.services.create import playlist_request

    if steps < MIN_STEPS:
        raise UsageError(f"--steps must be at least {MIN_STEPS} (got {steps}).",
                         hint="For example --steps 12.")
    if route.end.track_ids[0] in route.start.track_ids:
        raise UsageError("The journey starts and ends with the same song.",
                         hint="Pick two different songs.")
    options.pop("plan", None)
    options.pop("pool", None)
    options["limit"] = steps
    request = playlist_request(ctx, f"from {route.start.label} to {route.end.label}", **options)
    return replace(request, parse_mood=False, plan=False)


def _route(ctx: Context, start: str, end: str, choose: Chooser | None) -> Route:
    from plexmix.services.radio import find_song

    with ctx.open_db() as db:
        return Route(find_song(db.conn, start, choose), find_song(db.conn, end, choose))


def plan_journey(ctx: Context, start: str, end: str, *, steps: int = 12, choose: Chooser | None = None,
                 **options: Unpack[RequestOptions]) -> JourneyResult:
    """The dry run: the path through the embeddings, offline; nothing is written."""
    from plexmix.services.create import make_generator

    route = _route(ctx, start, end, choose)
    request = journey_request(ctx, route, steps, options)
    with ctx.open_db() as db:
        generator, notes = make_generator(ctx, db, "none")
        playlist = tracer(route, request)(generator, None)
    playlist.notes[:0] = notes
    return JourneyResult(None, playlist, route)


def make_journey(ctx: Context, start: str, end: str, *, steps: int = 12, choose: Chooser | None = None,
                 **options: Unpack[MadeOptions]) -> JourneyResult:
    """``steps`` tracks from song ``start`` to song ``end`` (both included), written to Plex
    (unless ``write_to_plex`` is False) and saved locally, like ``create``'s playlists."""
    from plexmix.playlist.publish import default_name
    from plexmix.services.create import create_playlist
    from plexmix.services.recipes import journey_recipe

    wanted, save = split_options(options)
    route = _route(ctx, start, end, choose)
    request = journey_request(ctx, route, steps, wanted)
    with ctx.open_db() as db:
        request = journey_recipe(db.conn, route, steps, request)
    save.update(provider="none", make=tracer(route, request))  # no curator reorders a path
    save["name"] = save.get("name") or default_name(f"{route.start.seed.title} to {route.end.seed.title}")
    created = create_playlist(ctx, request, **save)
    return JourneyResult(created, created.playlist, route)
