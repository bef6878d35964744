"""``plexmix web``: the local web page (needs the ``[web]`` extra)."""

from __future__ import annotations

import typer

from plexmix.cli.state import AppState, get_state
from plexmix.errors import ConfigError


def web(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", metavar="ADDRESS", help="Address to listen on; any but loopback needs the token."),
    port: int = typer.Option(8765, "--port", metavar="PORT", min=0, max=65535, help="Port to listen on."),
    open_page: bool = typer.Option(False, "--open", help="Open the page in the default browser."),
    new_token: bool = typer.Option(False, "--new-token", help="Make (and show once) a new access token."),
) -> None:
    """Serve the local web page: make, hear and keep playlists without a terminal.

    Example: plexmix web --open
    """
    start_page(get_state(ctx), host, port, open_page, new_token=new_token)


def require_web() -> None:
    """ConfigError with the install command when the ``[web]`` extra is missing."""
    from plexmix.web import INSTALL_HINT, missing_dependencies

    missing = missing_dependencies()
    if missing:
        raise ConfigError(f"The web page needs {', '.join(missing)}, which is not installed.", hint=INSTALL_HINT)


def start_page(state: AppState, host: str, port: int, open_page: bool, *, new_token: bool = False) -> None:
    """Serve the page over ``state``'s settings until Ctrl+C (also ``plexmix demo --web``)."""
    require_web()
    from plexmix.api import PlexMix
    from plexmix.web.server import access_for, serve

    pm = PlexMix(state.context)
    pm.context.ask_pin = None  # no terminal prompt from the page's background threads
    access = access_for(pm, host, new=new_token)

    def ready(url: str) -> None:
        if access.token is None:
            state.err.print(f"PlexMix web at [bold]{url}[/] (this computer only). Ctrl+C stops it.")
        elif access.shown:
            state.err.print(f"PlexMix web at {url}. Its access token, shown only now (stored with your secrets):")
            state.out.print(f"{url}?token={access.token}", soft_wrap=True, highlight=False)
        else:
            state.err.print(f"PlexMix web at {url}; open it with ?token= and the token shown when it was made "
                            "(`plexmix web --new-token` makes another).")
        if open_page:
            import webbrowser

            webbrowser.open(url if access.token is None else f"{url}?token={access.token}")

    serve(pm, host, port, access.token, ready=ready, debug=state.debug)
