"""Registers the command groups that exist (a command is added only when it works)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    from plexmix.cli import sync

    app.add_typer(sync.app, name="sync")
