"""Create a playlist for a mood: filters -> retrieval -> curator -> checks -> Plex and the database.

The whole use case, front-end free: the CLI, the library API and later the web page and the MCP
server call :func:`create_playlist` (or :func:`plan_playlist` for a dry run) and render the
result. The rule that protects the user's work lives here: when Plex cannot be reached or
written, the playlist is still saved locally and the problem is reported in the result.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from dataclasses import replace as replace_fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

from typing_extensions import Unpack

from plexmix.errors import PlexError, UsageError
from plexmix.services.libraries import library_scope
from plexmix.services.progress import NullProgress, Progress

if TYPE_CHECKING:
    from plexmix.playlist.generator import (
        GeneratedPlaylist,
        PlaylistGenerator,
        PlaylistRequest,
        SonicNeighbours,
    )
    from plexmix.playlist.publish import Published
    from plexmix.plex.client import PlexClient
    from plexmix.services.context import Context
    from plexmix.storage.sqlite_manager import SQLiteManager

CURATING = "Curating"  # the progress stage shown while the curator works
MAX_LENGTH = 1000


@dataclass
class CreateResult:
    """A made playlist, where it was saved, and what went wrong with Plex (if anything)."""

    playlist: GeneratedPlaylist
    published: Published
    exported_to: Path | None = None

    @property
    def plex_error(self) -> str | None:
        return self.published.plex_error

    def as_dict(self) -> dict[str, Any]:
        """The documented ``--json`` object."""
        from plexmix.playlist.export import playlist_json

        data = playlist_json(self.playlist, name=self.published.name, plex_key=self.published.plex_key)
        data["playlist_id"] = self.published.playlist_id
        data["replaced"] = self.published.replaced
        data["plex_error"] = self.published.plex_error
        return data


@dataclass
class PlaylistPlan:
    """What ``create`` would do (``--dry-run``): filters, candidates and the cost estimate."""

    mood: str
    provider: str
    model: str | None
    filters: list[str]
    matching_tracks: int | None
    candidates: int
    prompt_tokens: int
    max_output_tokens: int
    candidates_sent: int
    estimated_cost_usd: float | None
    notes: list[str] = field(default_factory=list)
    understood: dict[str, Any] = field(default_factory=dict)  # the structured query (TrackFilters fields)
    understood_line: str = ""  # the same as one line: "genre rap; not artist X; 1990–1999"

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def make_generator(
    ctx: Context, db: SQLiteManager, provider: str | None, client: PlexClient | None = None
) -> tuple[PlaylistGenerator, list[str]]:
    """The generator for ``provider`` (None: the configured curator) over ``db``, and the notes on
    what it could not use; with ``client``, Plex's sonic neighbours join its rankings."""
    from plexmix.playlist.generator import PlaylistGenerator
    from plexmix.services.wiring import build_curator, build_retrieval

    curator, ai_note = build_curator(ctx.loaded, ctx.credentials, provider)
    index, embedder, notes = build_retrieval(ctx.loaded, ctx.credentials, db.conn)
    if ai_note.note:
        notes.append(ai_note.note)
    generator = PlaylistGenerator(db.conn, curator, index=index, embedder=embedder)
    if client is not None:
        generator.sonic = sonic_neighbours(client)
    return generator, notes


SONIC_LIMIT = 200  # Plex's sonically nearest tracks asked for per seed


def sonic_neighbours(client: PlexClient) -> SonicNeighbours:
    """Plex's sonically similar tracks through ``client`` (songs like a seed, where analysed)."""

    def neighbours(key: str) -> list[tuple[str, float]]:
        return [(str(k), away) for k, away in client.sonically_similar(int(key), limit=SONIC_LIMIT)]

    return neighbours


