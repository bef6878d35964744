"""Test hooks: injected faults, URL length limit, latency, request counters, the CLI entry."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

import pytest
import requests

from plexmix.devserver.faults import normalise
from plexmix.devserver.server import PlexEmulator


def get(emu: PlexEmulator, path: str) -> requests.Response:
    return requests.get(emu.url + path, headers={"X-Plex-Token": emu.token}, timeout=5)


def test_every_nth_429_with_retry_after(emulator: PlexEmulator) -> None:
    fault = emulator.set_fault(every_nth=3, status=429, retry_after=2)
    statuses = [get(emulator, "/library/sections").status_code for _ in range(9)]
    assert statuses == [200, 200, 429] * 3
    assert fault.fired == 3
    resp = next(r for r in (get(emulator, "/library/sections") for _ in range(3)) if r.status_code == 429)
    assert resp.headers["Retry-After"] == "2"


def test_first_n_503_then_recovery_and_path_filter(emulator: PlexEmulator) -> None:
    emulator.set_fault(status=503, first_n=2, path_contains="/library/sections")
    assert get(emulator, "/").status_code == 200  # not matched
    assert [get(emulator, "/library/sections").status_code for _ in range(3)] == [503, 503, 200]
    emulator.clear_faults()
    emulator.set_fault(status=401, method="POST")
    assert get(emulator, "/library/sections").status_code == 200
    assert (
        requests.post(
            emulator.url + "/playlists", headers={"X-Plex-Token": emulator.token}, timeout=5
        ).status_code
        == 401
    )


def test_plexapi_sees_faults_as_its_own_errors(emulator: PlexEmulator, plex: Any) -> None:
    from plexapi.exceptions import BadRequest, NotFound, Unauthorized

    emulator.set_fault(status=404, first_n=1)
    with pytest.raises(NotFound):
        plex.query("/library/sections")
    emulator.set_fault(status=401, first_n=1)
    with pytest.raises(Unauthorized):
        plex.query("/library/sections")
    emulator.set_fault(status=503, first_n=1)
    with pytest.raises(BadRequest, match="503"):
        plex.query("/library/sections")
    assert plex.query("/library/sections") is not None


def test_max_url_length_answers_414(emulator: PlexEmulator) -> None:
    emulator.max_url_length = 200
    assert get(emulator, "/library/metadata/" + ",".join(str(k) for k in range(1, 20))).status_code != 414
    long_keys = ",".join(str(k) for k in emulator.library.tracks)
    resp = get(emulator, "/library/metadata/" + long_keys)
    assert resp.status_code == 414


def test_latency_is_added(emulator: PlexEmulator) -> None:
    emulator.set_latency(0.05)
    started = time.perf_counter()
    for _ in range(3):
        get(emulator, "/identity")
    assert time.perf_counter() - started >= 0.15
    emulator.set_latency(0.0, spike_every=2, spike=0.1)
    durations = []
    for _ in range(4):
        t0 = time.perf_counter()
        get(emulator, "/identity")
        durations.append(time.perf_counter() - t0)
    assert sum(d >= 0.1 for d in durations) == 2


def test_request_counts_and_reset(emulator: PlexEmulator) -> None:
    emulator.reset_counts()
    get(emulator, "/library/sections/1/all?type=10")
    get(emulator, "/library/sections/1/all?type=9")
    get(emulator, "/library/metadata/1,2,3")
    get(emulator, "/library/metadata/4")
    counts = emulator.request_counts
    assert counts["GET /library/sections/{id}/all"] == 2
    assert counts["GET /library/sections/{id}/all?type=10"] == 1
    assert counts["GET /library/metadata/{ids}"] == 1
    assert counts["GET /library/metadata/{id}"] == 1
    assert emulator.total_requests == 4
    assert all(emulator.token not in path for _, path in emulator.request_log)
    emulator.reset_counts()
    assert not emulator.request_counts and emulator.total_requests == 0
    assert normalise("DELETE", "/playlists/12/items/7") == "DELETE /playlists/{id}/items/{id}"


def test_command_line_entry_serves_until_interrupted() -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "plexmix.devserver", "--port", "0", "--token", "cli-token", "--limit", "50",
         "--data", "demo"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        lines = [proc.stdout.readline() for _ in range(3)] if proc.stdout else []
        url = next(line.split("=", 1)[1].strip() for line in lines if line.startswith("PLEX_URL="))
        assert "PLEX_TOKEN=cli-token" in "".join(lines)
        assert "50 tracks" in lines[0]
        resp = requests.get(url + "/library/sections", headers={"X-Plex-Token": "cli-token"}, timeout=5)
        assert resp.status_code == 200
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
