"""What every use case needs: the effective settings, the secrets, the database and Plex.

A :class:`Context` is cheap to make: settings are read once, nothing else is opened until a
service asks for it. The CLI makes one per command; the library API (:class:`plexmix.PlexMix`)
keeps one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from plexmix.config.credentials import CredentialStore
    from plexmix.config.loader import LoadedSettings
    from plexmix.config.settings import Settings
    from plexmix.plex.client import PlexClient
    from plexmix.storage.sqlite_manager import SQLiteManager


class Context:
    def __init__(self, loaded: LoadedSettings, credentials: CredentialStore | None = None) -> None:
        self.loaded = loaded
        self._credentials = credentials
        # Asked for a Plex Home user's PIN when one is needed and PLEX_PIN is not set (the CLI
        # prompts, hidden; None: no one to ask, so a PIN-protected user is an error).
        self.ask_pin: Callable[[str], str | None] | None = None

    @classmethod
    def load(
        cls, config_path: Path | None = None, overrides: Mapping[str, Any] | None = None
    ) -> Context:
        """Settings by precedence: ``overrides`` (dotted keys) > environment > config file > defaults."""
        from plexmix.config.loader import load_settings

        return cls(load_settings(config_path, overrides))

    @property
    def settings(self) -> Settings:
        return self.loaded.settings

    @property
    def credentials(self) -> CredentialStore:
        if self._credentials is None:
            from plexmix.config.credentials import CredentialStore

            self._credentials = CredentialStore(self.settings.home, self.loaded.environ)
        return self._credentials

    def open_db(self) -> SQLiteManager:
        """The library database (created and migrated on first use); close it after use."""
        from plexmix.storage.sqlite_manager import SQLiteManager

        return SQLiteManager(self.settings.db_path)

    def plex(self, library: str | None = None) -> PlexClient:
        """A client connected to the configured server, with the music library selected."""
        from plexmix.services.wiring import client_from_settings

        return client_from_settings(self.settings, self.credentials, library=library, ask_pin=self.ask_pin)
