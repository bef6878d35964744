from __future__ import annotations

import stat
from pathlib import Path

import pytest

from plexmix.config.loader import load_settings, save_config_value
from plexmix.config.settings import Settings, embedding_dimension
from plexmix.errors import ConfigError


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_defaults_follow_the_plan(isolated_env: Path) -> None:
    loaded = load_settings()
    s = loaded.settings
    assert s.home == isolated_env
    assert (s.ai.provider, s.embeddings.provider) == ("gemini", "gemini")
    assert s.embeddings.effective_dimension == 768  # gemini-embedding-001 reduced (issue 12)
    assert (s.playlist.default_length, s.playlist.candidate_pool) == (50, 100)
    assert (s.playlist.max_per_artist, s.playlist.max_per_album) == (3, 2)
    assert s.db_path == isolated_env / "plexmix.db"
    assert s.index_path == isolated_env / "embeddings.index"
    assert loaded.source("ai.provider") == "default"


def test_precedence_flag_over_env_over_file_over_default(isolated_env: Path) -> None:
    config = _write(isolated_env / "config.yaml", "ai:\n  provider: openai\n  temperature: 0.2\nplaylist:\n  default_length: 30\n")
    env = {"PLEXMIX_HOME": str(isolated_env), "DEFAULT_AI_PROVIDER": "claude", "PLEX_URL": "http://nas:32400/"}
    loaded = load_settings(config, overrides={"ai.provider": "local"}, environ=env)
    s = loaded.settings
    assert s.ai.provider == "local" and loaded.source("ai.provider") == "flag"
    assert s.ai.temperature == 0.2 and loaded.source("ai.temperature") == "file"
    assert s.playlist.default_length == 30
    assert s.plex.url == "http://nas:32400" and loaded.source("plex.url") == "env:PLEX_URL"
    loaded = load_settings(config, environ=env)
    assert loaded.settings.ai.provider == "claude" and loaded.source("ai.provider") == "env:DEFAULT_AI_PROVIDER"
    loaded = load_settings(config, environ={"PLEXMIX_HOME": str(isolated_env)})
    assert loaded.settings.ai.provider == "openai"


def test_dotenv_is_read_below_real_environment(isolated_env: Path, tmp_path: Path) -> None:
    dotenv = _write(tmp_path / ".env", "DEFAULT_EMBEDDING_PROVIDER=local\nLOG_LEVEL=debug\n")
    loaded = load_settings(environ={"PLEXMIX_HOME": str(isolated_env), "LOG_LEVEL": "WARNING"}, dotenv_path=dotenv)
    assert loaded.settings.embeddings.provider == "local"
    assert loaded.settings.embeddings.effective_dimension == 384
    assert loaded.settings.logging.level == "WARNING"


def test_generic_plexmix_variables_set_any_key(isolated_env: Path) -> None:
    env = {"PLEXMIX_HOME": str(isolated_env), "PLEXMIX_PLAYLIST__MAX_PER_ARTIST": "5"}
    loaded = load_settings(environ=env)
    assert loaded.settings.playlist.max_per_artist == 5
    assert loaded.source("playlist.max_per_artist") == "env:PLEXMIX_PLAYLIST__MAX_PER_ARTIST"


@pytest.mark.parametrize(
    ("provider", "model", "requested", "expected"),
    [("gemini", "gemini-embedding-001", None, 768), ("gemini", "gemini-embedding-001", 3072, 3072),
     ("openai", "text-embedding-3-small", None, 1536), ("local", "all-MiniLM-L6-v2-onnx-int8", None, 384),
     ("local", "all-MiniLM-L6-v2", 384, 384)],
)
def test_embedding_dimension_is_derived(provider: str, model: str, requested: int | None, expected: int) -> None:
    assert embedding_dimension(provider, model, requested) == expected


def test_embedding_dimension_mismatch_is_a_clear_error(isolated_env: Path) -> None:
    with pytest.raises(ConfigError, match="384-dimensional"):
        embedding_dimension("local", "all-MiniLM-L6-v2", 768)
    _write(isolated_env / "config.yaml", "embeddings:\n  provider: local\n  dimension: 1536\n")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert "embeddings" in info.value.message and "config.yaml" in info.value.message


@pytest.mark.parametrize(
    ("yaml_text", "fragment"),
    [("ai:\n  provider: gpt5\n", "ai.provider"), ("plex:\n  url: nas:32400\n", "http://"),
     ("playlist:\n  default_lenght: 3\n", "not a PlexMix setting"), ("- just\n- a list\n", "mapping"),
     ("ai: [unclosed\n", "cannot be read")],
)
def test_bad_config_files_name_the_problem(isolated_env: Path, yaml_text: str, fragment: str) -> None:
    _write(isolated_env / "config.yaml", yaml_text)
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert fragment in info.value.message
    assert info.value.hint


def test_bad_environment_value_names_the_variable(isolated_env: Path) -> None:
    with pytest.raises(ConfigError, match="DEFAULT_AI_PROVIDER"):
        load_settings(environ={"PLEXMIX_HOME": str(isolated_env), "DEFAULT_AI_PROVIDER": "skynet"})


def test_config_set_validates_and_saves_private_file(isolated_env: Path) -> None:
    path = isolated_env / "config.yaml"
    assert save_config_value(path, "playlist.default_length", "25") == 25
    assert save_config_value(path, "playlist.blocked_artists", "[Nickelback, Creed]") == ["Nickelback", "Creed"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_settings().settings.playlist.default_length == 25
    with pytest.raises(ConfigError, match="not a PlexMix setting"):
        save_config_value(path, "playlist.nope", "1")
    with pytest.raises(ConfigError, match="playlist.default_length"):
        save_config_value(path, "playlist.default_length", "-3")
    assert load_settings().settings.playlist.default_length == 25  # nothing lost


def test_settings_model_rejects_unknown_sections() -> None:
    with pytest.raises(ValueError):
        Settings(bogus={})  # type: ignore[call-arg]
