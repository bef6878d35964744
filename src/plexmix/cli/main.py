"""The ``plexmix`` command: global options and the command groups."""

from __future__ import annotations

from pathlib import Path

import typer

from plexmix import __version__
from plexmix.cli.errors import PlexMixGroup
from plexmix.cli.state import AppState

app = typer.Typer(
    name="plexmix",
    cls=PlexMixGroup,
    help='Turn a mood into a Plex music playlist. MIT licensed.\n\nExample: plexmix create "rainy sunday jazz"',
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"plexmix {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    config: Path | None = typer.Option(
        None, "--config", "-c", metavar="FILE", help="Config file to use instead of $PLEXMIX_HOME/config.yaml."
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show debug messages."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Show only warnings and errors."),
    debug: bool = typer.Option(False, "--debug", help="Show debug messages and full tracebacks."),
    server: str | None = typer.Option(
        None, "--server", metavar="NAME", help="The Plex server profile to use (servers.NAME; default: plex.url)."
    ),
    user: str | None = typer.Option(
        None, "--user", metavar="NAME", help="Act as this Plex Home user: their plays, ratings and playlists."
    ),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """PlexMix: sync your Plex music library, then `plexmix create "rainy sunday jazz"`."""
    ctx.obj = AppState(
        config_path=config, verbose=verbose, quiet=quiet, debug=debug,
        overrides={k: v for k, v in (("plex.server", server), ("plex.user", user)) if v},
    )


def _register() -> None:
    from plexmix.cli import commands

    commands.register(app)


_register()

if __name__ == "__main__":  # pragma: no cover
    app()
