"""``plexmix radio SEED`` (songs like a song, artist, album or playlist) and ``plexmix journey FROM
TO`` (a path from one song to another): made and saved like ``create``'s playlists."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from plexmix.cli import playlist_options as opts
from plexmix.cli.output import interactive, print_json
from plexmix.cli.playlist_options import Flags
from plexmix.cli.state import AppState, get_state

if TYPE_CHECKING:
    from plexmix.playlist.radio import Choice
    from plexmix.services.radio import Chooser


def _chooser(state: AppState, ask: bool) -> Chooser | None:
    """An interactive pick among an ambiguous seed's candidates (None: not interactive)."""
    if not (ask and interactive()):
        return None

    def choose(choices: list[Choice]) -> Choice | None:
        state.err.print("Several songs match:")
        for i, choice in enumerate(choices, start=1):
            state.err.print(f"  {i}. {choice.label}" + (f" [{choice.year}]" if choice.year else ""), markup=False)
        number = typer.prompt("Which one? (0 for none)", default=1, type=int, err=True)
        return choices[number - 1] if 1 <= number <= len(choices) else None

    return choose


@opts.with_flags("limit", "name", *opts.FILTERS, "only_artist", "provider", "pool", "avoid_recent", "mode", "order",
                 *opts.SAVING)
def radio(
    ctx: typer.Context,
    seed: str | None = typer.Argument(None, metavar="[SEED]", help='A song: "Title - Artist", a Plex ratingKey or words to search.'),
    artist_seed: str | None = typer.Option(None, "--artist", "-a", metavar="NAME", help="More like this artist."),
    album: str | None = typer.Option(None, "--album", metavar="NAME", help='More like this album ("Album" or "Album - Artist").'),
    playlist: str | None = typer.Option(None, "--playlist", metavar="NAME|ID", help="More like this playlist (PlexMix's or Plex's)."),
    *,
    flags: Flags,
) -> None:
    """A radio: songs like SEED (or an --artist, --album or --playlist), by Plex's sonic analysis
    where the server has it, the embeddings and shared genres, moods, styles and era.

    Example: plexmix radio "Bohemian Rhapsody - Queen" --limit 25
    """
    from plexmix.cli.progress import StatusSpinner
    from plexmix.services import radio as service

    state = get_state(ctx)
    wanted = service.RadioSeed(song=seed, artist=artist_seed, album=album, playlist=playlist)
    choose = _chooser(state, not (flags.as_json or flags.yes))
    if flags.dry_run:
        plan = service.plan_radio(state.context, wanted, provider=flags.provider, choose=choose, **flags.request())
        if flags.as_json:
            print_json(plan.as_dict())
            return
        state.out.print(f"Seed: {plan.seed.label} ({plan.seed.kind}, {len(plan.seed.track_ids)} tracks)", markup=False)
        opts.show_plan(state, plan.plan, as_json=False)
        state.out.print(f"Signals: {', '.join(plan.signals) or 'none'} (Plex's sonic analysis is asked when made)")
        return
    with StatusSpinner(state.err, enabled=not flags.as_json) as spinner:
        result = service.make_radio(
            state.context, wanted, choose=choose, **flags.request(), **_saving(flags), provider=flags.provider,
            progress=spinner,
        )
    footer = f"more like {result.seed.label}; signals: {', '.join(result.signals) or 'none'}"
    opts.report_made(state, result.created, result.as_dict(), flags, footer)


def _saving(flags: Flags) -> dict[str, Any]:
    return {"name": flags.name, "replace": flags.replace, "write_to_plex": not flags.no_plex,
            "confirm_replace": opts.replace_confirmer(flags.yes), "export": flags.export}


@opts.with_flags("name", *opts.FILTERS, "artist", "avoid_recent", *opts.SAVING)
def journey(
    ctx: typer.Context,
    start: str = typer.Argument(..., metavar="FROM", help='The first song: "Title - Artist", a ratingKey or words.'),
    end: str = typer.Argument(..., metavar="TO", help="The last song, given the same way."),
    steps: int = typer.Option(12, "--steps", "-n", metavar="N", help="Number of tracks, both songs included."),
    *,
    flags: Flags,
) -> None:
    """A journey: N tracks moving step by step from FROM to TO (Plex's sonic adventure where the
    server analysed both, else a path through the embeddings).

    Example: plexmix journey "Clair de Lune - Claude Debussy" "Blue in Green - Miles Davis" --steps 10
    """
    from plexmix.cli.progress import StatusSpinner
    from plexmix.services import journey as service

    state = get_state(ctx)
    choose = _chooser(state, not (flags.as_json or flags.yes))
    options = {k: v for k, v in flags.request().items() if k not in ("limit", "pool")}
    if flags.dry_run:
        result = service.plan_journey(state.context, start, end, steps=steps, choose=choose, **options)
    else:
        with StatusSpinner(state.err, enabled=not flags.as_json) as spinner:
            result = service.make_journey(state.context, start, end, steps=steps, choose=choose, **options,
                                          **_saving(flags), progress=spinner)
    route = result.route
    smooth = "unknown" if route.smoothness is None else f"{route.smoothness:.3f}"
    footer = f"{route.start.label} to {route.end.label}; method: {route.method}; smoothness {smooth}"
    if result.created is not None:
        opts.report_made(state, result.created, result.as_dict(), flags, footer)
    elif flags.as_json:
        print_json(result.as_dict())
    else:
        opts.show_playlist(state, result.playlist, None, footer)
