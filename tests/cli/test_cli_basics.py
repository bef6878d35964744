"""PlexMix's own command tree (``plexmix.cli.main:app``): help, version and how errors end a run.

Errors come from real bad inputs (no Plex configured, a corrupt database file, a playlist that
does not exist), or from a service function that a real command calls, replaced for the test.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from plexmix import __version__
from plexmix.cli.main import app
from plexmix.errors import ConfigError, DatabaseError, UsageError

runner = CliRunner()
PLEXMIX = Path(sys.executable).with_name("plexmix")  # the installed console script


def run(*args: str) -> Result:
    return runner.invoke(app, list(args), env={"COLUMNS": "200"})


def stderr_lines(result: Result) -> list[str]:
    return [line.rstrip() for line in result.stderr.splitlines() if line.strip()]


def corrupt_database(home: Path) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    path = home / "plexmix.db"
    path.write_bytes(b"this is not an SQLite database\n" * 64)
    return path


def test_version_and_help() -> None:
    result = run("--version")
    assert result.exit_code == 0 and result.stdout.strip() == f"plexmix {__version__}"
    result = run("--help")
    assert result.exit_code == 0 and "--config" in result.stdout and "--debug" in result.stdout
    for command in ("sync", "create", "search", "config", "embeddings", "list", "demo"):
        assert command in result.stdout, command


def test_unknown_command_is_a_usage_error() -> None:
    result = run("frobnicate")
    assert result.exit_code == 2 and result.stdout == ""
    assert stderr_lines(result) == ["Error: No such command 'frobnicate'.", "Hint: See `plexmix --help`."]
    result = run("sync", "sideways")
    assert result.exit_code == 2
    assert stderr_lines(result) == ["Error: No such command 'sideways'.", "Hint: See `plexmix sync --help`."]


def test_plexmix_error_prints_one_line_and_hint_with_its_exit_code(isolated_env: Path) -> None:
    # No Plex server configured: a ConfigError from the real `sync`.
    result = run("sync")
    assert result.exit_code == ConfigError.exit_code == 1
    error, hint = stderr_lines(result)
    assert error == "Error: No Plex server is configured."
    assert hint.startswith("Hint: ") and "PLEX_URL" in hint
    assert isinstance(result.exception, SystemExit)

    # A corrupt database file: a DatabaseError from the real `sync status`.
    db = corrupt_database(isolated_env)
    result = run("sync", "status")
    assert result.exit_code == DatabaseError.exit_code == 1
    error, hint = stderr_lines(result)
    assert error == f"Error: The database file {db} cannot be opened: file is not a database."
    assert hint == "Hint: Move the file aside and run `plexmix sync full` to rebuild it."
    db.unlink()

    # A playlist that does not exist: a UsageError, which exits 2.
    result = run("list", "tracks", "999")
    assert result.exit_code == UsageError.exit_code == 2
    assert stderr_lines(result) == [
        "Error: There is no playlist #999.",
        "Hint: See `plexmix list playlists`.",
    ]
    assert "Traceback" not in result.output


def test_debug_shows_the_traceback(isolated_env: Path) -> None:
    """The installed ``plexmix`` in its own process, as a user runs it."""
    db = corrupt_database(isolated_env)
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    message = f"The database file {db} cannot be opened: file is not a database."

    plain = subprocess.run(
        [str(PLEXMIX), "sync", "status"], capture_output=True, text=True, env=env, timeout=60
    )
    assert plain.returncode == 1
    assert plain.stderr.splitlines()[0] == f"Error: {message}"
    assert "Traceback" not in plain.stderr

    debug = subprocess.run(
        [str(PLEXMIX), "--debug", "sync", "status"], capture_output=True, text=True, env=env, timeout=60
    )
    assert debug.returncode == 1
    assert "Traceback (most recent call last):" in debug.stderr
    assert debug.stderr.rstrip().splitlines()[-1] == f"plexmix.errors.DatabaseError: {message}"
    assert not any(line.startswith("Error: ") for line in debug.stderr.splitlines())  # no short form


def test_ctrl_c_exits_130(monkeypatch: pytest.MonkeyPatch) -> None:
    from plexmix.storage import playlists

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(playlists, "list_playlists", interrupted)
    result = run("list", "playlists")
    assert result.exit_code == 130
    error, hint = stderr_lines(result)
    assert error == "Error: Interrupted." and hint.startswith("Hint: ")
    assert "Traceback" not in result.output


def test_unexpected_error_has_no_traceback_and_suggests_debug(monkeypatch: pytest.MonkeyPatch) -> None:
    from plexmix.storage import playlists

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("kaput")

    monkeypatch.setattr(playlists, "list_playlists", broken)
    result = run("list", "playlists")
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    error, hint = stderr_lines(result)
    assert error == "Error: Unexpected error: RuntimeError: kaput"
    assert hint.startswith("Hint: ") and "--debug" in hint
    assert "Traceback" not in result.output
    # With --debug the same failure comes through whole, for the traceback.
    result = run("--debug", "list", "playlists")
    assert isinstance(result.exception, RuntimeError) and str(result.exception) == "kaput"


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
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=Path.cwd()
    )
    assert out.returncode == 0, out.stderr
    assert "HEAVY []" in out.stdout
