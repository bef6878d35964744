"""Isolation for every test: a private PLEXMIX_HOME, no real keyring, no stray environment."""

from __future__ import annotations

import importlib.util
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from datafiles import shared_data, using_bundled_data
from plexmix.config.credentials import SECRETS
from plexmix.config.loader import ENV_SETTINGS
from plexmix.devserver.csv_loader import DEFAULT_NOW, load_library
from plexmix.devserver.library import ManualClock, MusicLibrary
from plexmix.devserver.server import PlexEmulator

# Helper modules (fakes, harnesses) live beside the tests that use them most; every test folder
# is importable, so any test can use any helper by its module name.
for _folder in sorted(p for p in Path(__file__).resolve().parent.rglob("*") if p.is_dir() and "__" not in p.name):
    if str(_folder) not in sys.path:
        sys.path.append(str(_folder))
_BENCH = Path(__file__).resolve().parents[1] / "bench"  # bench/embed_cache.py: the shared vector cache
if str(_BENCH) not in sys.path:
    sys.path.append(str(_BENCH))

_SECRET_VARS = tuple(var for spec in SECRETS.values() for var in spec.env_vars)  # aliases included


def pytest_configure(config: pytest.Config) -> None:
    """Ctrl+C must work in the tests that press it, also when the suite itself was started with
    SIGINT ignored (a background job of a shell): restore Python's handler, which children
    started by the tests then get back as the default action."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "plexmix-home"
    for var in (*ENV_SETTINGS, *_SECRET_VARS, "PLEXMIX_CONFIG", "PLEX_PIN"):
        monkeypatch.delenv(var, raising=False)
    for var in list(os.environ):
        if var.startswith("PLEXMIX_") and var != "PLEXMIX_TEST_DATA":  # that one picks the test data
            monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("PLEXMIX_HOME", str(home))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    monkeypatch.chdir(tmp_path)
    return home


@pytest.fixture
def shared_data_dir() -> Path:
    """Real track CSVs: ../shared/data in CI, else rebuilt from the bundled demo tracks."""
    return shared_data()


@pytest.fixture
def clock() -> ManualClock:
    """The emulator's clock, a day after the data's timestamps; tests move it by hand."""
    return ManualClock(DEFAULT_NOW + 86400)


@pytest.fixture
def lib(shared_data_dir: Path, clock: ManualClock) -> MusicLibrary:
    """400 real tracks with track-level genres on the test's clock (a fresh copy: safe to mutate)."""
    return load_library(shared_data_dir / "tidytuesday_spotify_songs.csv.gz", limit=400, track_genres=True,
                        clock=clock)


@pytest.fixture
def emu(lib: MusicLibrary) -> Iterator[PlexEmulator]:
    """The Plex emulator serving :func:`lib` on a loopback port."""
    with PlexEmulator(lib) as emulator:
        yield emulator


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``needs_shared_data`` count on the full data sets (sizes, particular artists);
    without ../shared/data beside the checkout they are skipped, and CI, which has it, runs them.
    Tests marked ``local_model`` need the ``[local]`` extra (sentence-transformers and torch);
    without it they are skipped (``make test`` installs it, so CI runs them)."""
    skips = {}
    if using_bundled_data():
        skips["needs_shared_data"] = pytest.mark.skip(
            reason="needs the full data sets in ../shared/data (CI runs it)"
        )
    if importlib.util.find_spec("sentence_transformers") is None:
        skips["local_model"] = pytest.mark.skip(reason="needs the [local] extra (make test installs it)")
    for item in items:
        for marker, skip in skips.items():
            if marker in item.keywords:
                item.add_marker(skip)


@pytest.fixture
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Fail any request that would leave the machine (e.g. to the real plex.tv); the URLs asked."""
    import requests

    seen: list[str] = []
    send = requests.adapters.HTTPAdapter.send

    def guarded(self: Any, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        assert urlsplit(str(request.url)).hostname == "127.0.0.1", f"non-loopback request: {request.url}"
        seen.append(str(request.url))
        return send(self, request, *args, **kwargs)

    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", guarded)
    return seen
