"""``radio``: a playlist of songs like a seed (a song, an artist, an album or a playlist).

The seed set goes into the same generator as ``create`` (filters, diversity, the curator, the
publishing rule that keeps the user's work): Plex's sonically similar tracks where the server
analysed the seeds, fused with their embedding neighbours and the tracks that share their genres,
moods, styles and era. The result says which of those signals were used.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict, cast

from typing_extensions import Unpack

from plexmix.errors import PlexError, UsageError
from plexmix.services.create import RequestOptions
from plexmix.services.progress import Progress

if TYPE_CHECKING:
    from plexmix.playlist.generator import PlaylistRequest
    from plexmix.playlist.radio import Choice, SeedSet
    from plexmix.services.context import Context
    from plexmix.services.create import CreateResult, PlaylistPlan
    from plexmix.storage.sqlite_manager import Connection

# Picks one of an ambiguous seed's candidates (None: none of them, the ambiguity is an error).
Chooser = Callable[[list["Choice"]], "Choice | None"]


class SaveOptions(TypedDict, total=False):
    """How a made playlist is saved: ``create_playlist``'s keyword arguments."""

    name: str | None  # default: the seed (or the two songs) and the date
    provider: str | None  # the curator (a journey has none)
    replace: bool  # update a Plex playlist of that name in place
    write_to_plex: bool  # False: saved locally only, Plex not asked
    confirm_replace: Callable[[str], bool] | None
    export: tuple[str, str | Path] | None  # ("m3u" or "json", path)
    progress: Progress | None


class MadeOptions(RequestOptions, SaveOptions, total=False):
    """What a radio or a journey may set: ``create``'s request options and how it is saved."""


def split_options(options: MadeOptions) -> tuple[RequestOptions, dict[str, Any]]:
    """The request's options, and ``create_playlist``'s keyword arguments (``export``'s path a Path)."""
    request = cast(RequestOptions, {k: v for k, v in options.items() if k in RequestOptions.__annotations__})
    save: dict[str, Any] = {k: v for k, v in options.items() if k not in RequestOptions.__annotations__}
    if save.get("export") is not None:
        save["export"] = (save["export"][0], Path(save["export"][1]))
    return request, save


@dataclass(frozen=True)
class RadioSeed:
    """What the user named: exactly one of a song, an artist, an album or a playlist."""

    song: str | None = None  # "Title - Artist", a Plex ratingKey, or words to search
    artist: str | None = None
    album: str | None = None  # "Album" or "Album - Artist"
    playlist: str | None = None  # a PlexMix playlist id or name, or a Plex playlist's title or ratingKey

    def check(self) -> None:
        given = [v for v in (self.song, self.artist, self.album, self.playlist) if v is not None]
        if len(given) != 1:
            raise UsageError("Give one seed: a song, --artist, --album or --playlist.",
                             hint='For example plexmix radio "Bohemian Rhapsody - Queen" or --artist Queen.')


@dataclass
class RadioResult:
    created: CreateResult
    seed: SeedSet
    signals: list[str]

    @property
    def plex_error(self) -> str | None:
        return self.created.plex_error

    def as_dict(self) -> dict[str, Any]:
        return {**self.created.as_dict(), "seed": self.seed.as_dict(), "signals": self.signals}


@dataclass
class RadioPlan:
    plan: PlaylistPlan
    seed: SeedSet
    signals: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {**self.plan.as_dict(), "seed": self.seed.as_dict(), "signals": self.signals}


def resolve_choice(
    find: Callable[[], SeedSet], choose: Chooser | None, pick: Callable[[Choice], SeedSet]
) -> SeedSet:
    """``find()``; when it is ambiguous, ``choose`` may pick a candidate (then ``pick`` it)."""
    from plexmix.playlist.radio import AmbiguousSeedError

    try:
        return find()
    except AmbiguousSeedError as exc:
        chosen = choose(exc.choices) if choose is not None else None
        if chosen is None:
            raise
        return pick(chosen)


def find_song(conn: Connection, text: str, choose: Chooser | None = None) -> SeedSet:
    """A song seed; an ambiguous search is put to ``choose`` (or raised)."""
    from plexmix.playlist import radio
    from plexmix.storage import library

    return resolve_choice(lambda: radio.find_song(conn, text), choose,
                          lambda c: radio.song_seed(conn, library.get_tracks(conn, [c.track_id])[0]))


