from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import typer
from typer.testing import CliRunner

from plexmix.cli.main import app
from plexmix.errors import PlexMixError, UsageError

runner = CliRunner()


def test_version_and_help() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and "plexmix 0.1.0" in result.output
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0 and "--config" in result.output and "--debug" in result.output


def test_unknown_command_is_a_usage_error() -> None:
    result = runner.invoke(app, ["frobnicate"])
    assert result.exit_code == 2


def _app_raising(exc: BaseException) -> typer.Typer:
    from plexmix.cli.errors import PlexMixGroup

    failing = typer.Typer(cls=PlexMixGroup)

    @failing.callback()
    def main(ctx: typer.Context, debug: bool = typer.Option(False, "--debug")) -> None:
        from plexmix.cli.state import AppState

        ctx.obj = AppState(debug=debug)

    @failing.command()
    def boom() -> None:
        raise exc

    return failing


def test_plexmix_error_prints_one_line_and_hint_with_its_exit_code() -> None:
    result = runner.invoke(_app_raising(PlexMixError("The thing failed.", hint="Do this.")), ["boom"])
    assert result.exit_code == 1
    assert "Error: The thing failed." in result.output and "Hint: Do this." in result.output
    assert "Traceback" not in result.output
    result = runner.invoke(_app_raising(UsageError("Bad --year value '19x'.", hint="Use 1994")), ["boom"])
    assert result.exit_code == 2


def test_debug_shows_the_traceback() -> None:
    result = runner.invoke(_app_raising(PlexMixError("The thing failed.")), ["--debug", "boom"])
    assert result.exit_code == 1
    assert isinstance(result.exception, PlexMixError)


def test_ctrl_c_exits_130() -> None:
    result = runner.invoke(_app_raising(KeyboardInterrupt()), ["boom"])
    assert result.exit_code == 130 and "Interrupted" in result.output


def test_unexpected_error_has_no_traceback_and_suggests_debug() -> None:
    result = runner.invoke(_app_raising(RuntimeError("kaput")), ["boom"])
    assert result.exit_code == 1 and "--debug" in result.output and "Traceback" not in result.output


def test_help_imports_no_heavy_modules() -> None:
    code = (
        "import sys\n"
        "sys.argv = ['plexmix', '--help']\n"
        "from plexmix.cli.main import app\n"
        "try:\n    app()\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('torch', 'faiss', 'plexapi', 'openai', 'anthropic', 'google.genai',"
        " 'sentence_transformers', 'onnxruntime', 'numpy') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    env = {**os.environ, "COLUMNS": "100"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=Path.cwd())
    assert out.returncode == 0, out.stderr
    assert "HEAVY []" in out.stdout
