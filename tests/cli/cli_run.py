"""Running ``plexmix`` in-process as a user would, on a wide terminal, for the CLI tests."""

from __future__ import annotations

import json
from typing import Any

from typer.testing import CliRunner, Result

from plexmix.cli.main import app

runner = CliRunner()


def run(*args: str) -> Result:
    """``plexmix ARGS`` on a 220-column terminal."""
    return runner.invoke(app, list(args), env={"COLUMNS": "220"})


def as_json(*args: str) -> Any:
    """``plexmix ARGS --json``, which must succeed, as the object it printed."""
    result = run(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)
