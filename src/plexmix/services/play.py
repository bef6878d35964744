"""Play now: list the players, and start a playlist (or any list of tracks) on one of them.

:func:`play_playlist` finds the playlist among PlexMix's saved ones (by name or ID) and the Plex
server's own (by title or ratingKey); :func:`start_playback` is what every command calls after
it wrote a playlist (``create --play``; ``radio`` and ``journey`` too). Both make a Plex play queue
and ask a player to play it through the server, or, with ``queue_only``, make the queue only
(for Plexamp to pick up). The player: the one named, else the only one the server sees; with
none, or several and none named, a :class:`~plexmix.plex.play.PlayerError` lists them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from plexmix.errors import PlaylistError, UsageError

if TYPE_CHECKING:
    from plexmix.plex.client import PlexClient
    from plexmix.plex.play import PlayerInfo
    from plexmix.services.context import Context
    from plexmix.storage.records import Playlist


@dataclass
class PlaybackResult:
    """A play queue that was made, and the player asked to play it (None with ``queue_only``)."""

    play_queue_id: int
    tracks: int  # the queue's length
    shuffled: bool
    name: str | None  # the playlist's name, when it came from one
    playlist_key: str | None  # the Plex playlist it was made from (None: from a list of tracks)
    player: str | None
    player_id: str | None
    queue_only: bool
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Source:
    name: str
    playlist_key: str | None = None
    track_keys: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@contextmanager
def _connected(ctx: Context, client: PlexClient | None) -> Iterator[PlexClient]:
    """``client``, or a client of the configured server closed after use."""
    if client is not None:
        yield client
        return
    own = ctx.plex()
    try:
        yield own
    finally:
        own.close()


def players(ctx: Context) -> list[PlayerInfo]:
    """The players the Plex server sees now."""
    from plexmix.plex.play import list_players

    with _connected(ctx, None) as client:
        return list_players(client)


def start_playback(
    ctx: Context,
    client: PlexClient | None = None,
    *,
    playlist_key: str | None = None,
    track_keys: Sequence[str] = (),
    name: str | None = None,
    player: str | None = None,
    shuffle: bool = False,
    queue_only: bool = False,
    notes: Sequence[str] = (),
) -> PlaybackResult:
    """Make a play queue of a Plex playlist (``playlist_key``) or of ``track_keys`` (in order), and
    start it on ``player`` (default: the only player); ``queue_only`` asks no player. The player is
    chosen before the queue is made, so a wrong name changes nothing on the server."""
    from plexmix.plex import play

    if queue_only and player:
        raise UsageError(
            "--queue-only asks no player, so --player cannot go with it.", hint="Drop one of the two."
        )
    if not playlist_key and not track_keys:
        raise PlaylistError("There is nothing to play.", hint="Give a playlist or some tracks.")
    with _connected(ctx, client) as plex:
        chosen = None if queue_only else play.choose_player(play.list_players(plex), player)
        if playlist_key:
            queue = play.queue_from_playlist(plex, playlist_key, shuffle=shuffle)
        else:
            queue = play.queue_from_tracks(plex, track_keys, shuffle=shuffle)
        if chosen is not None:
            play.play_on(plex, chosen, queue, timeout=min(play.COMMAND_TIMEOUT, ctx.settings.plex.timeout))
    info = play.QueueInfo.of(queue)
    return PlaybackResult(
        play_queue_id=info.play_queue_id, tracks=info.total, shuffled=info.shuffled, name=name,
        playlist_key=playlist_key or None, player=None if chosen is None else chosen.name,
        player_id=None if chosen is None else chosen.machine_identifier, queue_only=queue_only,
        notes=list(notes),
    )


def play_playlist(
    ctx: Context, playlist: str, *, player: str | None = None, shuffle: bool = False, queue_only: bool = False
) -> PlaybackResult:
    """Play a playlist: a PlexMix playlist by name or ID (``plexmix list playlists``), else a Plex
    playlist by title or ratingKey. A PlexMix playlist that is not (or no longer) in Plex is
    played from its saved tracks."""
    with _connected(ctx, None) as client:
        source = _resolve(ctx, client, playlist)
        return start_playback(
            ctx, client, playlist_key=source.playlist_key, track_keys=source.track_keys, name=source.name,
            player=player, shuffle=shuffle, queue_only=queue_only, notes=source.notes,
        )


def _saved(ctx: Context, wanted: str) -> tuple[Playlist, list[str]] | None:
    """The PlexMix playlist named ``wanted`` (exactly, then ignoring case; the newest), or with
    that ID, and its tracks' Plex keys in order."""
    from plexmix.storage import playlists

    with ctx.open_db() as db:
        saved = playlists.list_playlists(db.conn)
        folded = wanted.casefold()
        found = next((p for p in saved if p.name == wanted), None) or next(
            (p for p in saved if p.name.casefold() == folded), None
        )
        if found is None and wanted.isdigit():
            found = next((p for p in saved if p.id == int(wanted)), None)
        if found is None or found.id is None:
            return None
        return found, [e.track.plex_key for e in playlists.playlist_entries(db.conn, found.id)]


def _resolve(ctx: Context, client: PlexClient, wanted: str) -> _Source:
    text = wanted.strip()
    if not text:
        raise UsageError("Name the playlist to play.", hint="See `plexmix list playlists`.")
    saved = _saved(ctx, text)
    if saved is not None:
        playlist, keys = saved
        if playlist.plex_key and client.get_playlist(playlist.plex_key) is not None:
            return _Source(playlist.name, playlist_key=playlist.plex_key)
        where = "was never written to Plex" if not playlist.plex_key else "is no longer in Plex"
        note = f"The playlist '{playlist.name}' {where}: playing its {len(keys)} saved tracks."
        return _Source(playlist.name, track_keys=keys, notes=[note])
    info = client.get_playlist(text) if text.isdigit() else client.find_playlist(text)
    if info is None:
        raise PlaylistError(
            f"There is no playlist '{text}' in PlexMix or on the Plex server.",
            hint="See `plexmix list playlists` for PlexMix's playlists, or use a playlist's title in Plex.",
        )
    return _Source(info.title, playlist_key=info.rating_key)
