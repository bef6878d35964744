"""`plexmix schedule install|show|remove` through the real CLI, with fake crontab/systemctl
programs first (and alone) on PATH, HOME and XDG_CONFIG_HOME in the test's folder."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from schedule_fakes import NEXT_RUN, FakeScheduler
from typer.testing import CliRunner, Result

from plexmix.cli.main import app
from plexmix.services.schedule_entries import MARKER

runner = CliRunner()


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers = list(root.handlers)
    yield
    for handler in [h for h in root.handlers if h not in handlers]:
        root.removeHandler(handler)
        handler.close()


def run(fake: FakeScheduler, *args: str, systemd: bool = False) -> Result:
    env: dict[str, str | None] = {**fake.env(systemd=systemd), "COLUMNS": "200"}
    if not systemd:
        env["XDG_RUNTIME_DIR"] = None
    return runner.invoke(app, list(args), env=env)


def test_cron_round_trip(tmp_path: Path, isolated_env: Path) -> None:
    fake = FakeScheduler(tmp_path / "fake").install("crontab")
    fake.set_crontab("MAILTO=me@example.com\n15 3 * * * /usr/bin/true\n")

    printed = run(fake, "schedule", "install", "--print", "--at", "05:45")
    assert printed.exit_code == 0, printed.output
    line = printed.stdout.strip()
    assert line.startswith("45 5 * * * PLEXMIX_HOME=") and line.endswith(MARKER) and "\n" not in line
    assert f"{isolated_env}/logs/refresh.log 2>&1" in line
    assert fake.crontab() == "MAILTO=me@example.com\n15 3 * * * /usr/bin/true\n", "--print changes nothing"

    done = run(fake, "schedule", "install", "--at", "05:45")
    assert done.exit_code == 0, done.output
    assert "Installed (crontab): daily at 05:45." in done.stdout
    assert fake.crontab() == f"MAILTO=me@example.com\n15 3 * * * /usr/bin/true\n{line}\n", "same line as printed"

    shown = run(fake, "schedule", "show", "--json")
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.stdout)
    assert data["scheduler"] == "cron"
    assert [(e["kind"], e["schedule"], e["entry"]) for e in data["installed"]] == [("cron", "45 5 * * *", line)]

    removed = run(fake, "schedule", "remove")
    assert removed.exit_code == 0 and "Removed crontab" in removed.stdout, removed.output
    assert fake.crontab() == "MAILTO=me@example.com\n15 3 * * * /usr/bin/true\n"
    empty = run(fake, "schedule", "show")
    assert "No PlexMix schedule is installed (this machine has cron)" in empty.stdout


def test_systemd_install_and_show(tmp_path: Path) -> None:
    fake = FakeScheduler(tmp_path / "fake").install("crontab", "systemctl")
    done = run(fake, "schedule", "install", "--every", "hourly", "--at", "00:20", systemd=True)
    assert done.exit_code == 0, done.output
    assert "Installed (systemd user timer" in done.stdout and "hourly at minute 20" in done.stdout
    assert "OnCalendar=*-*-* *:20:00" in (fake.unit_dir / "plexmix-refresh.timer").read_text()
    shown = run(fake, "schedule", "show", systemd=True)
    assert shown.exit_code == 0, shown.output
    assert "systemd" in shown.stdout and f"Next run: {NEXT_RUN}" in shown.stdout
    assert "ExecStart=" in shown.stdout and fake.crontab() is None


@pytest.mark.parametrize(
    "args,message,hint",
    [
        (("schedule", "install", "--at", "6pm"), "--at '6pm' is not a time of day.", "HH:MM"),
        (("schedule", "install", "--every", "monthly"), "--every 'monthly' is not one of", "--every weekly"),
        (("schedule", "install", "--kind", "launchd"), "--kind 'launchd' is not one of", "--kind cron"),
        (("schedule", "install"), "This machine has no scheduler", "schedule install --print"),
        (("schedule", "remove", "--kind", "at"), "--kind 'at' is not one of", "--kind cron"),
    ],
)
def test_user_errors_are_one_sentence_and_a_hint(tmp_path: Path, args: tuple[str, ...], message: str,
                                                 hint: str) -> None:
    fake = FakeScheduler(tmp_path / "fake").install()  # no scheduler at all
    result = run(fake, *args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    error, hint_line = " ".join(result.stderr.split()).split(" Hint: ")
    assert error.startswith(f"Error: {message}") and error.count(". ") == 0, "one sentence"
    assert hint in hint_line
    assert fake.calls() == []


def test_crontab_failure_exits_1(tmp_path: Path) -> None:
    fake = FakeScheduler(tmp_path / "fake").install("crontab")
    (fake.state / "crontab-refuses").write_text("crontab: your UID isn't in the passwd file\n")
    result = run(fake, "schedule", "install")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "`crontab -l` failed: crontab: your UID isn't in the passwd file." in " ".join(result.stderr.split())
