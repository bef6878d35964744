"""The options and the output shared by the commands that make playlists (``create``, ``radio``,
``journey``). Each option is declared once, as a field of :class:`Flags`; ``@with_flags(...)``
adds the named ones to a command, which receives their values as one ``flags`` argument."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, get_type_hints

import typer

from plexmix.cli.output import interactive, print_json
from plexmix.cli.play import Play, Player, QueueOnly, play_after

if TYPE_CHECKING:
    from plexmix.cli.state import AppState
    from plexmix.playlist.generator import GeneratedPlaylist
    from plexmix.playlist.publish import Published
    from plexmix.services.create import CreateResult, PlaylistPlan

Limit = Annotated[int | None, typer.Option("--limit", "-n", metavar="N", help="Number of tracks (default 50; create asks when interactive).")]
Name = Annotated[str | None, typer.Option("--name", metavar="NAME", help="Playlist name (default: the mood or the seed, and a timestamp).")]
Genre = Annotated[list[str], typer.Option("--genre", "-g", metavar="GENRE", help="Only these genres (repeatable).")]
Year = Annotated[str | None, typer.Option("--year", "-y", metavar="YEARS", help="1994, 1990-1999 or 90s.")]
Rating = Annotated[float | None, typer.Option("--rating", metavar="STARS", help="Minimum rating: 0-5 stars or Plex's 0-10.")]
Artist = Annotated[list[str], typer.Option("--artist", "-a", metavar="ARTIST", help="Only these artists (repeatable).")]
Library = Annotated[list[str], typer.Option("--library", "-l", metavar="NAME", help="Only these music libraries (repeatable; default: plex.libraries).")]
OnlyArtist = Annotated[list[str], typer.Option("--only-artist", metavar="ARTIST", help="Only these artists (repeatable).")]
Provider = Annotated[str | None, typer.Option("--provider", "-p", metavar="PROVIDER", help="gemini, openai, claude, local or none.")]
Pool = Annotated[int | None, typer.Option("--pool", metavar="N", help="Candidate pool size (default 100).")]
AvoidRecent = Annotated[int | None, typer.Option("--avoid-recent", metavar="DAYS", help="Skip tracks played in the last N days.")]
AddedWithin = Annotated[int | None, typer.Option("--added-within", metavar="DAYS", help="Only tracks added to Plex in the last N days.")]
Template = Annotated[str | None, typer.Option("--template", "-t", metavar="NAME", help="Start from a template (plexmix templates list); flags given win.")]
Mode = Annotated[str | None, typer.Option("--mode", metavar="MODE", help="Blend listening history in: balanced (default: skips count against), favourites, discover or rediscover.")]
Order = Annotated[str | None, typer.Option("--order", metavar="ORDER", help="The order tracks play in: curator (default), smooth, rising, wind-down or shuffle.")]
NoPlan = Annotated[bool, typer.Option("--no-plan", help="Skip the AI planning call that reads the mood (default: the ai.plan setting).")]
Replace = Annotated[bool, typer.Option("--replace", help="Update the playlist of the same name in place.")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Show filters, candidates and the cost estimate only.")]
NoPlex = Annotated[bool, typer.Option("--no-plex", help="Do not write to Plex; keep the playlist locally.")]
Export = Annotated[tuple[str, Path] | None, typer.Option("--export", metavar="FORMAT PATH", help="Also write m3u|json PATH.", show_default=False)]
AsJson = Annotated[bool, typer.Option("--json", help="Print the playlist as one JSON object.")]
Yes = Annotated[bool, typer.Option("--yes", help="Never ask (replace an existing playlist of that name).")]


@dataclass
class Flags:
    """The shared options (a command takes those it names in ``@with_flags``; the others keep
    their defaults here)."""

    # One declaration per option (a table, not logic: the same line shape repeats by design).
    limit: Limit = None
    name: Name = None
    genre: Genre = field(default_factory=list)
    year: Year = None
    rating: Rating = None
    artist: Artist = field(default_factory=list)
    only_artist: OnlyArtist = field(default_factory=list)
    library: Library = field(default_factory=list)
    provider: Provider = None
    pool: Pool = None
    avoid_recent: AvoidRecent = None
    added_within: AddedWithin = None
    template: Template = None
    mode: Mode = None
    order: Order = None
    no_plan: NoPlan = False
    replace: Replace = False
    dry_run: DryRun = False
    no_plex: NoPlex = False
    export: Export = None
    as_json: AsJson = False
    yes: Yes = False
    play: Play = False
    player: Player = None
    queue_only: QueueOnly = False

    def request(self) -> dict[str, Any]:
        """The request options these flags set (``services.create.RequestOptions``)."""
        return {"limit": self.limit, "genres": self.genre, "year": self.year, "rating": self.rating,
                "artists": self.artist or self.only_artist, "pool": self.pool, "avoid_recent": self.avoid_recent,
                "libraries": self.library, "mode": self.mode, "added_within": self.added_within,
                "order": self.order}


FILTERS = ("genre", "year", "rating", "library")
SAVING = ("replace", "dry_run", "no_plex", "export", "as_json", "yes", "play", "player", "queue_only")


def with_flags(*names: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Adds the named :class:`Flags` options to a command, after its own parameters; the command
    is called with their values as ``flags``."""
    hints = get_type_hints(Flags, include_extras=True)
    defaults = vars(Flags())

    def wrap(command: Callable[..., None]) -> Callable[..., None]:
        own = [p for p in inspect.signature(command, eval_str=True).parameters.values() if p.name != "flags"]
        added = [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, default=defaults[n], annotation=hints[n])
                 for n in names]

        @functools.wraps(command)
        def run(*args: Any, **kwargs: Any) -> None:
            command(*args, flags=Flags(**{n: kwargs.pop(n) for n in names}), **kwargs)

        run.__signature__ = inspect.Signature([*own, *added])  # type: ignore[attr-defined]
        run.__annotations__ = {p.name: p.annotation for p in (*own, *added)}
        return run

    return wrap


