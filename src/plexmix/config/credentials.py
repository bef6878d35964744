"""Secrets: the Plex token and the AI API keys.

Lookup order: an explicit value (CLI flag) > environment variable (or ``.env``) > system keyring >
``$PLEXMIX_HOME/credentials.yaml`` (mode 0600). The file is the fallback where no keyring backend
exists, as on most headless Linux servers that run Plex; PlexMix says so once when it writes there.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

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


SECRETS: dict[str, SecretSpec] = {
    spec.name: spec
    for spec in (
        SecretSpec("plex_token", "plexmix-plex", "token", "PLEX_TOKEN", "Plex token", "plex.token"),
        SecretSpec(
            "google_api_key", "plexmix-gemini", "api_key", "GOOGLE_API_KEY", "Google API key",
            "ai.google_api_key",
        ),
        SecretSpec(
            "openai_api_key", "plexmix-openai", "api_key", "OPENAI_API_KEY", "OpenAI API key",
            "ai.openai_api_key",
        ),
        SecretSpec(
            "anthropic_api_key", "plexmix-claude", "api_key", "ANTHROPIC_API_KEY", "Anthropic API key",
            "ai.anthropic_api_key",
        ),
    )
}

# Which secret each AI / embedding provider needs.
PROVIDER_SECRETS = {
    "gemini": "google_api_key",
    "openai": "openai_api_key",
    "claude": "anthropic_api_key",
}

# Credential files whose use as the keyring fallback was already announced in this process:
# once per file, so each PLEXMIX_HOME (one per test) gets its own notice.
_announced_files: set[Path] = set()


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

    def cheap_values(self) -> list[str]:
        """Secrets known without asking the keyring (environment and the 0600 file)."""
        values = [self.environ.get(spec.env_var) for spec in SECRETS.values()]
        values.extend(self._read_file().values())
        return [v for v in values if v]

    def _lookup(self, name: str, explicit: str | None) -> tuple[str | None, str]:
        spec = SECRETS[name]
        if explicit:
            return explicit, "flag"
        if self.environ.get(spec.env_var):
            return self.environ[spec.env_var], f"env:{spec.env_var}"
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
            spec = SECRETS[name]
            raise CredentialError(
                f"No {spec.label} is configured.",
                hint=f"Set {spec.env_var}, run `plexmix config set {spec.setting} VALUE`, "
                "or run `plexmix config init`.",
            )
        return value

    # -- writing ---------------------------------------------------------------------------
    def set(self, name: str, value: str) -> str:
        """Store a secret; return where it went ("keyring" or the fallback file's path)."""
        spec = SECRETS[name]
        if self.keyring_available():
            try:
                import keyring

                keyring.set_password(spec.service, spec.username, value)
                return "keyring"
            except Exception as exc:  # any backend failure means: use the file
                log.debug("keyring write failed (%s); using the credentials file", type(exc).__name__)
        data = self._read_file()
        data[name] = value
        write_private_file(self.file, yaml.safe_dump(data, sort_keys=True))
        if self.file not in _announced_files:
            _announced_files.add(self.file)
            log.warning(
                "No system keyring is available; secrets are stored in %s (readable only by you).",
                self.file,
            )
        return str(self.file)

    def delete(self, name: str) -> None:
        spec = SECRETS[name]
        if self.keyring_available():
            try:
                import keyring

                keyring.delete_password(spec.service, spec.username)
            except Exception:
                log.debug("no keyring entry to delete for %s", spec.service)
        data = self._read_file()
        if data.pop(name, None) is not None:
            write_private_file(self.file, yaml.safe_dump(data, sort_keys=True))

    # -- backends --------------------------------------------------------------------------
    @staticmethod
    def keyring_available() -> bool:
        try:
            import keyring
            from keyring.backends import fail

            backend = keyring.get_keyring()
        except Exception:
            return False
        if isinstance(backend, fail.Keyring):
            return False
        name = type(backend).__module__ + "." + type(backend).__name__
        return "null" not in name.lower() and getattr(backend, "priority", 1) > 0

    def _keyring_get(self, spec: SecretSpec) -> str | None:
        if not self.keyring_available():
            return None
        try:
            import keyring

            return keyring.get_password(spec.service, spec.username)
        except Exception as exc:
            log.debug("keyring read failed for %s: %s", spec.service, type(exc).__name__)
            return None

    def _read_file(self) -> dict[str, str]:
        if not self.file.exists():
            return {}
        try:
            data = yaml.safe_load(self.file.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError):
            log.warning("The credentials file %s is unreadable; ignoring it.", self.file)
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
