from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest

from plexmix.config.credentials import CredentialStore, mask
from plexmix.errors import CredentialError


def test_without_keyring_secrets_go_to_a_0600_file_and_it_is_said_once(
    isolated_env: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = CredentialStore(isolated_env, environ={})
    assert not store.keyring_available()
    with caplog.at_level(logging.WARNING):
        where = store.set("google_api_key", "AIzaFAKEKEY-1234567890abcdef")
        store.set("plex_token", "plex-token-abcdef123")
    assert where == str(isolated_env / "credentials.yaml")
    assert stat.S_IMODE((isolated_env / "credentials.yaml").stat().st_mode) == 0o600
    warnings = [r for r in caplog.records if "keyring" in r.getMessage()]
    assert len(warnings) <= 1
    assert store.get("google_api_key") == ("AIzaFAKEKEY-1234567890abcdef", "file")
    store.delete("google_api_key")
    assert store.get("google_api_key") == (None, "missing")
    assert store.get("plex_token")[0] == "plex-token-abcdef123"


def test_lookup_order_flag_env_then_stored(isolated_env: Path) -> None:
    store = CredentialStore(isolated_env, environ={"OPENAI_API_KEY": "sk-from-env"})
    store.set("openai_api_key", "sk-from-file")
    assert store.get("openai_api_key", explicit="sk-flag") == ("sk-flag", "flag")
    assert store.get("openai_api_key") == ("sk-from-env", "env:OPENAI_API_KEY")
    assert CredentialStore(isolated_env, environ={}).get("openai_api_key") == ("sk-from-file", "file")


def test_missing_secret_names_the_variable(isolated_env: Path) -> None:
    with pytest.raises(CredentialError) as info:
        CredentialStore(isolated_env, environ={}).require("anthropic_api_key")
    assert info.value.hint and "ANTHROPIC_API_KEY" in info.value.hint


def test_keyring_backend_is_used_when_available(isolated_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import keyring
    from keyring.backend import KeyringBackend

    class MemoryKeyring(KeyringBackend):
        priority = 10  # type: ignore[assignment]

        def __init__(self) -> None:
            self.data: dict[tuple[str, str], str] = {}

        def get_password(self, service: str, username: str) -> str | None:
            return self.data.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            self.data[(service, username)] = password

        def delete_password(self, service: str, username: str) -> None:
            self.data.pop((service, username), None)

    backend = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        store = CredentialStore(isolated_env, environ={})
        assert store.set("plex_token", "tok-123456") == "keyring"
        assert backend.data[("plexmix-plex", "token")] == "tok-123456"
        assert store.get("plex_token") == ("tok-123456", "keyring")
        assert not (isolated_env / "credentials.yaml").exists()
    finally:
        keyring.set_keyring(previous)


def test_mask_never_shows_more_than_four_characters() -> None:
    assert mask("AIzaSyA-very-secret-1234") == "****1234"
    assert mask("short") == "****"
    assert mask(None) == "(not set)"
