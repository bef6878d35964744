"""``plexmix mcp``: PlexMix as an MCP server, for AI assistants (Claude Desktop, IDEs, agents)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from plexmix.cli.state import get_state
from plexmix.errors import UsageError

if TYPE_CHECKING:
    from plexmix.api import PlexMix

TOKEN_ENV = "PLEXMIX_MCP_TOKEN"
LOOPBACK = "127.0.0.1"


def mcp(
    ctx: typer.Context,
    http: bool = typer.Option(False, "--http", help="Serve streamable HTTP at http://127.0.0.1:PORT/mcp instead of stdio."),
    port: int = typer.Option(8766, "--port", metavar="N", min=1, max=65535, help="The HTTP port (with --http)."),
    host: str | None = typer.Option(
        None, "--host", metavar="ADDRESS", help="Listen on this address instead of 127.0.0.1 (needs a token)."
    ),
    token: str | None = typer.Option(
        None, "--token", metavar="TOKEN", envvar=TOKEN_ENV, show_envvar=False,
        help=f"The bearer token HTTP clients must send (or {TOKEN_ENV}); required with --host.",
    ),
) -> None:
    """Serve PlexMix's tools to an AI assistant over MCP (stdio, the way assistants launch it).

    Example: plexmix mcp
    """
    try:
        from plexmix.mcp.server import build_server, run_http, run_stdio
    except ModuleNotFoundError as exc:
        if exc.name is None or not exc.name.startswith("mcp"):
            raise
        from plexmix.mcp import INSTALL_HINT

        raise UsageError("`plexmix mcp` needs the MCP SDK, which is not installed.", hint=INSTALL_HINT) from None

    if not http and host is not None:
        raise UsageError("--host applies to --http only.", hint="Add --http, or drop --host.")
    listen = host or LOOPBACK
    if http and not _loopback(listen) and not token:
        raise UsageError(
            f"Listening on {listen} lets other machines in; it needs a token.",
            hint=f"Add --token TOKEN (or set {TOKEN_ENV}); clients send `Authorization: Bearer TOKEN`.",
        )
    state = get_state(ctx)
    state.quiet = state.quiet or not (state.verbose or state.debug)  # stderr is the client's log

    def open_pm() -> PlexMix:
        from plexmix.api import PlexMix
        from plexmix.services.context import Context

        return PlexMix(Context(state.loaded))  # no PIN prompt: standard input is the protocol's

    server = build_server(open_pm, stdio=not http, host=listen, port=port)
    if http:
        state.err.print(f"PlexMix MCP server at http://{_url_host(listen)}:{port}/mcp (Ctrl+C stops it)")
        run_http(server, host=listen, port=port, token=token)
    else:
        run_stdio(server)


def _loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
