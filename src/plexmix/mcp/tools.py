"""The MCP tools: each one use case of :class:`plexmix.PlexMix`, its arguments typed for the schema.

No ``from __future__ import annotations`` here: the SDK reads these signatures at run time to
build each tool's JSON schema. The services (and so Plex, FAISS, the model runtimes and the AI
SDKs) are imported inside the tools, when an assistant first calls one.
"""

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Annotated, Any

import anyio
import anyio.lowlevel
from anyio.lowlevel import EventLoopToken
from mcp.server.fastmcp import Context
from pydantic import Field

from plexmix.mcp.results import (
    CatalogOut,
    NameCount,
    PlayersOut,
    PlaylistOut,
    PlaylistsOut,
    PlaylistTracksOut,
    PlayOut,
    RefreshOut,
    SavedPlaylist,
    SearchOut,
    StatsOut,
    SyncOut,
    TrackOut,
    scrub,
)

if TYPE_CHECKING:
    from plexmix.api import PlexMix
    from plexmix.storage.records import Playlist

Mood = Annotated[str, Field(description="What the music should be like, in plain words")]
Length = Annotated[int | None, Field(ge=1, le=1000, description="Tracks (default: the configured length)")]
Genres = Annotated[list[str], Field(description="Only these genres (see the plexmix://genres resource)")]
Year = Annotated[str | None, Field(description="A year, a range or a decade: 1994, 1990-1999, 90s")]
Rating = Annotated[float | None, Field(ge=0, le=10, description="Minimum rating: 0-5 stars (or Plex's 0-10)")]
Artists = Annotated[list[str], Field(description="Only these artists")]
Mode = Annotated[str | None, Field(description="balanced (default), favourites, discover or rediscover")]
Order = Annotated[str | None, Field(description="curator (default), smooth, rising, wind-down or shuffle")]
AddedWithin = Annotated[int | None, Field(ge=1, description="Only tracks added to Plex in the last N days")]
AvoidRecent = Annotated[int | None, Field(ge=0, description="Skip tracks played in the last N days")]
Libraries = Annotated[list[str], Field(description="Music libraries to draw from (default: the configured)")]
Name = Annotated[str | None, Field(description="The playlist's name in Plex (default: mood and date)")]
Provider = Annotated[str | None, Field(description="The curator: gemini, openai, claude, local or none")]
DryRun = Annotated[bool, Field(description="True: say what would be made and write nothing")]
Replace = Annotated[bool, Field(description="Update a Plex playlist of the same name in place")]
Song = Annotated[str | None, Field(description='"Title - Artist", a Plex ratingKey or words')]
Seed = Annotated[str | None, Field(description="A PlexMix playlist's id or name, or a Plex title")]
PlaylistRef = Annotated[str, Field(description="A PlexMix playlist's name or id, or a Plex playlist's title")]
PlayerName = Annotated[str | None, Field(description="A player's name (list_players; default: the only one)")]
QueueOnly = Annotated[bool, Field(description="Only make a play queue (Plexamp picks it up)")]


