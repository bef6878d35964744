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


# The listed items mirror Plex's XML attributes one to one (ratingKey, titleSort, userRating,
# viewCount, lastViewedAt, ...): they are this adapter's copy of an outside schema, and the sync
# maps them onto PlexMix's own models (plexmix.storage.models).


@dataclass(slots=True, kw_only=True)
class PlexItem:
    """What every listed artist, album and track has: ``ratingKey``, ``title``, its ``Genre``
    and ``Mood`` tags, ``addedAt`` and ``updatedAt``."""

    rating_key: str
    title: str
    genres: list[str] = field(default_factory=list)
    moods: list[str] = field(default_factory=list)
    added_at: int | None = None
    updated_at: int | None = None


@dataclass(slots=True, kw_only=True)
class PlexArtist(PlexItem):
    """A Plex artist (type 8): also ``titleSort``, ``summary`` and ``Style`` tags."""

    sort_title: str | None = None  # titleSort
    summary: str | None = None
    styles: list[str] = field(default_factory=list)


@dataclass(slots=True, kw_only=True)
class PlexAlbum(PlexItem):
    """A Plex album (type 9): also ``parentRatingKey`` (its artist), ``year`` and ``Style`` tags."""

    artist_key: str | None = None  # parentRatingKey
    year: int | None = None
    styles: list[str] = field(default_factory=list)


@dataclass(slots=True, kw_only=True)
class PlexTrack(PlexItem):
    """A Plex track (type 10): its album and artist (parent/grandparent), position, play data
    and the file of its first ``Media/Part``."""

    album_key: str | None = None  # parentRatingKey
    artist_key: str | None = None  # grandparentRatingKey
    album_title: str | None = None  # parentTitle
    artist_title: str | None = None  # grandparentTitle
    track_number: int | None = None  # index
    disc_number: int | None = None  # parentIndex
    duration_ms: int | None = None  # duration
    year: int | None = None  # year, else parentYear
    user_rating: float | None = None  # userRating, 0-10
    view_count: int = 0  # viewCount
    last_viewed_at: int | None = None  # lastViewedAt
    file_path: str | None = None  # Media/Part file
    original_title: str | None = None  # originalTitle (the track artist on compilations)
    last_rated_at: int | None = None  # lastRatedAt
    music_analysis_version: int | None = None  # musicAnalysisVersion (sonic analysis)
    skip_count: int = 0  # skipCount


@dataclass(slots=True, frozen=True)
class PlexPlay:
    """One row of Plex's play history: ``historyKey``'s id, the track, ``viewedAt``, ``accountID``."""

    history_id: int
    rating_key: str
    viewed_at: int
    account_id: int | None = None
