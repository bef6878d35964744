"""Build a connected :class:`PlexClient` from PlexMix settings and stored credentials."""

from __future__ import annotations

from typing import TYPE_CHECKING

from plexmix.errors import ConfigError

if TYPE_CHECKING:
    from plexmix.config.credentials import CredentialStore
    from plexmix.config.settings import Settings
    from plexmix.plex.client import PlexClient


def client_from_settings(
    settings: Settings, credentials: CredentialStore, *, library: str | None = None
) -> PlexClient:
    """A client for the configured server and music library (connects and selects it)."""
    from plexmix.plex.client import PlexClient

    if not settings.plex.url:
        raise ConfigError(
            "No Plex server is configured.",
            hint="Run `plexmix config init`, or set PLEX_URL (e.g. http://192.168.1.10:32400).",
        )
    token = credentials.require("plex_token")
    client = PlexClient(
        settings.plex.url,
        token,
        timeout=settings.plex.timeout,
        max_retries=settings.plex.max_retries,
        requests_per_second=settings.plex.requests_per_second,
        page_size=settings.plex.page_size,
    )
    client.connect()
    client.select_library(library or settings.plex.library)
    return client
