"""``plexmix schedule``: a cron entry or a systemd user timer that keeps the playlists fresh.

PlexMix has no scheduler of its own. It writes an entry for the one the machine has, which runs
``plexmix refresh --all --sync --trigger schedule`` (sync, then refresh every saved playlist,
under the run lock) with the same data folder and server, its output appended to
``$PLEXMIX_HOME/logs/refresh.log``:

* a **systemd user timer** when a user manager answers (``XDG_RUNTIME_DIR`` set, ``systemctl``
  on PATH and ``systemctl --user is-system-running`` says how it is):
  ``~/.config/systemd/user/plexmix-refresh.service`` and ``.timer``;
* else a **crontab line**, marked with :data:`MARKER` so that ``remove`` finds exactly it and
  keeps every other line.

External programs run through one :class:`Runner` (its environment decides PATH, HOME and
XDG_CONFIG_HOME), so tests can put fake ``crontab``/``systemctl`` executables first on PATH.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from plexmix.errors import PlexMixError, UsageError
from plexmix.services.schedule_entries import (
    DEFAULT_AT,
    MARKER,
    UNIT,
    Job,
    Timing,
    cron_line,
    job_for,
    systemd_units,
)

if TYPE_CHECKING:
    from plexmix.services.context import Context

KINDS = ("cron", "systemd")
SYSTEMD_STATES = {"initializing", "starting", "running", "degraded", "maintenance", "stopping"}
NO_SCHEDULER_HINT = "Print the entry with `plexmix schedule install --print` and add it to your scheduler."


@dataclass(frozen=True)
class Completed:
    returncode: int
    stdout: str
    stderr: str


class Runner:
    """Runs the scheduler's programs with one environment (default: this process's)."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self.env = dict(os.environ if env is None else env)

    def which(self, name: str) -> str | None:
        return shutil.which(name, path=self.env.get("PATH", os.defpath))

    def run(self, argv: Sequence[str], stdin: str | None = None) -> Completed:
        argv = [self.which(argv[0]) or argv[0], *argv[1:]]  # found on this runner's PATH
        try:
            done = subprocess.run(
                argv, input=stdin, capture_output=True, text=True, env=self.env, timeout=60, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return Completed(127, "", str(exc))
        return Completed(done.returncode, done.stdout, done.stderr)

    @property
    def unit_dir(self) -> Path:
        """Where systemd looks for the user's own units."""
        config = self.env.get("XDG_CONFIG_HOME") or str(Path(self.env.get("HOME") or Path.home()) / ".config")
        return Path(config) / "systemd" / "user"


# -- which scheduler ---------------------------------------------------------------------------
def systemd_usable(runner: Runner) -> bool:
    if not runner.env.get("XDG_RUNTIME_DIR") or not runner.which("systemctl"):
        return False
    answer = runner.run(["systemctl", "--user", "is-system-running"])
    return answer.stdout.strip() in SYSTEMD_STATES


def detect_kind(runner: Runner) -> str | None:
    """``systemd`` (a user manager answers), else ``cron`` (``crontab`` on PATH), else None."""
    if systemd_usable(runner):
        return "systemd"
    return "cron" if runner.which("crontab") else None


def _check_kind(kind: str | None) -> None:
    if kind is not None and kind not in KINDS:
        raise UsageError(f"--kind {kind!r} is not one of {', '.join(KINDS)}.", "For example --kind cron.")


def _kind(runner: Runner, kind: str | None) -> str:
    _check_kind(kind)
    found = kind or detect_kind(runner)
    if found is None:
        raise UsageError(
            "This machine has no scheduler PlexMix can use (no systemd user manager, no crontab).",
            NO_SCHEDULER_HINT,
        )
    return found


# -- install, show, remove ---------------------------------------------------------------------
@dataclass
class Plan:
    """An entry for one scheduler: what install writes (or, with ``--print``, only shows)."""

    kind: str
    timing: Timing
    job: Job
    files: dict[str, str]  # cron: {"crontab": line}; systemd: {unit file name: text}
    unit_dir: Path | None = None
    installed: bool = False

    def text(self) -> str:
        if self.kind == "cron":
            return self.files["crontab"]
        return "\n".join(f"# {self.unit_dir / name if self.unit_dir else name}\n{body}"
                         for name, body in self.files.items())

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "schedule": self.timing.describe(), "installed": self.installed,
                "command": list(self.job.argv), "environment": dict(self.job.env),
                "log": str(self.job.log_path), "entry": self.text()}


def plan_schedule(
    ctx: Context, *, at: str = DEFAULT_AT, every: str = "daily", kind: str | None = None,
    runner: Runner | None = None, print_only: bool = False, command: Sequence[str] | None = None,
) -> Plan:
    """The entry for the chosen (or found) scheduler. With ``print_only`` and no scheduler on the
    machine, the crontab line: printing needs none."""
    runner = runner or Runner()
    timing = Timing.parse(at, every)
    if print_only and kind is None:
        kind = detect_kind(runner) or "cron"
    chosen = _kind(runner, kind)
    job = job_for(ctx, command)
    if chosen == "cron":
        return Plan("cron", timing, job, {"crontab": cron_line(job, timing)})
    return Plan("systemd", timing, job, systemd_units(job, timing), runner.unit_dir)


