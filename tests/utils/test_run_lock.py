"""The run lock serializes real processes and names the holder when it gives up."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from plexmix.errors import BusyError
from plexmix.utils.lock import RunLock, run_lock

# A child process: asks for the lock (noting when it asked), holds it for HOLD seconds (noting
# when it got it and when it lets go), and writes those times as JSON.
CHILD = """
import json, sys, time
from pathlib import Path
from plexmix.utils.lock import RunLock

path, out, hold, wait, command = sys.argv[1:6]
asked = time.time()
with RunLock(Path(path), wait=float(wait), command=command):
    got = time.time()
    Path(out + ".held").touch()
    time.sleep(float(hold))
    left = time.time()
Path(out).write_text(json.dumps({"asked": asked, "got": got, "left": left}))
"""


def _child(lock: Path, out: Path, *, hold: float, wait: float, command: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(lock), str(out), str(hold), str(wait), command],
        stderr=subprocess.PIPE,
    )


def _wait_for(path: Path, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.02)


def test_two_processes_never_overlap(tmp_path: Path) -> None:
    lock = tmp_path / "plexmix.lock"
    first = _child(lock, tmp_path / "first.json", hold=1.0, wait=0, command="plexmix refresh --all")
    _wait_for(tmp_path / "first.json.held")
    second = _child(lock, tmp_path / "second.json", hold=0.1, wait=30, command="plexmix sync")
    assert first.wait(30) == 0, first.stderr.read() if first.stderr else ""
    assert second.wait(30) == 0, second.stderr.read() if second.stderr else ""
    a = json.loads((tmp_path / "first.json").read_text())
    b = json.loads((tmp_path / "second.json").read_text())
    assert b["asked"] < a["left"], "the second run asked while the first held the lock"
    assert b["got"] >= a["left"], f"the runs overlapped: {a} {b}"
    assert lock.read_text() == "", "the last holder emptied the lock file when it let go"


def test_busy_error_names_the_holder(tmp_path: Path) -> None:
    lock = tmp_path / "plexmix.lock"
    holder = _child(lock, tmp_path / "holder.json", hold=30, wait=0, command="plexmix refresh --all --sync")
    try:
        _wait_for(tmp_path / "holder.json.held")
        started = time.monotonic()
        with pytest.raises(BusyError) as failed, RunLock(lock, wait=0):
            pytest.fail("got a lock that another process holds")
        assert time.monotonic() - started < 1.0, "wait=0 fails at once"
        message = failed.value.message
        assert f"pid {holder.pid}" in message and "plexmix refresh --all --sync" in message
        assert str(lock) in message and message.count(".") >= 1
        assert failed.value.hint and "run the command again" in failed.value.hint
        assert failed.value.exit_code == 75

        started = time.monotonic()
        with pytest.raises(BusyError, match=r"after waiting 0\.4 s"), RunLock(lock, wait=0.4):
            pass
        assert time.monotonic() - started >= 0.4, "it waited the whole time before giving up"
    finally:
        holder.kill()
        holder.wait(10)


def test_a_killed_holder_releases_the_lock(tmp_path: Path) -> None:
    holder = _child(tmp_path / "plexmix.lock", tmp_path / "h.json", hold=60, wait=0, command="plexmix sync")
    _wait_for(tmp_path / "h.json.held")
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(10)
    with run_lock(tmp_path, wait=0, command="plexmix refresh NAME") as lock:
        assert lock.held
        assert lock.holder() == (os.getpid(), "plexmix refresh NAME")
    assert not lock.held


def test_released_after_an_exception_in_the_block(tmp_path: Path) -> None:
    with pytest.raises(ValueError), RunLock(tmp_path / "x.lock", wait=0):
        raise ValueError("boom")
    with RunLock(tmp_path / "x.lock", wait=0) as again:  # free again, in the same process
        assert again.held
