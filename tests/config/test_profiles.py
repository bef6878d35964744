"""Named server profiles: `servers.NAME` in config.yaml, `--server NAME`, a token per profile."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from plexmix.cli.main import app
from plexmix.config.credentials import CredentialStore, spec_for
from plexmix.config.loader import load_settings
from plexmix.config.profiles import apply_profile, profile_names, token_secret
from plexmix.config.settings import Settings
from plexmix.errors import ConfigError

runner = CliRunner()
CABIN_TOKEN = "cabin-token-FAKE-0123456789"


def write_config(home: Path, data: dict[str, Any]) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.yaml").write_text(yaml.safe_dump(data))


TWO_SERVERS = {
    "plex": {"url": "http://10.0.0.5:32400", "libraries": ["Music", "Classical"]},
    "servers": {
        "cabin": {"url": "http://10.0.0.9:32400/", "libraries": "Tunes"},
        "studio": {"url": "http://10.0.0.7:32400"},
    },
}


def test_profiles_are_named_and_the_default_is_plex_url(isolated_env: Path) -> None:
    write_config(isolated_env, TWO_SERVERS)
    settings = load_settings().settings
    assert profile_names(settings) == ["default", "cabin", "studio"]
    assert settings.plex.url == "http://10.0.0.5:32400"
    assert settings.plex.library_names == ["Music", "Classical"]
    assert settings.servers["cabin"].libraries == ["Tunes"]  # "a, b" text becomes a list


def test_server_override_applies_the_profile(isolated_env: Path) -> None:
    write_config(isolated_env, TWO_SERVERS)
    cabin = load_settings(overrides={"plex.server": "cabin"}).settings
    assert cabin.plex.url == "http://10.0.0.9:32400"  # trailing slash dropped
    # each server has its own database and index (ratingKeys are per server)
    assert cabin.db_path == isolated_env / "servers" / "cabin" / "plexmix.db"
    assert cabin.index_path == isolated_env / "servers" / "cabin" / "embeddings.index"
    assert load_settings().settings.db_path == isolated_env / "plexmix.db"
    assert cabin.plex.library_names == ["Tunes"]
    studio = load_settings(overrides={"plex.server": "studio"}).settings
    assert studio.plex.url == "http://10.0.0.7:32400"
    assert studio.plex.library_names == ["Music", "Classical"]  # no libraries of its own: plex's


def test_unknown_profile_is_a_config_error_listing_the_profiles(isolated_env: Path) -> None:
    write_config(isolated_env, TWO_SERVERS)
    with pytest.raises(ConfigError) as err:
        load_settings(overrides={"plex.server": "garage"})
    assert "garage" in err.value.message
    assert "default, cabin, studio" in (err.value.hint or "")


def test_apply_profile_without_a_server_changes_nothing() -> None:
    settings = Settings(plex={"url": "http://a:32400"})
    assert apply_profile(settings) is settings


def test_each_profile_has_its_own_token_secret(isolated_env: Path) -> None:
    assert token_secret(None) == token_secret("default") == "plex_token"
    spec = spec_for(token_secret("cabin"))
    assert (spec.env_var, spec.setting, spec.username) == (
        "PLEX_TOKEN_CABIN", "servers.cabin.token", "token@cabin",
    )
    store = CredentialStore(isolated_env, {"PLEX_TOKEN_CABIN": CABIN_TOKEN, "PLEX_TOKEN": "other"})
    assert store.get("plex_token@cabin") == (CABIN_TOKEN, "env:PLEX_TOKEN_CABIN")
    with pytest.raises(KeyError):
        spec_for("nonsense")


def test_config_set_show_and_unset_a_profile(isolated_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    result = runner.invoke(app, ["config", "set", "servers.cabin.url", "http://10.0.0.9:32400"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(app, ["config", "set", "servers.cabin.libraries", "Music, Kids"]).exit_code == 0
    result = runner.invoke(app, ["config", "set", "servers.cabin.token", CABIN_TOKEN])
    assert result.exit_code == 0, result.output
    data = yaml.safe_load((isolated_env / "config.yaml").read_text())
    assert data["servers"] == {"cabin": {"url": "http://10.0.0.9:32400", "libraries": ["Music", "Kids"]}}
    assert CABIN_TOKEN not in (isolated_env / "config.yaml").read_text()  # the token is a secret
    shown = json.loads(runner.invoke(app, ["config", "show", "--json"]).stdout)
    assert shown["settings"]["servers.cabin.url"]["value"] == "http://10.0.0.9:32400"
    assert shown["secrets"]["servers.cabin.token"]["value"] == "****" + CABIN_TOKEN[-4:]
    cabin = runner.invoke(app, ["--server", "cabin", "config", "show", "--json"])
    assert cabin.exit_code == 0, cabin.output
    assert json.loads(cabin.stdout)["settings"]["plex.url"] == {
        "value": "http://10.0.0.9:32400", "source": "servers.cabin",
    }
    assert runner.invoke(app, ["config", "unset", "servers.cabin.token"]).exit_code == 0
    assert CredentialStore(isolated_env).get("plex_token@cabin")[0] is None
    assert runner.invoke(app, ["config", "unset", "servers.cabin"]).exit_code == 0
    assert "servers" not in (yaml.safe_load((isolated_env / "config.yaml").read_text()) or {})


def test_bad_profile_keys_are_clear_errors(isolated_env: Path) -> None:
    result = runner.invoke(app, ["config", "set", "servers.my cabin.url", "http://a:1"])
    assert result.exit_code != 0
    assert "cannot name a server profile" in result.output
    result = runner.invoke(app, ["config", "set", "servers.cabin.colour", "red"])
    assert result.exit_code != 0
    assert "not a PlexMix setting" in result.output
    assert runner.invoke(app, ["config", "set", "servers.draft.libraries", "Music"]).exit_code == 0
    result = runner.invoke(app, ["--server", "draft", "config", "show"])
    assert result.exit_code != 0
    assert "profile 'draft' has no url" in result.output
    result = runner.invoke(app, ["--server", "nowhere", "config", "show"])
    assert result.exit_code != 0
    assert "no Plex server profile 'nowhere'" in result.output
    assert "Traceback" not in result.output
