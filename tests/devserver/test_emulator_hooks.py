"""Test hooks: injected faults, URL length limit, latency, request counters, the CLI entry."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
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
    slept: list[float] = []
    emulator.hooks.sleep = slept.append  # record the delays instead of waiting them out
    emulator.set_latency(0.05)
    assert [get(emulator, "/identity").status_code for _ in range(3)] == [200] * 3
    assert slept == [0.05] * 3
    assert emulator.delays == [(n, "GET /identity", 0.05) for n in (1, 2, 3)]

    emulator.reset_counts()
    slept.clear()
    emulator.set_latency(0.0, spike_every=2, spike=0.1)
    for path in ("/identity", "/library/sections", "/identity", "/library/sections"):
        assert get(emulator, path).status_code == 200
    # Exactly the 2nd and the 4th request were delayed, by the spike.
    assert emulator.delays == [(2, "GET /library/sections", 0.1), (4, "GET /library/sections", 0.1)]
    assert slept == [0.1, 0.1]


def test_latency_holds_the_answer_until_the_delay_is_over(emulator: PlexEmulator) -> None:
    asked, over = threading.Event(), threading.Event()

    def sleep(seconds: float) -> None:  # a delay that lasts until the test says it is over
        asked.set()
        assert over.wait(10)

    emulator.hooks.sleep = sleep
    emulator.set_latency(0.5)
    statuses: list[int] = []
    client = threading.Thread(target=lambda: statuses.append(get(emulator, "/identity").status_code))
    client.start()
    assert asked.wait(10)
    assert statuses == [] and client.is_alive()  # nothing was answered during the delay
    over.set()
    client.join(10)
    assert statuses == [200]


def test_trap_holds_the_nth_matching_request_until_released(emulator: PlexEmulator) -> None:
    trap = emulator.set_trap(2, method="GET", path_pattern=r"^/library/sections/\d+/all$")
    assert get(emulator, "/library/sections/1/all?type=10").status_code == 200  # the 1st: not held
    assert get(emulator, "/library/sections").status_code == 200  # does not match
    assert not trap.reached.is_set()
    statuses: list[int] = []
    client = threading.Thread(
        target=lambda: statuses.append(get(emulator, "/library/sections/1/all?type=9").status_code)
    )
    client.start()
    assert trap.reached.wait(10)
    assert trap.request == ("GET", "/library/sections/1/all")
    assert get(emulator, "/library/sections/1/all?type=8").status_code == 200  # others go on
    assert statuses == [] and not trap.answered.is_set()
    trap.release.set()
    client.join(10)
    assert statuses == [200] and trap.answered.is_set()
    assert trap.seen == 2  # a trap fires once: the request after it was not counted
    emulator.set_trap(path_pattern="^/identity$")
    emulator.clear_traps()  # removed, and nothing is held any more
    assert get(emulator, "/identity").status_code == 200


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


# ``python -m plexmix.devserver ARGS``, with Ctrl+C (SIGINT) handled even where this test runs
# with SIGINT ignored (a shell's background job), which the child would otherwise inherit.
_DEVSERVER_WITH_CTRL_C = (
    "import runpy, signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "runpy.run_module('plexmix.devserver', run_name='__main__', alter_sys=True)"
)


def test_command_line_entry_serves_until_interrupted() -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-c", _DEVSERVER_WITH_CTRL_C, "--port", "0", "--token", "cli-token", "--limit", "50",
         "--data", "demo"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
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
