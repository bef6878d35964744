"""`plexmix config show / set / unset`: sources, masking, 0600 files, clear errors."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from plexmix.cli.main import app

runner = CliRunner()
FAKE_OPENAI = "sk-proj-FAKEFAKE-1234567890-LAST"
FAKE_TOKEN = "plex-token-FAKE-abcdef987"


@pytest.fixture(autouse=True)
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")


def show_json() -> dict[str, Any]:
    result = runner.invoke(app, ["config", "show", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_show_reports_file_env_and_default_sources(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    isolated_env.mkdir(parents=True)
    (isolated_env / "config.yaml").write_text("plex:\n  library: Jazz\nplaylist:\n  default_length: 30\n")
    monkeypatch.setenv("PLEX_URL", "http://10.0.0.5:32400")
    monkeypatch.setenv("PLEXMIX_AI__TEMPERATURE", "0.2")
    data = show_json()
    settings = data["settings"]
    assert settings["plex.library"] == {"value": "Jazz", "source": "file"}
    assert settings["playlist.default_length"] == {"value": 30, "source": "file"}
    assert settings["plex.url"] == {"value": "http://10.0.0.5:32400", "source": "env:PLEX_URL"}
    assert settings["ai.temperature"] == {"value": 0.2, "source": "env:PLEXMIX_AI__TEMPERATURE"}
    assert settings["ai.model"] == {"value": None, "source": "default"}
    assert settings["home"]["source"] == "env:PLEXMIX_HOME"
    assert data["paths"]["database"] == str(isolated_env / "plexmix.db")
    assert data["paths"]["config file"] == str(isolated_env / "config.yaml")
    # no key: the default gemini embeddings fall back to the offline model
    assert data["effective"] == {
        "ai.provider": "none", "embeddings.provider": "local",
        "embeddings.model": "all-MiniLM-L6-v2-onnx-int8", "embeddings.dimension": 384,
    }
    table = runner.invoke(app, ["config", "show"])
    assert table.exit_code == 0
    lines = {line.split("│")[1].strip(): line for line in table.stdout.splitlines() if line.count("│") >= 4}
    assert "env:PLEX_URL" in lines["plex.url"] and "file" in lines["plex.library"]
    assert "default" in lines["ai.model"] and "384" in lines["embeddings.dimension (effective)"]


def test_show_masks_secrets_and_names_their_source(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_OPENAI)
    assert runner.invoke(app, ["config", "set", "plex.token", FAKE_TOKEN]).exit_code == 0
    data = show_json()
    assert data["secrets"]["ai.openai_api_key"] == {
        "value": "****" + FAKE_OPENAI[-4:],
        "source": "env:OPENAI_API_KEY",
    }
    assert data["secrets"]["plex.token"] == {"value": "****" + FAKE_TOKEN[-4:], "source": "file"}
    assert data["secrets"]["ai.anthropic_api_key"] == {"value": "(not set)", "source": "missing"}
    table = runner.invoke(app, ["config", "show"])
    for output in (table.output, json.dumps(data)):
        assert FAKE_OPENAI not in output and FAKE_TOKEN not in output
    assert "****LAST" in table.stdout


def test_set_validates_and_writes_a_private_config(isolated_env: Path) -> None:
    result = runner.invoke(app, ["config", "set", "playlist.default_length", "25"])
    assert result.exit_code == 0 and "playlist.default_length = 25" in result.stdout
    result = runner.invoke(app, ["config", "set", "ai.provider", "claude"])
    assert result.exit_code == 0
    config = isolated_env / "config.yaml"
    assert mode(config) == 0o600
    assert yaml.safe_load(config.read_text()) == {
        "playlist": {"default_length": 25},
        "ai": {"provider": "claude"},
    }
    assert show_json()["settings"]["ai.provider"] == {"value": "claude", "source": "file"}


@pytest.mark.parametrize(
    ("key", "value", "needle"),
    [
        ("playlist.default_length", "lots", "playlist.default_length"),
        ("ai.provider", "skynet", "ai.provider"),
        ("plex.url", "192.168.1.10:32400", "http://"),
        ("embeddings.dimension", "5000", "embeddings"),
    ],
)
def test_set_rejects_bad_values_in_one_line(isolated_env: Path, key: str, value: str, needle: str) -> None:
    result = runner.invoke(app, ["config", "set", key, value])
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and needle in errors[0]
    assert "Traceback" not in result.output and result.exception is not None
    assert not (isolated_env / "config.yaml").exists()


def test_unknown_key_is_a_usage_error_with_suggestions() -> None:
    result = runner.invoke(app, ["config", "set", "ai.providr", "openai"])
    assert result.exit_code == 2
    assert "'ai.providr' is not a PlexMix setting." in result.output
    assert "Did you mean ai.provider?" in result.output and "ai.openai_api_key" in result.output
    result = runner.invoke(app, ["config", "unset", "nonsense"])
    assert result.exit_code == 2 and "Sections: plex, database, ai" in result.output


def test_secret_goes_to_the_0600_file_never_to_config(isolated_env: Path) -> None:
    runner.invoke(app, ["config", "set", "ai.provider", "openai"])
    result = runner.invoke(app, ["config", "set", "ai.openai_api_key", FAKE_OPENAI])
    assert result.exit_code == 0
    creds = isolated_env / "credentials.yaml"
    assert f"stored in {creds} (mode 0600)" in result.stdout
    assert FAKE_OPENAI not in result.output
    assert mode(creds) == 0o600 and yaml.safe_load(creds.read_text()) == {"openai_api_key": FAKE_OPENAI}
    assert FAKE_OPENAI not in (isolated_env / "config.yaml").read_text()
    assert yaml.safe_load((isolated_env / "config.yaml").read_text()) == {"ai": {"provider": "openai"}}


def test_secret_can_be_piped_instead_of_typed_on_the_command_line(isolated_env: Path) -> None:
    result = runner.invoke(app, ["config", "set", "plex.token"], input=FAKE_TOKEN + "\n")
    assert (
        result.exit_code == 0 and "Plex token stored in" in result.stdout and FAKE_TOKEN not in result.output
    )
    assert yaml.safe_load((isolated_env / "credentials.yaml").read_text()) == {"plex_token": FAKE_TOKEN}
    result = runner.invoke(app, ["config", "set", "plex.token"], input="\n")
    assert result.exit_code == 2 and "No Plex token was given." in result.output


def test_set_warns_when_the_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLEX_LIBRARY", "Music")
    result = runner.invoke(app, ["config", "set", "plex.library", "Jazz"])
    assert result.exit_code == 0 and "PLEX_LIBRARY is set in your environment" in result.stdout


def test_unset_removes_settings_and_secrets(isolated_env: Path) -> None:
    runner.invoke(app, ["config", "set", "ai.model", "gpt-4o"])
    runner.invoke(app, ["config", "set", "plex.library", "Jazz"])
    runner.invoke(app, ["config", "set", "plex.token", FAKE_TOKEN])
    result = runner.invoke(app, ["config", "unset", "ai.model"])
    assert result.exit_code == 0 and "ai.model removed" in result.stdout
    assert yaml.safe_load((isolated_env / "config.yaml").read_text()) == {"plex": {"library": "Jazz"}}
    assert show_json()["settings"]["ai.model"]["source"] == "default"
    result = runner.invoke(app, ["config", "unset", "ai.model"])
    assert result.exit_code == 0 and "nothing to do" in result.stdout
    result = runner.invoke(app, ["config", "unset", "plex.token"])
    assert result.exit_code == 0
    assert show_json()["secrets"]["plex.token"]["source"] == "missing"


def test_set_repairs_an_invalid_setting(isolated_env: Path) -> None:
    isolated_env.mkdir(parents=True)
    (isolated_env / "config.yaml").write_text(
        "plex:\n  url: http://ok:32400\nplaylist:\n  default_length: 0\n"
    )
    broken = runner.invoke(app, ["config", "show"])
    assert broken.exit_code == 1 and "playlist.default_length" in broken.output
    fixed = runner.invoke(app, ["config", "set", "playlist.default_length", "40"])
    assert fixed.exit_code == 0, fixed.output
    assert show_json()["settings"]["playlist.default_length"] == {"value": 40, "source": "file"}


def test_init_with_invalid_settings_stops_before_asking(isolated_env: Path) -> None:
    isolated_env.mkdir(parents=True)
    (isolated_env / "config.yaml").write_text("playlist:\n  default_length: 0\n")
    result = runner.invoke(app, ["config", "init"], input="http://127.0.0.1:9\n")
    assert result.exit_code == 1
    assert "playlist.default_length" in result.output and "Plex server URL" not in result.output
    assert "Traceback" not in result.output


def test_show_finds_the_gemini_key_under_its_alias(monkeypatch: pytest.MonkeyPatch) -> None:
    key = "AIzaFAKE-gemini-alias-0000-9876"
    monkeypatch.setenv("GEMINI_API_KEY", key)
    data = show_json()
    assert data["secrets"]["ai.google_api_key"] == {"value": "****9876", "source": "env:GEMINI_API_KEY"}
    assert data["effective"] == {
        "ai.provider": "gemini", "embeddings.provider": "gemini",
        "embeddings.model": "gemini-embedding-001", "embeddings.dimension": 768,
    }
    assert key not in json.dumps(data)


def test_set_names_the_alias_that_takes_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", "AIzaFAKE-from-the-env-0001")
    result = runner.invoke(app, ["config", "set", "ai.google_api_key", "AIzaFAKE-stored-0002"])
    assert result.exit_code == 0, result.output
    assert "GEMINI_API_KEY is set in your environment and takes precedence" in result.output
