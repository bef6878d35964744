"""``plexmix refresh NAME|ID|--all`` and ``plexmix extend NAME|ID --add N``: saved playlists renewed and grown."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from plexmix.cli.output import print_json, when
from plexmix.cli.state import AppState, get_state

if TYPE_CHECKING:
    from plexmix.services.extend import ExtendResult
    from plexmix.services.refresh import Change, RefreshReport
    from plexmix.storage.records import RefreshRun

SHOWN = 5  # tracks listed per playlist for added and removed (all of them with -v or --json)


def refresh(
    ctx: typer.Context,
    playlists: list[str] = typer.Argument(None, metavar="[NAME|ID]...", help="Playlists to refresh.", show_default=False),
    every: bool = typer.Option(False, "--all", help="Refresh every playlist that keeps a recipe."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would change; write nothing."),
    force: bool = typer.Option(False, "--force", help="Replace a playlist even if it was edited in Plex."),
    recreate: bool = typer.Option(None, "--recreate/--no-recreate", help="Make a playlist deleted in Plex again (default: refresh.missing).", show_default=False),
    keep_played: bool = typer.Option(False, "--keep-played", help="Keep tracks played since the last refresh."),
    sync_first: bool = typer.Option(False, "--sync", help="Sync the library first (what a schedule runs)."),
    trigger: str = typer.Option("manual", "--trigger", hidden=True),
    history: bool = typer.Option(False, "--history", help="Show the latest refresh runs instead."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Make saved playlists again from their recipes, in place in Plex (same playlist, new tracks).

    Example: plexmix refresh --all
    """
    from plexmix.cli.progress import StatusSpinner
    from plexmix.services import refresh as service

    state = get_state(ctx)
    if history:
        runs = service.refresh_history(state.context)
        _show_history(state, runs, as_json)
        return
    options = service.RefreshOptions(
        dry_run=dry_run, force=force, recreate=recreate, avoid_played=False if keep_played else None,
        sync=sync_first, trigger=trigger,
    )
    with StatusSpinner(state.err, enabled=not as_json) as spinner:
        report = service.refresh_playlists(state.context, playlists or [], every=every, options=options,
                                           progress=spinner)
    if as_json:
        print_json(report.as_dict())
    else:
        _show_report(state, report)
    if report.failed:
        raise typer.Exit(1)


def _show_report(state: AppState, report: RefreshReport) -> None:
    if not report.changes:
        state.out.print('No playlist keeps a recipe yet. Make one: [bold]plexmix create "rainy sunday jazz"[/].')
        return
    verb = "would be" if report.dry_run else "was"
    for change in report.changes:
        _show_change(state, change, verb)
    state.out.print(
        f"{report.count('refreshed', 'recreated')} refreshed, {report.count('unchanged')} unchanged, "
        f"{report.count('skipped')} skipped, {report.count('failed')} failed"
        + (" (dry run: nothing written)." if report.dry_run else ".")
    )


def _show_change(state: AppState, change: Change, verb: str) -> None:
    title = f"[bold]#{change.playlist_id} {change.name}[/]"
    if change.status in ("skipped", "failed"):
        style = "yellow" if change.status == "skipped" else "red"
        state.out.print(f"{title}: [{style}]{change.status}[/]: {change.reason}")
        return
    what = {"refreshed": f"{verb} refreshed", "recreated": f"{verb} made again in Plex",
            "unchanged": "unchanged"}[change.status]
    state.out.print(f"{title} {what}: +{len(change.added)} added, {change.kept} kept, "
                    f"-{len(change.removed)} removed")
    shown = None if state.verbose else SHOWN
    for sign, labels in (("+", change.added), ("-", change.removed)):
        for label in labels[:shown]:
            state.out.print(f"  {sign} {label}", markup=False, highlight=False)
        if shown is not None and len(labels) > shown:
            state.out.print(f"  {sign} … and {len(labels) - shown} more (-v lists them all)")


def _show_history(state: AppState, runs: list[RefreshRun], as_json: bool) -> None:
    from rich.table import Table

    if as_json:
        print_json([run.model_dump() for run in runs])
        return
    if not runs:
        state.out.print("No refresh has run yet. Try [bold]plexmix refresh --all[/].")
        return
    table = Table(title="Refresh runs")
    for column in ("ID", "Started", "Trigger", "Status", "Refreshed", "Skipped", "Failed", "+", "-", "Message"):
        table.add_column(column)
    for run in runs:
        table.add_row(str(run.id), when(run.started_at), run.trigger, run.status, str(run.refreshed),
                      str(run.skipped), str(run.failed), str(run.added), str(run.removed), run.message or "")
    state.out.print(table)


def extend(
    ctx: typer.Context,
    playlist: str = typer.Argument(..., metavar="NAME|ID", help="A PlexMix playlist, or a Plex playlist's title."),
    add: int = typer.Option(10, "--add", "-n", metavar="N", help="Tracks to append."),
    provider: str = typer.Option(None, "--provider", "-p", metavar="PROVIDER", help="The curator (default: the recipe's, else ai.default_provider).", show_default=False),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show the tracks that would be added; write nothing."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Append N tracks that fit a playlist (its recipe, or its tracks when PlexMix did not make it).

    Example: plexmix extend "rainy sunday jazz" --add 10
    """
    from plexmix.cli.progress import StatusSpinner
    from plexmix.services.extend import extend_playlist

    state = get_state(ctx)
    with StatusSpinner(state.err, enabled=not as_json) as spinner:
        result = extend_playlist(state.context, playlist, add, provider=provider, dry_run=dry_run, progress=spinner)
    if as_json:
        print_json(result.as_dict())
    else:
        _show_extended(state, result)
    if result.plex_error:
        raise typer.Exit(1)


def _show_extended(state: AppState, result: ExtendResult) -> None:
    verb = "Would add" if result.dry_run else "Added"
    state.out.print(f"{verb} {len(result.added)} tracks to [bold]{result.name}[/] "
                    f"(from {result.based_on}); it {'would have' if result.dry_run else 'has'} {result.total}.")
    for label in result.added:
        state.out.print(f"  + {label}", markup=False, highlight=False)
    for note in result.notes:
        state.out.print(f"[dim]{note}[/]")
    if result.plex_error:
        state.err.print(f"[red]Plex was not written:[/] {result.plex_error}")