def plan_playlist(ctx: Context, request: PlaylistRequest, *, provider: str | None = None) -> PlaylistPlan:
    """The dry run: resolve the filters, retrieve the candidates, estimate the prompt and its cost."""
    from plexmix.playlist.filters import describe_filters

    with ctx.open_db() as db:
        request.flag_filters.source_ids = library_scope(ctx.settings, db.conn, request.libraries)
        generator, notes = make_generator(ctx, db, provider)
        resolved = generator.resolve(request, call_planner=False)  # a dry run calls no model
        filters = resolved.filters
        notes += resolved.notes
        found, candidates = generator.candidates(request, resolved)
        estimate = generator.provider.estimate(request.mood, candidates, request.length)
        if (planning := generator.plan_estimate(request)) is not None:
            estimate = estimate + planning
            notes.append(f"The estimate includes the planning call that reads the mood "
                         f"({planning.prompt_tokens} prompt tokens).")
    return PlaylistPlan(
        mood=request.mood, provider=generator.provider.name, model=generator.provider.model,
        filters=describe_filters(filters), matching_tracks=found.matching, candidates=len(candidates),
        prompt_tokens=estimate.prompt_tokens, max_output_tokens=estimate.max_output_tokens,
        candidates_sent=estimate.candidates_sent, estimated_cost_usd=estimate.estimated_cost_usd,
        notes=notes, understood=resolved.understood_dict, understood_line=resolved.understood_line,
    )


def create_playlist(
    ctx: Context,
    request: PlaylistRequest,
    *,
    name: str | None = None,
    provider: str | None = None,
    replace: bool = False,
    write_to_plex: bool = True,
    confirm_replace: Callable[[str], bool] | None = None,
    export: tuple[str, Path] | None = None,
    progress: Progress | None = None,
    make: Callable[[PlaylistGenerator, PlexClient | None], GeneratedPlaylist] | None = None,
) -> CreateResult:
    """Make the playlist, write it to Plex (unless ``write_to_plex`` is False) and save it locally.

    ``make(generator, client)`` replaces ``generator.generate(request)`` (a journey makes its own
    tracks; ``client`` is None when Plex is not used).

    A playlist of the same name in Plex is replaced in place when ``replace`` is set, or when
    ``confirm_replace(name)`` says yes; otherwise :class:`PlaylistExistsError` is raised. Plex
    failures do not raise: the playlist is saved locally and ``result.plex_error`` says why.
    """
    from plexmix.playlist.export import check_format
    from plexmix.playlist.export import export as export_playlist
    from plexmix.playlist.publish import PlaylistExistsError, default_name, publish

    progress = progress or NullProgress()
    if export is not None:
        check_format(export[0])  # before anything is written
    with ctx.open_db() as db:
        request.flag_filters.source_ids = library_scope(ctx.settings, db.conn, request.libraries)
        generator, notes = make_generator(ctx, db, provider)
        client, connect_error = None, None
        if write_to_plex:
            try:
                client = ctx.plex()
                generator.sonic = sonic_neighbours(client)
            except PlexError as exc:  # keep the work: save locally, report the Plex problem
                connect_error = exc
        try:
            progress.start(f"{CURATING} with {generator.provider.name}")
            try:
                playlist = generator.generate(request) if make is None else make(generator, client)
            finally:
                progress.finish(f"{CURATING} with {generator.provider.name}")
            playlist.notes[:0] = [note for note in notes if note not in playlist.notes]
            playlist_name = name or default_name(request.mood)
            recipe = replace_fields(request.recipe, provider=provider) if request.recipe is not None else None
            try:
                published = publish(
                    db, playlist, playlist_name, client=client, replace=replace, recipe=recipe
                )
            except PlaylistExistsError:
                if confirm_replace is None or not confirm_replace(playlist_name):
                    raise
                published = publish(db, playlist, playlist_name, client=client, replace=True, recipe=recipe)
        finally:
            if client is not None:
                client.close()
        if connect_error is not None:
            hint = f" {connect_error.hint}" if connect_error.hint else ""
            published.plex_error = connect_error.message + hint
    exported_to = None
    if export is not None:
        exported_to = export_playlist(
            playlist, export[0], export[1], name=published.name, plex_key=published.plex_key
        )
    return CreateResult(playlist, published, exported_to)


