"""Secrets: the Plex token and the AI API keys, and the one resolver every part of PlexMix uses.

Lookup order: an explicit value (CLI flag) > environment variable (or ``.env``; a secret's aliases
after its main variable, e.g. ``GOOGLE_API_KEY`` then ``GEMINI_API_KEY``) > system keyring >
``$PLEXMIX_HOME/credentials.yaml`` (mode 0600). The file is the fallback where no keyring backend
exists, as on most headless Linux servers that run Plex; PlexMix says so once when it writes there.
Keyring answers and the file are read once per process (writes through this module update them).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from plexmix.errors import CredentialError
from plexmix.utils.files import write_private_file
from plexmix.utils.logging import register_secret

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SecretSpec:
    name: str
    service: str  # keyring service name
    username: str
    env_var: str
    label: str
    setting: str  # the dotted name `plexmix config set` takes
    provider: str | None = None  # the AI / embedding provider that needs this key
    aliases: tuple[str, ...] = ()  # more environment variables, read in order after env_var

    @property
    def env_vars(self) -> tuple[str, ...]:
        return (self.env_var, *self.aliases)

    def hint(self, otherwise: str) -> str:
        """Where the user sets this secret, then ``otherwise`` (the alternative)."""
        return f"Set {self.env_var}, run `plexmix config set {self.setting} KEY`, or {otherwise}."


SECRETS: dict[str, SecretSpec] = {
    spec.name: spec
    for spec in (
        SecretSpec("plex_token", "plexmix-plex", "token", "PLEX_TOKEN", "Plex token", "plex.token"),
        SecretSpec(
            "google_api_key", "plexmix-gemini", "api_key", "GOOGLE_API_KEY", "Google API key",
            "ai.google_api_key", provider="gemini", aliases=("GEMINI_API_KEY",),
        ),
        SecretSpec(
            "openai_api_key", "plexmix-openai", "api_key", "OPENAI_API_KEY", "OpenAI API key",
            "ai.openai_api_key", provider="openai",
        ),
        SecretSpec(
            "anthropic_api_key", "plexmix-claude", "api_key", "ANTHROPIC_API_KEY", "Anthropic API key",
            "ai.anthropic_api_key", provider="claude",
        ),
        # The token of `plexmix web` bound to a non-loopback address (made by it, shown once).
        SecretSpec("web_token", "plexmix-web", "token", "PLEXMIX_WEB_TOKEN", "Web page token", "web.token"),
    )
}

PROFILE_TOKEN_PREFIX = "plex_token@"


def spec_for(name: str) -> SecretSpec:
    """The secret called ``name``: one of :data:`SECRETS`, or ``plex_token@SERVER``, the token of
    a named server profile (keyring entry ``token@SERVER``, variable ``PLEX_TOKEN_SERVER``)."""
    if name in SECRETS:
        return SECRETS[name]
    server = name.removeprefix(PROFILE_TOKEN_PREFIX)
    if server == name or not server:
        raise KeyError(name)
    var = "PLEX_TOKEN_" + "".join(c if c.isalnum() else "_" for c in server).upper()
    return SecretSpec(
        name, "plexmix-plex", f"token@{server}", var, f"Plex token of server {server}",
        f"servers.{server}.token",
    )


# Which secret each AI / embedding provider needs (the others need none).
PROVIDER_SECRETS: dict[str, str] = {spec.provider: spec.name for spec in SECRETS.values() if spec.provider}


def secret_for(provider: str) -> SecretSpec | None:
    """The key ``provider`` (gemini, openai, claude, ...) needs; ``None`` for keyless providers."""
    name = PROVIDER_SECRETS.get(provider)
    return SECRETS[name] if name else None


def provider_key(provider: str, explicit: str | None = None) -> str | None:
    """The API key for ``provider``: ``explicit``, else the environment, keyring or credentials file
    of the default data folder ($PLEXMIX_HOME). For providers built without a key from settings."""
    if explicit or secret_for(provider) is None:
        return explicit
    from plexmix.config.settings import default_home

    return CredentialStore(default_home()).provider_key(provider)


# Credential files whose use as the keyring fallback was already announced in this process:
# once per file, so each PLEXMIX_HOME (one per test) gets its own notice.
_announced_files: set[Path] = set()
# What this process read from the keyring ((service, username) -> (backend, value)) and from
# credential files (path -> (mtime and size, contents)): each is asked once.
_keyring_values: dict[tuple[str, str], tuple[Any, str | None]] = {}
_file_values: dict[Path, tuple[tuple[int, int], dict[str, str]]] = {}


def mask(value: str | None) -> str:
    """A secret as it may be shown: never more than its last four characters."""
    if not value:
        return "(not set)"
    return "****" + value[-4:] if len(value) >= 12 else "****"


class CredentialStore:
    def __init__(self, home: Path, environ: Mapping[str, str] | None = None) -> None:
        self.home = home
        self.environ = os.environ if environ is None else environ
        self.file = home / "credentials.yaml"

    # -- reading ---------------------------------------------------------------------------
    def get(self, name: str, explicit: str | None = None) -> tuple[str | None, str]:
        """(value, source) where source is flag, env:NAME, keyring, file or missing.

        Every value read here is registered with the log redactor before it is returned.
        """
        value, source = self._lookup(name, explicit)
        register_secret(value)
        return value, source

    def provider_key(self, provider: str) -> str | None:
        """The API key ``provider`` needs, or ``None`` (missing, or a keyless provider)."""
        spec = secret_for(provider)
        return self.get(spec.name)[0] if spec else None

    def env_var_set(self, name: str) -> str | None:
        """The environment variable that holds secret ``name`` (it wins over stored values)."""
        return next((var for var in spec_for(name).env_vars if self.environ.get(var)), None)

    def cheap_values(self) -> list[str]:
        """Secrets known without asking the keyring (environment and the 0600 file)."""
        values = [self.environ.get(var) for spec in SECRETS.values() for var in spec.env_vars]
        values.extend(self._read_file().values())
        return [v for v in values if v]

    def _lookup(self, name: str, explicit: str | None) -> tuple[str | None, str]:
        spec = spec_for(name)
        if explicit:
            return explicit, "flag"
        var = self.env_var_set(name)
        if var is not None:
            return self.environ[var], f"env:{var}"
        value = self._keyring_get(spec)
        if value:
            return value, "keyring"
        value = self._read_file().get(name)
        if value:
            return str(value), "file"
        return None, "missing"

    def require(self, name: str, explicit: str | None = None) -> str:
        value, _ = self.get(name, explicit)
        if not value:
            spec = spec_for(name)
            raise CredentialError(
                f"No {spec.label} is configured.",
                hint=f"Set {spec.env_var}, run `plexmix config set {spec.setting} VALUE`, "
                "or run `plexmix config init`.",
            )
        return value

    # -- writing ---------------------------------------------------------------------------
    def set(self, name: str, value: str) -> str:
        """Store a secret; return where it went ("keyring" or the fallback file's path)."""
        spec = spec_for(name)
        backend = _keyring_backend()
        if backend is not None:
            try:
                backend.set_password(spec.service, spec.username, value)
                _keyring_values[(spec.service, spec.username)] = (backend, value)
                return "keyring"
            except Exception as exc:  # any backend failure means: use the file
                log.debug("keyring write failed (%s); using the credentials file", type(exc).__name__)
        data = self._read_file()
        data[name] = value
        self._write_file(data)
        if self.file not in _announced_files:
            _announced_files.add(self.file)
            log.warning(
                "No system keyring is available; secrets are stored in %s (readable only by you).",
                self.file,
            )
        return str(self.file)

    def delete(self, name: str) -> None:
        spec = spec_for(name)
        backend = _keyring_backend()
        if backend is not None:
            _keyring_values[(spec.service, spec.username)] = (backend, None)
            try:
                backend.delete_password(spec.service, spec.username)
            except Exception:
                log.debug("no keyring entry to delete for %s", spec.service)
        data = self._read_file()
        if data.pop(name, None) is not None:
            self._write_file(data)

    # -- backends --------------------------------------------------------------------------
    @staticmethod
    def keyring_available() -> bool:
        return _keyring_backend() is not None

    def _keyring_get(self, spec: SecretSpec) -> str | None:
        backend = _keyring_backend()
        if backend is None:
            return None
        cached = _keyring_values.get((spec.service, spec.username))
        if cached is not None and cached[0] is backend:
            return cached[1]
        try:
            value = backend.get_password(spec.service, spec.username)
        except Exception as exc:
            log.debug("keyring read failed for %s: %s", spec.service, type(exc).__name__)
            value = None
        _keyring_values[(spec.service, spec.username)] = (backend, value)
        return value

    def _read_file(self) -> dict[str, str]:
        """The file's secrets (a copy: callers may change it); parsed again only when it changed."""
        try:
            stat = self.file.stat()
        except OSError:
            return {}
        signature = (stat.st_mtime_ns, stat.st_size)
        cached = _file_values.get(self.file)
        if cached is None or cached[0] != signature:
            cached = signature, _parse_file(self.file)
            _file_values[self.file] = cached
        return dict(cached[1])

    def _write_file(self, data: dict[str, str]) -> None:
        import yaml

        write_private_file(self.file, yaml.safe_dump(data, sort_keys=True))
        _file_values.pop(self.file, None)


def _keyring_backend() -> Any:
    """The system keyring backend, or ``None`` where there is none (or only a null/fail one)."""
    try:
        import keyring
        from keyring.backends import fail

        backend = keyring.get_keyring()
    except Exception:
        return None
    if isinstance(backend, fail.Keyring):
        return None
    name = type(backend).__module__ + "." + type(backend).__name__
    if "null" in name.lower() or getattr(backend, "priority", 1) <= 0:
        return None
    return backend


def _parse_file(path: Path) -> dict[str, str]:
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        log.warning("The credentials file %s is unreadable; ignoring it.", path)
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
