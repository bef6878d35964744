"""Write a generated playlist to Plex (in chunks, replacing in place) and remember it locally."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from plexmix.errors import PlaylistError, PlexError
from plexmix.storage import playlists
from plexmix.storage.sources import servers_of

if TYPE_CHECKING:
    from plexmix.playlist.generator import GeneratedPlaylist
    from plexmix.playlist.recipe import Recipe
    from plexmix.plex.client import PlexClient
    from plexmix.storage.sqlite_manager import SQLiteManager

log = logging.getLogger(__name__)


class PlaylistExistsError(PlaylistError):
    """A Plex playlist with this name exists and replacing it was not allowed."""


@dataclass
class Published:
    playlist_id: int
    name: str
    plex_key: str | None
    replaced: bool
    plex_error: str | None = None  # set when Plex could not be written but the playlist was saved


def default_name(mood: str, now: dt.datetime | None = None) -> str:
    when = (now or dt.datetime.now()).strftime("%Y-%m-%d %H:%M")
    mood = " ".join(mood.split())
    return f"{mood[:60].rstrip()} ({when})"


def summary_for(playlist: GeneratedPlaylist) -> str:
    curator = playlist.provider if not playlist.fallback else f"{playlist.provider}, ranked by similarity"
    return f'Made by PlexMix for "{playlist.mood}" (curator: {curator}).'


def check_one_server(db: SQLiteManager, playlist: GeneratedPlaylist, client: PlexClient) -> None:
    """Refuse to write tracks to a server they did not come from (a profile pointed at another
    server, or tracks of several servers): their ratingKeys would name other tracks there."""
    servers = servers_of(db.conn, [item.track.source_id for item in playlist.tracks]) - {""}
    here = client.server_info().machine_identifier
    if servers - {here}:
        raise PlaylistError(
            f"These tracks come from {'other servers' if len(servers) > 1 else 'another Plex server'} "
            f"than {client.safe_url}; a playlist holds the tracks of one server only.",
            hint="Pick that server with --server NAME, or run `plexmix sync` to mirror this one.",
        )


def publish(
    db: SQLiteManager,
    playlist: GeneratedPlaylist,
    name: str,
    *,
    client: PlexClient | None,
    replace: bool = False,
    recipe: Recipe | None = None,
) -> Published:
    """Create (or, with ``replace``, update in place) the Plex playlist, then save it locally.

    If Plex fails after retries, the playlist is still saved locally and the error returned in
    :attr:`Published.plex_error`, so the user's work is never lost.
    """
    if not playlist.tracks:
        raise PlaylistError("The playlist is empty; nothing to write.", hint="Loosen the filters.")
    keys = [item.track.plex_key for item in playlist.tracks]
    summary = summary_for(playlist)
    plex_key: str | None = None
    replaced, plex_error = False, None
    if client is not None:
        check_one_server(db, playlist, client)
        existing = client.find_playlist(name)
        if existing is not None and not replace:
            raise PlaylistExistsError(
                f"A Plex playlist named '{name}' already exists.",
                hint="Use --replace to update it in place, or --name to choose another name.",
            )
        try:
            if existing is not None:
                info = client.replace_playlist(existing.rating_key, keys, summary=summary)
                replaced = True
            else:
                info = client.create_playlist(name, keys, summary=summary)
            plex_key = info.rating_key
        except PlexError as exc:
            log.warning("Writing the playlist to Plex failed: %s", exc.message)
            plex_error = exc.message
    track_ids = [item.track.id for item in playlist.tracks if item.track.id is not None]
    reasons = {item.track.id: item.reason for item in playlist.tracks if item.track.id is not None}
    with db.transaction() as tx:
        playlist_id = playlists.save_playlist(
            tx, name=name, track_ids=track_ids, reasons=reasons, plex_key=plex_key,
            mood_query=playlist.mood, description=summary, provider=playlist.provider,
            model=playlist.model, created_by_ai=not playlist.fallback,
            recipe=recipe.to_json() if recipe is not None else None,
            written_keys=keys if plex_key is not None else None,
        )
    return Published(playlist_id, name, plex_key, replaced, plex_error)