class RequestOptions(TypedDict, total=False):
    """What a playlist request may set; everything else comes from the ``playlist`` settings."""

    limit: int | None  # tracks (default: playlist.default_length)
    genres: Sequence[str]
    year: str | None  # 1994, 1990-1999 or 90s
    rating: float | None  # minimum: 0-5 stars or Plex's 0-10
    artists: Sequence[str]
    pool: int | None  # candidates retrieved for the curator
    avoid_recent: int | None  # days: skip tracks played since
    plan: bool | None  # the LLM planning call that reads the mood (None: the ai.plan setting)
    libraries: Sequence[str]  # music libraries to draw from (default: plex.libraries)
    mode: str | None  # ranking mode: balanced (default), favourites, discover, rediscover
    added_within: int | None  # days: only tracks added to Plex since
    order: str | None  # the order the tracks play in: curator (default), smooth, rising, wind-down, shuffle


def playlist_request(ctx: Context, mood: str, **options: Unpack[RequestOptions]) -> PlaylistRequest:
    """A checked request: options as given, everything else from the ``playlist`` settings (and
    whether to make the planning call from ``ai.plan``)."""
    from plexmix.playlist.filters import filters_from_flags
    from plexmix.playlist.generator import PlaylistRequest
    from plexmix.playlist.modes import check_mode
    from plexmix.playlist.ordering import check_order
    from plexmix.playlist.recipe import Recipe

    settings = ctx.settings.playlist
    limit, pool, avoid_recent = options.get("limit"), options.get("pool"), options.get("avoid_recent")
    if not mood.strip():
        raise UsageError("The mood is empty.", hint='Describe it, e.g. plexmix create "calm piano evening".')
    length = settings.default_length if limit is None else limit
    if length < 1 or length > MAX_LENGTH:
        raise UsageError(
            f"--limit must be between 1 and {MAX_LENGTH} (got {length}).", hint="For example --limit 50."
        )
    if pool is not None and pool < 1:
        raise UsageError(f"--pool must be at least 1 (got {pool}).", hint="For example --pool 150.")
    if avoid_recent is not None and avoid_recent < 0:
        raise UsageError(
            f"--avoid-recent must be 0 or more days (got {avoid_recent}).", hint="For example 14."
        )
    flags = filters_from_flags(
        genres=options.get("genres", ()), year=options.get("year"), rating=options.get("rating"),
        artists=options.get("artists", ()), added_within=options.get("added_within"),
    )
    flags.genres = _genres(ctx, flags.genres, options.get("libraries", ()))
    plan = options.get("plan")
    return PlaylistRequest(
        mood=mood, length=length, pool=pool or settings.candidate_pool, flag_filters=flags,
        avoid_recent_days=avoid_recent if avoid_recent is not None else settings.avoid_recent_days,
        max_per_artist=settings.max_per_artist, max_per_album=settings.max_per_album,
        blocked_artists=settings.blocked_artists, blocked_genres=settings.blocked_genres,
        plan=ctx.settings.ai.plan if plan is None else plan,
        libraries=list(options.get("libraries", ())), mode=check_mode(options.get("mode")),
        order=check_order(options.get("order")),
        recipe=Recipe("create", mood, dict(options)),
    )


def _genres(ctx: Context, genres: list[str], libraries: Sequence[str]) -> list[str]:
    """``genres`` with ``top`` (a template's dynamic genre) read as the most played genre of the
    libraries in use, found again each time a request is made (so each refresh follows the plays)."""
    from plexmix.config.templates import TOP_GENRE
    from plexmix.storage.genre_plays import most_played_genre

    if not any(g.strip().casefold() == TOP_GENRE for g in genres):
        return genres
    with ctx.open_db() as db:
        top = most_played_genre(db.conn, library_scope(ctx.settings, db.conn, libraries))
    if top is None:
        raise UsageError("--genre top needs genres, and no synced track has one.",
                         hint="Run `plexmix sync` first, or name a genre.")
    return list(dict.fromkeys(top if g.strip().casefold() == TOP_GENRE else g for g in genres))
