"""``plexmix import FILE`` and ``plexmix copy PLAYLIST --to SERVER``: playlists from elsewhere,
matched to a library line by line, with the match report."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from plexmix.cli.output import print_json
from plexmix.cli.playlist_options import replace_confirmer
from plexmix.cli.state import AppState, get_state

if TYPE_CHECKING:
    from plexmix.services.importer import MatchReport

NAME = typer.Option(None, "--name", "-n", metavar="NAME", show_default=False,
                    help="The playlist's name (default: the name it has there).")
DRY_RUN = typer.Option(False, "--dry-run", help="Show the match report only; write nothing.")
JSON = typer.Option(False, "--json", help="Print the report as JSON.")
REPLACE = typer.Option(False, "--replace", help="Replace a Plex playlist of the same name in place "
                        "(without it, PlexMix asks when it can, else stops).")
MARKS = {"exact": "[green]exact[/]", "fuzzy": "[yellow]fuzzy[/]", "missing": "[red]missing[/]"}


def import_playlist(
    ctx: typer.Context,
    file: Path = typer.Argument(..., metavar="FILE", help="An .m3u/.m3u8 playlist, a PlexMix JSON export, "
                                "or a text file with one 'Artist - Title' per line."),
    name: str = NAME,
    dry_run: bool = DRY_RUN,
    as_json: bool = JSON,
    replace: bool = REPLACE,
) -> None:
    """Import a playlist file: match each line to a library track, report, write it to Plex.

    Lines match by file path (matching.path_map maps another machine's folders), then by artist
    and title, then fuzzily (matching.threshold). A line without a match is reported with the
    closest track as a guess, and left out.

    Example: plexmix import road-trip.m3u --name "Road trip" --dry-run
    """
    from plexmix.services.importer import import_playlist as service

    state = get_state(ctx)
    report = service(state.context, file, name=name, dry_run=dry_run, replace=replace,
                     confirm_replace=replace_confirmer(False))
    _finish(state, report, as_json)


def copy(
    ctx: typer.Context,
    playlist: str = typer.Argument(..., metavar="PLAYLIST",
                                   help="A PlexMix playlist (id or name), or a Plex playlist's title."),
    to: str = typer.Option(..., "--to", metavar="SERVER", help="The server profile to copy to (servers.NAME)."),
    name: str = NAME,
    dry_run: bool = DRY_RUN,
    as_json: bool = JSON,
    replace: bool = REPLACE,
) -> None:
    """Copy a playlist to another Plex server, its tracks matched again in that server's library.

    The target server must have been synced: plexmix --server NAME sync.

    Example: plexmix copy "Road trip" --to cabin --dry-run
    """
    from plexmix.services.copy import copy_playlist

    state = get_state(ctx)
    report = copy_playlist(state.context, playlist, to=to, name=name, dry_run=dry_run, replace=replace,
                           confirm_replace=replace_confirmer(False))
    _finish(state, report, as_json)


def _finish(state: AppState, report: MatchReport, as_json: bool) -> None:
    """The report (as JSON with ``as_json``); exit 1 when Plex could not be written."""
    if not as_json:
        show_report(state, report)
    else:
        print_json(report.as_dict())
    raise typer.Exit(1 if report.plex_error else 0)


def show_report(state: AppState, report: MatchReport) -> None:
    """The match report: a row per line, then what was written where."""
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=f"{report.name}: {report.summary()}")
    for column in ("#", "Match", "Score", "Line", "Track"):
        table.add_column(column, justify="right" if column in ("#", "Score") else "left")
    for m in report.matches:
        track = m.track or m.guess
        shown = "" if track is None else f"{track.artist_name or 'Unknown'} - {track.title}"
        if m.track is None and shown:
            shown = f"best guess: {shown}"
        how = f" ({m.how.replace('_', ' ')})" if m.status == "exact" else ""
        score = f"{m.score:.2f}" if m.status != "exact" and track is not None else ""
        table.add_row(str(m.entry.number), MARKS[m.status] + how, score, escape(m.entry.label()), escape(shown))
    state.out.print(table)
    where = f" on {report.server}" if report.server else ""
    if report.dry_run:
        state.out.print(f"Dry run: nothing written. {len(report.matched)} tracks would go to Plex{where}.")
    elif report.plex_error:
        state.err.print(f"[red]Plex was not written:[/] {escape(report.plex_error)}")
        state.out.print(f"Saved {len(report.matched)} tracks locally as playlist #{report.playlist_id}.")
    else:
        verb = "Replaced" if report.replaced else "Saved"
        state.out.print(f"{verb} [bold]{escape(report.name)}[/] in Plex{where} with {len(report.matched)} tracks "
                        f"(playlist #{report.playlist_id}).")
    for note in report.notes:
        state.out.print(f"[dim]{escape(note)}[/]")


def register(app: typer.Typer) -> None:
    from plexmix.cli.errors import PlexMixCommand

    app.command("import", cls=PlexMixCommand)(import_playlist)
    app.command("copy", cls=PlexMixCommand)(copy)
