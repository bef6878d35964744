"""Every route of the web page at the HTTP level: status codes, CSRF, the token when bound
publicly, the Host check, escaping, and errors rendered as message and hint."""

from __future__ import annotations

import pytest
from radio_world import Here, worlds_fixture  # noqa: F401 - fixtures
from web_site import HOSTILE, client, csrf_of, here_fixture, wait_job  # noqa: F401 - fixtures

PAGES = ("/", "/create", "/playlists", "/sync", "/settings")


def test_every_page_answers_with_the_security_headers(here: Here) -> None:
    web = client(here)
    for path in PAGES:
        response = web.get(path)
        assert response.status_code == 200, path
        assert "default-src 'self'" in response.headers["content-security-policy"]
        assert response.headers["x-frame-options"] == "DENY"
    assert web.get("/static/app.css").status_code == 200
    home = web.get("/").text
    assert f"<b id=\"tracks\">{len(here.library.tracks)}</b>" in home
    assert home.count("<svg") == 3  # decades, genres, moods


def test_unknown_pages_and_jobs_are_errors_with_a_hint(here: Here) -> None:
    web = client(here)
    assert web.get("/nowhere").status_code == 404
    assert "Hint:" in web.get("/nowhere").text
    response = web.get("/jobs/999")
    assert response.status_code == 400 and "no such job" in response.text
    assert web.get("/playlists/4242").status_code == 400
    assert web.get("/jobs/999/status", headers={"Accept": "application/json"}).json()["hint"]


def test_forms_need_the_csrf_token(here: Here) -> None:
    web = client(here)
    web.get("/")  # the CSRF cookie
    syncs = len(here.pm.sync_history(50))
    for path in ("/create", "/create/preview", "/radio", "/journey", "/sync", "/settings/checks",
                 "/playlists/1/refresh", "/playlists/1/play", "/playlists/1/delete"):
        response = web.post(path, data={"mood": "calm", "mode": "full"})
        assert response.status_code == 403, path
        assert "did not come from this page" in response.text
        assert web.post(path, data={"csrf": "forged", "mode": "full"}).status_code == 403
    assert len(here.pm.sync_history(50)) == syncs and len(here.pm.playlists()) == 0  # nothing ran


def test_a_foreign_host_is_refused_on_loopback(here: Here) -> None:
    web = client(here, base_url="http://evil.example:8765")
    response = web.get("/")
    assert response.status_code == 421 and "loopback" in response.text


