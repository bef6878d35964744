"""`plexmix sync` when Plex cannot be used: one clear error, the right exit code, nothing lost.

Each case runs the real CLI (CliRunner) against the emulator on 127.0.0.1 after a successful
sync, then checks that the database still holds exactly what that sync wrote.
"""

from __future__ import annotations

import hashlib
import json
import logging
import socket
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from datafiles import shared_data
from plexmix.cli.main import app
from plexmix.devserver.csv_loader import load_library
from plexmix.devserver.library import MusicLibrary
from plexmix.devserver.server import PlexEmulator

TOKEN = "Emu-Plex-Token-7f3a9c21"  # the emulator's (fake) token
WRONG_TOKEN = "Wrong-Token-0d4e8b6a"
runner = CliRunner()


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """The CLI configures the root logger in-process; leave it as it was for the next test."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in [h for h in root.handlers if h not in handlers]:
        root.removeHandler(handler)
        handler.close()
    root.setLevel(level)


@pytest.fixture(scope="module")
def lib() -> MusicLibrary:
    data = shared_data()
    return load_library(data / "spotify_114_genres_sample.csv", limit=120, track_genres=True)


@pytest.fixture
def emu(lib: MusicLibrary) -> Iterator[PlexEmulator]:
    sections = [("movie", "Movies"), ("artist", "Audiobooks")]
    with PlexEmulator(lib, token=TOKEN, extra_sections=sections) as emulator:
        yield emulator


@pytest.fixture
def env(emu: PlexEmulator, isolated_env: Path) -> dict[str, str]:
    return {"PLEX_URL": emu.url, "PLEX_TOKEN": TOKEN, "PLEX_LIBRARY": "Music", "COLUMNS": "200"}


@pytest.fixture
def synced(env: dict[str, str], isolated_env: Path) -> Path:
    """A database filled by a successful `plexmix sync`; returns its path."""
    result = runner.invoke(app, ["sync", "--no-embeddings"], env=env)
    assert result.exit_code == 0, result.output
    return isolated_env / "plexmix.db"


def fingerprint(db_path: Path) -> str:
    """A digest of every row of every table (the file itself may be checkpointed)."""
    conn = sqlite3.connect(db_path)
    try:
        return hashlib.sha256("\n".join(conn.iterdump()).encode()).hexdigest()
    finally:
        conn.close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # closed again when the block ends: connections are refused


def assert_one_error(result: Result, code: int, *fragments: str) -> str:
    out = result.output
    assert result.exit_code == code, out
    assert "Traceback" not in out and "Unexpected error" not in out, out
    lines = out.splitlines()
    errors = [line for line in lines if line.startswith("Error:")]
    assert len(errors) == 1 and sum(line.startswith("Hint:") for line in lines) == 1, out
    assert "[REDACTED]" not in out, out  # nothing secret was there to hide: the text is intact
    for fragment in fragments:
        assert fragment in out, out
    return errors[0]


def test_wrong_token(env: dict[str, str], synced: Path) -> None:
    before = fingerprint(synced)
    result = runner.invoke(app, ["sync"], env={**env, "PLEX_TOKEN": WRONG_TOKEN})
    error = assert_one_error(result, 1, "PLEX_TOKEN")
    assert "token" in error and "401" in error
    assert WRONG_TOKEN not in result.output and TOKEN not in result.output
    assert fingerprint(synced) == before


def test_wrong_token_with_debug_shows_the_traceback_but_not_the_token(
    env: dict[str, str], synced: Path
) -> None:
    result = runner.invoke(app, ["--debug", "sync"], env={**env, "PLEX_TOKEN": WRONG_TOKEN})
    assert result.exit_code != 0
    assert type(result.exception).__name__ == "PlexAuthError"
    assert WRONG_TOKEN not in result.output and WRONG_TOKEN not in str(result.exception)


def test_unreachable_server_fails_fast(env: dict[str, str], synced: Path) -> None:
    before = fingerprint(synced)
    url = f"http://127.0.0.1:{closed_port()}"
    started = time.monotonic()
    result = runner.invoke(app, ["sync", "full"], env={**env, "PLEX_URL": url})
    elapsed = time.monotonic() - started
    error = assert_one_error(result, 1, "PLEX_URL")
    assert "Cannot reach" in error and url in error
    assert elapsed < 10, f"took {elapsed:.1f} s"
    assert "Retrying" not in result.output and "NewConnectionError" not in result.output  # no urllib3 noise
    assert fingerprint(synced) == before


@pytest.mark.parametrize(
    ("args", "extra_env"),
    [(["sync", "--library", "Nope"], {}), (["sync"], {"PLEX_LIBRARY": "Nope"})],
    ids=["flag", "env"],
)
def test_wrong_library_lists_the_music_libraries(
    env: dict[str, str], synced: Path, args: list[str], extra_env: dict[str, str]
) -> None:
    before = fingerprint(synced)
    result = runner.invoke(app, args, env={**env, **extra_env})
    error = assert_one_error(result, 1, "1. Music", "2. Audiobooks")
    assert "'Nope'" in error
    assert "Movies" not in result.output  # not a music library
    assert fingerprint(synced) == before


def test_no_plex_url_configured(env: dict[str, str], synced: Path) -> None:
    before = fingerprint(synced)
    result = runner.invoke(app, ["sync"], env={**env, "PLEX_URL": ""})
    assert_one_error(result, 1, "plexmix config init")
    assert fingerprint(synced) == before


def test_status_still_shows_the_good_sync_after_the_failures(env: dict[str, str], synced: Path) -> None:
    for extra in ({"PLEX_TOKEN": WRONG_TOKEN}, {"PLEX_LIBRARY": "Nope"}, {"PLEX_URL": ""}):
        assert runner.invoke(app, ["sync"], env={**env, **extra}).exit_code == 1
    result = runner.invoke(app, ["sync", "status", "--json"], env=env)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [s["status"] for s in data["syncs"]] == ["success"]  # failed connections start no sync
    assert data["counts"]["tracks"] == 120
