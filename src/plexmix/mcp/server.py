"""The MCP server: the tools and resources of PlexMix, served over stdio or streamable HTTP.

A PlexMix error becomes a tool error carrying the CLI's ``Error:`` and ``Hint:`` lines (secrets
cut out), never a traceback; an unexpected exception is logged (redacted) and reported the way the
CLI reports one.
"""

from __future__ import annotations

import functools
import hmac
import inspect
import logging
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from mcp.server.fastmcp import FastMCP
from mcp.server.fastmcp.exceptions import ToolError
from mcp.types import ToolAnnotations

from plexmix.errors import PlexMixError
from plexmix.mcp.tools import Tools

if TYPE_CHECKING:
    from plexmix.api import PlexMix

log = logging.getLogger("plexmix.mcp")

INSTRUCTIONS = (
    "PlexMix makes playlists from the user's own Plex music library. Read the plexmix://genres, "
    "plexmix://moods and plexmix://decades resources to see what the library holds. Tools that "
    "write Plex say so and accept dry_run; none deletes a playlist."
)
READ = ToolAnnotations(readOnlyHint=True, openWorldHint=False)
WRITE = ToolAnnotations(readOnlyHint=False, destructiveHint=False, idempotentHint=False, openWorldHint=False)
REWRITE = ToolAnnotations(readOnlyHint=False, destructiveHint=True, idempotentHint=False, openWorldHint=False)
# name -> (title, annotations): which tools only read, which write Plex
TOOLS: dict[str, tuple[str, ToolAnnotations]] = {
    "search_tracks": ("Search the library", READ),
    "create_playlist": ("Create a playlist (writes Plex)", WRITE),
    "radio": ("Radio from a seed (writes Plex)", WRITE),
    "journey": ("Journey between two songs (writes Plex)", WRITE),
    "refresh_playlist": ("Refresh playlists in place (rewrites Plex)", REWRITE),
    "list_playlists": ("PlexMix's playlists", READ),
    "playlist_tracks": ("A playlist's tracks", READ),
    "list_players": ("Plex players", READ),
    "play": ("Play a playlist now (starts a Plex player)", WRITE),
    "library_stats": ("Library counts and last sync", READ),
    "sync": ("Sync the library (incremental)", ToolAnnotations(readOnlyHint=False, destructiveHint=False,
                                                                idempotentHint=True, openWorldHint=False)),
}
RESOURCES = {
    "genres": "The library's genres, with how many tracks each has (most used first).",
    "moods": "The library's Plex mood tags, with how many tracks each has (most used first).",
    "decades": "The decades the library's tracks come from, with how many tracks each.",
}


def error_text(message: str, hint: str | None) -> str:
    """The CLI's two lines (``Error: ...`` / ``Hint: ...``), secrets cut out."""
    from plexmix.utils.logging import redact

    return redact(f"Error: {message}" + (f"\nHint: {hint}" if hint else ""))


def _failure(exc: Exception) -> ToolError:
    if isinstance(exc, PlexMixError):
        log.debug("tool failed: %s", exc.message)
        return ToolError(error_text(exc.message, exc.hint))
    log.error("unexpected error in a tool", exc_info=True)  # the log handlers redact
    return ToolError(error_text(f"Unexpected error: {type(exc).__name__}: {exc}",
                                "The traceback is in PlexMix's log file; please report it."))


def guarded(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` (a tool) with its failures turned into tool errors; same signature."""
    if inspect.iscoroutinefunction(fn):

        @functools.wraps(fn)
        async def run_async(*args: Any, **kwargs: Any) -> Any:
            try:
                return await fn(*args, **kwargs)
            except Exception as exc:
                raise _failure(exc) from None

        return run_async

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            raise _failure(exc) from None

    return run


def build_server(
    open_pm: Callable[[], PlexMix], *, stdio: bool = True, host: str = "127.0.0.1", port: int = 8000
) -> FastMCP:
    """The server: every tool of :class:`Tools` and the library resources. ``open_pm`` is called
    on the first tool call (nothing is loaded to list the tools)."""
    from plexmix.utils.logging import setup_logging

    # Before the SDK's own logging set-up, which would add an unredacted handler to the root logger:
    # warnings on standard error, redacted, until the settings' logging replaces it on first use.
    setup_logging(logging.WARNING)
    logging.getLogger("mcp").setLevel(logging.WARNING)  # not a line per request in the log file
    tools = Tools(open_pm)
    server = FastMCP("plexmix", instructions=INSTRUCTIONS, host=host, port=port, log_level="WARNING",
                     lifespan=_stdout_guard if stdio else None)
    for name, (title, hints) in TOOLS.items():
        method = getattr(tools, name)
        server.add_tool(guarded(method), name=name, title=title, description=_summary(method),
                        annotations=hints)
    for kind, description in RESOURCES.items():
        server.resource(f"plexmix://{kind}", name=kind, description=description,
                        mime_type="application/json")(_reader(tools, kind))
    return server


def _summary(fn: Callable[..., Any]) -> str:
    return (inspect.getdoc(fn) or "").split("\n\n")[0].replace("\n", " ")


def _reader(tools: Tools, kind: str) -> Callable[[], str]:
    def read() -> str:
        try:
            return tools.catalog(kind).model_dump_json()
        except PlexMixError as exc:
            raise ValueError(error_text(exc.message, exc.hint)) from None

    read.__name__ = f"read_{kind}"
    return read


@asynccontextmanager
async def _stdout_guard(_: FastMCP) -> AsyncIterator[None]:
    """Runs once the transport holds the real standard output: a stray ``print`` from then on
    goes to standard error, where it cannot corrupt the protocol."""
    saved, sys.stdout = sys.stdout, sys.stderr
    try:
        yield
    finally:
        sys.stdout = saved


def run_stdio(server: FastMCP) -> None:
    server.run("stdio")


def run_http(server: FastMCP, *, host: str, port: int, token: str | None) -> None:
    """Streamable HTTP at ``http://host:port/mcp``; with ``token``, every request must carry
    ``Authorization: Bearer <token>``."""
    import uvicorn

    app: Any = server.streamable_http_app()
    if token:
        app = BearerGate(app, token)
    uvicorn.run(app, host=host, port=port, log_level="warning")


class BearerGate:
    """An ASGI wrapper refusing HTTP requests without the token (401)."""

    def __init__(self, app: Any, token: str) -> None:
        self.app = app
        self._expected = f"Bearer {token}".encode()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            given = dict(scope.get("headers") or ()).get(b"authorization", b"")
            if not hmac.compare_digest(given, self._expected):
                await send({"type": "http.response.start", "status": 401,
                            "headers": [(b"content-type", b"text/plain"), (b"www-authenticate", b"Bearer")]})
                await send({"type": "http.response.body", "body": b"Missing or wrong bearer token.\n"})
                return
        await self.app(scope, receive, send)
