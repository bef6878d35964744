"""The playlists PlexMix has made, as remembered in the local database."""

from __future__ import annotations

from typing import TYPE_CHECKING

from plexmix.errors import UsageError

if TYPE_CHECKING:
    from plexmix.services.context import Context
    from plexmix.storage.records import Playlist, PlaylistEntry


def list_playlists(ctx: Context) -> list[Playlist]:
    """Every playlist PlexMix made, newest first."""
    from plexmix.storage import playlists

    with ctx.open_db() as db:
        return playlists.list_playlists(db.conn)


def playlist_tracks(ctx: Context, playlist_id: int) -> tuple[Playlist, list[PlaylistEntry]]:
    """One playlist and its tracks in order, with the curator's reasons."""
    from plexmix.storage import playlists

    with ctx.open_db() as db:
        playlist = playlists.get_playlist(db.conn, playlist_id)
        if playlist is None:
            raise UsageError(f"There is no playlist #{playlist_id}.", hint="See `plexmix list playlists`.")
        return playlist, playlists.playlist_entries(db.conn, playlist_id)
