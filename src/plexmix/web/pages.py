"""The views of the Home, Sync and Settings pages and of the background jobs."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from plexmix.errors import UsageError
from plexmix.web import charts
from plexmix.web.jobs import Job
from plexmix.web.render import go, jobs_of, page, pm_of
from plexmix.web.security import checked_form

SYNC_MODES = ("incremental", "full")


def home(request: Request) -> Response:
    from plexmix.services.overview import library_overview

    overview = library_overview(pm_of(request).context)
    graphs = [
        charts.columns("Tracks per decade", [(f"{d}s", n) for d, n in overview.decades]),
        charts.horizontal("Top genres", overview.genres),
        charts.horizontal("Top moods", overview.moods),
    ]
    return page(request, "home.html", overview=overview, charts=[c for c in graphs if c.bars])


def job_of(request: Request) -> Job:
    job = jobs_of(request).get(request.path_params["job_id"])
    if job is None:
        raise UsageError("There is no such job on this page (it may have been started before a restart).",
                         hint="Start it again.")
    return job


def job_page(request: Request) -> Response:
    job = job_of(request)
    return page(request, "job.html", job=job, result=job.result if job.status == "done" else None)


def job_status(request: Request) -> Response:
    return JSONResponse(job_of(request).as_dict())


def sync_page(request: Request) -> Response:
    pm = pm_of(request)
    return page(request, "sync.html", history=pm.sync_history(20), jobs=jobs_of(request).recent("sync"),
                modes=SYNC_MODES)


async def start_sync(request: Request) -> Response:
    form = await checked_form(request)
    mode = str(form.get("mode", "incremental"))
    if mode not in SYNC_MODES:
        raise UsageError(f"Unknown sync mode '{mode}'.", hint="Choose incremental or full.")
    pm = pm_of(request)
    job = jobs_of(request).start("sync", f"{mode.capitalize()} sync", lambda j: pm.sync(mode, progress=j))
    return go(f"/jobs/{job.id}")


def settings_page(request: Request) -> Response:
    """The settings that matter and which secrets are set (never their values)."""
    from plexmix.config.credentials import SECRETS

    pm = pm_of(request)
    store = pm.context.credentials
    secrets = [(spec.label, store.get(spec.name)[0] is not None) for spec in SECRETS.values()]
    s = pm.settings
    rows = [("Data folder", str(s.home)), ("Plex server", s.plex.url or "(not set)"),
            ("Music libraries", ", ".join(s.plex.libraries) or s.plex.library or "(the first)"),
            ("AI provider", s.ai.provider), ("Embedding provider", s.embeddings.provider),
            ("Playlist length", str(s.playlist.default_length))]
    return page(request, "settings.html", rows=rows, secrets=secrets, jobs=jobs_of(request).recent("checks"))


async def run_checks(request: Request) -> Response:
    await checked_form(request)
    pm = pm_of(request)
    job = jobs_of(request).start("checks", "Configuration checks", lambda j: pm.doctor())
    return go(f"/jobs/{job.id}")
