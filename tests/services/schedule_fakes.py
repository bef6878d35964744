"""Fake ``crontab`` and ``systemctl`` executables for the schedule tests: real programs, run by
the real subprocess calls, that keep a crontab in a file and write down every call they get."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

NEXT_RUN = "Tue 2026-12-01 06:00:00 UTC"

CRONTAB = """#!/bin/sh
state="$FAKE_SCHEDULER_STATE"
echo "crontab $*" >> "$state/calls"
if [ -f "$state/crontab-refuses" ]; then /bin/cat "$state/crontab-refuses" >&2; exit 1; fi
case "$1" in
  -l) if [ -f "$state/crontab" ]; then /bin/cat "$state/crontab"; else echo "no crontab for tester" >&2; exit 1; fi ;;
  -) /bin/cat > "$state/crontab" ;;
  *) echo "usage: crontab [-l | -]" >&2; exit 2 ;;
esac
"""

SYSTEMCTL = f"""#!/bin/sh
state="$FAKE_SCHEDULER_STATE"
units="${{XDG_CONFIG_HOME:-$HOME/.config}}/systemd/user"
present=""
if [ -f "$units/plexmix-refresh.timer" ]; then present=" [timer file present]"; fi
echo "systemctl $*$present" >> "$state/calls"
case "$*" in
  "--user is-system-running") echo "${{FAKE_SYSTEMD_STATE:-running}}" ;;
  "--user show plexmix-refresh.timer --property=NextElapseUSecRealtime --value") echo "{NEXT_RUN}" ;;
esac
exit 0
"""


@dataclass
class FakeScheduler:
    """A folder of fake programs (``bin``, the only PATH entry) and what they recorded (``state``)."""

    root: Path

    @property
    def bin(self) -> Path:
        return self.root / "bin"

    @property
    def state(self) -> Path:
        return self.root / "state"

    def install(self, *programs: str) -> FakeScheduler:
        self.bin.mkdir(parents=True, exist_ok=True)
        self.state.mkdir(parents=True, exist_ok=True)
        scripts = {"crontab": CRONTAB, "systemctl": SYSTEMCTL}
        for name in programs:
            path = self.bin / name
            path.write_text(scripts[name], encoding="utf-8")
            path.chmod(0o755)
        return self

    def env(self, *, systemd: bool = False, **more: str) -> dict[str, str]:
        """PATH holding only the fakes, HOME and XDG_CONFIG_HOME in the test's folder."""
        env = {"PATH": str(self.bin), "HOME": str(self.root / "home"),
               "XDG_CONFIG_HOME": str(self.root / "home" / ".config"),
               "FAKE_SCHEDULER_STATE": str(self.state), **more}
        if systemd:
            env["XDG_RUNTIME_DIR"] = str(self.root / "run")
        return env

    @property
    def unit_dir(self) -> Path:
        return self.root / "home" / ".config" / "systemd" / "user"

    def calls(self) -> list[str]:
        path = self.state / "calls"
        return path.read_text(encoding="utf-8").splitlines() if path.exists() else []

    def crontab(self) -> str | None:
        path = self.state / "crontab"
        return path.read_text(encoding="utf-8") if path.exists() else None

    def set_crontab(self, text: str) -> None:
        (self.state / "crontab").write_text(text, encoding="utf-8")