class Tools:
    """The tools over one :class:`PlexMix` (opened on the first call, then kept)."""

    def __init__(self, open_pm: Callable[[], "PlexMix"]) -> None:
        self._open_pm = open_pm
        self._pm: PlexMix | None = None

    @property
    def pm(self) -> "PlexMix":
        if self._pm is None:
            self._pm = self._open_pm()
        return self._pm

    # -- reading ---------------------------------------------------------------------------------
    def search_tracks(
        self,
        query: Annotated[str, Field(description="Words or a mood, e.g. 'miles davis' or 'late night rain'")],
        limit: Annotated[int, Field(ge=1, le=500)] = 20,
        genres: Genres = [],  # noqa: B006 (read only; the schema shows the default)
        year: Year = None,
        artists: Artists = [],  # noqa: B006
        libraries: Libraries = [],  # noqa: B006
    ) -> SearchOut:
        """Find tracks in the user's Plex library by words and by meaning; read-only."""
        result = self.pm.search(query, limit=limit, genres=genres, year=year, artists=artists,
                                libraries=libraries)
        return SearchOut.model_validate(scrub(result.as_dict()))

    def list_playlists(self) -> PlaylistsOut:
        """The playlists PlexMix made, newest first, with their ids; read-only."""
        return PlaylistsOut(playlists=[_saved(p) for p in self.pm.playlists()])

    def playlist_tracks(
        self, playlist_id: Annotated[int, Field(description="The id from list_playlists")]
    ) -> PlaylistTracksOut:
        """The tracks of one PlexMix playlist, in order, with why each was chosen; read-only."""
        from plexmix.services.playlists import playlist_tracks

        playlist, entries = playlist_tracks(self.pm.context, playlist_id)
        tracks = [_track(e.track, reason=e.reason) for e in entries]
        return PlaylistTracksOut(playlist=_saved(playlist), tracks=tracks)

    def list_players(self) -> PlayersOut:
        """The Plex players (Plexamp, Plex Web, TVs) the server sees now, for play; read-only."""
        return PlayersOut.model_validate({"players": [scrub(p.as_dict()) for p in self.pm.players()]})

    def library_stats(self) -> StatsOut:
        """How much of the library is mirrored: tracks, albums, artists, genres, playlists, last sync."""
        history = self.pm.sync_history(1)
        last = history[0].model_dump(mode="json") if history else None
        return StatsOut(counts=self.pm.counts(), last_sync=last)

    # -- making (these write Plex) ---------------------------------------------------------------
    def create_playlist(
        self,
        mood: Mood,
        length: Length = None,
        genres: Genres = [],  # noqa: B006
        year: Year = None,
        rating: Rating = None,
        artists: Artists = [],  # noqa: B006
        mode: Mode = None,
        order: Order = None,
        added_within: AddedWithin = None,
        avoid_recent: AvoidRecent = None,
        libraries: Libraries = [],  # noqa: B006
        name: Name = None,
        provider: Provider = None,
        replace: Replace = False,
        dry_run: DryRun = False,
    ) -> PlaylistOut:
        """Make a playlist for a mood from the user's library and WRITE it to Plex (dry_run: plan only)."""
        options: dict[str, Any] = {
            "limit": length, "genres": genres, "year": year, "rating": rating, "artists": artists,
            "mode": mode, "order": order, "added_within": added_within, "avoid_recent": avoid_recent,
            "libraries": libraries,
        }
        if dry_run:
            plan = self.pm.plan_playlist(mood, provider=provider, **options)
            return _playlist({**plan.as_dict(), "dry_run": True})
        made = self.pm.create_playlist(mood, name=name, provider=provider, replace=replace, **options)
        return _playlist(made.as_dict())

    def radio(
        self,
        song: Song = None,
        artist: Annotated[str | None, Field(description="An artist to start from")] = None,
        album: Annotated[str | None, Field(description='"Album" or "Album - Artist"')] = None,
        playlist: Seed = None,
        length: Length = None,
        mode: Mode = None,
        order: Order = None,
        name: Name = None,
        provider: Provider = None,
        dry_run: DryRun = False,
    ) -> PlaylistOut:
        """Make a playlist of songs like one seed (a song, artist, album or playlist) and WRITE it to Plex."""
        result = self.pm.radio(song, artist=artist, album=album, playlist=playlist, dry_run=dry_run,
                               limit=length, mode=mode, order=order, name=name, provider=provider)
        return _playlist({**result.as_dict(), "dry_run": dry_run})

    def journey(
        self,
        start: Annotated[str, Field(description='The first song: "Title - Artist" or a Plex ratingKey')],
        end: Annotated[str, Field(description="The last song, given the same way")],
        steps: Annotated[int, Field(ge=2, le=200, description="Tracks, both ends included")] = 12,
        name: Name = None,
        dry_run: DryRun = False,
    ) -> PlaylistOut:
        """Make a playlist moving smoothly from one song to another and WRITE it to Plex."""
        result = self.pm.journey(start, end, steps=steps, dry_run=dry_run, name=name)
        return _playlist({**result.as_dict(), "dry_run": dry_run})

    def refresh_playlist(
        self,
        playlists: Annotated[list[str], Field(description="Their ids or names (list_playlists)")],
        dry_run: DryRun = False,
        force: Annotated[bool, Field(description="Also refresh playlists edited in Plex")] = False,
    ) -> RefreshOut:
        """Make saved playlists again from their recipes, REWRITING their tracks in Plex in place."""
        from plexmix.errors import UsageError

        if not playlists:
            raise UsageError("Name at least one playlist.", hint="list_playlists gives their ids and names.")
        report = self.pm.refresh(*playlists, dry_run=dry_run, force=force)
        return RefreshOut.model_validate(scrub(report.as_dict()))

    def play(
        self,
        playlist: PlaylistRef,
        player: PlayerName = None,
        shuffle: bool = False,
        queue_only: QueueOnly = False,
        dry_run: DryRun = False,
    ) -> PlayOut:
        """START playback of a playlist on a Plex player now (dry_run: check the player only)."""
        if dry_run:
            return _play_check(self.pm, playlist, player)
        result = self.pm.play(playlist, player=player, shuffle=shuffle, queue_only=queue_only)
        return PlayOut.model_validate(scrub({**result.as_dict(), "playlist": playlist}))

    async def sync(self, ctx: Context) -> SyncOut:
        """Bring the local mirror up to date with Plex (incremental: only what changed); reads Plex."""
        progress = _Notifier(ctx, anyio.lowlevel.current_token())
        outcome = await anyio.to_thread.run_sync(partial(self.pm.sync, "incremental", progress=progress))
        return SyncOut.model_validate(scrub(outcome.as_dict()))

    # -- the resources ---------------------------------------------------------------------------
    def catalog(self, kind: str) -> CatalogOut:
        """The library's genres, moods or decades, each with its number of tracks."""
        from plexmix.services.libraries import library_scope
        from plexmix.storage import catalog

        ctx = self.pm.context
        with ctx.open_db() as db:
            scope = library_scope(ctx.settings, db.conn, ())
            if kind == "decades":
                decades = catalog.decade_counts(db.conn, scope)
                items = [NameCount(name=f"{decade}s", tracks=n) for decade, n in decades]
            else:
                count = catalog.genre_counts if kind == "genres" else catalog.mood_counts
                items = [NameCount(name=name, tracks=n) for name, n in count(db.conn, scope)]
        return CatalogOut(items=items)


