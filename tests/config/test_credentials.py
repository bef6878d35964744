from __future__ import annotations

import logging
import stat
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
import yaml
from keyring.backend import KeyringBackend

from plexmix.config.credentials import (
    PROVIDER_SECRETS,
    SECRETS,
    CredentialStore,
    mask,
    provider_key,
    secret_for,
)
from plexmix.errors import CredentialError


def fallback_notices(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The "no keyring, secrets go to a file" warnings logged so far."""
    return [
        r.getMessage() for r in caplog.records
        if r.name == "plexmix.config.credentials" and r.levelno == logging.WARNING
        and "No system keyring" in r.getMessage()
    ]


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


class MemoryKeyring(KeyringBackend):
    """A keyring backend in memory that counts its reads."""

    priority = 10  # type: ignore[assignment]

    def __init__(self) -> None:
        self.data: dict[tuple[str, str], str] = {}
        self.reads = 0

    def get_password(self, service: str, username: str) -> str | None:
        self.reads += 1
        return self.data.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.data[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.data.pop((service, username), None)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    backend = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


def test_keyring_backend_is_used_when_available(isolated_env: Path, memory_keyring: MemoryKeyring) -> None:
    store = CredentialStore(isolated_env, environ={})
    assert store.set("plex_token", "tok-123456") == "keyring"
    assert memory_keyring.data[("plexmix-plex", "token")] == "tok-123456"
    assert store.get("plex_token") == ("tok-123456", "keyring")
    assert not (isolated_env / "credentials.yaml").exists()


def test_the_keyring_is_asked_once_per_process(tmp_path: Path, memory_keyring: MemoryKeyring) -> None:
    memory_keyring.data[("plexmix-openai", "api_key")] = "sk-in-the-keyring-1111"
    for home in ("one", "two", "one"):  # each command makes its own stores
        store = CredentialStore(tmp_path / home, environ={})
        assert store.get("openai_api_key") == ("sk-in-the-keyring-1111", "keyring")
        assert store.provider_key("openai") == "sk-in-the-keyring-1111"
    assert memory_keyring.reads == 1
    store.set("openai_api_key", "sk-changed-here-2222")  # a write in this process is seen at once
    assert CredentialStore(tmp_path, environ={}).get("openai_api_key")[0] == "sk-changed-here-2222"
    store.delete("openai_api_key")
    assert CredentialStore(tmp_path, environ={}).get("openai_api_key") == (None, "missing")
    assert memory_keyring.reads == 1
    other = MemoryKeyring()  # another backend (as in another test) is asked afresh
    keyring.set_keyring(other)
    assert CredentialStore(tmp_path, environ={}).get("openai_api_key") == (None, "missing")
    assert other.reads == 1


def test_the_credentials_file_is_parsed_once_until_it_changes(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    CredentialStore(isolated_env, environ={}).set("openai_api_key", "sk-from-the-file-3333")
    parsed: list[str] = []
    real = yaml.safe_load
    monkeypatch.setattr(yaml, "safe_load", lambda text: parsed.append(text) or real(text))
    for _ in range(3):
        assert CredentialStore(isolated_env, environ={}).get("openai_api_key") == ("sk-from-the-file-3333", "file")
    assert len(parsed) == 1
    CredentialStore(isolated_env, environ={}).set("anthropic_api_key", "sk-ant-second-4444")
    store = CredentialStore(isolated_env, environ={})
    assert store.get("anthropic_api_key") == ("sk-ant-second-4444", "file")
    assert store.get("openai_api_key") == ("sk-from-the-file-3333", "file")
    assert len(parsed) == 2
    # an edit by hand (another size) is noticed too
    (isolated_env / "credentials.yaml").write_text("openai_api_key: sk-edited-by-hand-55555\n")
    assert store.get("openai_api_key") == ("sk-edited-by-hand-55555", "file")


def test_gemini_api_key_is_an_alias_of_the_google_api_key(isolated_env: Path) -> None:
    alias_only = CredentialStore(isolated_env, environ={"GEMINI_API_KEY": "AIza-alias-key-6666"})
    assert alias_only.get("google_api_key") == ("AIza-alias-key-6666", "env:GEMINI_API_KEY")
    assert alias_only.provider_key("gemini") == "AIza-alias-key-6666"
    assert alias_only.env_var_set("google_api_key") == "GEMINI_API_KEY"
    assert "AIza-alias-key-6666" in alias_only.cheap_values()  # registered for redaction early
    both = CredentialStore(isolated_env, environ={"GEMINI_API_KEY": "AIza-alias", "GOOGLE_API_KEY": "AIza-main"})
    assert both.get("google_api_key") == ("AIza-main", "env:GOOGLE_API_KEY")
    assert both.provider_key("none") is None and both.provider_key("local") is None


def test_one_table_names_the_key_of_every_provider() -> None:
    assert PROVIDER_SECRETS == {"gemini": "google_api_key", "openai": "openai_api_key", "claude": "anthropic_api_key"}
    spec = secret_for("gemini")
    assert spec is not None and spec.env_vars == ("GOOGLE_API_KEY", "GEMINI_API_KEY")
    assert secret_for("local") is None and secret_for("none") is None


def test_every_variable_of_every_secret_is_documented() -> None:
    reference = (Path(__file__).resolve().parents[2] / "docs" / "configuration.md").read_text(encoding="utf-8")
    for spec in SECRETS.values():
        for var in spec.env_vars:
            assert f"`{var}`" in reference, var


def test_provider_key_reads_the_default_data_folder(isolated_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert provider_key("claude") is None
    CredentialStore(isolated_env).set("anthropic_api_key", "sk-ant-stored-7777")
    assert provider_key("claude") == "sk-ant-stored-7777"
    assert provider_key("claude", "sk-ant-explicit") == "sk-ant-explicit"
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-env-8888")
    assert provider_key("claude") == "sk-ant-env-8888"


def test_mask_never_shows_more_than_four_characters() -> None:
    assert mask("AIzaSyA-very-secret-1234") == "****1234"
    assert mask("short") == "****"
    assert mask(None) == "(not set)"
