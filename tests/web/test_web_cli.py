"""`plexmix web` and `plexmix demo --web`: the install hint without the extra, the token of a
public bind (made, shown once, stored with the secrets), and a real uvicorn server started by the
command and stopped by Ctrl+C."""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from typer.testing import CliRunner

from plexmix.cli.main import app
from plexmix.web import server as web_server

runner = CliRunner()


def test_without_the_extra_the_command_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "uvicorn" else real(name, *a))
    for argv in (["web"], ["demo", "--web"]):  # the demo says so before its work
        result = runner.invoke(app, argv)
        assert result.exit_code == 1, argv
        assert "needs uvicorn, which is not installed" in result.output
        assert "pip install 'plexmix[web]'" in result.output
        assert "starting the bundled Plex emulator" not in result.output


def _no_serving(calls: list[dict[str, Any]]) -> Any:
    def serve(pm: Any, host: str, port: int, token: str | None, *, ready: Any, debug: bool = False) -> None:
        calls.append({"host": host, "port": port, "token": token})
        ready(f"http://{host}:{port}/")

    return serve


def test_a_public_address_gets_a_token_shown_once_and_stored(isolated_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(web_server, "serve", _no_serving(calls))
    first = runner.invoke(app, ["web", "--host", "0.0.0.0", "--port", "9999"])
    assert first.exit_code == 0, first.output
    token = calls[0]["token"]
    assert token and len(token) >= 24 and f"http://0.0.0.0:9999/?token={token}" in first.output
    stored = yaml.safe_load((isolated_env / "credentials.yaml").read_text())  # no keyring in the tests
    assert stored["web_token"] == token
    again = runner.invoke(app, ["web", "--host", "0.0.0.0", "--port", "9999"])
    assert again.exit_code == 0 and calls[1]["token"] == token and token not in again.output
    fresh = runner.invoke(app, ["web", "--host", "0.0.0.0", "--new-token"])
    assert calls[2]["token"] != token and calls[2]["token"] in fresh.output
    local = runner.invoke(app, ["web"])
    assert calls[3] == {"host": "127.0.0.1", "port": 8765, "token": None} and "this computer only" in local.output


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_command_serves_the_page_until_interrupted(isolated_env: Path) -> None:
    port = _free_port()
    env = {**os.environ, "PLEXMIX_HOME": str(isolated_env)}
    proc = subprocess.Popen([sys.executable, "-m", "plexmix", "web", "--port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline, response = time.monotonic() + 30, None
        while response is None and time.monotonic() < deadline and proc.poll() is None:
            try:
                response = requests.get(f"http://127.0.0.1:{port}/", timeout=2)
            except requests.ConnectionError:
                time.sleep(0.1)
        assert response is not None and response.status_code == 200, proc.stderr.read() if proc.poll() else ""
        assert "Nothing synced yet" in response.text
        assert requests.get(f"http://127.0.0.1:{port}/", headers={"Host": "evil.example"}, timeout=2).status_code == 421
    finally:
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=20)
    assert proc.returncode in (0, 130), err
    assert f"http://127.0.0.1:{port}/" in err


def test_the_demo_opens_the_page_on_the_bundled_library(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    def serve(pm: Any, host: str, port: int, token: str | None, *, ready: Any, debug: bool = False) -> None:
        with web_server.running(pm) as url:  # what the browser opens, fetched while the demo runs
            ready(url + "/")
            seen["home"] = requests.get(url + "/", timeout=30).text
            seen["playlists"] = requests.get(url + "/playlists", timeout=30).text
        seen.update(host=host, token=token)

    opened: list[str] = []
    monkeypatch.setattr(web_server, "serve", serve)
    monkeypatch.setattr("webbrowser.open", opened.append)
    result = runner.invoke(app, ["demo", "--web", "--tracks", "120", "--limit", "3"])
    assert result.exit_code == 0, result.output
    assert seen["host"] == "127.0.0.1" and seen["token"] is None
    assert len(opened) == 1 and opened[0].startswith("http://127.0.0.1:") and "token" not in opened[0]
    assert '<b id="tracks">120</b>' in seen["home"]
    assert seen["playlists"].count("PlexMix demo: ") == 3
