"""Settings models and the embedding-dimension rules.

Loading (defaults < config.yaml < environment/.env < CLI flags) lives in :mod:`plexmix.config.loader`;
secrets (Plex token, API keys) live in :mod:`plexmix.config.credentials`, never in ``config.yaml``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from plexmix.config.embedding_models import DEFAULT_MODELS, expected_dimension
from plexmix.errors import ConfigError

if TYPE_CHECKING:
    from plexmix.config.templates import PlaylistTemplate

    Templates = dict[str, PlaylistTemplate]
else:  # checked as that by Settings._templates, which builds the template model only when used
    Templates = dict[str, Any]

AIProviderName = Literal["gemini", "openai", "claude", "local", "none"]
EmbeddingProviderName = Literal["gemini", "openai", "local"]
AI_PROVIDERS: tuple[str, ...] = ("gemini", "openai", "claude", "local", "none")
EMBEDDING_PROVIDERS: tuple[str, ...] = ("gemini", "openai", "local")

# One table of embedding models, shared with the providers (plexmix.config.embedding_models).
DEFAULT_EMBEDDING_MODELS = DEFAULT_MODELS


def default_home() -> Path:
    return Path(os.environ.get("PLEXMIX_HOME") or Path.home() / ".plexmix").expanduser()


def embedding_dimension(provider: str, model: str, requested: int | None = None) -> int:
    """The dimension vectors of ``provider``/``model`` have; a mismatch is a :class:`ConfigError`."""
    return expected_dimension(provider, model, requested)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


def _plex_url(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    value = value.strip().rstrip("/")
    if not value.startswith(("http://", "https://")):
        raise ValueError("the Plex URL must start with http:// or https:// (e.g. http://192.168.1.10:32400)")
    return value


ALL_LIBRARIES = "all"  # plex.libraries: [all] = every music library of the server


class _Server(_Section):
    """The checks of a server's ``url`` and ``libraries``, for the ``plex`` section and each
    server profile (fields are declared by each, in their own order)."""

    @field_validator("url", check_fields=False)
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        return _plex_url(value)

    @field_validator("libraries", mode="before", check_fields=False)
    @classmethod
    def _split(cls, value: object) -> object:
        return _name_list(value)


class PlexSettings(_Server):
    url: str | None = None
    library: str | None = None  # one library (older configs); plex.libraries names several
    libraries: list[str] = Field(default_factory=list)  # names, or [all]; empty = plex.library
    server: str | None = None  # the server profile in use (a key of `servers`); None = this section
    user: str | None = None  # a Plex Home user to act as (their plays, ratings and playlists)
    account_url: str = "https://plex.tv"  # the Plex account service (asked only to switch users)
    timeout: float = Field(default=30.0, gt=0)
    max_retries: int = Field(default=5, ge=0, le=20)
    requests_per_second: float | None = Field(default=None, gt=0)
    page_size: int = Field(default=1000, ge=50, le=10000)

    @property
    def library_names(self) -> list[str]:
        """The libraries to use: names, ``[all]``, or ``[]`` for the server's first music library."""
        return list(self.libraries) or ([self.library] if self.library else [])


class ServerProfile(_Server):
    """One named Plex server (``servers.NAME`` in config.yaml); its token is a secret, never here."""

    url: str | None = None  # required to use the profile (checked then, so it can be set in steps)
    libraries: list[str] = Field(default_factory=list)  # empty: plex.libraries
    user: str | None = None  # empty: plex.user


def user_folder(name: str) -> str:
    """A folder name for a Plex user: readable, safe on every file system, one per name."""
    import hashlib
    import re

    slug = re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")[:40] or "user"
    return f"{slug}-{hashlib.sha1(name.casefold().encode()).hexdigest()[:6]}"


