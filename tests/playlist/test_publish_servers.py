"""A playlist holds one server's tracks (issue 13): writing tracks synced from one server to
another is refused with a clear message, before anything is written."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from plexmix.cli.main import app
from plexmix.devserver.csv_loader import DEMO_PATH, load_library
from plexmix.devserver.server import PlexEmulator

runner = CliRunner()


def posts(emu: PlexEmulator) -> int:
    """Playlists created on ``emu`` (``POST /playlists`` requests)."""
    return sum(1 for method, path in emu.request_log if method == "POST" and path.startswith("/playlists"))


def test_tracks_of_one_server_are_not_written_to_another(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEFAULT_AI_PROVIDER", "none")
    home = PlexEmulator(load_library(DEMO_PATH, limit=200), machine_identifier="home-server")
    cabin = PlexEmulator(load_library(DEMO_PATH, limit=200), machine_identifier="cabin-server")
    with home, cabin:
        monkeypatch.setenv("PLEX_URL", home.url)
        monkeypatch.setenv("PLEX_TOKEN", home.token)
        assert runner.invoke(app, ["sync", "full", "--no-embeddings"]).exit_code == 0
        made = runner.invoke(app, ["create", "good songs", "--limit", "5", "--name", "At home", "--yes"])
        assert made.exit_code == 0, made.output
        assert posts(home) == 1
        # The same profile now points at another server (same keys, other tracks): refused.
        monkeypatch.setenv("PLEX_URL", cabin.url)
        monkeypatch.setenv("PLEX_TOKEN", cabin.token)
        refused = runner.invoke(app, ["create", "good songs", "--limit", "5", "--name", "Wrong", "--yes"])
        assert refused.exit_code != 0
        said = " ".join(refused.output.split())
        assert "a playlist holds the tracks of one server only" in said
        assert "--server NAME" in said and "Traceback" not in said
        assert posts(cabin) == 0  # nothing was written there
