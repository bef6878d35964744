"""Pydantic models of the entities PlexMix stores."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator


@lru_cache(maxsize=8192)
def normalize_tag(name: str) -> str:
    """Genres, moods and styles are stored trimmed, single-spaced and lower-case."""
    return " ".join(name.split()).lower()


def normalize_tags(names: list[str] | tuple[str, ...]) -> list[str]:
    """Normalised, de-duplicated tags in their first order (cached: tag lists repeat a lot)."""
    return list(_normalize_tuple(tuple(names)))


@lru_cache(maxsize=16384)
def _normalize_tuple(names: tuple[str, ...]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for name in names:
        tag = normalize_tag(name)
        if tag:
            seen.setdefault(tag, None)
    return tuple(seen)


class _Entity(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Artist(_Entity):
    id: int | None = None
    plex_key: str
    name: str
    sort_name: str | None = None
    summary: str | None = None
    added_at: int | None = None
    updated_at: int | None = None
    genres: list[str] = Field(default_factory=list)
    moods: list[str] = Field(default_factory=list)
    styles: list[str] = Field(default_factory=list)

    _normalize = field_validator("genres", "moods", "styles")(lambda v: normalize_tags(v))


class Album(_Entity):
    id: int | None = None
    plex_key: str
    title: str
    artist_key: str | None = None
    artist_id: int | None = None
    year: int | None = None
    added_at: int | None = None
    updated_at: int | None = None
    genres: list[str] = Field(default_factory=list)
    moods: list[str] = Field(default_factory=list)
    styles: list[str] = Field(default_factory=list)

    _normalize = field_validator("genres", "moods", "styles")(lambda v: normalize_tags(v))


class Track(_Entity):
    """A track with its artist, album and tags (genres, moods, styles)."""

    id: int | None = None
    plex_key: str
    title: str
    artist_key: str | None = None
    album_key: str | None = None
    artist_id: int | None = None
    album_id: int | None = None
    artist_name: str | None = None
    album_title: str | None = None
    track_number: int | None = None
    disc_number: int | None = None
    duration_ms: int | None = Field(default=None, ge=0)
    year: int | None = None
    rating: float | None = Field(default=None, ge=0, le=10)  # Plex's 0-10 scale (5 stars = 10)
    play_count: int = Field(default=0, ge=0)
    last_played: int | None = None
    file_path: str | None = None
    added_at: int | None = None
    updated_at: int | None = None
    genres: list[str] = Field(default_factory=list)
    moods: list[str] = Field(default_factory=list)
    styles: list[str] = Field(default_factory=list)

    @field_validator("genres", "moods", "styles")
    @classmethod
    def _normalize(cls, value: list[str]) -> list[str]:
        return normalize_tags(value)


class ArtistLike(Protocol):
    plex_key: str
    name: str
    sort_name: str | None
    summary: str | None
    added_at: int | None
    updated_at: int | None
    genres: list[str]
    moods: list[str]
    styles: list[str]


class AlbumLike(Protocol):
    plex_key: str
    title: str
    artist_key: str | None
    artist_id: int | None
    year: int | None
    added_at: int | None
    updated_at: int | None
    genres: list[str]
    moods: list[str]
    styles: list[str]


@dataclass(slots=True)
class ArtistRecord:
    """An artist row for bulk writes; tags already normalised."""

    plex_key: str
    name: str
    sort_name: str | None = None
    summary: str | None = None
    added_at: int | None = None
    updated_at: int | None = None
    genres: list[str] = field(default_factory=list)
    moods: list[str] = field(default_factory=list)
    styles: list[str] = field(default_factory=list)


@dataclass(slots=True)
class AlbumRecord:
    """An album row for bulk writes; tags already normalised."""

    plex_key: str
    title: str
    artist_key: str | None = None
    artist_id: int | None = None
    year: int | None = None
    added_at: int | None = None
    updated_at: int | None = None
    genres: list[str] = field(default_factory=list)
    moods: list[str] = field(default_factory=list)
    styles: list[str] = field(default_factory=list)


class TrackLike(Protocol):
    """What a track write needs: a :class:`Track` or the lighter :class:`TrackRecord`."""

    plex_key: str
    title: str
    artist_key: str | None
    album_key: str | None
    artist_id: int | None
    album_id: int | None
    track_number: int | None
    disc_number: int | None
    duration_ms: int | None
    year: int | None
    rating: float | None
    play_count: int
    last_played: int | None
    file_path: str | None
    added_at: int | None
    updated_at: int | None
    genres: list[str]
    moods: list[str]
    styles: list[str]


@dataclass(slots=True)
class TrackRecord:
    """A track row for bulk writes (a sync), without validation cost; tags already normalised."""

    plex_key: str
    title: str
    artist_key: str | None = None
    album_key: str | None = None
    artist_id: int | None = None
    album_id: int | None = None
    track_number: int | None = None
    disc_number: int | None = None
    duration_ms: int | None = None
    year: int | None = None
    rating: float | None = None
    play_count: int = 0
    last_played: int | None = None
    file_path: str | None = None
    added_at: int | None = None
    updated_at: int | None = None
    genres: list[str] = field(default_factory=list)
    moods: list[str] = field(default_factory=list)
    styles: list[str] = field(default_factory=list)


class SyncRecord(_Entity):
    id: int
    mode: str
    status: str
    started_at: int
    finished_at: int | None = None
    tracks_added: int = 0
    tracks_updated: int = 0
    tracks_removed: int = 0
    tracks_seen: int = 0
    artists_synced: int = 0
    albums_synced: int = 0
    duration_s: float | None = None
    server_time: int | None = None
    error_message: str | None = None


class Playlist(_Entity):
    id: int | None = None
    plex_key: str | None = None
    name: str
    description: str | None = None
    mood_query: str | None = None
    provider: str | None = None
    model: str | None = None
    created_by_ai: bool = True
    created_at: int
    updated_at: int | None = None
    track_count: int = 0


class PlaylistEntry(_Entity):
    position: int
    track: Track
    reason: str | None = None
