"""Plain records of what PlexClient reads from a Plex server (no plexapi objects)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class ServerInfo:
    name: str
    version: str
    machine_identifier: str


@dataclass(slots=True)
class LibraryInfo:
    key: str
    title: str
    uuid: str | None = None


@dataclass(slots=True)
class PlaylistInfo:
    rating_key: str
    title: str
    summary: str | None = None
    leaf_count: int = 0


@dataclass(slots=True)
class PlexArtist:
    rating_key: str
    title: str
    sort_title: str | None = None
    summary: str | None = None
    genres: list[str] = field(default_factory=list)
    moods: list[str] = field(default_factory=list)
    styles: list[str] = field(default_factory=list)
    added_at: int | None = None
    updated_at: int | None = None


@dataclass(slots=True)
class PlexAlbum:
    rating_key: str
    title: str
    artist_key: str | None = None
    year: int | None = None
    genres: list[str] = field(default_factory=list)
    moods: list[str] = field(default_factory=list)
    styles: list[str] = field(default_factory=list)
    added_at: int | None = None
    updated_at: int | None = None


@dataclass(slots=True)
class PlexTrack:
    rating_key: str
    title: str
    album_key: str | None = None
    artist_key: str | None = None
    album_title: str | None = None
    artist_title: str | None = None
    track_number: int | None = None
    disc_number: int | None = None
    duration_ms: int | None = None
    year: int | None = None
    user_rating: float | None = None
    view_count: int = 0
    last_viewed_at: int | None = None
    file_path: str | None = None
    genres: list[str] = field(default_factory=list)
    moods: list[str] = field(default_factory=list)
    added_at: int | None = None
    updated_at: int | None = None
    original_title: str | None = None
    last_rated_at: int | None = None
