"""What every command shares: global flags, settings (loaded lazily), consoles and logging."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console

if TYPE_CHECKING:
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
    out: Console = field(default_factory=Console)
    err: Console = field(default_factory=lambda: Console(stderr=True))
    _loaded: LoadedSettings | None = None
    _logging_ready: bool = False
    _context: Context | None = None

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


def console_handler() -> logging.Handler:
    """Log lines on standard error, rendered by Rich like the rest of the CLI's output."""
    from rich.logging import RichHandler

    return RichHandler(
        console=Console(stderr=True), show_time=False, show_path=False, rich_tracebacks=False, markup=False
    )


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
