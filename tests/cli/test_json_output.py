"""``--json`` output and the CLI's consoles: the same text Rich printed, without importing Rich.

JSON goes to standard output as plain indented text unless that is a terminal (then Rich colours
it); the consoles and the console log handler are made on first use, so a ``--json`` command
that logs nothing on the console never imports Rich (~20 ms of every such run).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from plexmix.cli.output import print_json
from plexmix.cli.state import AppState, console_handler

SAMPLE: Any = {
    "mode": "incremental",
    "title": "Sigur Rós — Ágætis byrjun 🎧 « ½ » \\ \"quoted\" \t tab",
    "long": "x" * 300,
    "nested": {"empty_list": [], "empty_dict": {}, "values": [1, 2.5, -0.0, 1e21, None, True, False]},
    "when": dt.datetime(2024, 5, 1, 12, 30),  # not JSON: printed with str()
    "path": Path("/music/a b"),
    "keys": {1: "int key", "z": "last", "a": "order kept"},
}


def rich_text(data: Any) -> str:
    """What ``print_json`` printed before (Rich's ``print_json`` on a console that is no terminal)."""
    from rich.console import Console

    out = io.StringIO()
    Console(file=out, width=80).print_json(json.dumps(data, default=str, ensure_ascii=False))
    return out.getvalue()


@pytest.mark.parametrize("data", [SAMPLE, [], {}, "plain", [{"a": [{"b": []}]}]], ids=repr)
def test_piped_json_is_the_text_rich_printed(data: Any, capsys: pytest.CaptureFixture[str]) -> None:
    print_json(data)
    printed = capsys.readouterr().out
    assert printed == rich_text(data)
    assert json.loads(printed) == json.loads(json.dumps(data, default=str))


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_json_on_a_terminal_is_coloured_by_rich(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.delenv("NO_COLOR", raising=False)
    screen = Terminal()
    monkeypatch.setattr(sys, "stdout", screen)
    print_json({"name": "Jazz", "count": 3})
    text = screen.getvalue()
    assert "\x1b[" in text  # Rich's colours
    plain = re.sub(r"\x1b\[[0-9;]*m", "", text)
    assert json.loads(plain) == {"name": "Jazz", "count": 3}


def test_consoles_are_made_once_on_first_use() -> None:
    state = AppState()
    assert state._out is None and state._err is None
    out, err = state.out, state.err
    assert state.out is out and state.err is err
    assert out.stderr is False and err.stderr is True


def test_console_log_handler_renders_with_rich_on_first_record(capsys: pytest.CaptureFixture[str]) -> None:
    handler = console_handler()
    handler.setLevel(logging.INFO)
    logger = logging.getLogger("plexmix.test.console")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)  # the handler's own level must drop the debug record
    logger.addHandler(handler)
    try:
        logger.debug("below the level")
        assert handler._rich is None  # type: ignore[attr-defined]
        logger.warning("Track counts differ [not markup]")
    finally:
        logger.removeHandler(handler)
        handler.close()
    err = capsys.readouterr().err
    assert "WARNING" in err and "Track counts differ [not markup]" in err
    assert "below the level" not in err


def test_a_json_command_does_not_import_rich(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from plexmix.cli.main import app\n"
        "try:\n    app(['sync', 'status', '--json'])\nexcept SystemExit:\n    pass\n"
        "print('RICH', 'rich' in sys.modules, file=sys.stderr)\n"
    )
    env = {**os.environ, "PLEXMIX_HOME": str(tmp_path / "home")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert "RICH False" in done.stderr
    assert json.loads(done.stdout)["counts"]["tracks"] == 0
