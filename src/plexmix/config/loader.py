"""Load settings from defaults, ``config.yaml``, the environment (and ``.env``) and CLI flags.

Precedence, lowest first: defaults < ``$PLEXMIX_HOME/config.yaml`` < environment (``.env`` below
real variables) < CLI flags. :class:`LoadedSettings` remembers where every value came from, which
``plexmix config show`` prints.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from plexmix.config.profiles import apply_profile, check_name
from plexmix.config.settings import Settings, default_home
from plexmix.errors import ConfigError
from plexmix.utils.files import write_private_file

# Environment variables the README documents, mapped to dotted setting keys.
ENV_SETTINGS: dict[str, str] = {
    "PLEX_URL": "plex.url",
    "PLEX_LIBRARY": "plex.library",
    "PLEX_LIBRARIES": "plex.libraries",
    "PLEX_SERVER": "plex.server",
    "PLEX_USER": "plex.user",
    "DATABASE_PATH": "database.path",
    "FAISS_INDEX_PATH": "database.faiss_index_path",
    "DEFAULT_AI_PROVIDER": "ai.provider",
    "DEFAULT_EMBEDDING_PROVIDER": "embeddings.provider",
    "OPENAI_BASE_URL": "ai.openai_base_url",
    "ANTHROPIC_BASE_URL": "ai.anthropic_base_url",
    "GOOGLE_GEMINI_BASE_URL": "ai.gemini_base_url",
    "LOCAL_LLM_BASE_URL": "ai.local_base_url",
    "LOCAL_LLM_MODEL": "ai.local_model",
    "LOG_LEVEL": "logging.level",
}
GENERIC_ENV_PREFIX = "PLEXMIX_"  # PLEXMIX_AI__MODEL=... sets ai.model


@dataclass
class LoadedSettings:
    settings: Settings
    config_path: Path
    sources: dict[str, str] = field(default_factory=dict)  # dotted key -> flag|env:NAME|file|default
    environ: Mapping[str, str] = field(default_factory=dict)  # environment incl. .env values

    def source(self, key: str) -> str:
        return self.sources.get(key, "default")


def load_settings(
    config_path: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    dotenv_path: Path | None = None,
) -> LoadedSettings:
    """Build the effective settings. ``overrides`` holds CLI flags as dotted keys."""
    env = _environment(environ, dotenv_path)
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    home = Path(overrides.get("home") or env.get("PLEXMIX_HOME") or default_home()).expanduser()
    path = Path(config_path or env.get("PLEXMIX_CONFIG") or home / "config.yaml").expanduser()

    merged: dict[str, Any] = {"home": str(home)}
    sources: dict[str, str] = {"home": "env:PLEXMIX_HOME" if env.get("PLEXMIX_HOME") else "default"}
    if "home" in overrides:
        sources["home"] = "flag"
    for key, value in _flatten(read_config_file(path)).items():
        if key == "home":
            continue
        _set_dotted(merged, key, value)
        sources[key] = "file"
    for key, (value, var) in env_values(env).items():
        _set_dotted(merged, key, value)
        sources[key] = f"env:{var}"
    for key, value in overrides.items():
        if key == "home":
            continue
        _set_dotted(merged, key, value)
        sources[key] = "flag"
    try:
        settings = Settings(**merged)
    except ValidationError as exc:
        raise _config_error(exc, sources, path) from exc
    profiled = apply_profile(settings)
    if profiled is not settings:  # the profile's values say where they came from
        for name, value in profiled.plex.model_dump().items():
            if value != getattr(settings.plex, name):
                sources[f"plex.{name}"] = f"servers.{profiled.plex.server}"
        settings = profiled
    return LoadedSettings(settings=settings, config_path=path, sources=sources, environ=env)


def env_values(env: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """Dotted key -> (value, variable name) for every setting found in ``env``."""
    found: dict[str, tuple[str, str]] = {}
    for var, key in ENV_SETTINGS.items():
        if env.get(var):
            found[key] = (env[var], var)
    for var, value in env.items():
        if var.startswith(GENERIC_ENV_PREFIX) and "__" in var and value != "":
            section, _, name = var[len(GENERIC_ENV_PREFIX) :].lower().partition("__")
            found[f"{section}.{name}"] = (_parse_scalar(value), var)
    return found


def read_config_file(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    import yaml  # only when there is a file: a start-up without one skips the parser

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(
            f"The config file {path} cannot be read: {exc}".rstrip(".") + ".",
            hint="Fix the YAML or delete the file and run `plexmix config init`.",
        ) from exc
    if not isinstance(data, dict):
        raise ConfigError(
            f"The config file {path} must hold a mapping of settings.",
            hint="See examples/config.yaml.example for the layout.",
        )
    return data


def save_config_value(path: Path, key: str, raw_value: str | Any) -> Any:
    """Validate ``key = raw_value`` against the settings model and store it in ``config.yaml``."""
    value = _parse_scalar(raw_value) if isinstance(raw_value, str) else raw_value
    data = read_config_file(path)
    candidate = {k: v for k, v in data.items()}
    _set_dotted(candidate, key, value)
    try:
        section, _, name = key.partition(".")
        if not name or section not in Settings.model_fields or section == "home":
            raise ConfigError(
                f"'{key}' is not a PlexMix setting.",
                hint="Keys look like section.name, e.g. ai.provider or playlist.default_length "
                "(see `plexmix config show`).",
            )
        checked = Settings(**candidate)
    except ValidationError as exc:
        raise _config_error(exc, {key: "value"}, path) from exc
    stored = _stored(checked, section, name)
    _set_dotted(data, key, plain_value(stored))
    write_config_file(path, data)
    return stored


def _stored(checked: Settings, section: str, name: str) -> Any:
    """The validated value of ``section.name`` (``servers.NAME.field`` for a server profile)."""
    if section == "servers":
        profile, _, field_name = name.partition(".")
        check_name(profile)
        if not field_name:
            raise ConfigError(
                f"'servers.{profile}' is a server profile, not one setting.",
                hint=f"Set its fields: plexmix config set servers.{profile}.url URL",
            )
        return getattr(checked.servers[profile], field_name)
    return getattr(getattr(checked, section), name)


def write_config_file(path: Path, data: Mapping[str, Any]) -> None:
    import yaml

    text = yaml.safe_dump(dict(data), sort_keys=True, default_flow_style=False)
    write_private_file(path, text)


def _environment(environ: Mapping[str, str] | None, dotenv_path: Path | None) -> dict[str, str]:
    env = dict(os.environ if environ is None else environ)
    dotenv_file = dotenv_path or Path.cwd() / ".env"
    if dotenv_file.is_file():
        from dotenv import dotenv_values

        for key, value in dotenv_values(dotenv_file).items():
            if value is not None and key not in env:
                env[key] = value
    return env


def _parse_scalar(raw: str) -> Any:
    import yaml

    try:
        value = yaml.safe_load(raw)
    except yaml.YAMLError:
        return raw
    return raw if value is None or isinstance(value, dict) else value


def plain_value(value: Any) -> Any:
    """A setting as YAML/JSON can hold it (paths as text, lists element by element)."""
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, list):
        return [plain_value(v) for v in value]
    return value


def _flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if value is None and not prefix and key != "home":
            continue  # a section whose keys are all commented out
        if isinstance(value, Mapping):
            flat.update(_flatten(value, dotted + "."))
        else:
            flat[dotted] = value
    return flat


def _set_dotted(target: dict[str, Any], key: str, value: Any) -> None:
    parts = key.split(".")
    node = target
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child
    node[parts[-1]] = value


def _config_error(exc: ValidationError, sources: Mapping[str, str], path: Path) -> ConfigError:
    err = exc.errors()[0]
    key = ".".join(str(p) for p in err["loc"]) or "settings"
    # A whole-section error (e.g. embeddings dimension vs model) takes the source of its keys.
    if key not in sources:  # a whole-section error: name the key inside it that was set
        key = next((k for k in sources if k.startswith(key + ".")), key)
    origin = sources.get(key, "")
    where = {"file": f" (from {path})", "flag": " (from a command-line flag)"}.get(origin, "")
    if origin.startswith("env:"):
        where = f" (from the environment variable {origin[4:]})"
    message = err["msg"].removeprefix("Value error, ").rstrip(".")
    if err["type"] == "extra_forbidden":
        return ConfigError(
            f"'{key}' is not a PlexMix setting{where}.",
            hint="Check the spelling; `plexmix config show` lists every setting.",
        )
    hint = f"Fix it with `plexmix config set {key} VALUE`."
    if key.startswith("templates"):  # templates are edited in config.yaml, not with `config set`
        hint = f"Fix the template in {path} (see docs/configuration.md, Templates)."
    if origin.startswith("env:"):  # the variable overrides config.yaml: `config set` would not help
        hint = f"Fix or unset the environment variable {origin[4:]} (it overrides config.yaml)."
    return ConfigError(
        f"Invalid setting {key}{where}: {message}.",
        hint=hint,
    )
