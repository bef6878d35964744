"""The entry a schedule installs: when it runs (:class:`Timing`), what it runs (:class:`Job`), and
its text for cron (:func:`cron_line`) and for systemd (:func:`systemd_units`).

Pure text: nothing here runs a program or writes a file (``services.schedule`` does).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from plexmix.errors import UsageError

if TYPE_CHECKING:
    from plexmix.services.context import Context

MARKER = "# plexmix refresh (managed by plexmix schedule)"
UNIT = "plexmix-refresh"
EVERY = ("daily", "weekly", "hourly")
DEFAULT_AT = "06:00"
WEEKDAY = ("Mon", 1)  # weekly runs: systemd's and cron's name for the day
REFRESH_ARGS = ("refresh", "--all", "--sync", "--trigger", "schedule")


@dataclass(frozen=True)
class Timing:
    """When the entry runs: ``at`` HH:MM, ``every`` daily, weekly (on Mondays) or hourly (at MM)."""

    hour: int
    minute: int
    every: str

    @classmethod
    def parse(cls, at: str = DEFAULT_AT, every: str = "daily") -> Timing:
        found = re.fullmatch(r"(\d{1,2}):(\d{2})", at.strip())
        if not found or int(found.group(1)) > 23 or int(found.group(2)) > 59:
            raise UsageError(f"--at {at!r} is not a time of day.", "Give it as HH:MM, e.g. --at 06:30.")
        if every not in EVERY:
            raise UsageError(f"--every {every!r} is not one of {', '.join(EVERY)}.", "E.g. --every weekly.")
        return cls(int(found.group(1)), int(found.group(2)), every)

    def cron_fields(self) -> str:
        hour = "*" if self.every == "hourly" else str(self.hour)
        return f"{self.minute} {hour} * * {WEEKDAY[1] if self.every == 'weekly' else '*'}"

    def on_calendar(self) -> str:
        hour = "*" if self.every == "hourly" else f"{self.hour:02d}"
        day = f"{WEEKDAY[0]} " if self.every == "weekly" else ""
        return f"{day}*-*-* {hour}:{self.minute:02d}:00"

    def describe(self) -> str:
        if self.every == "hourly":
            return f"hourly at minute {self.minute:02d}"
        day = " on Mondays" if self.every == "weekly" else ""
        return f"{self.every}{day} at {self.hour:02d}:{self.minute:02d}"


@dataclass(frozen=True)
class Job:
    """What the entry runs: the command, the environment it carries over, where output goes."""

    argv: tuple[str, ...]
    env: tuple[tuple[str, str], ...]
    log_path: Path

    def shell(self) -> str:
        """``NAME=value /path/plexmix ... >> log 2>&1`` as a POSIX shell runs it."""
        assignments = [f"{name}={shlex.quote(value)}" for name, value in self.env]
        return " ".join([*assignments, shlex.join(self.argv), ">>", shlex.quote(str(self.log_path)), "2>&1"])


def plexmix_command() -> list[str]:
    """The absolute path of the plexmix that is running (the script beside this Python, else the
    one on PATH), else ``python -m plexmix``."""
    beside = Path(sys.executable).parent / "plexmix"
    if beside.is_file() and os.access(beside, os.X_OK):
        return [str(beside.absolute())]
    found = shutil.which("plexmix")
    return [str(Path(found).absolute())] if found else [str(Path(sys.executable).absolute()), "-m", "plexmix"]


def job_for(ctx: Context, command: Sequence[str] | None = None) -> Job:
    """The scheduled command for this data folder, server and config file."""
    settings = ctx.settings
    home = settings.home.expanduser().absolute()
    env = [("PLEXMIX_HOME", str(home))]
    config = ctx.loaded.config_path.expanduser().absolute()
    if config != home / "config.yaml":
        env.append(("PLEXMIX_CONFIG", str(config)))
    globals_: list[str] = []
    if settings.plex.server:
        globals_ += ["--server", settings.plex.server]
    if settings.plex.user:
        globals_ += ["--user", settings.plex.user]
    argv = (*(command or plexmix_command()), *globals_, *REFRESH_ARGS)
    return Job(argv, tuple(env), home / "logs" / "refresh.log")


# -- the two kinds of entry --------------------------------------------------------------------
def cron_line(job: Job, timing: Timing) -> str:
    """One crontab line; ``%`` is escaped because cron turns it into a newline."""
    return f"{timing.cron_fields()} {job.shell().replace('%', chr(92) + '%')} {MARKER}"


def _systemd_quote(value: str, *, command: bool = True) -> str:
    """A word for a unit file: specifiers (``%``) and, in a command line, variables (``$``) kept
    literal; quoted when it holds spaces or quotes."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%")
    escaped = escaped.replace("$", "$$") if command else escaped
    return f'"{escaped}"' if re.search(r'[\s"\\\';]', value) or not value else escaped


def systemd_units(job: Job, timing: Timing) -> dict[str, str]:
    """The service and the timer, by file name."""
    log = str(job.log_path).replace("%", "%%")
    service = "\n".join([
        MARKER,
        "[Unit]",
        "Description=PlexMix: sync, then refresh every saved playlist",
        "",
        "[Service]",
        "Type=oneshot",
        *(f"Environment={_systemd_quote(f'{name}={value}', command=False)}" for name, value in job.env),
        f"ExecStart={' '.join(_systemd_quote(arg) for arg in job.argv)}",
        f"StandardOutput=append:{log}",
        f"StandardError=append:{log}",
        "",
    ])
    timer = "\n".join([
        MARKER,
        "[Unit]",
        f"Description=Run {UNIT}.service {timing.describe()}",
        "",
        "[Timer]",
        f"OnCalendar={timing.on_calendar()}",
        "Persistent=true",
        "",
        "[Install]",
        "WantedBy=timers.target",
        "",
    ])
    return {f"{UNIT}.service": service, f"{UNIT}.timer": timer}