def report_made(state: AppState, created: CreateResult, data: dict[str, Any], flags: Flags,
                footer: str | None = None) -> None:
    """After a command made a playlist: play it when asked (``--play``), show it (or print
    ``data`` as JSON), exit 1 when Plex could not be written, then raise a playback error (the
    playlist is saved either way)."""
    played = play_after(state, created.published, created.playlist, play=flags.play, player=flags.player,
                        queue_only=flags.queue_only)
    if flags.as_json:
        print_json({**data, **(played.as_json() if played else {})})
    else:
        show_playlist(state, created.playlist, created.published, footer)
        if played:
            played.show(state)
    if created.plex_error:
        raise typer.Exit(1)
    if played and played.error:
        raise played.error


def replace_confirmer(yes: bool) -> Callable[[str], bool]:
    """Asks whether to replace a Plex playlist of the same name (``--yes``: always)."""

    def confirm_replace(playlist_name: str) -> bool:
        question = f"A playlist named '{playlist_name}' exists in Plex. Replace it in place?"
        return yes or (interactive() and typer.confirm(question, default=False))

    return confirm_replace


def show_plan(state: AppState, plan: PlaylistPlan, as_json: bool) -> None:
    if as_json:
        print_json(plan.as_dict())
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


def show_playlist(state: AppState, playlist: GeneratedPlaylist, published: Published | None,
                  footer: str | None = None) -> None:
    """The tracks as a table (``footer`` under it), what was understood, notes, and where it was
    saved (``published`` None: a dry run, nothing saved)."""
    from rich.table import Table

    ordered = playlist.ordering.line if playlist.ordering.order != "curator" else None
    caption = "; ".join(part for part in (", ".join(playlist.filter_lines), footer, ordered) if part) or None
    table = Table(title=published.name if published else "Dry run", caption=caption)
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
    if published is None:
        return
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
