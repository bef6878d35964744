"""Rendering: the Jinja2 templates (autoescaped: every library or user string is text), the error
page, and the small helpers the views share."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.templating import Jinja2Templates

from plexmix.utils.logging import redact

if TYPE_CHECKING:
    from plexmix.api import PlexMix
    from plexmix.web.jobs import Jobs

HERE = Path(__file__).resolve().parent
NAV = (("/", "Home"), ("/create", "Create"), ("/playlists", "Playlists"), ("/sync", "Sync"),
       ("/settings", "Settings"))


def _when(stamp: int | float | None) -> str:
    if not stamp:
        return "never"
    return datetime.fromtimestamp(stamp, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _duration(ms: int | None) -> str:
    if not ms:
        return ""
    seconds = ms // 1000
    return f"{seconds // 60}:{seconds % 60:02d}"


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.filters.update(when=_when, duration=_duration, redact=redact)
    templates.env.globals["nav"] = NAV
    return templates


def pm_of(request: Request) -> PlexMix:
    pm: PlexMix = request.app.state.pm
    return pm


def jobs_of(request: Request) -> Jobs:
    jobs: Jobs = request.app.state.jobs
    return jobs


def page(request: Request, name: str, status: int = 200, **values: Any) -> Response:
    """The template ``name`` with ``values``, the CSRF token and the current path."""
    templates: Jinja2Templates = request.app.state.templates
    values.update(csrf=getattr(request.state, "csrf", ""), path=request.url.path)
    return templates.TemplateResponse(request, name, values, status_code=status)


def error_page(request: Request, message: str, hint: str | None, status: int) -> Response:
    """An error as the CLI shows it (message and hint, secrets cut out), as HTML or JSON."""
    message, hint = redact(message), redact(hint) if hint else None
    if "application/json" in request.headers.get("accept", ""):
        from starlette.responses import JSONResponse

        return JSONResponse({"error": message, "hint": hint}, status_code=status)
    templates: Jinja2Templates = request.app.state.templates
    html = templates.get_template("error.html").render(message=message, hint=hint, nav=(), csrf="", path="")
    return HTMLResponse(html, status_code=status)


def go(url: str) -> Response:
    """After a POST: see the result page (303 turns the POST into a GET)."""
    return RedirectResponse(url, status_code=303)
