"""One exception hierarchy for everything a user can cause.

The library raises these; the CLI catches :class:`PlexMixError` in one place, prints the
message and the hint on one line each, and exits with :attr:`PlexMixError.exit_code`.
"""

from __future__ import annotations


class PlexMixError(Exception):
    """Base class: a failure the user can understand and usually fix."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class UsageError(PlexMixError):
    """Bad command-line input (exit code 2)."""

    exit_code = 2


class BusyError(PlexMixError):
    """Another PlexMix run holds the run lock (exit code 75, EX_TEMPFAIL: try again later)."""

    exit_code = 75


class ConfigError(PlexMixError):
    """Settings are missing, invalid or inconsistent."""


class CredentialError(ConfigError):
    """A required secret (token, API key) is missing."""


class DatabaseError(PlexMixError):
    """The local database cannot be opened, is corrupt or too new."""


class PlexError(PlexMixError):
    """Talking to the Plex server failed."""


class PlexConnectionError(PlexError):
    """The Plex server cannot be reached (refused, DNS, timeout)."""


class PlexAuthError(PlexError):
    """The Plex server rejected the token (HTTP 401)."""


class LibraryNotFoundError(PlexError):
    """The configured music library does not exist on the server."""


class SyncError(PlexMixError):
    """A sync could not complete."""


class EmbeddingError(PlexMixError):
    """Embedding generation or the vector index failed."""


class IndexMismatchError(EmbeddingError):
    """The vector index was built with another model or dimension."""


class AIProviderError(PlexMixError):
    """An AI provider failed in a way that cannot be recovered by falling back."""


class PlaylistError(PlexMixError):
    """A playlist could not be generated or written."""
