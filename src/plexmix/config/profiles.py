"""Named Plex servers: which one a command talks to, and where that server's token is kept.

``plex.url`` (with the ``plex`` section's libraries and user) is the server profile called
``default``; ``servers.NAME`` in config.yaml adds more, each with its own token in the keyring
(secret ``plex_token@NAME``, environment variable ``PLEX_TOKEN_NAME``). ``--server NAME`` (or
``plex.server``) picks one: :func:`apply_profile` copies its url, libraries and user into the
``plex`` section, so everything downstream reads one place.
"""

from __future__ import annotations

import re

from plexmix.config.settings import Settings
from plexmix.errors import ConfigError

DEFAULT = "default"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")


def check_name(name: str) -> str:
    """A profile name as typed, or a :class:`ConfigError` (letters, digits, ``-`` and ``_``)."""
    if not _NAME.match(name):
        raise ConfigError(
            f"'{name}' cannot name a server profile.",
            hint="Use letters, digits, '-' and '_' (up to 40), e.g. home or cabin.",
        )
    return name


def token_secret(server: str | None) -> str:
    """The secret holding the Plex token of server profile ``server``."""
    return "plex_token" if not server or server == DEFAULT else f"plex_token@{server}"


def active_server(settings: Settings) -> str:
    return settings.plex.server or DEFAULT


def profile_names(settings: Settings) -> list[str]:
    """Every profile: ``default`` when ``plex.url`` is set, then ``servers`` in config order."""
    names = [DEFAULT] if settings.plex.url else []
    return names + [name for name in settings.servers if name != DEFAULT]


def apply_profile(settings: Settings) -> Settings:
    """``settings`` with the chosen profile's url, libraries and user in the ``plex`` section."""
    name = settings.plex.server
    if not name or name == DEFAULT:
        return settings
    profile = settings.servers.get(name)
    if profile is None:
        known = ", ".join(profile_names(settings)) or "none yet"
        raise ConfigError(
            f"There is no Plex server profile '{name}'.",
            hint=f"Profiles: {known}. Add one with `plexmix config set servers.{name}.url URL`.",
        )
    if not profile.url:
        raise ConfigError(
            f"The Plex server profile '{name}' has no url.",
            hint=f"Set it with `plexmix config set servers.{name}.url URL`.",
        )
    update: dict[str, object] = {"url": profile.url}
    if profile.libraries:
        update.update(libraries=list(profile.libraries), library=None)
    if profile.user:
        update["user"] = profile.user
    plex = settings.plex.model_copy(update=update)
    return settings.model_copy(update={"plex": plex})
