"""The provider registry and get_curator()."""

from __future__ import annotations

import subprocess
import sys

import pytest

from plexmix.errors import ConfigError, CredentialError, UsageError
from plexmix.providers.ai import (
    PROVIDERS,
    ClaudeCurator,
    GeminiCurator,
    LocalCurator,
    NoneCurator,
    OpenAICurator,
    get_curator,
)


def test_registry_names_and_classes():
    expected = {
        "gemini": GeminiCurator,
        "openai": OpenAICurator,
        "claude": ClaudeCurator,
        "local": LocalCurator,
        "none": NoneCurator,
    }
    assert expected == PROVIDERS
    for name, cls in PROVIDERS.items():
        assert cls.name == name


@pytest.mark.parametrize(
    ("name", "model"),
    [("gemini", "gemini-2.5-flash"), ("openai", "gpt-4o-mini"), ("claude", "claude-sonnet-5-5")],
)
def test_defaults_and_overrides(name, model):
    provider = get_curator(name, api_key="k")
    assert provider.model == model
    custom = get_curator(name.upper(), api_key="k", model="m-1", timeout=3, temperature=0.1,
                             max_retries=5, base_url="http://127.0.0.1:1")
    assert (custom.model, custom.timeout, custom.temperature, custom.max_retries) == (
        "m-1", 3.0, 0.1, 5)
    assert custom.base_url == "http://127.0.0.1:1"


def test_unknown_name_lists_valid_names():
    with pytest.raises(UsageError) as info:
        get_curator("chatgpt")
    text = info.value.message + " " + (info.value.hint or "")
    for name in PROVIDERS:
        assert name in text


@pytest.mark.parametrize(
    ("name", "env_var", "setting"),
    [
        ("gemini", "GOOGLE_API_KEY", "ai.google_api_key"),
        ("openai", "OPENAI_API_KEY", "ai.openai_api_key"),
        ("claude", "ANTHROPIC_API_KEY", "ai.anthropic_api_key"),
    ],
)
def test_missing_key_names_env_var_and_config_command(name, env_var, setting):
    with pytest.raises(CredentialError) as info:
        get_curator(name)
    assert env_var in (info.value.hint or "")
    assert f"plexmix config set {setting} KEY" in (info.value.hint or "")


@pytest.mark.parametrize(
    ("name", "env_var"),
    [("gemini", "GOOGLE_API_KEY"), ("gemini", "GEMINI_API_KEY"), ("openai", "OPENAI_API_KEY"),
     ("claude", "ANTHROPIC_API_KEY")],
)
def test_key_from_environment(monkeypatch, name, env_var):
    monkeypatch.setenv(env_var, "from-env")
    provider = get_curator(name)
    assert provider._api_key == "from-env"
    assert "from-env" not in repr(provider)


def test_key_stored_with_config_set_is_found_without_the_environment(isolated_env):
    from plexmix.config.credentials import CredentialStore

    CredentialStore(isolated_env).set("anthropic_api_key", "sk-ant-stored-in-file")
    assert get_curator("claude")._api_key == "sk-ant-stored-in-file"
    assert get_curator("claude", api_key="sk-explicit")._api_key == "sk-explicit"


def test_keyless_providers():
    assert get_curator("none").model is None
    local = get_curator("local", base_url="http://127.0.0.1:11434/v1", model="llama3.1")
    assert local.needs_key is False and local.model == "llama3.1"


def test_local_requires_base_url_and_model():
    with pytest.raises(ConfigError) as info:
        get_curator("local", model="llama3.1")
    assert "ai.local_base_url" in (info.value.hint or "")
    with pytest.raises(ConfigError) as info:
        get_curator("local", base_url="http://127.0.0.1:11434/v1")
    assert "ai.local_model" in (info.value.hint or "")


def test_importing_the_package_imports_no_sdk():
    code = (
        "import sys, plexmix.providers.ai\n"
        "heavy = [m for m in ('openai', 'anthropic', 'google.genai', 'httpx2') if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
