"""``plexmix create MOOD``: a playlist for a mood, written to Plex and remembered."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from plexmix.cli.output import interactive, print_json
from plexmix.cli.state import AppState, get_state

if TYPE_CHECKING:
    from plexmix.playlist.generator import GeneratedPlaylist, PlaylistGenerator, PlaylistRequest
    from plexmix.playlist.publish import Published


def create(
    ctx: typer.Context,
    mood: str = typer.Argument(..., help='The mood, e.g. "rainy sunday jazz" or "upbeat 90s rock".'),
    limit: int | None = typer.Option(None, "--limit", "-n", help="Number of tracks (default 50; asked when interactive)."),
    name: str | None = typer.Option(None, "--name", help="Playlist name (default: the mood and a timestamp)."),
    genre: list[str] = typer.Option([], "--genre", "-g", help="Only these genres (repeatable)."),
    year: str | None = typer.Option(None, "--year", "-y", help="1994, 1990-1999 or 90s."),
    rating: float | None = typer.Option(None, "--rating", help="Minimum rating: 0-5 stars or Plex's 0-10."),
    artist: list[str] = typer.Option([], "--artist", "-a", help="Only these artists (repeatable)."),
    provider: str | None = typer.Option(None, "--provider", "-p", help="gemini, openai, claude, local or none."),
    pool: int | None = typer.Option(None, "--pool", help="Candidate pool size (default 100)."),
    avoid_recent: int | None = typer.Option(None, "--avoid-recent", help="Skip tracks played in the last N days."),
    replace: bool = typer.Option(False, "--replace", help="Update the playlist of the same name in place."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show filters, candidates and the cost estimate only."),
    no_plex: bool = typer.Option(False, "--no-plex", help="Do not write to Plex; keep the playlist locally."),
    export: tuple[str, Path] | None = typer.Option(None, "--export", help="Also write m3u|json PATH.", show_default=False),
    as_json: bool = typer.Option(False, "--json", help="Print the playlist as one JSON object."),
    yes: bool = typer.Option(False, "--yes", help="Never ask (replace an existing playlist of that name)."),
) -> None:
    """Create a playlist for MOOD: filters -> similar tracks -> an AI curator picks and orders.

    Example: plexmix create "rainy sunday jazz" --limit 25 --year 1950-1969
    """
    from plexmix.errors import UsageError
    from plexmix.playlist.filters import parse_rating, parse_year
    from plexmix.playlist.generator import PlaylistRequest
    from plexmix.storage.queries import TrackFilters

    state = get_state(ctx)
    settings = state.settings
    if not mood.strip():
        raise UsageError("The mood is empty.", hint='Describe it, e.g. plexmix create "calm piano evening".')
    if limit is None:
        limit = settings.playlist.default_length
        if interactive() and not as_json and not yes and not dry_run:
            limit = typer.prompt("How many tracks?", default=limit, type=int)
    if limit < 1 or limit > 1000:
        raise UsageError(f"--limit must be between 1 and 1000 (got {limit}).", hint="For example --limit 50.")
    if pool is not None and pool < 1:
        raise UsageError(f"--pool must be at least 1 (got {pool}).", hint="For example --pool 150.")
    if avoid_recent is not None and avoid_recent < 0:
        raise UsageError(f"--avoid-recent must be 0 or more days (got {avoid_recent}).", hint="For example 14.")
    if export is not None:
        from plexmix.playlist.export import check_format

        check_format(export[0])  # before anything is written
    flags = TrackFilters(genres=[g for g in genre if g.strip()], artists=[a for a in artist if a.strip()])
    if year is not None:
        flags.year_min, flags.year_max = parse_year(year)
    if rating is not None:
        flags.rating_min = parse_rating(rating)
    request = PlaylistRequest(
        mood=mood, length=limit, pool=pool or settings.playlist.candidate_pool, flag_filters=flags,
        avoid_recent_days=avoid_recent if avoid_recent is not None else settings.playlist.avoid_recent_days,
        max_per_artist=settings.playlist.max_per_artist, max_per_album=settings.playlist.max_per_album,
        blocked_artists=settings.playlist.blocked_artists, blocked_genres=settings.playlist.blocked_genres,
    )  # fmt: skip
    _run(state, request, name=name, provider=provider, replace=replace, dry_run=dry_run, no_plex=no_plex,
         export=export, as_json=as_json, yes=yes)  # fmt: skip


def _run(
    state: AppState, request: PlaylistRequest, *, name: str | None, provider: str | None, replace: bool,
    dry_run: bool, no_plex: bool, export: tuple[str, Path] | None, as_json: bool, yes: bool,
) -> None:  # fmt: skip
    from plexmix.playlist.export import export as export_playlist
    from plexmix.playlist.export import playlist_json
    from plexmix.playlist.generator import PlaylistGenerator
    from plexmix.playlist.publish import PlaylistExistsError, default_name, publish
    from plexmix.services.wiring import build_ai_provider, build_retrieval

    with state.open_db() as db:
        curator, ai_note = build_ai_provider(state.loaded, state.credentials, provider)
        index, embedder, notes = build_retrieval(state.loaded, state.credentials, db.conn)
        if ai_note.note:
            notes.append(ai_note.note)
        generator = PlaylistGenerator(db.conn, curator, index=index, embedder=embedder)
        if dry_run:
            _dry_run(state, generator, request, notes, as_json)
            return
        spinner = state.err.status(f"Curating with {curator.name}…") if not as_json else nullcontext()
        with spinner:
            playlist = generator.generate(request)
        playlist.notes[:0] = [note for note in notes if note not in playlist.notes]
        playlist_name = name or default_name(request.mood)
        client, connect_error = None, None
        if not no_plex:
            from plexmix.errors import PlexError
            from plexmix.services.connect import client_from_settings

            try:
                client = client_from_settings(state.settings, state.credentials)
            except PlexError as exc:  # keep the work: save locally, report the Plex problem
                connect_error = exc
        try:
            try:
                published = publish(db, playlist, playlist_name, client=client, replace=replace)
            except PlaylistExistsError:
                question = f"A playlist named '{playlist_name}' exists in Plex. Replace it in place?"
                if not (yes or (interactive() and typer.confirm(question, default=False))):
                    raise
                published = publish(db, playlist, playlist_name, client=client, replace=True)
        finally:
            if client is not None:
                client.close()
        if connect_error is not None:
            published.plex_error = connect_error.message + (f" {connect_error.hint}" if connect_error.hint else "")
    if export:
        export_playlist(playlist, export[0], export[1], name=published.name, plex_key=published.plex_key)
    if as_json:
        data = playlist_json(playlist, name=published.name, plex_key=published.plex_key)
        data["playlist_id"] = published.playlist_id
        data["replaced"] = published.replaced
        data["plex_error"] = published.plex_error
        print_json(state.out, data)
    else:
        _show(state, playlist, published)
    if published.plex_error:
        raise typer.Exit(1)


def _dry_run(
    state: AppState, generator: PlaylistGenerator, request: PlaylistRequest, notes: list[str], as_json: bool
) -> None:
    from plexmix.playlist.filters import describe_filters

    filters = generator.resolve_filters(request)
    found, candidates = generator.candidates(request, filters)
    estimate = generator.provider.estimate(request.mood, candidates, request.length)
    data = {
        "mood": request.mood, "provider": generator.provider.name, "model": generator.provider.model,
        "filters": describe_filters(filters), "matching_tracks": found.matching,
        "candidates": len(candidates), "prompt_tokens": estimate.prompt_tokens,
        "max_output_tokens": estimate.max_output_tokens, "candidates_sent": estimate.candidates_sent,
        "estimated_cost_usd": estimate.estimated_cost_usd, "notes": notes,
    }  # fmt: skip
    if as_json:
        print_json(state.out, data)
        return
    state.out.print(f"[bold]Dry run[/] for [italic]{request.mood}[/] with {generator.provider.name}")
    for line in describe_filters(filters) or ["no filters"]:
        state.out.print(f"  filter: {line}")
    matching = "all" if found.matching is None else f"{found.matching:,}"
    state.out.print(f"  tracks matching the filters: {matching}; candidates: {len(candidates)}")
    cost = estimate.estimated_cost_usd
    state.out.print(
        f"  prompt ≈ {estimate.prompt_tokens:,} tokens, answer ≤ {estimate.max_output_tokens:,} tokens, "
        f"{estimate.candidates_sent} candidates sent; "
        + (f"estimated cost ${cost:.4f}" if cost is not None else "cost: free or unknown")
    )
    for note in notes:
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
    for note in playlist.notes:
        state.out.print(f"[yellow]Note:[/] {note}")
    if playlist.fallback:
        state.out.print(f"[yellow]Fallback:[/] {playlist.fallback_reason} Tracks are ranked by similarity.")
    where = (
        f"in Plex (ratingKey {published.plex_key}" + (", updated in place)" if published.replaced else ")")
        if published.plex_key else "locally only"
    )  # fmt: skip
    state.out.print(
        f"[green]Saved[/] {len(playlist.tracks)} tracks as playlist #{published.playlist_id} {where}; "
        f"curated by {playlist.provider}{' (' + playlist.model + ')' if playlist.model else ''} "
        f"in {playlist.seconds:.1f} s."
    )
    if published.plex_error:
        state.err.print(f"[red]Error:[/] Plex could not be written: {published.plex_error}")
        state.err.print("Hint: the playlist is saved locally; fix the connection and run the command again.")
