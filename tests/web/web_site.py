"""Fixtures of the web page tests: the page over a synced and embedded emulator world (the radio
tests' ~700 real tracks, provider ``none``, local embeddings), as an in-process client and served
by uvicorn for a real headless Chromium.

Chromium and chromedriver come from Debian (``apt-get install chromium chromium-driver``; `.ci/run`
installs them when missing). Without them the browser tests fail with that command as the
message, unless ``SKIP_BROWSER_TESTS=1`` is set: then they are skipped, with the reason.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from radio_world import Here, World, _here, _library
from starlette.testclient import TestClient

from plexmix.web.app import create_app

CHROMIUM = os.environ.get("CHROMIUM_BIN", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER_BIN", "/usr/bin/chromedriver")
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage")
BASE = "http://127.0.0.1:8765"  # the in-process client's address (a loopback Host header)
HOSTILE = "<script>window.hacked=1</script><b>bold</b>"


@pytest.fixture(name="here")
def here_fixture(worlds: dict[bool, World], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Here]:
    """A server without sonic analysis, with its own copy of the library (tests change it)."""
    world = World(_library(sonic=False), worlds[False].template)  # the same keys as the template's
    yield from _here(world, tmp_path, monkeypatch)


def client(here: Here, token: str | None = None, **kw: Any) -> TestClient:
    return TestClient(create_app(here.pm, token=token), base_url=kw.pop("base_url", BASE), **kw)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def wait_job(web: TestClient, location: str, timeout: float = 60) -> dict[str, Any]:
    """Poll a job (``/jobs/N``) until it ends; its status JSON."""
    deadline = time.monotonic() + timeout
    while True:
        status = web.get(location + "/status").json()
        if status["status"] != "running" or time.monotonic() > deadline:
            return dict(status)
        time.sleep(0.1)


def browser_ready() -> None:
    """Fail (or, with SKIP_BROWSER_TESTS=1, skip) when Chromium or chromedriver is missing."""
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if shutil.which(p) is None]
    if not missing:
        return
    message = (f"{' and '.join(missing)} not found: install Debian's browser with "
               "`apt-get install -y chromium chromium-driver` (.ci/run does it)")
    if os.environ.get("SKIP_BROWSER_TESTS") == "1":
        pytest.skip(message)
    pytest.fail(message)


def chrome(tmp_path: Path, width: int = 1280, height: int = 900) -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    profile = tmp_path / f"chromium-profile-{width}"
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--window-size={width},{height}")
    return webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))


@pytest.fixture(name="browser")
def browser_fixture(tmp_path: Path) -> Iterator[Any]:
    browser_ready()
    driver = chrome(tmp_path)
    try:
        yield driver
    finally:
        driver.quit()


def until(check: Callable[[], Any], timeout: float = 60, what: str = "the page") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)
