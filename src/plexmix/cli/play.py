"""``plexmix players`` and ``plexmix play PLAYLIST``: music that starts now on a Plex player;
also the ``--play`` step of ``create`` (:func:`play_after`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import typer

from plexmix.cli.output import print_json
from plexmix.cli.state import AppState, get_state
from plexmix.errors import PlexMixError

if TYPE_CHECKING:
    from plexmix.playlist.generator import GeneratedPlaylist
    from plexmix.playlist.publish import Published
    from plexmix.services.play import PlaybackResult

PLAYER_HELP = "The player to play on: its name (`plexmix players`); default: the only one."
QUEUE_ONLY_HELP = "Make the play queue without asking a player (for Plexamp to pick up)."
# The play-now options of the commands that make a playlist (create, radio, journey). Typer cannot
# take an optional value after a flag, hence --play plus --player NAME (which implies --play).
Play = Annotated[bool, typer.Option("--play", help="Then play it now on the only player (or --player NAME).")]
Player = Annotated[str | None, typer.Option(
    "--player", metavar="NAME", help="Then play it on this player (implies --play; see `plexmix players`)."
)]
QueueOnly = Annotated[bool, typer.Option(
    "--queue-only", help="Then make a play queue of it without asking a player (implies --play)."
)]


def players(
    ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print as JSON.")
) -> None:
    """The players the Plex server sees now (Plexamp, Plex apps), to play on.

    Example: plexmix players
    """
    from rich.table import Table

    from plexmix.services.play import players as list_players

    state = get_state(ctx)
    found = list_players(state.context)
    if as_json:
        print_json([p.as_dict() for p in found])
    elif found:
        table = Table(title="Players")
        for column in ("Name", "Product", "Platform", "Address", "Machine ID"):
            table.add_column(column)
        for p in found:
            table.add_row(p.name, p.product, p.platform, p.address, p.machine_identifier)
        state.out.print(table)
    else:
        state.out.print("The Plex server sees no players. Open Plexamp or a Plex app signed in to it.")


def play(
    ctx: typer.Context,
    playlist: str = typer.Argument(
        ..., metavar="PLAYLIST", help="A PlexMix playlist's name or ID, or a Plex playlist's title or ratingKey."
    ),
    player: str | None = typer.Option(None, "--player", metavar="NAME", help=PLAYER_HELP),
    shuffle: bool = typer.Option(False, "--shuffle", help="Shuffle the play queue."),
    queue_only: bool = typer.Option(False, "--queue-only", help=QUEUE_ONLY_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the play queue as JSON."),
) -> None:
    """Play a playlist now on a Plex player (a play queue started through the server).

    Example: plexmix play "Road trip" --player "Living Room" --shuffle
    """
    from plexmix.services.play import play_playlist

    state = get_state(ctx)
    result = play_playlist(state.context, playlist, player=player, shuffle=shuffle, queue_only=queue_only)
    if as_json:
        print_json(result.as_dict())
    else:
        show_playback(state, result)


def show_playback(state: AppState, result: PlaybackResult) -> None:
    what = f"'{result.name}'" if result.name else "the playlist"
    tracks = f"{result.tracks} track{'s' if result.tracks != 1 else ''}" + (", shuffled" if result.shuffled else "")
    for note in result.notes:
        state.err.print(f"[yellow]Note:[/] {note}", markup=True, highlight=False)
    if result.player is None:
        state.out.print(
            f"Made play queue {result.play_queue_id} of {what} ({tracks}); no player was asked.",
            markup=False, highlight=False,
        )
        return
    state.out.print(
        f"Playing {what} ({tracks}) on {result.player}: play queue {result.play_queue_id}.",
        markup=False, highlight=False,
    )


@dataclass
class Played:
    """The ``--play`` step after a playlist was written: what played, or why it did not."""

    result: PlaybackResult | None = None
    error: PlexMixError | None = None

    def as_json(self) -> dict[str, Any]:
        """The ``"playback"`` field added to the command's JSON (null when it did not play)."""
        return {"playback": None if self.result is None else self.result.as_dict()}

    def show(self, state: AppState) -> None:
        if self.result is not None:
            show_playback(state, self.result)


def play_after(
    state: AppState,
    published: Published,
    playlist: GeneratedPlaylist,
    *,
    play: bool,
    player: str | None,
    queue_only: bool,
) -> Played | None:
    """The ``--play`` step of a command that made a playlist (None when not asked for): start it
    from its Plex playlist, or from its tracks when it was kept locally. Nothing is played when
    Plex could not be written. An error is kept in the result, to be raised once the playlist has
    been shown: the playlist is saved either way."""
    from plexmix.services.play import start_playback

    if not (play or player or queue_only):
        return None
    if published.plex_error:
        return Played()
    try:
        return Played(start_playback(
            state.context, playlist_key=published.plex_key,
            track_keys=[item.track.plex_key for item in playlist.tracks],
            name=published.name, player=player, queue_only=queue_only,
        ))
    except PlexMixError as exc:
        return Played(error=exc)
