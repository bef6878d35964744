"""A playlist made while Plex is unreachable is kept locally, and the user is told why."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from plexmix.cli.main import app
from plexmix.devserver.csv_loader import load_library
from plexmix.devserver.server import PlexEmulator

runner = CliRunner()


def test_create_with_plex_down_saves_locally_and_exits_1(
    shared_data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lib = load_library(shared_data_dir / "spotify_114_genres_sample.csv", limit=80, track_genres=True)
    monkeypatch.setenv("DEFAULT_EMBEDDING_PROVIDER", "local")
    with PlexEmulator(lib) as emu:
        monkeypatch.setenv("PLEX_URL", emu.url)
        monkeypatch.setenv("PLEX_TOKEN", emu.token)
        assert runner.invoke(app, ["sync", "--json"]).exit_code == 0
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("PLEX_URL", f"http://127.0.0.1:{port}")
    result = runner.invoke(app, ["create", "quiet evening", "--limit", "5", "--name", "Evening"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "Plex could not be written" in result.output and "saved locally" in result.output
    listed = runner.invoke(app, ["list", "playlists", "--json"])
    (playlist,) = json.loads(listed.stdout)
    assert playlist["name"] == "Evening" and playlist["plex_key"] is None and playlist["track_count"] == 5