def install_schedule(
    ctx: Context, *, at: str = DEFAULT_AT, every: str = "daily", kind: str | None = None,
    runner: Runner | None = None, command: Sequence[str] | None = None,
) -> Plan:
    """Write the entry (replacing PlexMix's earlier one of the same kind) and switch it on."""
    runner = runner or Runner()
    plan = plan_schedule(ctx, at=at, every=every, kind=kind, runner=runner, command=command)
    plan.job.log_path.parent.mkdir(parents=True, exist_ok=True)
    if plan.kind == "cron":
        kept = _without_ours(_read_crontab(runner))
        _write_crontab(runner, [*kept, plan.files["crontab"]])
    else:
        assert plan.unit_dir is not None
        plan.unit_dir.mkdir(parents=True, exist_ok=True)
        for name, body in plan.files.items():
            (plan.unit_dir / name).write_text(body, encoding="utf-8")
        _systemctl(runner, "daemon-reload")
        _systemctl(runner, "enable", "--now", f"{UNIT}.timer")
    plan.installed = True
    return plan


@dataclass
class Installed:
    """A PlexMix entry found on this machine."""

    kind: str
    where: str  # "crontab" or the timer's path
    entry: str
    schedule: str | None = None  # the cron fields or OnCalendar=
    next_run: str | None = None  # systemd only, as it says it

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "where": self.where, "schedule": self.schedule,
                "next_run": self.next_run, "entry": self.entry}


@dataclass
class ScheduleStatus:
    available: str | None  # the scheduler install would use
    entries: list[Installed] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"scheduler": self.available, "installed": [e.as_dict() for e in self.entries]}


def show_schedule(runner: Runner | None = None) -> ScheduleStatus:
    """What PlexMix installed: its crontab line and its systemd timer (with the next run)."""
    runner = runner or Runner()
    status = ScheduleStatus(detect_kind(runner))
    if runner.which("crontab"):
        for line in _ours(_read_crontab(runner, strict=False)):
            status.entries.append(Installed("cron", "crontab", line, " ".join(line.split()[:5])))
    timer = runner.unit_dir / f"{UNIT}.timer"
    if _is_ours(timer):
        units = [runner.unit_dir / f"{UNIT}.{suffix}" for suffix in ("service", "timer")]
        text = "\n".join(f"# {unit}\n{unit.read_text(encoding='utf-8')}" for unit in units if _is_ours(unit))
        calendar = re.search(r"^OnCalendar=(.+)$", text, re.M)
        schedule = calendar.group(1).strip() if calendar else None
        status.entries.append(Installed("systemd", str(timer), text, schedule, _next_run(runner)))
    return status


def remove_schedule(kind: str | None = None, runner: Runner | None = None) -> list[str]:
    """Remove PlexMix's entries (of one kind, or all); every other crontab line stays. Returns
    what was removed ("crontab", unit file paths)."""
    runner = runner or Runner()
    _check_kind(kind)
    removed: list[str] = []
    if kind in (None, "cron") and runner.which("crontab"):
        lines = _read_crontab(runner, strict=False)
        if _ours(lines):
            _write_crontab(runner, _without_ours(lines))
            removed.append("crontab")
    units = [runner.unit_dir / f"{UNIT}.{suffix}" for suffix in ("timer", "service")]
    if kind in (None, "systemd") and any(_is_ours(u) for u in units):
        running = systemd_usable(runner)
        if running:  # a timer that is not installed any more: nothing to stop
            runner.run(["systemctl", "--user", "disable", "--now", f"{UNIT}.timer"])
        for unit in units:
            if _is_ours(unit):
                unit.unlink()
                removed.append(str(unit))
        if running:
            _systemctl(runner, "daemon-reload")
    return removed


# -- crontab and systemctl ---------------------------------------------------------------------
def _read_crontab(runner: Runner, *, strict: bool = True) -> list[str]:
    """The user's crontab lines ([] when there is none yet)."""
    if not runner.which("crontab"):
        raise UsageError("`crontab` is not on PATH.", NO_SCHEDULER_HINT)
    got = runner.run(["crontab", "-l"])
    if got.returncode == 0:
        return got.stdout.splitlines()
    if "no crontab" in got.stderr.lower() or not strict:
        return []
    raise PlexMixError(f"`crontab -l` failed: {_said(got)}.", "Check that you may use cron (cron.allow).")


def _write_crontab(runner: Runner, lines: list[str]) -> None:
    text = "\n".join(lines) + "\n" if lines else ""
    got = runner.run(["crontab", "-"], stdin=text)
    if got.returncode != 0:
        raise PlexMixError(f"`crontab -` failed: {_said(got)}.", "Check that you may use cron (cron.allow).")


def _systemctl(runner: Runner, *args: str) -> None:
    got = runner.run(["systemctl", "--user", *args])
    if got.returncode != 0:
        raise PlexMixError(
            f"`systemctl --user {' '.join(args)}` failed: {_said(got)}.",
            "Check `systemctl --user status`, or use `--kind cron`.",
        )


def _next_run(runner: Runner) -> str | None:
    if not systemd_usable(runner):
        return None
    got = runner.run(["systemctl", "--user", "show", f"{UNIT}.timer", "--property=NextElapseUSecRealtime",
                      "--value"])
    value = got.stdout.strip()
    return value if got.returncode == 0 and value and value != "n/a" else None


def _said(got: Completed) -> str:
    return (got.stderr.strip() or got.stdout.strip() or f"exit code {got.returncode}").splitlines()[0]


def _ours(lines: list[str]) -> list[str]:
    return [line for line in lines if line.rstrip().endswith(MARKER)]


def _without_ours(lines: list[str]) -> list[str]:
    return [line for line in lines if not line.rstrip().endswith(MARKER)]


def _is_ours(path: Path) -> bool:
    try:
        return path.read_text(encoding="utf-8").startswith(MARKER)
    except OSError:
        return False
