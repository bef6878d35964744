"""plexmix schedule (service): which scheduler, the entries it writes, install/show/remove with
fake crontab and systemctl programs run as real subprocesses."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from schedule_fakes import NEXT_RUN, FakeScheduler

from plexmix.errors import PlexMixError, UsageError
from plexmix.services.context import Context
from plexmix.services.schedule import (
    Runner,
    detect_kind,
    install_schedule,
    plan_schedule,
    remove_schedule,
    show_schedule,
)
from plexmix.services.schedule_entries import MARKER, Timing, job_for, plexmix_command

OTHER_LINES = [
    "# m h dom mon dow command",
    "MAILTO=me@example.com",
    "*/5 * * * * /usr/local/bin/backup --quick  # my own",
    "30 2 * * 0 echo '100%' > /tmp/weekly",
]


@pytest.fixture
def fake(tmp_path: Path) -> FakeScheduler:
    return FakeScheduler(tmp_path / "fake")


def test_timing_fields_and_errors() -> None:
    assert (Timing.parse().cron_fields(), Timing.parse().on_calendar()) == ("0 6 * * *", "*-*-* 06:00:00")
    weekly = Timing.parse("7:05", "weekly")
    assert (weekly.cron_fields(), weekly.on_calendar()) == ("5 7 * * 1", "Mon *-*-* 07:05:00")
    hourly = Timing.parse("23:45", "hourly")
    assert (hourly.cron_fields(), hourly.on_calendar()) == ("45 * * * *", "*-*-* *:45:00")
    assert weekly.describe() == "weekly on Mondays at 07:05"
    for at in ("24:00", "06:60", "6", "six", "06:00:00"):
        with pytest.raises(UsageError, match="not a time of day") as bad:
            Timing.parse(at)
        assert bad.value.hint and "HH:MM" in bad.value.hint
    with pytest.raises(UsageError, match="daily, weekly, hourly"):
        Timing.parse("06:00", "monthly")


def test_which_scheduler(fake: FakeScheduler) -> None:
    fake.install("crontab", "systemctl")
    assert detect_kind(Runner(fake.env(systemd=True))) == "systemd"
    assert "systemctl --user is-system-running" in fake.calls()
    assert detect_kind(Runner(fake.env(systemd=False))) == "cron", "no XDG_RUNTIME_DIR: no user manager"
    assert detect_kind(Runner(fake.env(systemd=True, FAKE_SYSTEMD_STATE="offline"))) == "cron"
    assert detect_kind(Runner(fake.env(systemd=True, FAKE_SYSTEMD_STATE="degraded"))) == "systemd"
    (fake.bin / "crontab").unlink()
    assert detect_kind(Runner(fake.env(systemd=True, FAKE_SYSTEMD_STATE="offline"))) is None


def test_no_scheduler_is_a_usage_error_but_print_works(fake: FakeScheduler) -> None:
    runner = Runner(fake.install().env(systemd=True))  # no programs at all
    ctx = Context.load()
    with pytest.raises(UsageError, match="no scheduler") as failed:
        install_schedule(ctx, runner=runner)
    assert failed.value.hint and "--print" in failed.value.hint
    printed = plan_schedule(ctx, runner=runner, print_only=True)
    assert printed.kind == "cron" and printed.text().endswith(MARKER) and not printed.installed
    assert plan_schedule(ctx, runner=runner, print_only=True, kind="systemd").kind == "systemd"
    with pytest.raises(UsageError, match="--kind 'anacron'"):
        plan_schedule(ctx, runner=runner, kind="anacron")


def test_job_carries_home_config_and_server(tmp_path: Path, isolated_env: Path) -> None:
    job = job_for(Context.load(), ["/opt/bin/plexmix"])
    assert job.argv == ("/opt/bin/plexmix", "refresh", "--all", "--sync", "--trigger", "schedule")
    assert job.env == (("PLEXMIX_HOME", str(isolated_env)),)
    assert job.log_path == isolated_env / "logs" / "refresh.log"
    config = tmp_path / "elsewhere.yaml"
    config.write_text("servers:\n  work:\n    url: http://127.0.0.1:9\n", encoding="utf-8")
    ctx = Context.load(config, overrides={"plex.server": "work"})
    job = job_for(ctx, ["/opt/bin/plexmix"])
    assert job.argv[:3] == ("/opt/bin/plexmix", "--server", "work")
    assert dict(job.env) == {"PLEXMIX_HOME": str(isolated_env), "PLEXMIX_CONFIG": str(config)}


def test_the_command_is_this_plexmix() -> None:
    command = plexmix_command()
    assert Path(command[0]).is_absolute()
    done = subprocess.run([*command, "--version"], capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode == 0 and done.stdout.startswith("plexmix "), done.stderr


def test_cron_install_keeps_other_lines_and_replaces_ours(fake: FakeScheduler, isolated_env: Path) -> None:
    fake.install("crontab")
    old_ours = f"0 1 * * * /old/plexmix refresh --all {MARKER}"
    fake.set_crontab("\n".join([*OTHER_LINES[:2], old_ours, *OTHER_LINES[2:]]) + "\n")
    runner = Runner(fake.env())
    ctx = Context.load()
    plan = install_schedule(ctx, at="07:30", runner=runner, command=["/opt/bin/plexmix"])
    assert plan.kind == "cron" and plan.installed
    lines = (fake.crontab() or "").splitlines()
    assert [line for line in lines if MARKER not in line] == OTHER_LINES, "every other line, in order"
    ours = [line for line in lines if MARKER in line]
    assert ours == [plan.text()] and ours[0].startswith("30 7 * * * PLEXMIX_HOME=")
    assert fake.calls() == ["crontab -l", "crontab -"]
    assert (isolated_env / "logs").is_dir(), "the log folder exists before cron appends to it"

    install_schedule(ctx, at="08:00", every="weekly", runner=runner, command=["/opt/bin/plexmix"])
    again = [line for line in (fake.crontab() or "").splitlines() if MARKER in line]
    assert len(again) == 1 and again[0].startswith("0 8 * * 1 ")

    status = show_schedule(runner)
    assert status.available == "cron"
    assert [(e.kind, e.schedule, e.entry) for e in status.entries] == [("cron", "0 8 * * 1", again[0])]

    assert remove_schedule(runner=runner) == ["crontab"]
    assert fake.crontab() == "\n".join(OTHER_LINES) + "\n"
    assert show_schedule(runner).entries == []
    assert remove_schedule(runner=runner) == [], "nothing left to remove"


def test_cron_install_into_an_empty_crontab(fake: FakeScheduler) -> None:
    fake.install("crontab")
    plan = install_schedule(Context.load(), runner=Runner(fake.env()), command=["/opt/bin/plexmix"])
    assert fake.crontab() == plan.text() + "\n"
    remove_schedule("cron", Runner(fake.env()))
    assert fake.crontab() == ""


def test_crontab_refusing_is_reported(fake: FakeScheduler) -> None:
    fake.install("crontab")
    (fake.state / "crontab-refuses").write_text("You (tester) are not allowed to use this program (crontab)\n")
    with pytest.raises(PlexMixError, match=r"`crontab -l` failed: You \(tester\) are not allowed") as failed:
        install_schedule(Context.load(), runner=Runner(fake.env()))
    assert failed.value.hint and "cron.allow" in failed.value.hint


def test_the_cron_line_runs_what_it_says(tmp_path: Path, fake: FakeScheduler) -> None:
    """The command part of the line, run the way cron runs it (``\\%`` back to ``%``, then sh), with
    paths holding spaces, quotes and percent signs: the program gets the right arguments and
    environment, and its output lands in the log."""
    home = tmp_path / "my music's 100% home"
    recorder = tmp_path / "bin dir" / "plexmix"
    recorder.parent.mkdir()
    recorder.write_text('#!/bin/sh\necho "args: $*"\necho "home: $PLEXMIX_HOME"\necho oops >&2\n')
    recorder.chmod(0o755)
    ctx = Context.load(overrides={"home": str(home)})
    line = plan_schedule(ctx, kind="cron", runner=Runner(fake.env()), command=[str(recorder)]).text()
    fields = line.split(maxsplit=5)
    command = fields[5].replace("\\%", "%")
    (home / "logs").mkdir(parents=True)
    for _ in range(2):
        done = subprocess.run(["/bin/sh", "-c", command], capture_output=True, text=True, timeout=30,
                              env={"PATH": "/usr/bin:/bin"}, check=False)
        assert done.returncode == 0 and not done.stdout and not done.stderr, done
    log = (home / "logs" / "refresh.log").read_text()
    assert log == f"args: refresh --all --sync --trigger schedule\nhome: {home}\noops\n" * 2, "appended"


def test_systemd_install_show_remove(fake: FakeScheduler, isolated_env: Path) -> None:
    fake.install("crontab", "systemctl")
    fake.set_crontab("\n".join(OTHER_LINES) + "\n")
    runner = Runner(fake.env(systemd=True))
    plan = install_schedule(Context.load(), at="07:30", every="weekly", runner=runner,
                            command=["/opt/my bin/plexmix"])
    assert plan.kind == "systemd"
    service = (fake.unit_dir / "plexmix-refresh.service").read_text()
    timer = (fake.unit_dir / "plexmix-refresh.timer").read_text()
    assert service.startswith(MARKER) and timer.startswith(MARKER)
    assert f'Environment="PLEXMIX_HOME={isolated_env}"' in service or (
        f"Environment=PLEXMIX_HOME={isolated_env}" in service)
    assert 'ExecStart="/opt/my bin/plexmix" refresh --all --sync --trigger schedule\n' in service
    assert f"StandardOutput=append:{isolated_env / 'logs' / 'refresh.log'}\n" in service
    assert "Type=oneshot" in service
    assert re.search(r"^OnCalendar=Mon \*-\*-\* 07:30:00$", timer, re.M)
    assert "Persistent=true" in timer and "WantedBy=timers.target" in timer
    calls = [c for c in fake.calls() if "is-system-running" not in c]
    assert calls == ["systemctl --user daemon-reload [timer file present]",
                     "systemctl --user enable --now plexmix-refresh.timer [timer file present]"]
    assert fake.crontab() == "\n".join(OTHER_LINES) + "\n", "cron untouched"

    status = show_schedule(runner)
    assert [(e.kind, e.schedule, e.next_run) for e in status.entries] == [
        ("systemd", "Mon *-*-* 07:30:00", NEXT_RUN)]
    assert status.as_dict()["installed"][0]["where"] == str(fake.unit_dir / "plexmix-refresh.timer")

    removed = remove_schedule(runner=runner)
    assert removed == [str(fake.unit_dir / "plexmix-refresh.timer"), str(fake.unit_dir / "plexmix-refresh.service")]
    assert not list(fake.unit_dir.iterdir())
    tail = [c for c in fake.calls() if "is-system-running" not in c and "show" not in c][-2:]
    assert tail == ["systemctl --user disable --now plexmix-refresh.timer [timer file present]",
                    "systemctl --user daemon-reload"]
    assert fake.crontab() == "\n".join(OTHER_LINES) + "\n"


def test_remove_leaves_units_plexmix_did_not_write(fake: FakeScheduler) -> None:
    fake.install("systemctl")
    fake.unit_dir.mkdir(parents=True)
    mine = fake.unit_dir / "plexmix-refresh.timer"
    mine.write_text("[Timer]\nOnCalendar=daily\n")
    assert remove_schedule(runner=Runner(fake.env(systemd=True))) == []
    assert mine.exists() and show_schedule(Runner(fake.env(systemd=True))).entries == []


def test_print_changes_nothing(fake: FakeScheduler) -> None:
    fake.install("crontab", "systemctl")
    for kind in ("cron", "systemd"):
        plan = plan_schedule(Context.load(), kind=kind, runner=Runner(fake.env(systemd=True)), print_only=True)
        assert MARKER in plan.text() and not plan.installed
    assert fake.crontab() is None and not fake.unit_dir.exists()
    assert all("is-system-running" in call for call in fake.calls())
    first = plan.as_dict()["entry"].splitlines()[0]
    assert first == f"# {fake.unit_dir / 'plexmix-refresh.service'}", "each unit after its path"
    assert os.path.isabs(plan.as_dict()["command"][0])
