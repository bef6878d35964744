"""``python -m plexmix``: the same as the ``plexmix`` command (what a schedule runs when no
``plexmix`` executable can be found)."""

from __future__ import annotations

from plexmix.cli.main import app

if __name__ == "__main__":  # pragma: no cover
    app(prog_name="plexmix")
