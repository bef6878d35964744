"""Running the real CLI for the reliability tests: a clean environment, output checks, snapshots."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from typer.testing import CliRunner, Result

from plexmix.config.loader import ENV_SETTINGS

SECRET_VARS = ("PLEX_TOKEN", "GOOGLE_API_KEY", "OPENAI_API_KEY", "ANTHROPIC_API_KEY")
runner = CliRunner()


def clean_env(home: Path, **values: str | None) -> dict[str, str | None]:
    """An environment for ``CliRunner.invoke``: every PlexMix variable unset except ``values``.

    (Module-scoped fixtures run before the per-test isolation, so they must not inherit any.)
    """
    env: dict[str, str | None] = {var: None for var in (*ENV_SETTINGS, *SECRET_VARS, "PLEXMIX_CONFIG")}
    env.update({var: None for var in os.environ if var.startswith("PLEXMIX_")})
    env.update({
        "PLEXMIX_HOME": str(home), "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "COLUMNS": "500",
    })
    env.update(values)
    return env


def invoke(args: list[str], env: dict[str, str | None], stdin: str | None = None) -> Result:
    from plexmix.cli.main import app

    return runner.invoke(app, args, env=env, input=stdin)


def lines(result: Result) -> list[str]:
    return [line.rstrip() for line in result.output.splitlines() if line.strip()]


def assert_clean_failure(result: Result, code: int, fragment: str) -> str:
    """The documented exit code, exactly one ``Error:`` and one ``Hint:`` line, no traceback."""
    out = result.output
    assert result.exit_code == code, f"exit {result.exit_code}, expected {code}:\n{out}"
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in out and "Unexpected error" not in out, out
    errors = [line for line in lines(result) if line.startswith("Error:")]
    hints = [line for line in lines(result) if line.startswith("Hint:")]
    assert len(errors) == 1 and len(hints) == 1, out
    assert fragment in out, f"{fragment!r} not in:\n{out}"
    return errors[0]


def fingerprint(db_path: Path) -> str | None:
    """A digest of every row of every table; None when there is no database."""
    if not db_path.exists():
        return None
    conn = sqlite3.connect(db_path)
    try:
        return hashlib.sha256("\n".join(conn.iterdump()).encode()).hexdigest()
    finally:
        conn.close()


def file_digest(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


@dataclass(frozen=True)
class Template:
    """A synced and embedded PLEXMIX_HOME to copy for each test."""

    home: Path

    def copy_to(self, target: Path) -> Path:
        target.mkdir(parents=True, exist_ok=True)
        for name in ("plexmix.db", "embeddings.index"):
            if (self.home / name).exists():
                shutil.copyfile(self.home / name, target / name)
        return target


def make_template(home: Path, **env: Any) -> Template:
    """`plexmix sync` (with local embeddings) into ``home``; the database is checkpointed."""
    result = invoke(["sync", "--json"], clean_env(home, **env))
    assert result.exit_code == 0, result.output
    conn = sqlite3.connect(home / "plexmix.db")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return Template(home)