class _Notifier:
    """A :class:`~plexmix.services.progress.Progress` sending MCP progress notifications from any
    thread of the service (one count across the stages; the stage is the message)."""

    def __init__(self, ctx: Context, loop: EventLoopToken) -> None:
        self._ctx = ctx
        self._loop = loop
        self._done = 0.0
        self._total: float | None = None

    def _send(self, stage: str) -> None:
        send = partial(self._ctx.report_progress, self._done, self._total, stage)
        anyio.from_thread.run(send, token=self._loop)

    def start(self, stage: str, total: int | None = None) -> None:
        self._total = self._done + total if total else None
        self._send(stage)

    def advance(self, stage: str, amount: int = 1) -> None:
        self._done += amount
        self._send(stage)

    def finish(self, stage: str) -> None:
        self._send(f"{stage}: done")


def _track(track: Any, *, reason: str | None = None) -> TrackOut:
    return TrackOut(plex_key=track.plex_key, title=track.title, artist=track.artist_name,
                    album=track.album_title, year=track.year, genres=list(track.genres), reason=reason)


def _saved(p: "Playlist") -> SavedPlaylist:
    return SavedPlaylist(id=p.id or 0, name=p.name, plex_key=p.plex_key, mood=p.mood_query,
                         provider=p.provider, track_count=p.track_count, created_at=p.created_at,
                         refreshed_at=p.refreshed_at, refreshable=p.recipe is not None)


def _playlist(data: dict[str, Any]) -> PlaylistOut:
    return PlaylistOut.model_validate(scrub(data))


def _play_check(pm: "PlexMix", playlist: str, player: str | None) -> PlayOut:
    from plexmix.errors import UsageError

    names = [p.name for p in pm.players()]
    if player is not None and player.casefold() not in {n.casefold() for n in names}:
        raise UsageError(f"No player called '{player}'.", hint=f"Players: {', '.join(names) or 'none'}.")
    chosen = player or (names[0] if len(names) == 1 else None)
    return PlayOut(dry_run=True, playlist=playlist, player=chosen,
                   notes=["Nothing was started.", f"Players: {', '.join(names) or 'none'}."])
