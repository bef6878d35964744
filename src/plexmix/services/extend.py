"""``extend``: append tracks that fit a playlist, without duplicates.

A playlist PlexMix made with a recipe grows from its recipe (asked for N more, the tracks already
in left out). Any other playlist (one made in Plex or by an older PlexMix, or a journey, whose
recipe is a path between two songs) grows like a radio of its own tracks: their mean embedding,
shared tags and era. The new tracks are appended to the Plex playlist (its ratingKey and order
kept) and to PlexMix's copy.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from plexmix.errors import PlexError, UsageError
from plexmix.services.create import CURATING, MAX_LENGTH, make_generator
from plexmix.services.progress import NullProgress, Progress

if TYPE_CHECKING:
    from plexmix.playlist.generator import GeneratedPlaylist, PlaylistRequest
    from plexmix.plex.client import PlexClient
    from plexmix.services.context import Context
    from plexmix.storage.records import Playlist
    from plexmix.storage.sqlite_manager import SQLiteManager


@dataclass
class ExtendResult:
    name: str
    added: list[str]  # "Title - Artist", in the order appended
    total: int  # tracks in the playlist after
    based_on: str  # "its recipe" or "its tracks"
    playlist_id: int | None = None  # PlexMix's copy (None: a Plex playlist PlexMix did not make)
    plex_key: str | None = None
    dry_run: bool = False
    plex_error: str | None = None
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class _Target:
    name: str
    track_ids: list[int]
    saved: Playlist | None = None
    plex_key: str | None = None


def extend_playlist(ctx: Context, playlist: str, add: int, *, provider: str | None = None,
                    dry_run: bool = False, progress: Progress | None = None) -> ExtendResult:
    """Append ``add`` tracks to ``playlist`` (a PlexMix id or name, or a Plex playlist's ratingKey
    or title). Plex failures do not raise: the result says what happened."""
    from plexmix.utils.lock import run_lock

    if add < 1 or add > MAX_LENGTH:
        raise UsageError(f"--add must be between 1 and {MAX_LENGTH} (got {add}).",
                         hint="For example --add 10.")
    progress = progress or NullProgress()
    lock = nullcontext() if dry_run else run_lock(ctx.settings.home, wait=ctx.settings.refresh.lock_wait)
    with lock, ctx.open_db() as db:
        client, plex_error = _client(ctx)
        try:
            target = _find(db, client, playlist)
            request, based_on, recipe_provider = _request(ctx, db, target, add)
            progress.start(CURATING)
            try:
                made = make_generator(ctx, db, provider or recipe_provider, client)[0].generate(request)
            finally:
                progress.finish(CURATING)
            result = ExtendResult(target.name, [_label(item.track) for item in made.tracks],
                                  len(target.track_ids) + len(made.tracks), based_on,
                                  target.saved.id if target.saved else None, target.plex_key, dry_run,
                                  plex_error, list(made.notes))
            if not dry_run:
                _write(db, client, target, made, result)
        finally:
            if client is not None:
                client.close()
    return result


def _label(track: Any) -> str:
    return f"{track.title} - {track.artist_name or 'Unknown'}"


def _client(ctx: Context) -> tuple[PlexClient | None, str | None]:
    try:
        return ctx.plex(), None
    except PlexError as exc:
        return None, exc.message + (f" {exc.hint}" if exc.hint else "")


def _find(db: SQLiteManager, client: PlexClient | None, text: str) -> _Target:
    """PlexMix's playlist of that id or name, else the Plex playlist of that ratingKey or title."""
    from plexmix.storage import playlists, similar

    if found := playlists.find_playlists(db.conn, text):
        saved = found[0]
        ids = playlists.playlist_track_ids(db.conn, int(saved.id or 0))
        return _Target(saved.name, ids, saved, saved.plex_key)
    if client is not None:
        info = (client.get_playlist(text) if text.strip().isdigit() else None) or client.find_playlist(text)
        if info is not None:
            keys = client.playlist_track_keys(info.rating_key)
            by_key = similar.track_ids_by_plex_key(db.conn, keys)
            return _Target(info.title, [by_key[k] for k in keys if k in by_key], None, info.rating_key)
    raise UsageError(f"No playlist '{text}' in PlexMix{' or on Plex' if client is not None else ''}.",
                     hint="See `plexmix list playlists` for the ids and names.")


def _request(
    ctx: Context, db: SQLiteManager, target: _Target, add: int
) -> tuple[PlaylistRequest, str, str | None]:
    from plexmix.playlist.radio import playlist_seed
    from plexmix.playlist.recipe import Recipe
    from plexmix.services.libraries import library_scope
    from plexmix.services.radio import radio_request
    from plexmix.services.recipes import remake

    recipe = Recipe.from_json(target.saved.recipe) if target.saved is not None else None
    if recipe is not None and recipe.command != "journey":
        request, _ = remake(ctx, db.conn, recipe, limit=add)
        based_on, provider = "its recipe", recipe.provider
    else:
        if not target.track_ids:
            raise UsageError(f"The playlist '{target.name}' has no tracks PlexMix knows.",
                             hint="Run `plexmix sync`, or extend a playlist with tracks from this library.")
        request = radio_request(ctx, playlist_seed(target.name, target.track_ids), limit=add)
        based_on, provider = "its tracks", None
    request.exclude_ids = set(target.track_ids)
    request.flag_filters.source_ids = library_scope(ctx.settings, db.conn, request.libraries)
    return request, based_on, provider


def _write(db: SQLiteManager, client: PlexClient | None, target: _Target, made: GeneratedPlaylist,
           result: ExtendResult) -> None:
    """Append in Plex, then to PlexMix's copy (kept even when Plex fails)."""
    from plexmix.storage import playlists

    keys = [item.track.plex_key for item in made.tracks]
    written: list[str] | None = None
    if client is not None and target.plex_key:  # without a client, result.plex_error says why
        try:
            client.add_to_playlist(target.plex_key, keys)
            written = client.playlist_track_keys(target.plex_key)
        except PlexError as exc:
            result.plex_error = exc.message
    if target.saved is None:
        return
    saved = target.saved
    entries = playlists.playlist_entries(db.conn, int(saved.id or 0))
    reasons = {e.track.id: e.reason for e in entries if e.track.id is not None and e.reason}
    reasons.update({item.track.id: item.reason for item in made.tracks if item.track.id is not None})
    ids = [*target.track_ids, *(item.track.id for item in made.tracks if item.track.id is not None)]
    with db.transaction() as tx:
        playlists.save_playlist(
            tx, playlist_id=saved.id, name=saved.name, track_ids=ids, reasons=reasons,
            plex_key=saved.plex_key, mood_query=saved.mood_query, description=saved.description,
            provider=saved.provider, model=saved.model, created_by_ai=saved.created_by_ai,
            written_keys=written,
        )
