"""``plexmix create MOOD``: a playlist for a mood, written to Plex and remembered."""

from __future__ import annotations

import typer

from plexmix.cli.output import interactive
from plexmix.cli.playlist_options import (
    FILTERS,
    SAVING,
    Flags,
    replace_confirmer,
    report_made,
    show_plan,
    with_flags,
)
from plexmix.cli.state import get_state


@with_flags("limit", "name", *FILTERS, "artist", "provider", "pool", "avoid_recent", "no_plan", *SAVING)
def create(
    ctx: typer.Context,
    mood: str = typer.Argument(..., metavar="MOOD", help='The mood, e.g. "rainy sunday jazz" or "upbeat 90s rock".'),
    *,
    flags: Flags,
) -> None:
    """Create a playlist for MOOD: filters -> similar tracks -> an AI curator picks and orders.

    Example: plexmix create "rainy sunday jazz" --limit 25 --year 1950-1969
    """
    from plexmix.cli.progress import StatusSpinner
    from plexmix.services import create as service

    state = get_state(ctx)
    if flags.limit is None and mood.strip() and interactive() and not (flags.as_json or flags.yes or flags.dry_run):
        flags.limit = typer.prompt("How many tracks?", default=state.settings.playlist.default_length, type=int)
    request = service.playlist_request(
        state.context, mood, **flags.request(), plan=False if flags.no_plan else None,
    )
    if flags.dry_run:
        show_plan(state, service.plan_playlist(state.context, request, provider=flags.provider), flags.as_json)
        return
    with StatusSpinner(state.err, enabled=not flags.as_json) as spinner:
        result = service.create_playlist(
            state.context, request, name=flags.name, provider=flags.provider, replace=flags.replace,
            write_to_plex=not flags.no_plex, confirm_replace=replace_confirmer(flags.yes), export=flags.export,
            progress=spinner,
        )
    report_made(state, result, result.as_dict(), flags)
