"""The web page in a real headless Chromium (Selenium), served by uvicorn over an emulator world:
make a playlist from a mood and find it on the server, refresh it, run a sync and watch it
finish, a bad token, a hostile track title, every page at a phone's width. Screenshots of each
page go to the test's temporary folder; with DOCS_SCREENSHOT=1 the Create page is also
saved as docs/images/create-page.png (the README shows it)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from radio_world import Here, worlds_fixture  # noqa: F401 - fixtures
from web_site import HOSTILE, browser_fixture, browser_ready, chrome, here_fixture, until  # noqa: F401

from plexmix.web.server import running

pytestmark = pytest.mark.browser
DOCS_IMAGE = Path(__file__).resolve().parents[2] / "docs" / "images" / "create-page.png"
PAGES = {"home": "/", "create": "/create", "playlists": "/playlists", "sync": "/sync", "settings": "/settings"}


@pytest.fixture(name="site")
def site_fixture(here: Here) -> Iterator[str]:
    with running(here.pm) as url:
        yield url


def _by_id(browser: Any, name: str) -> Any:
    from selenium.webdriver.common.by import By

    return browser.find_element(By.ID, name)


def _css(browser: Any, selector: str) -> list[Any]:
    from selenium.webdriver.common.by import By

    return list(browser.find_elements(By.CSS_SELECTOR, selector))


def _finished(browser: Any) -> str:
    """Wait until the job page shows an end (the page polls, then reloads itself)."""
    return str(until(lambda: _css(browser, "#job[data-status=done], #job[data-status=failed]")
                     and _by_id(browser, "job").get_attribute("data-status"), what="the job to end"))


def test_a_mood_becomes_a_playlist_on_the_server_and_is_refreshed(
    here: Here, site: str, browser: Any, tmp_path: Path
) -> None:
    browser.get(site + "/create")
    _by_id(browser, "mood").send_keys("mellow jazz from the 90s")
    _css(browser, "input[name=limit]")[0].send_keys("10")
    _by_id(browser, "preview").click()
    understood = until(lambda: _css(browser, "#understood"), what="the preview")[0].text
    assert "1990" in understood
    browser.save_screenshot(str(tmp_path / "create.png"))
    if os.environ.get("DOCS_SCREENSHOT") == "1":
        DOCS_IMAGE.parent.mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(DOCS_IMAGE))
    _by_id(browser, "make").click()
    assert _finished(browser) == "done"
    browser.save_screenshot(str(tmp_path / "created.png"))
    name = _by_id(browser, "playlist-name").text
    (made,) = here.emu.playlists.find(name)
    rows = _css(browser, "table.tracks tbody tr")
    assert len(rows) == len(made.track_keys) > 0
    titles = {here.library.tracks[k].title for k in made.track_keys}
    assert {row.find_elements("css selector", "td.title")[0].text for row in rows} == titles
    _css(browser, "a.button[href^='/playlists/']")[0].click()
    until(lambda: _css(browser, "#refresh"), what="the playlist page")[0].click()
    assert _finished(browser) == "done"
    assert "kept" in _css(browser, ".change")[0].text
    browser.save_screenshot(str(tmp_path / "refreshed.png"))
    assert here.emu.playlists.find(name)[0].rating_key == made.rating_key  # replaced in place


def test_a_sync_shows_its_progress_until_it_finishes(here: Here, site: str, browser: Any, tmp_path: Path) -> None:
    before = len(here.pm.sync_history(50))
    browser.get(site + "/sync")
    _by_id(browser, "sync-full").click()
    until(lambda: "/jobs/" in browser.current_url, what="the job page")
    assert _finished(browser) == "done"
    assert "added" in _by_id(browser, "sync-summary").text
    assert _css(browser, "#stages .stage progress")  # the stages it went through
    browser.save_screenshot(str(tmp_path / "sync.png"))
    browser.get(site + "/sync")
    assert len(_css(browser, "#history tbody tr")) == before + 1 == len(here.pm.sync_history(50))


def test_a_hostile_track_title_renders_as_text(here: Here, site: str, browser: Any, tmp_path: Path) -> None:
    key = min(here.library.tracks)
    here.library.update_track(key, title=HOSTILE)
    here.pm.sync("incremental")
    made = here.pm.radio(str(key), limit=5, name=HOSTILE, write_to_plex=False)
    browser.get(f"{site}/playlists/{made.created.published.playlist_id}")  # type: ignore[union-attr]
    assert _by_id(browser, "playlist-name").text == HOSTILE
    assert HOSTILE in [cell.text for cell in _css(browser, "td.title")]
    assert browser.execute_script("return window.hacked === undefined")
    assert not _css(browser, "td.title b, h1 b")  # the markup stayed text
    browser.get(site + "/playlists")
    assert HOSTILE in browser.find_element("css selector", "table.playlists").text
    browser.save_screenshot(str(tmp_path / "hostile.png"))


def test_a_bad_token_is_an_error_and_the_right_one_opens_the_page(here: Here, browser: Any) -> None:
    with running(here.pm, token="right-token-0123456789") as url:
        browser.get(url + "/?token=wrong")
        assert "The web token is missing or wrong." in _css(browser, ".error .message")[0].text
        assert "right-token" not in browser.page_source
        browser.get(url + "/create?token=right-token-0123456789")
        assert browser.current_url == url + "/create"  # the token left the address bar
        browser.get(url + "/playlists")  # the cookie carries it now
        assert _css(browser, "h1")[0].text == "Playlists"


def test_every_page_fits_a_phone(here: Here, site: str, tmp_path: Path) -> None:
    browser_ready()
    here.pm.create_playlist("late night soul", limit=6, name="Phone check", write_to_plex=False)
    phone = chrome(tmp_path, width=390, height=844)
    phone.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",  # narrower than a desktop window may be
                          {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True})
    try:
        for name, path in {**PAGES, "playlist": f"/playlists/{here.pm.playlists()[0].id}"}.items():
            phone.get(site + path)
            assert _css(phone, "main h1"), name
            assert phone.execute_script("return window.innerWidth") == 390
            wide = phone.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
            assert wide <= 1, f"{name} is {wide}px wider than the phone"
            phone.save_screenshot(str(tmp_path / f"phone-{name}.png"))
    finally:
        phone.quit()
    assert len(list(tmp_path.glob("phone-*.png"))) == len(PAGES) + 1
