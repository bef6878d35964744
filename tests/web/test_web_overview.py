"""The library overview behind the home page's charts, checked against the emulator's data, and
a job that fails showing the service's message and hint."""

from __future__ import annotations

from collections import Counter

from radio_world import Here, worlds_fixture  # noqa: F401 - fixtures
from web_site import client, csrf_of, here_fixture, wait_job  # noqa: F401 - fixtures

from plexmix.services.overview import library_overview, server_id
from plexmix.web import charts


def test_the_overview_counts_what_the_server_holds(here: Here) -> None:
    lib = here.library
    overview = library_overview(here.pm.context)
    years = [t.year or lib.albums[t.album_key].year for t in lib.tracks.values()]
    assert overview.decades == sorted(Counter(y // 10 * 10 for y in years if y).items())
    genres = Counter(g.strip().lower() for t in lib.tracks.values() for g in set(t.genres))
    assert overview.genres[0] == genres.most_common(1)[0]
    moods = Counter(m.strip().lower() for t in lib.tracks.values()  # its own, else its album's or artist's
                    for m in set(t.moods or lib.albums[t.album_key].moods or lib.artists[t.artist_key].moods))
    assert [n for _, n in overview.moods] == sorted((n for n in moods.values()), reverse=True)[:10]
    assert overview.counts["tracks"] == len(lib.tracks) and overview.coverage == 1.0
    assert overview.last_sync is not None and overview.last_sync.mode == "full"
    assert server_id(here.pm.context) == here.emu.playlists.machine_identifier


def test_charts_scale_to_the_largest_value() -> None:
    chart = charts.horizontal("Top", [("rock", 10), ("jazz", 5)])
    assert chart.bars[0].width == 2 * chart.bars[1].width and chart.bars[1].y > chart.bars[0].y
    cols = charts.columns("Decades", [("1990s", 4), ("2000s", 8)])
    assert cols.bars[1].height == 2 * cols.bars[0].height and cols.bars[0].y > cols.bars[1].y
    assert charts.horizontal("None", []).bars == []


def test_a_failed_job_shows_the_message_and_the_hint(here: Here) -> None:
    web = client(here)
    csrf = csrf_of(web.get("/create").text)
    started = web.post("/radio", data={"csrf": csrf, "seed": "No Such Song Anywhere - Nobody"},
                       follow_redirects=False)
    status = wait_job(web, started.headers["location"])
    assert status["status"] == "failed" and status["error"] and status["hint"], status
    page = web.get(started.headers["location"]).text
    assert "Error:" in page and "Hint:" in page
    assert here.pm.playlists() == []
