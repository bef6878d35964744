"""Shared rendering helpers for commands: JSON output, timestamps, prompts."""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any

import typer


def print_json(data: Any) -> None:
    """``data`` as indented JSON on standard output, coloured by Rich only on a terminal.

    Piped or captured, it is the plain text (the same Rich printed there), without importing Rich.
    """
    import json

    text = json.dumps(data, default=str, ensure_ascii=False, indent=2)
    if sys.stdout.isatty():
        from rich.console import Console

        Console().print_json(text)
        return
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def when(epoch: int | None) -> str:
    if not epoch:
        return "—"
    return dt.datetime.fromtimestamp(epoch).strftime("%Y-%m-%d %H:%M")


def interactive() -> bool:
    return sys.stdin.isatty()


def confirm(question: str, *, yes: bool, default: bool = False) -> bool:
    """Ask only when a person is there: ``--yes`` or a non-TTY stdin means "yes"."""
    if yes or not interactive():
        return True
    return bool(typer.confirm(question, default=default))


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 60:
        return f"{seconds:.1f} s"
    return f"{int(seconds // 60)} min {int(seconds % 60)} s"