def test_a_public_bind_needs_the_token_on_every_request(here: Here) -> None:
    token = "s3cret-web-token-value"
    web = client(here, token=token, base_url="http://192.0.2.10:8765")
    for path in (*PAGES, "/static/app.css", "/jobs/1/status"):
        response = web.get(path)
        assert response.status_code == 401, path
        assert "token is missing or wrong" in response.text and token not in response.text
    assert web.get("/", params={"token": "wrong"}).status_code == 401
    assert web.get("/", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    first = web.get("/sync", params={"token": token}, follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == "/sync"  # the token leaves the URL
    assert web.get("/playlists").status_code == 200  # the HttpOnly cookie carries it now
    assert web.post("/sync", data={"mode": "incremental"}).status_code == 403  # still needs CSRF


def test_a_mood_becomes_a_playlist_in_plex_and_is_refreshed(here: Here) -> None:
    web = client(here)
    csrf = csrf_of(web.get("/create").text)
    preview = web.post("/create/preview", data={"csrf": csrf, "mood": "calm jazz from the 90s", "limit": "8"})
    assert preview.status_code == 200 and "Understood as:" in preview.text and "1990" in preview.text
    made = web.post("/create", data={"csrf": csrf, "mood": "calm jazz", "limit": "8", "write": "on",
                                     "name": "Web calm jazz"}, follow_redirects=False)
    assert made.status_code == 303
    status = wait_job(web, made.headers["location"])
    assert status["status"] == "done", status
    page = web.get(made.headers["location"]).text
    assert "Web calm jazz" in page and page.count("<tr>") >= 9
    (in_plex,) = here.emu.playlists.find("Web calm jazz")
    saved = here.pm.playlists()[0]
    assert saved.name == "Web calm jazz" and saved.plex_key == str(in_plex.rating_key)
    assert saved.track_count == len(in_plex.track_keys) == 8
    assert web.get(made.headers["location"] + "/export.m3u").text.startswith("#EXTM3U")
    assert web.get(made.headers["location"] + "/export.json").json()["name"] == "Web calm jazz"
    assert web.get(made.headers["location"] + "/export.xml").status_code == 400
    detail = web.get(f"/playlists/{saved.id}").text
    assert f"/server/{here.emu.playlists.machine_identifier}/playlist?key=%2Fplaylists%2F{saved.plex_key}" in detail
    refreshed = web.post(f"/playlists/{saved.id}/refresh", data={"csrf": csrf}, follow_redirects=False)
    assert wait_job(web, refreshed.headers["location"])["status"] == "done"
    assert "kept." in web.get(refreshed.headers["location"]).text
    played = web.post(f"/playlists/{saved.id}/play", data={"csrf": csrf, "player": ""}, follow_redirects=False)
    assert wait_job(web, played.headers["location"])["status"] == "done"
    assert "on Living Room" in web.get(played.headers["location"]).text  # the emulator's one player
    gone = web.post(f"/playlists/{saved.id}/delete", data={"csrf": csrf}, follow_redirects=False)
    assert gone.status_code == 303 and here.pm.playlists() == []


@pytest.mark.parametrize(("data", "message"), [
    ({"mood": " "}, "The mood is empty"),
    ({"mood": "calm", "limit": "many"}, "Length must be a number"),
    ({"mood": "calm", "provider": "skynet"}, "Unknown provider"),
    ({"mood": "calm", "mode": "loud"}, "Unknown mode"),
])
def test_a_bad_create_form_is_a_400_with_a_hint(here: Here, data: dict[str, str], message: str) -> None:
    web = client(here)
    csrf = csrf_of(web.get("/create").text)
    response = web.post("/create", data={"csrf": csrf, **data})
    assert response.status_code == 400 and message in response.text and "Hint:" in response.text


def test_sync_runs_in_the_background_one_at_a_time(here: Here) -> None:
    web = client(here)
    csrf = csrf_of(web.get("/sync").text)
    assert web.post("/sync", data={"csrf": csrf, "mode": "sideways"}).status_code == 400
    first = web.post("/sync", data={"csrf": csrf, "mode": "full"}, follow_redirects=False)
    second = web.post("/sync", data={"csrf": csrf, "mode": "incremental"})
    assert second.status_code == 409 and "already running" in second.text
    status = wait_job(web, first.headers["location"])
    assert status["status"] == "done" and status["stages"], status
    assert "added" in web.get(first.headers["location"]).text
    assert web.get("/sync").text.count("<td>full</td>") >= 2  # the template's sync and this one


def test_the_settings_page_never_shows_a_secret(here: Here) -> None:
    web = client(here)
    page = web.get("/settings").text
    assert "Plex token: <b>set</b>" in page and here.emu.token not in page
    csrf = csrf_of(page)
    job = web.post("/settings/checks", data={"csrf": csrf}, follow_redirects=False)
    assert wait_job(web, job.headers["location"])["status"] == "done"
    assert here.emu.token not in web.get(job.headers["location"]).text


def test_library_strings_are_escaped(here: Here) -> None:
    key = min(here.library.tracks)
    here.library.update_track(key, title=HOSTILE)
    here.pm.sync("incremental")
    made = here.pm.radio(str(key), limit=4, name=HOSTILE, write_to_plex=False)
    web = client(here)
    for path in ("/playlists", f"/playlists/{made.created.published.playlist_id}"):  # type: ignore[union-attr]
        html = web.get(path).text
        assert "&lt;script&gt;window.hacked=1&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;" in html, path
        assert "<script>window" not in html and "<b>bold" not in html, path
