"""``plexmix embeddings generate|rebuild|status``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from plexmix.cli.output import interactive, print_json
from plexmix.cli.state import AppState, get_state

if TYPE_CHECKING:
    from plexmix.services.embed import EmbedResult

app = typer.Typer(
    help="Manage track embeddings and the vector index.\n\nExample: plexmix embeddings status",
    no_args_is_help=True,
    rich_markup_mode=None,
)
JSON = typer.Option(False, "--json", help="Print the result as JSON.")


@app.command("generate")
def generate(ctx: typer.Context, as_json: bool = JSON) -> None:
    """Embed tracks that are new or changed (unchanged tracks are never re-embedded).

    Example: plexmix embeddings generate
    """
    from plexmix.errors import IndexMismatchError

    state = get_state(ctx)
    try:
        result = _refresh(state, as_json, full_rebuild=False)
    except IndexMismatchError as exc:
        if as_json or not interactive() or not typer.confirm(f"{exc.message} Rebuild with it now?", default=False):
            raise
        result = _refresh(state, as_json, full_rebuild=True, wipe=True)
    _report(state, result, as_json)


@app.command("rebuild")
def rebuild(
    ctx: typer.Context,
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    as_json: bool = JSON,
) -> None:
    """Re-embed every track with the configured model and rebuild the index from scratch.

    Example: plexmix embeddings rebuild --yes
    """
    from plexmix.errors import UsageError
    from plexmix.services.embed import rebuild_size

    state = get_state(ctx)
    tracks = rebuild_size(state.context)
    question = f"Re-embed all {tracks:,} tracks with {state.settings.embeddings.model_name}?"
    if not yes:
        if not interactive():
            raise UsageError(f"Rebuilding re-embeds all {tracks:,} tracks.", hint="Run again with --yes to confirm.")
        if not typer.confirm(question, default=False):
            raise typer.Exit(1)
    _report(state, _refresh(state, as_json, full_rebuild=True, wipe=True), as_json)


@app.command("status")
def status(ctx: typer.Context, as_json: bool = JSON) -> None:
    """Tracks, embedded tracks, model, dimension, index file and whether they agree.

    Example: plexmix embeddings status --json
    """
    from rich.table import Table

    from plexmix.services.embed import embedding_status

    state = get_state(ctx)
    status_ = embedding_status(state.context)
    if as_json:
        print_json(status_.as_dict())
        return
    stats, path, header_count = status_.stats, status_.index_file, status_.index_count
    table = Table(title="Embeddings", show_header=False)
    table.add_column("What")
    table.add_column("Value")
    table.add_row("Tracks", f"{stats['tracks']:,}")
    table.add_row("Embedded", f"{stats['embedded']:,} ({stats['missing']:,} missing)")
    table.add_row("Model", f"{status_.configured_model} ({status_.provider})")
    table.add_row("Dimension", str(status_.dimension))
    for model, count in stats["other_models"].items():
        table.add_row("Other model", f"{model}: {count:,} vectors (run `plexmix embeddings rebuild`)")
    table.add_row("Index file", f"{path} ({'present' if path.exists() else 'missing'})")
    table.add_row("Index vectors", "—" if header_count is None else str(header_count))
    table.add_row("Consistent", "[green]yes[/]" if status_.consistent else "[yellow]no[/] (fixed on next use)")
    state.out.print(table)
    if status_.note:
        state.out.print(f"[yellow]Note:[/] {status_.note}")


def _refresh(state: AppState, as_json: bool, *, full_rebuild: bool, wipe: bool = False) -> EmbedResult:
    from plexmix.cli.progress import RichProgress
    from plexmix.services.embed import embed_library

    with RichProgress(state.err, enabled=not as_json and not state.quiet) as progress:
        return embed_library(state.context, progress=progress, full_rebuild=full_rebuild, wipe=wipe)


def _report(state: AppState, result: EmbedResult, as_json: bool) -> None:
    if as_json:
        print_json(result.as_dict())
        return
    if result.note:
        state.err.print(f"[yellow]Note:[/] {result.note}")
    state.out.print(
        f"[green]Embeddings up to date[/] ({result.model}): {result.embedded} embedded, "
        f"{result.unchanged} unchanged, {result.failed} failed, "
        f"{result.removed_from_index} removed from the index, in {round(result.seconds, 2)} s."
    )
    if result.failed:
        state.out.print("[yellow]Some batches failed;[/] run `plexmix embeddings generate` again to retry them.")
