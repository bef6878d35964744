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
from plexmix.errors import UsageError


@with_flags("limit", "name", *FILTERS, "artist", "provider", "pool", "avoid_recent", "mode", "order", "no_plan",
            "added_within", "template", *SAVING)
def create(
    ctx: typer.Context,
    mood: str | None = typer.Argument(
        None, metavar="MOOD", show_default=False,
        help='The mood, e.g. "rainy sunday jazz" or "upbeat 90s rock" (with --template: its mood).',
    ),
    *,
    flags: Flags,
) -> None:
    """Create a playlist for MOOD: filters -> similar tracks -> an AI curator picks and orders.

    With --template NAME the template's mood and options are used (see `plexmix templates list`);
    a MOOD or an option given as well wins.

    Examples: plexmix create "rainy sunday jazz" --limit 25 --year 1950-1969; plexmix create --template daily-mix
    """
    from plexmix.cli.progress import StatusSpinner
    from plexmix.services import create as service

    state = get_state(ctx)
    if mood is None and flags.template is None:
        raise UsageError("Missing argument 'MOOD'.", hint='Describe the playlist, e.g. plexmix create "calm '
                         'piano evening", or start from a template: plexmix create --template daily-mix.')
    asking = interactive() and not (flags.as_json or flags.yes or flags.dry_run or flags.template)
    if flags.limit is None and mood and mood.strip() and asking:
        flags.limit = typer.prompt("How many tracks?", default=state.settings.playlist.default_length, type=int)
    options = {**flags.request(), "plan": False if flags.no_plan else None}
    if flags.template is not None:
        from plexmix.services.templates import template_request

        made = template_request(state.context, flags.template, mood, name=flags.name, provider=flags.provider,
                                **options)
        request, flags.name, flags.provider = made.request, made.name, made.provider
    else:
        request = service.playlist_request(state.context, mood or "", **options)
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
