"""``plexmix list playlists|tracks``: what PlexMix has made."""

from __future__ import annotations

import typer

from plexmix.cli.errors import PlexMixCommand
from plexmix.cli.output import print_json, when
from plexmix.cli.state import get_state

app = typer.Typer(
    help="List the playlists PlexMix made and their tracks.\n\nExample: plexmix list playlists",
    no_args_is_help=True,
    rich_markup_mode=None,
)
JSON = typer.Option(False, "--json", help="Print as JSON.")


@app.command("playlists")
def list_playlists(ctx: typer.Context, as_json: bool = JSON) -> None:
    """Every playlist PlexMix made, newest first.

    Example: plexmix list playlists
    """
    from rich.table import Table

    from plexmix.services.playlists import list_playlists as saved_playlists

    state = get_state(ctx)
    items = saved_playlists(state.context)
    if as_json:
        print_json([p.model_dump() for p in items])
        return
    if not items:
        state.out.print('No playlists yet. Try [bold]plexmix create "rainy sunday jazz"[/].')
        return
    table = Table(title="PlexMix playlists")
    for column in ("ID", "Name", "Tracks", "Mood", "Curator", "Plex key", "Created", "Refreshed"):
        table.add_column(column, justify="right" if column in ("ID", "Tracks") else "left")
    for p in items:
        refreshed = when(p.refreshed_at) if p.refreshed_at else ("never" if p.recipe else "(no recipe)")
        table.add_row(str(p.id), p.name, str(p.track_count), p.mood_query or "", p.provider or "",
                      p.plex_key or "(local)", when(p.created_at), refreshed)
    state.out.print(table)


@app.command("tracks", cls=PlexMixCommand)
def list_tracks(
    ctx: typer.Context,
    playlist_id: int = typer.Argument(..., metavar="ID", help="The playlist ID from `plexmix list playlists`."),
    as_json: bool = JSON,
) -> None:
    """The tracks of one playlist, in order, with the curator's reasons.

    Example: plexmix list tracks 3
    """
    from rich.table import Table

    from plexmix.services.playlists import playlist_tracks

    state = get_state(ctx)
    playlist, entries = playlist_tracks(state.context, playlist_id)
    if as_json:
        print_json({
            "playlist": playlist.model_dump(),
            "tracks": [
                {"position": e.position, "plex_key": e.track.plex_key, "title": e.track.title,
                 "artist": e.track.artist_name, "album": e.track.album_title, "year": e.track.year,
                 "duration_ms": e.track.duration_ms, "reason": e.reason}
                for e in entries
            ],
        })
        return
    table = Table(title=f"#{playlist.id} {playlist.name}", caption=playlist.mood_query or None)
    for column in ("#", "Title", "Artist", "Album", "Duration", "Why"):
        table.add_column(column, justify="right" if column in ("#", "Duration") else "left")
    for e in entries:
        seconds = (e.track.duration_ms or 0) // 1000
        table.add_row(str(e.position), e.track.title, e.track.artist_name or "", e.track.album_title or "",
                      f"{seconds // 60}:{seconds % 60:02d}", e.reason or "")
    state.out.print(table)
