"""The cron line and the systemd units shown in docs/keep-playlists-fresh.md are exactly what
`plexmix schedule install` writes for the user the page describes."""

from __future__ import annotations

import re
from pathlib import Path

from plexmix.services.context import Context
from plexmix.services.schedule import Runner, plan_schedule

PAGE = Path(__file__).resolve().parents[2] / "docs" / "keep-playlists-fresh.md"


def _blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```$", PAGE.read_text(encoding="utf-8"), re.S | re.M)


def test_documented_entries_are_the_written_ones() -> None:
    ctx = Context.load(overrides={"home": "/home/me/.plexmix"})
    runner = Runner({"HOME": "/home/me", "PATH": "/nonexistent"})
    command = ["/home/me/.local/bin/plexmix"]
    cron = plan_schedule(ctx, kind="cron", runner=runner, print_only=True, command=command)
    assert _blocks("cron") == [cron.files["crontab"] + "\n"]
    systemd = plan_schedule(ctx, kind="systemd", runner=runner, print_only=True, command=command)
    documented = {}
    for block in _blocks("ini"):
        header, _, body = block.partition("\n")
        documented[header.removeprefix("# ~/.config/systemd/user/")] = body
    assert documented == systemd.files
