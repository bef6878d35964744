"""``plexmix embeddings generate|rebuild|status``."""

from __future__ import annotations

import typer

from plexmix.cli.output import interactive, print_json
from plexmix.cli.state import AppState, get_state

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

    state = get_state(ctx)
    with state.open_db() as db:
        tracks = db.conn.execute("SELECT COUNT(*) FROM tracks").fetchone()[0]
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

    from plexmix.services.wiring import build_embedder
    from plexmix.storage.embedding_store import embedding_stats, load_vectors
    from plexmix.storage.vector_index import ids_checksum, read_index_metadata

    state = get_state(ctx)
    embedder, choice = build_embedder(state.loaded, state.credentials)
    path = state.settings.index_path
    with state.open_db() as db:
        stats = embedding_stats(db.conn, embedder.model_id)
        ids, _ = load_vectors(db.conn, embedder.model_id)
    header = read_index_metadata(path) or {}
    consistent = header.get("model_id") == embedder.model_id and header.get("checksum") == ids_checksum(ids)
    data = {
        **stats, "configured_model": embedder.model_id, "provider": choice.name, "note": choice.note,
        "index_file": str(path), "index_exists": path.exists(),
        "index_count": header.get("count"), "index_model": header.get("model_id"), "consistent": consistent,
    }  # fmt: skip
    if as_json:
        print_json(state.out, data)
        return
    table = Table(title="Embeddings", show_header=False)
    table.add_column("What")
    table.add_column("Value")
    table.add_row("Tracks", f"{stats['tracks']:,}")
    table.add_row("Embedded", f"{stats['embedded']:,} ({stats['missing']:,} missing)")
    table.add_row("Model", f"{embedder.model_id} ({choice.name})")
    table.add_row("Dimension", str(embedder.dimension))
    for model, count in stats["other_models"].items():
        table.add_row("Other model", f"{model}: {count:,} vectors (run `plexmix embeddings rebuild`)")
    table.add_row("Index file", f"{path} ({'present' if path.exists() else 'missing'})")
    table.add_row("Index vectors", str(header.get("count", "—")))
    table.add_row("Consistent", "[green]yes[/]" if consistent else "[yellow]no[/] (fixed on next use)")
    state.out.print(table)
    if choice.note:
        state.out.print(f"[yellow]Note:[/] {choice.note}")


def _refresh(state: AppState, as_json: bool, *, full_rebuild: bool, wipe: bool = False) -> dict[str, object]:
    from plexmix.cli.embedding_step import refresh_embeddings_for
    from plexmix.cli.progress import RichProgress
    from plexmix.storage.embedding_store import delete_embeddings

    with state.open_db() as db, RichProgress(state.err, enabled=not as_json and not state.quiet) as progress:
        if wipe:
            delete_embeddings(db.conn)
        return refresh_embeddings_for(state, db, progress, full_rebuild=full_rebuild)


def _report(state: AppState, result: dict[str, object], as_json: bool) -> None:
    if as_json:
        print_json(state.out, result)
        return
    state.out.print(
        f"[green]Embeddings up to date[/] ({result['model']}): {result['embedded']} embedded, "
        f"{result['unchanged']} unchanged, {result['failed']} failed, "
        f"{result['removed_from_index']} removed from the index, in {result['seconds']} s."
    )
    if result["failed"]:
        state.out.print("[yellow]Some batches failed;[/] run `plexmix embeddings generate` again to retry them.")
