from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest

from plexmix.config.credentials import CredentialStore, mask
from plexmix.errors import CredentialError


def fallback_notices(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The "no keyring, secrets go to a file" warnings logged so far."""
    return [
        r.getMessage() for r in caplog.records
        if r.name == "plexmix.config.credentials" and r.levelno == logging.WARNING
        and "No system keyring" in r.getMessage()
    ]  # fmt: skip


@pytest.fixture(autouse=True)
def _an_earlier_store_already_fell_back(tmp_path: Path) -> None:
    """Some other PLEXMIX_HOME already wrote its credentials file in this process (as earlier
    tests do): the tests below must not depend on whether it did."""
    CredentialStore(tmp_path / "earlier-home", environ={}).set("plex_token", "earlier-token-123456")


def test_without_keyring_secrets_go_to_a_0600_file_and_it_is_said_once(
    isolated_env: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = CredentialStore(isolated_env, environ={})
    assert not store.keyring_available()
    with caplog.at_level(logging.WARNING):
        where = store.set("google_api_key", "AIzaFAKEKEY-1234567890abcdef")
        store.set("plex_token", "plex-token-abcdef123")
        CredentialStore(isolated_env, environ={}).set("openai_api_key", "sk-another-store-1234")
    assert where == str(isolated_env / "credentials.yaml")
    assert stat.S_IMODE((isolated_env / "credentials.yaml").stat().st_mode) == 0o600
    assert fallback_notices(caplog) == [
        f"No system keyring is available; secrets are stored in {where} (readable only by you)."
    ]
    assert store.get("google_api_key") == ("AIzaFAKEKEY-1234567890abcdef", "file")
    store.delete("google_api_key")
    assert store.get("google_api_key") == (None, "missing")
    assert store.get("plex_token")[0] == "plex-token-abcdef123"


def test_each_credentials_file_is_announced_once(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    first, second = CredentialStore(tmp_path / "one", environ={}), CredentialStore(tmp_path / "two", environ={})
    with caplog.at_level(logging.WARNING):
        first.set("plex_token", "plex-token-000000001")
        second.set("plex_token", "plex-token-000000002")
        first.set("google_api_key", "AIzaFAKEKEY-0000000001")
        second.set("google_api_key", "AIzaFAKEKEY-0000000002")
    notices = fallback_notices(caplog)
    assert len(notices) == 2
    assert str(first.file) in notices[0] and str(second.file) in notices[1]


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
