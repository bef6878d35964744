"""``plexmix create MOOD``: a playlist for a mood, written to Plex and remembered."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from plexmix.cli.output import interactive, print_json
from plexmix.cli.state import AppState, get_state

if TYPE_CHECKING:
    from plexmix.playlist.generator import GeneratedPlaylist
    from plexmix.playlist.publish import Published
    from plexmix.services.create import PlaylistPlan


def create(
    ctx: typer.Context,
    mood: str = typer.Argument(..., metavar="MOOD", help='The mood, e.g. "rainy sunday jazz" or "upbeat 90s rock".'),
    limit: int | None = typer.Option(None, "--limit", "-n", metavar="N", help="Number of tracks (default 50; asked when interactive)."),
    name: str | None = typer.Option(None, "--name", metavar="NAME", help="Playlist name (default: the mood and a timestamp)."),
    genre: list[str] = typer.Option([], "--genre", "-g", metavar="GENRE", help="Only these genres (repeatable)."),
    year: str | None = typer.Option(None, "--year", "-y", metavar="YEARS", help="1994, 1990-1999 or 90s."),
    rating: float | None = typer.Option(None, "--rating", metavar="STARS", help="Minimum rating: 0-5 stars or Plex's 0-10."),
    artist: list[str] = typer.Option([], "--artist", "-a", metavar="ARTIST", help="Only these artists (repeatable)."),
    provider: str | None = typer.Option(None, "--provider", "-p", metavar="PROVIDER", help="gemini, openai, claude, local or none."),
    pool: int | None = typer.Option(None, "--pool", metavar="N", help="Candidate pool size (default 100)."),
    avoid_recent: int | None = typer.Option(None, "--avoid-recent", metavar="DAYS", help="Skip tracks played in the last N days."),
    no_plan: bool = typer.Option(False, "--no-plan", help="Skip the AI planning call that reads the mood (default: the ai.plan setting)."),
    replace: bool = typer.Option(False, "--replace", help="Update the playlist of the same name in place."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show filters, candidates and the cost estimate only."),
    no_plex: bool = typer.Option(False, "--no-plex", help="Do not write to Plex; keep the playlist locally."),
    export: tuple[str, Path] | None = typer.Option(None, "--export", metavar="FORMAT PATH", help="Also write m3u|json PATH.", show_default=False),
    as_json: bool = typer.Option(False, "--json", help="Print the playlist as one JSON object."),
    yes: bool = typer.Option(False, "--yes", help="Never ask (replace an existing playlist of that name)."),
) -> None:
    """Create a playlist for MOOD: filters -> similar tracks -> an AI curator picks and orders.

    Example: plexmix create "rainy sunday jazz" --limit 25 --year 1950-1969
    """
    from plexmix.cli.progress import StatusSpinner
    from plexmix.services import create as service

    state = get_state(ctx)
    if limit is None and mood.strip() and interactive() and not (as_json or yes or dry_run):
        limit = typer.prompt("How many tracks?", default=state.settings.playlist.default_length, type=int)
    request = service.playlist_request(
        state.context, mood, limit=limit, genres=genre, year=year, rating=rating, artists=artist,
        pool=pool, avoid_recent=avoid_recent, plan=False if no_plan else None,
    )
    if dry_run:
        plan = service.plan_playlist(state.context, request, provider=provider)
        _show_plan(state, plan, as_json)
        return

    def confirm_replace(playlist_name: str) -> bool:
        question = f"A playlist named '{playlist_name}' exists in Plex. Replace it in place?"
        return yes or (interactive() and typer.confirm(question, default=False))

    with StatusSpinner(state.err, enabled=not as_json) as spinner:
        result = service.create_playlist(
            state.context, request, name=name, provider=provider, replace=replace, write_to_plex=not no_plex,
            confirm_replace=confirm_replace, export=export, progress=spinner,
        )
    if as_json:
        print_json(state.out, result.as_dict())
    else:
        _show(state, result.playlist, result.published)
    if result.plex_error:
        raise typer.Exit(1)


def _show_plan(state: AppState, plan: PlaylistPlan, as_json: bool) -> None:
    if as_json:
        print_json(state.out, plan.as_dict())
        return
    state.out.print(f"[bold]Dry run[/] for [italic]{plan.mood}[/] with {plan.provider}")
    state.out.print(f"  Understood as: {plan.understood_line or 'no constraints'}", markup=False)
    for line in plan.filters or ["no filters"]:
        state.out.print(f"  filter: {line}")
    matching = "all" if plan.matching_tracks is None else f"{plan.matching_tracks:,}"
    state.out.print(f"  tracks matching the filters: {matching}; candidates: {plan.candidates}")
    cost = plan.estimated_cost_usd
    state.out.print(
        f"  prompt ≈ {plan.prompt_tokens:,} tokens, answer ≤ {plan.max_output_tokens:,} tokens, "
        f"{plan.candidates_sent} candidates sent; "
        + (f"estimated cost ${cost:.4f}" if cost is not None else "cost: free or unknown")
    )
    for note in plan.notes:
        state.out.print(f"[yellow]Note:[/] {note}")


def _show(state: AppState, playlist: GeneratedPlaylist, published: Published) -> None:
    from rich.table import Table

    table = Table(title=f"{published.name}", caption=", ".join(playlist.filter_lines) or None)
    table.add_column("#", justify="right")
    table.add_column("Title")
    table.add_column("Artist")
    table.add_column("Album")
    table.add_column("Year", justify="right")
    table.add_column("Why")
    for i, item in enumerate(playlist.tracks, start=1):
        t = item.track
        table.add_row(str(i), t.title, t.artist_name or "", t.album_title or "", str(t.year or ""), item.reason)
    state.out.print(table)
    state.out.print(f"Understood as: {playlist.understood_line or 'no constraints'}", markup=False)
    for note in playlist.notes:
        state.out.print(f"[yellow]Note:[/] {note}")
    if playlist.fallback:
        state.out.print(f"[yellow]Fallback:[/] {playlist.fallback_reason} Tracks are ranked by similarity.")
    where = (
        f"in Plex (ratingKey {published.plex_key}" + (", updated in place)" if published.replaced else ")")
        if published.plex_key else "locally only"
    )
    state.out.print(
        f"[green]Saved[/] {len(playlist.tracks)} tracks as playlist #{published.playlist_id} {where}; "
        f"curated by {playlist.provider}{' (' + playlist.model + ')' if playlist.model else ''} "
        f"in {playlist.seconds:.1f} s."
    )
    if published.plex_error:
        state.err.print(f"[red]Error:[/] Plex could not be written: {published.plex_error}")
        state.err.print("Hint: the playlist is saved locally; fix the connection and run the command again.")
