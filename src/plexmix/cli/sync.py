"""``plexmix sync``: full, incremental (the default), verify and status."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import typer

from plexmix.cli.output import confirm, duration, interactive, print_json, when
from plexmix.cli.state import AppState, get_state

if TYPE_CHECKING:
    from plexmix.storage.sources import Source

app = typer.Typer(
    help="Mirror your Plex music library into the local database.\n\nExample: plexmix sync full",
    no_args_is_help=False,
    rich_markup_mode=None,
)

NO_EMBEDDINGS = typer.Option(False, "--no-embeddings", help="Skip embedding new or changed tracks.")
JSON = typer.Option(False, "--json", help="Print the result as JSON.")
YES = typer.Option(False, "--yes", "-y", help="Never ask for confirmation.")
LIBRARY = typer.Option(
    [], "--library", "-l", metavar="NAME", help="Music library to sync (repeatable; default: plex.libraries)."
)
VERIFY_LIBRARY = typer.Option(
    None, "--library", "-l", metavar="NAME", help="Music library to check (default: plex.library)."
)


@app.callback(invoke_without_command=True)
def sync_default(
    ctx: typer.Context,
    no_embeddings: bool = NO_EMBEDDINGS,
    as_json: bool = JSON,
    library: list[str] = LIBRARY,
    yes: bool = YES,
) -> None:
    """Sync what changed since the last sync (same as `plexmix sync incremental`).

    Example: plexmix sync
    """
    if ctx.invoked_subcommand is None:
        _run(get_state(ctx), "incremental", no_embeddings, as_json, library, yes)


@app.command("full")
def sync_full(
    ctx: typer.Context,
    no_embeddings: bool = NO_EMBEDDINGS,
    as_json: bool = JSON,
    library: list[str] = LIBRARY,
    yes: bool = YES,
) -> None:
    """Read the whole library from Plex; remove what Plex no longer has.

    Example: plexmix sync full
    """
    _run(get_state(ctx), "full", no_embeddings, as_json, library, yes)


@app.command("incremental")
def sync_incremental(
    ctx: typer.Context,
    no_embeddings: bool = NO_EMBEDDINGS,
    as_json: bool = JSON,
    library: list[str] = LIBRARY,
    yes: bool = YES,
) -> None:
    """Only what was added, changed, played, rated or deleted since the last successful sync.

    Example: plexmix sync incremental --no-embeddings
    """
    _run(get_state(ctx), "incremental", no_embeddings, as_json, library, yes)


@app.command("verify")
def sync_verify(
    ctx: typer.Context,
    repair: bool = typer.Option(False, "--repair", help="Fix what differs (full sync + index rebuild)."),
    yes: bool = YES,
    as_json: bool = JSON,
    library: str | None = VERIFY_LIBRARY,
) -> None:
    """Compare the local database with Plex: counts, missing and stale tracks, orphans.

    Example: plexmix sync verify --repair --yes
    """
    from rich.table import Table

    from plexmix.services.verify import verify_library

    state = get_state(ctx)
    report = verify_library(
        state.context, repair=repair, library_name=library,
        confirm_repair=lambda _: confirm("Repair the differences now?", yes=yes, default=True),
    )
    if as_json:
        print_json(report.as_dict())
    else:
        table = Table(title="Sync verification", show_lines=False)
        table.add_column("Check")
        table.add_column("Plex", justify="right")
        table.add_column("Local", justify="right")
        for kind in ("artists", "albums", "tracks"):
            table.add_row(kind.title(), str(report.plex_counts[kind]), str(report.local_counts[kind]))
        table.add_row("Tracks missing locally", "", str(len(report.missing_keys)))
        table.add_row("Tracks gone from Plex", "", str(len(report.extra_keys)))
        table.add_row("Orphan albums / artists", "", f"{report.orphan_albums} / {report.orphan_artists}")
        table.add_row("Search index rows", "", str(report.fts_rows))
        table.add_row("SQLite integrity", "", "ok" if not report.integrity_problems else "PROBLEMS")
        state.out.print(table)
        verdict = "[green]In sync.[/]" if report.ok else "[yellow]Differences found[/] (run with --repair)."
        state.out.print(("Repaired. " if report.repaired else "") + verdict)
    if not report.ok:
        raise typer.Exit(1)


@app.command("status")
def sync_status(
    ctx: typer.Context,
    limit: int = typer.Option(10, "--limit", "-n", metavar="N", min=1, help="How many syncs to show."),
    as_json: bool = JSON,
) -> None:
    """Show the last syncs and what the database holds.

    Example: plexmix sync status --json
    """
    from plexmix.services.sync_run import sync_status as status

    state = get_state(ctx)
    records, counts = status(state.context, limit)
    if as_json:
        print_json({"counts": counts, "syncs": [r.model_dump() for r in records]})
        return
    from rich.table import Table

    if not records:
        state.out.print("No sync yet. Run [bold]plexmix sync[/] to mirror your Plex library.")
        return
    table = Table(title="Recent syncs")
    numeric = ("#", "Added", "Updated", "Removed")
    for column in ("#", "Mode", "Status", "Started", "Duration", "Added", "Updated", "Removed", "Error"):
        table.add_column(column, justify="right" if column in numeric else "left")
    colors = {"success": "green", "failed": "red", "interrupted": "yellow", "running": "cyan"}
    for r in records:
        table.add_row(
            str(r.id), r.mode, f"[{colors.get(r.status, 'white')}]{r.status}[/]", when(r.started_at),
            duration(r.duration_s), str(r.tracks_added), str(r.tracks_updated), str(r.tracks_removed),
            r.error_message or "",
        )
    state.out.print(table)
    state.out.print(
        f"Library: {counts['tracks']:,} tracks, {counts['albums']:,} albums, {counts['artists']:,} artists; "
        f"{counts['embeddings']:,} embedded."
    )


def _run(
    state: AppState, mode: str, no_embeddings: bool, as_json: bool,
    libraries: Sequence[str] = (), yes: bool = False,
) -> None:
    from plexmix.services.sync_run import sync_library

    def confirm_removal(sources: list[Source]) -> bool:
        names = ", ".join(f"'{s.title}'" for s in sources)
        question = f"No longer in plex.libraries: {names}. Remove their tracks from the database?"
        if not (yes or interactive()):
            state.err.print(f"[yellow]Kept[/] {names}: not in plex.libraries (run with --yes to remove).")
            return False
        return confirm(question, yes=yes, default=False)

    embed = not no_embeddings
    if as_json or state.quiet:  # no bars: Rich's progress machinery is not even imported
        outcome = sync_library(
            state.context, mode, libraries=libraries, embed=embed, confirm_removal=confirm_removal
        )
    else:
        from plexmix.cli.progress import RichProgress

        with RichProgress(state.err) as progress:
            outcome = sync_library(
                state.context, mode, libraries=libraries, embed=embed, progress=progress,
                confirm_removal=confirm_removal,
            )
    if as_json:
        print_json(outcome.as_dict())
        return
    report = outcome.report
    state.out.print(
        f"[green]Sync ({report.mode}) finished[/] in {duration(report.duration_s)}: "
        f"{report.added:,} added, {report.updated:,} updated, {report.removed:,} removed, "
        f"{report.unchanged:,} unchanged."
    )
    if len(outcome.libraries) > 1:
        for name, part in outcome.libraries.items():
            state.out.print(
                f"  {name}: {part.added:,} added, {part.updated:,} updated, {part.removed:,} removed "
                f"({part.mode})."
            )
    for name, tracks in outcome.removed_libraries.items():
        state.out.print(f"Removed the library '{name}' ({tracks:,} tracks) from the database.")
    if outcome.embeddings is not None:
        if outcome.embeddings.note:
            state.err.print(f"[yellow]Note:[/] {outcome.embeddings.note}")
        state.out.print(f"Embeddings: {outcome.embeddings.summary()}.")
