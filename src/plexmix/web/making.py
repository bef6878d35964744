"""The views of the Create and Playlists pages: preview, make (mood, radio, journey), refresh,
play, export and forget. Everything that may call a model or Plex runs as a background job."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from plexmix.config.settings import AI_PROVIDERS
from plexmix.errors import UsageError
from plexmix.playlist.modes import MODES
from plexmix.web.render import go, jobs_of, page, pm_of
from plexmix.web.security import checked_form

FIELDS = ("mood", "limit", "genres", "year", "rating", "artists", "mode", "provider", "name")


def _number(text: str, label: str, kind: type[int] | type[float]) -> Any:
    try:
        return kind(text)
    except ValueError:
        raise UsageError(f"{label} must be a number (got '{text[:40]}').", hint="For example 25.") from None


def _options(values: FormData) -> dict[str, Any]:
    """The request options of a Create form (empty fields left to the settings)."""
    text = {key: str(values.get(key) or "").strip() for key in FIELDS}
    options: dict[str, Any] = {}
    if text["limit"]:
        options["limit"] = _number(text["limit"], "Length", int)
    if text["rating"]:
        options["rating"] = _number(text["rating"], "Minimum rating", float)
    for key in ("genres", "artists"):
        if text[key]:
            options[key] = [part.strip() for part in text[key].split(",") if part.strip()]
    if text["year"]:
        options["year"] = text["year"]
    if text["mode"]:
        options["mode"] = text["mode"]
    return options


def _provider(values: FormData) -> str | None:
    provider = str(values.get("provider") or "").strip()
    if provider and provider not in AI_PROVIDERS:
        raise UsageError(f"Unknown provider '{provider[:40]}'.",
                         hint=f"Choose one of: {', '.join(AI_PROVIDERS)}.")
    return provider or None


def create_page(request: Request) -> Response:
    return page(request, "create.html", plan=None, form=dict.fromkeys(FIELDS, ""), providers=AI_PROVIDERS,
                modes=MODES)


async def preview(request: Request) -> Response:
    """The form again, with what the mood was read as and the estimate (no model is called)."""
    form = await checked_form(request)
    mood = str(form.get("mood") or "")
    plan = pm_of(request).plan_playlist(mood, provider=_provider(form), **_options(form))
    values = {k: str(form.get(k) or "") for k in FIELDS}
    values.update(write="on" if form.get("write") == "on" else "off", replace=str(form.get("replace") or ""))
    return page(request, "create.html", plan=plan, form=values, providers=AI_PROVIDERS, modes=MODES)


async def start_create(request: Request) -> Response:
    form = await checked_form(request)
    pm, options, provider = pm_of(request), _options(form), _provider(form)
    mood = str(form.get("mood") or "")
    name = str(form.get("name") or "").strip() or None
    replace, write = form.get("replace") == "on", form.get("write") == "on"
    from plexmix.services.create import playlist_request

    playlist_request(pm.context, mood, **options)  # checked now (empty mood, bad length), not in the job
    job = jobs_of(request).start("create", f"Playlist for “{mood[:60]}”", lambda j: pm.create_playlist(
        mood, name=name, provider=provider, replace=replace, write_to_plex=write, progress=j, **options))
    return go(f"/jobs/{job.id}")


async def start_radio(request: Request) -> Response:
    form = await checked_form(request)
    pm, seed = pm_of(request), str(form.get("seed") or "").strip()
    if not seed:
        raise UsageError("Name a song for the radio.", hint="For example: Title - Artist.")
    limit = _number(str(form.get("limit") or "25"), "Length", int)
    job = jobs_of(request).start("radio", f"Radio from “{seed[:60]}”",
                                 lambda j: pm.radio(seed, limit=limit, replace=True))
    return go(f"/jobs/{job.id}")


async def start_journey(request: Request) -> Response:
    form = await checked_form(request)
    pm = pm_of(request)
    start, end = str(form.get("start") or "").strip(), str(form.get("end") or "").strip()
    if not start or not end:
        raise UsageError("A journey needs a first and a last song.", hint="For example: Title - Artist.")
    steps = _number(str(form.get("steps") or "12"), "Steps", int)
    job = jobs_of(request).start("journey", f"Journey from “{start[:40]}” to “{end[:40]}”",
                                 lambda j: pm.journey(start, end, steps=steps, replace=True))
    return go(f"/jobs/{job.id}")


def export_job(request: Request) -> Response:
    """The playlist a Create job made, as an M3U or JSON download."""
    from plexmix.playlist.export import export
    from plexmix.web.pages import job_of

    job, fmt = job_of(request), request.path_params["fmt"]
    created = getattr(job.result, "created", job.result)
    if job.status != "done" or not hasattr(created, "playlist"):
        raise UsageError("This job made no playlist to export.", hint="Open a finished Create job.")
    with tempfile.TemporaryDirectory() as folder:
        path = export(created.playlist, fmt, Path(folder) / f"playlist.{fmt}", name=created.published.name,
                      plex_key=created.published.plex_key)
        body = path.read_bytes()
    kind = "application/json" if fmt == "json" else "audio/x-mpegurl"
    disposition = f'attachment; filename="playlist.{fmt}"'
    return Response(body, media_type=kind, headers={"Content-Disposition": disposition})


# -- saved playlists -------------------------------------------------------------------------------
def playlists_page(request: Request) -> Response:
    from plexmix.services.overview import server_id

    pm = pm_of(request)
    return page(request, "playlists.html", playlists=pm.playlists(),
                server_id=server_id(pm.context), jobs=jobs_of(request).recent("refresh"))


def _playlist_id(request: Request) -> int:
    return int(request.path_params["playlist_id"])


def playlist_page(request: Request) -> Response:
    from plexmix.services.overview import server_id
    from plexmix.services.playlists import playlist_tracks

    pm = pm_of(request)
    playlist, entries = playlist_tracks(pm.context, _playlist_id(request))
    return page(request, "playlist.html", playlist=playlist, entries=entries,
                server_id=server_id(pm.context))


async def start_refresh(request: Request) -> Response:
    await checked_form(request)
    pm, number = pm_of(request), str(_playlist_id(request))
    job = jobs_of(request).start("refresh", f"Refresh of playlist #{number}",
                                 lambda j: pm.refresh(number, progress=j))
    return go(f"/jobs/{job.id}")


async def start_play(request: Request) -> Response:
    form = await checked_form(request)
    pm, number = pm_of(request), str(_playlist_id(request))
    player = str(form.get("player") or "").strip() or None
    job = jobs_of(request).start("play", f"Play playlist #{number}", lambda j: pm.play(number, player=player))
    return go(f"/jobs/{job.id}")


async def forget(request: Request) -> Response:
    from plexmix.services.overview import forget_playlist

    await checked_form(request)
    if not forget_playlist(pm_of(request).context, _playlist_id(request)):
        raise UsageError(f"There is no playlist #{_playlist_id(request)}.", hint="See the Playlists page.")
    return go("/playlists")
