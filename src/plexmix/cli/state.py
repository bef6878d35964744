"""What every command shares: global flags, settings (loaded lazily), consoles and logging."""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from plexmix.config.credentials import CredentialStore
    from plexmix.config.loader import LoadedSettings
    from plexmix.config.settings import Settings
    from plexmix.services.context import Context
    from plexmix.storage.sqlite_manager import SQLiteManager


@dataclass
class AppState:
    config_path: Path | None = None
    verbose: bool = False
    quiet: bool = False
    debug: bool = False
    overrides: dict[str, Any] = field(default_factory=dict)
    _out: Console | None = None
    _err: Console | None = None
    _loaded: LoadedSettings | None = None
    _logging_ready: bool = False
    _context: Context | None = None

    @property
    def out(self) -> Console:
        """Rich console on standard output (made on first use: Rich costs ~20 ms to import)."""
        if self._out is None:
            from rich.console import Console

            self._out = Console()
        return self._out

    @property
    def err(self) -> Console:
        """Rich console on standard error (made on first use)."""
        if self._err is None:
            from rich.console import Console

            self._err = Console(stderr=True)
        return self._err

    @property
    def loaded(self) -> LoadedSettings:
        if self._loaded is None:
            from plexmix.config.loader import load_settings

            self._loaded = load_settings(self.config_path, self.overrides)
            self.setup_logging()
        return self._loaded

    @property
    def settings(self) -> Settings:
        return self.loaded.settings

    @property
    def credentials(self) -> CredentialStore:
        from plexmix.config.credentials import CredentialStore

        return CredentialStore(self.settings.home, self.loaded.environ)

    @property
    def context(self) -> Context:
        """The services' view of the settings and secrets (made once per command)."""
        from plexmix.services.context import Context

        if self._context is None or self._context.loaded is not self.loaded:
            self._context = Context(self.loaded)
            self._context.ask_pin = _ask_pin
        return self._context

    def reload(self) -> None:
        """Forget the loaded settings (after the config changed); the next use loads them again."""
        self._loaded = None
        self._logging_ready = False

    def console_level(self) -> int:
        if self.debug or self.verbose:
            return logging.DEBUG
        if self.quiet:
            return logging.WARNING
        configured = self._loaded.settings.logging.level if self._loaded else "INFO"
        return int(logging.getLevelName(configured))

    def setup_logging(self) -> None:
        if self._logging_ready or self._loaded is None:
            return
        from plexmix.utils.logging import setup_logging

        settings = self._loaded.settings
        # Keyring secrets are registered for redaction when they are read (CredentialStore.get);
        # asking the keyring here would cost every command a few hundred ms.
        secrets = self.credentials.cheap_values()
        setup_logging(
            self.console_level(),
            settings.log_path,
            max_bytes=settings.logging.max_bytes,
            backup_count=settings.logging.backup_count,
            secrets=secrets,
            console=console_handler(),
        )
        self._logging_ready = True

    def open_db(self) -> SQLiteManager:
        from plexmix.storage.sqlite_manager import SQLiteManager

        return SQLiteManager(self.settings.db_path)


class _ConsoleHandler(logging.Handler):
    """Log lines on standard error, rendered by Rich like the rest of the CLI's output on a
    terminal, and as plain ``LEVEL    message`` lines (Rich's columns, never wrapped) elsewhere.

    The Rich handler is made when the first record passes the level and filters, so a command that
    logs nothing on a terminal never imports Rich, and one whose standard error is a pipe or a file
    (a schedule, ``--json`` into another program) never does.
    """

    def __init__(self) -> None:
        super().__init__()
        self._rich: logging.Handler | None = None
        self.setFormatter(logging.Formatter("%(levelname)-8s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        if self._rich is None and not sys.stderr.isatty():
            try:
                sys.stderr.write(self.format(record) + "\n")
                sys.stderr.flush()
            except Exception:  # a closed or broken pipe must not end the command
                self.handleError(record)
            return
        if self._rich is None:
            from rich.console import Console
            from rich.logging import RichHandler

            self._rich = RichHandler(
                console=Console(stderr=True), show_time=False, show_path=False, rich_tracebacks=False,
                markup=False,
            )
        self._rich.emit(record)

    def close(self) -> None:
        if self._rich is not None:
            self._rich.close()
        super().close()


def console_handler() -> logging.Handler:
    """The CLI's console log handler (Rich, made lazily)."""
    return _ConsoleHandler()


def get_state(ctx: typer.Context) -> AppState:
    root = ctx.find_root()
    if not isinstance(root.obj, AppState):
        root.obj = AppState()
    return root.obj


def _ask_pin(user: str) -> str | None:
    """A Plex Home user's PIN, typed hidden (``None`` without a terminal to ask at)."""
    from plexmix.cli.output import interactive

    if not interactive():
        return None
    return str(typer.prompt(f"Plex Home PIN of {user}", hide_input=True)).strip() or None
