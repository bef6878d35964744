"""The run lock: one PlexMix run at a time that writes playlists (a scheduled refresh, a sync).

A :class:`RunLock` holds an exclusive ``fcntl.flock`` on a lock file (the services use
``$PLEXMIX_HOME/plexmix.lock``, see :func:`run_lock`) and writes the holder's pid and command
into it, so a second run can say who is in the way. The kernel drops the lock when the holder's
file is closed, which includes a crash or ``kill -9``: there is never a stale lock to clean up.

POSIX only (Linux, macOS, the BSDs): ``fcntl`` does not exist on Windows, which is not a target.
"""

from __future__ import annotations

import fcntl
import os
import shlex
import sys
import time
from pathlib import Path
from types import TracebackType

from plexmix.errors import BusyError

LOCK_NAME = "plexmix.lock"
POLL_SECONDS = 0.05


def current_command() -> str:
    """This process's command line as a person would type it (``plexmix refresh --all``)."""
    argv = list(sys.argv) or ["plexmix"]
    argv[0] = Path(argv[0]).name or "plexmix"
    return shlex.join(argv)


class RunLock:
    """``with RunLock(path, wait=30):`` waits up to ``wait`` seconds for the lock (``0``: fail at
    once, ``None``: wait as long as it takes), else raises :class:`~plexmix.errors.BusyError`."""

    def __init__(self, path: Path, *, wait: float | None, command: str | None = None) -> None:
        self.path = path
        self.wait = wait
        self.command = command or current_command()
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> None:
        if self._fd is not None:
            raise RuntimeError(f"{self.path} is already held by this RunLock")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = None if self.wait is None else time.monotonic() + max(self.wait, 0.0)
        try:
            while not _try_lock(fd):
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    raise self._busy()
                time.sleep(POLL_SECONDS if left is None else min(POLL_SECONDS, left))
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n{self.command}\n".encode(), 0)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            os.ftruncate(fd, 0)  # emptied while still held: no one reads a finished holder's name
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def holder(self) -> tuple[int | None, str | None]:
        """The pid and command written by the run that holds the lock (``None``: not known)."""
        try:
            lines = self.path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return None, None
        pid = int(lines[0]) if lines and lines[0].strip().isdigit() else None
        command = lines[1].strip() if len(lines) > 1 and lines[1].strip() else None
        return pid, command

    def _busy(self) -> BusyError:
        pid, command = self.holder()
        who = ", ".join(part for part in (f"pid {pid}" if pid else "", command or "") if part)
        waited = f" after waiting {self.wait:g} s" if self.wait else ""
        return BusyError(
            f"Another PlexMix run ({who or 'pid unknown'}) holds the lock {self.path}{waited}.",
            "Wait for it to finish and run the command again; a run that stops or crashes "
            "releases the lock by itself.",
        )

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def run_lock(home: Path, wait: float | None = 0, command: str | None = None) -> RunLock:
    """The lock every playlist-writing run of one PlexMix home shares (``home/plexmix.lock``)."""
    return RunLock(home / LOCK_NAME, wait=wait, command=command)