def _name_list(value: object) -> object:
    """``"Music, Classical"`` (a flag or environment variable) -> ``["Music", "Classical"]``."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class DatabaseSettings(_Section):
    path: Path | None = None  # default: $PLEXMIX_HOME/plexmix.db
    faiss_index_path: Path | None = None  # default: $PLEXMIX_HOME/embeddings.index


class AISettings(_Section):
    provider: AIProviderName = "gemini"
    model: str | None = None  # default per provider
    temperature: float = Field(default=0.7, ge=0, le=2)
    timeout: float = Field(default=60.0, gt=0)
    plan: bool = True  # with an LLM: a short planning call reads the mood before retrieval
    openai_base_url: str | None = None
    anthropic_base_url: str | None = None
    gemini_base_url: str | None = None
    local_base_url: str = "http://localhost:11434/v1"
    local_model: str = "llama3.1"

    def base_url_for(self, provider: str) -> str | None:
        """The endpoint override for ``provider`` (gemini, openai, claude, local), if any."""
        return {
            "gemini": self.gemini_base_url, "openai": self.openai_base_url,
            "claude": self.anthropic_base_url, "local": self.local_base_url,
        }.get(provider)


class EmbeddingSettings(_Section):
    provider: EmbeddingProviderName = "gemini"
    model: str | None = None  # default per provider
    dimension: int | None = Field(default=None, gt=0)  # derived from provider + model when unset
    batch_size: int = Field(default=64, ge=1, le=2048)
    concurrency: int = Field(default=4, ge=1, le=32)

    @model_validator(mode="after")
    def _check_dimension(self) -> EmbeddingSettings:
        try:
            self.effective_dimension  # noqa: B018 - raises on a mismatch
        except ConfigError as exc:
            raise ValueError(exc.message) from exc
        return self

    @property
    def model_name(self) -> str:
        return self.model or DEFAULT_EMBEDDING_MODELS[self.provider]

    @property
    def effective_dimension(self) -> int:
        return embedding_dimension(self.provider, self.model_name, self.dimension)


class PlaylistSettings(_Section):
    default_length: int = Field(default=50, ge=1, le=1000)
    candidate_pool: int = Field(default=100, ge=1, le=2000)
    max_per_artist: int = Field(default=3, ge=1)
    max_per_album: int = Field(default=2, ge=1)
    avoid_recent_days: int = Field(default=0, ge=0)
    blocked_artists: list[str] = Field(default_factory=list)
    blocked_genres: list[str] = Field(default_factory=list)


class RefreshSettings(_Section):
    avoid_played: bool = True  # a refresh leaves out what was played since the last one
    missing: Literal["report", "recreate"] = "report"  # a playlist deleted in Plex
    lock_wait: int = Field(default=600, ge=0)  # seconds to wait for another run to finish


class MatchingSettings(_Section):
    """How `plexmix import` and `plexmix copy` find a playlist's tracks in the library."""

    # Another machine's music folder -> the same folder here, tried on a path that is not found as
    # written: [[/mnt/music, /data/music], ...] (a mapping {"/mnt/music": "/data/music"} works too).
    path_map: list[Annotated[list[str], Field(min_length=2, max_length=2)]] = Field(default_factory=list)
    threshold: float = Field(default=0.85, ge=0.5, le=1.0)  # the lowest fuzzy score accepted

    @field_validator("path_map", mode="before")
    @classmethod
    def _pairs(cls, value: object) -> object:
        return [[str(k), str(v)] for k, v in value.items()] if isinstance(value, dict) else value


class LoggingSettings(_Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    file: Path | None = None  # default: $PLEXMIX_HOME/plexmix.log
    max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    backup_count: int = Field(default=5, ge=0)

    @field_validator("level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value


class Settings(BaseModel):
    """All PlexMix settings. ``home`` is the data folder ($PLEXMIX_HOME, default ~/.plexmix)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    home: Path = Field(default_factory=default_home)
    plex: PlexSettings = Field(default_factory=PlexSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    ai: AISettings = Field(default_factory=AISettings)
    embeddings: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    playlist: PlaylistSettings = Field(default_factory=PlaylistSettings)
    refresh: RefreshSettings = Field(default_factory=RefreshSettings)
    matching: MatchingSettings = Field(default_factory=MatchingSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
    servers: dict[str, ServerProfile] = Field(default_factory=dict)  # named Plex servers
    templates: Templates = Field(default_factory=dict)  # config/templates.py

    @field_validator("templates", mode="before")
    @classmethod
    def _templates(cls, value: object) -> object:
        """Templates validated as ``dict[str, PlaylistTemplate]`` (same errors, same places) and
        their names checked; without any, the template model is not even built."""
        if isinstance(value, dict) and not value:
            return value
        from plexmix.config.templates import validate_templates

        return validate_templates(value)

    @property
    def server_home(self) -> Path | None:
        """Where a named server profile keeps its database and index (``None``: the default
        server, whose files are ``database.path`` and ``database.faiss_index_path``)."""
        name = self.plex.server
        return self.home / "servers" / name if name and name != "default" else None

    @property
    def server_db_path(self) -> Path:
        """The server's database (its owner's plays and ratings)."""
        if (folder := self.server_home) is not None:
            return folder / "plexmix.db"
        return Path(self.database.path or self.home / "plexmix.db").expanduser()

    @property
    def user_home(self) -> Path | None:
        """A Plex Home user's own folder beside the server's database (``None``: no user): their
        plays, ratings and playlists are theirs, so their mirror is too."""
        if not self.plex.user:
            return None
        return self.server_db_path.parent / "users" / user_folder(self.plex.user)

    @property
    def db_path(self) -> Path:
        folder = self.user_home
        return folder / "plexmix.db" if folder is not None else self.server_db_path

    @property
    def index_path(self) -> Path:
        if (folder := self.user_home) is not None:
            return folder / "embeddings.index"
        if (folder := self.server_home) is not None:
            return folder / "embeddings.index"
        return Path(self.database.faiss_index_path or self.home / "embeddings.index").expanduser()

    @property
    def log_path(self) -> Path:
        return Path(self.logging.file or self.home / "plexmix.log").expanduser()

    @property
    def config_path(self) -> Path:
        return self.home / "config.yaml"
