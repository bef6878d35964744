"""PlexMix: turn a mood into a Plex music playlist.

The library API::

    from plexmix import PlexMix

    pm = PlexMix.open()
    pm.sync()
    result = pm.create_playlist("rainy sunday jazz", limit=25)

See ``docs/library-api.md``. Importing ``plexmix`` loads no Typer, Rich, plexapi, FAISS, model
runtime or AI SDK.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from plexmix.errors import (
    AIProviderError,
    ConfigError,
    CredentialError,
    DatabaseError,
    EmbeddingError,
    IndexMismatchError,
    PlaylistError,
    PlexAuthError,
    PlexConnectionError,
    PlexError,
    PlexMixError,
    UsageError,
)

if TYPE_CHECKING:
    from plexmix.api import PlexMix

__version__ = "0.1.0"
__all__ = [
    "AIProviderError",
    "ConfigError",
    "CredentialError",
    "DatabaseError",
    "EmbeddingError",
    "IndexMismatchError",
    "PlaylistError",
    "PlexAuthError",
    "PlexConnectionError",
    "PlexError",
    "PlexMix",
    "PlexMixError",
    "UsageError",
    "__version__",
]


def __getattr__(name: str) -> Any:
    if name == "PlexMix":
        from plexmix.api import PlexMix

        return PlexMix
    raise AttributeError(f"module 'plexmix' has no attribute {name!r}")
