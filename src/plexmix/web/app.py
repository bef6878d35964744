"""The ASGI app: routes, the guard of every request, and errors rendered as the CLI renders them."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from plexmix.errors import PlexMixError
from plexmix.web import making, pages
from plexmix.web.jobs import Jobs
from plexmix.web.render import HERE, error_page, make_templates
from plexmix.web.security import AccessError, Call, Guard, guarded

if TYPE_CHECKING:
    from plexmix.api import PlexMix

log = logging.getLogger(__name__)


def _status(exc: PlexMixError) -> int:
    from plexmix.errors import BusyError, UsageError

    if isinstance(exc, AccessError):
        return exc.status
    if isinstance(exc, BusyError):
        return 409
    return 400 if isinstance(exc, UsageError) else 500


async def _plexmix_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PlexMixError)
    return error_page(request, exc.message, exc.hint, _status(exc))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    hint = "Use the links at the top of the page." if exc.status_code == 404 else None
    return error_page(request, str(exc.detail), hint, exc.status_code)


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.debug("web request failed", exc_info=exc)
    return error_page(request, f"Unexpected error: {type(exc).__name__}.",
                      "Run `plexmix web --debug` to see more, and please report it.", 500)


ROUTES = [
    Route("/", pages.home),
    Route("/create", making.create_page),
    Route("/create", making.start_create, methods=["POST"]),
    Route("/create/preview", making.preview, methods=["POST"]),
    Route("/radio", making.start_radio, methods=["POST"]),
    Route("/journey", making.start_journey, methods=["POST"]),
    Route("/playlists", making.playlists_page),
    Route("/playlists/{playlist_id:int}", making.playlist_page),
    Route("/playlists/{playlist_id:int}/refresh", making.start_refresh, methods=["POST"]),
    Route("/playlists/{playlist_id:int}/play", making.start_play, methods=["POST"]),
    Route("/playlists/{playlist_id:int}/delete", making.forget, methods=["POST"]),
    Route("/sync", pages.sync_page),
    Route("/sync", pages.start_sync, methods=["POST"]),
    Route("/settings", pages.settings_page),
    Route("/settings/checks", pages.run_checks, methods=["POST"]),
    Route("/jobs/{job_id}", pages.job_page),
    Route("/jobs/{job_id}/status", pages.job_status),
    Route("/jobs/{job_id}/export.{fmt:str}", making.export_job),
]


def create_app(pm: PlexMix, *, token: str | None = None) -> Starlette:
    """The page over ``pm``; ``token`` (required when bound beyond loopback) guards every request."""
    guard = Guard(token)

    class _Guard(BaseHTTPMiddleware):
        async def dispatch(self, request: Request, call_next: Call) -> Response:
            try:
                return await guarded(guard, request, call_next)
            except AccessError as exc:
                return error_page(request, exc.message, exc.hint, exc.status)

    app = Starlette(
        routes=[*ROUTES, Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")],
        middleware=[Middleware(_Guard)],
        exception_handlers={PlexMixError: _plexmix_error, HTTPException: _http_error, Exception: _unexpected},
    )
    app.state.pm, app.state.jobs, app.state.templates = pm, Jobs(), make_templates()
    return app