def find_seed(ctx: Context, conn: Connection, seed: RadioSeed, *, choose: Chooser | None = None,
              use_plex: bool = True) -> SeedSet:
    from plexmix.playlist import radio

    seed.check()
    if seed.song is not None:
        return find_song(conn, seed.song, choose)
    if seed.artist is not None:
        return radio.find_artist(conn, seed.artist)
    if seed.album is not None:
        album = seed.album
        return resolve_choice(lambda: radio.find_album(conn, album), choose,
                              lambda c: radio.find_album(conn, f"{c.album} - {c.artist}"))
    assert seed.playlist is not None
    return _playlist_seed(ctx, conn, seed.playlist, use_plex)


def _playlist_seed(ctx: Context, conn: Connection, text: str, use_plex: bool) -> SeedSet:
    """A PlexMix playlist by id or name, else (with Plex) a Plex playlist by ratingKey or title."""
    from plexmix.playlist.radio import playlist_seed
    from plexmix.storage import playlists, similar

    for saved in playlists.list_playlists(conn):
        if str(saved.id) == text.strip() or saved.name.casefold() == text.strip().casefold():
            entries = playlists.playlist_entries(conn, saved.id or 0)
            return playlist_seed(saved.name, [e.track.id for e in entries if e.track.id is not None])
    if use_plex:
        try:
            client = ctx.plex()
        except PlexError:
            client = None
        if client is not None:
            try:
                found = (client.get_playlist(text) if text.isdigit() else None) or client.find_playlist(text)
                keys = client.playlist_track_keys(found.rating_key) if found is not None else []
            finally:
                client.close()
            if found is not None:
                by_key = similar.track_ids_by_plex_key(conn, keys)
                return playlist_seed(found.title, [by_key[k] for k in keys if k in by_key])
    raise UsageError(f"No playlist '{text}' in PlexMix{' or on Plex' if use_plex else ''}.",
                     hint="See `plexmix list playlists` for the ids and names.")


def radio_request(ctx: Context, seed: SeedSet, **options: Unpack[RequestOptions]) -> PlaylistRequest:
    """The request of a radio: ``create``'s options, the seed set as the query."""
    from plexmix.services.create import playlist_request

    if not seed.track_ids:
        raise UsageError(f"The seed {seed.label} has no tracks in the library.", hint="Pick another seed.")
    options.pop("plan", None)  # nothing to read: the seeds are the query
    request = playlist_request(ctx, f"more like {seed.label}", **options)
    return replace(request, parse_mood=False, plan=False, seeds=[seed])


def plan_radio(ctx: Context, seed: RadioSeed, *, provider: str | None = None, choose: Chooser | None = None,
               **options: Unpack[RequestOptions]) -> RadioPlan:
    """The dry run: the seed, the filters, the candidates and the cost; nothing written, Plex not asked."""
    from plexmix.playlist.radio import signals
    from plexmix.playlist.retrieval import NO_EMBEDDINGS_NOTE
    from plexmix.services.create import plan_playlist

    with ctx.open_db() as db:
        found = find_seed(ctx, db.conn, seed, choose=choose, use_plex=False)
        request = radio_request(ctx, found, **options)
    plan = plan_playlist(ctx, request, provider=provider)
    with ctx.open_db() as db:
        used = signals(db.conn, [found], used_vectors=NO_EMBEDDINGS_NOTE not in plan.notes, sonic=0)
    return RadioPlan(plan, found, used)


def make_radio(ctx: Context, seed: RadioSeed, *, choose: Chooser | None = None,
               **options: Unpack[MadeOptions]) -> RadioResult:
    """The radio of ``seed``, made like ``create``'s playlists: written to Plex (unless
    ``write_to_plex`` is False) and saved locally; Plex failures are reported in the result."""
    from plexmix.playlist.publish import default_name
    from plexmix.playlist.radio import signals
    from plexmix.services.create import create_playlist
    from plexmix.services.recipes import radio_recipe

    wanted, save = split_options(options)
    with ctx.open_db() as db:
        found = find_seed(ctx, db.conn, seed, choose=choose, use_plex=save.get("write_to_plex", True))
        request = radio_recipe(db.conn, found, radio_request(ctx, found, **wanted))
    save["name"] = save.get("name") or default_name(f"{found.label} radio")
    created = create_playlist(ctx, request, **save)
    playlist = created.playlist
    with ctx.open_db() as db:
        used = signals(db.conn, [found], used_vectors=playlist.used_vectors, sonic=playlist.sonic_neighbours)
    return RadioResult(created, found, used)
