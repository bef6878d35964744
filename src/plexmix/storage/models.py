"""The entities PlexMix stores, each declared once.

:class:`Artist`, :class:`Album` and :class:`Track` are plain slots dataclasses used both for
reads (a :class:`Track` read back carries ``artist_name`` and ``album_title``) and for the bulk
writes of a sync, which builds ~100k of them: no validation beyond putting the tags in their
stored form. The rows read a few at a time (sync history, refresh runs, saved playlists) are
pydantic models in :mod:`plexmix.storage.records`, which the sync does not import.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache


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


@dataclass(slots=True, kw_only=True)
class LibraryItem:
    """What artists, albums and tracks share: Plex's key, timestamps and tags.

    Tags are normalised on construction (:func:`normalize_tags`), so every instance holds them
    as they are stored and compared.
    """

    id: int | None = None
    plex_key: str
    source_id: int = 1  # the music library it came from (storage.sources)
    added_at: int | None = None
    updated_at: int | None = None
    genres: list[str] = field(default_factory=list)
    moods: list[str] = field(default_factory=list)
    styles: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        # normalize_tags, inlined: a sync builds ~100k of these.
        self.genres = list(_normalize_tuple(tuple(self.genres)))
        self.moods = list(_normalize_tuple(tuple(self.moods)))
        self.styles = list(_normalize_tuple(tuple(self.styles)))


@dataclass(slots=True, kw_only=True)
class Artist(LibraryItem):
    name: str
    sort_name: str | None = None
    summary: str | None = None


@dataclass(slots=True, kw_only=True)
class Album(LibraryItem):
    """An album; a write links it by ``artist_key`` (else ``artist_id``)."""

    title: str
    artist_key: str | None = None
    artist_id: int | None = None
    year: int | None = None


@dataclass(slots=True, kw_only=True)
class Track(LibraryItem):
    """A track with its artist, album and tags."""

    title: str
    artist_key: str | None = None  # a write links the artist by its Plex key...
    album_key: str | None = None
    artist_id: int | None = None  # ...or, without one, by id
    album_id: int | None = None
    artist_name: str | None = None  # filled by reads
    album_title: str | None = None
    track_number: int | None = None
    disc_number: int | None = None
    duration_ms: int | None = None
    year: int | None = None
    rating: float | None = None  # Plex's 0-10 scale (5 stars = 10)
    play_count: int = 0
    last_played: int | None = None
    file_path: str | None = None
    music_analysis_version: int | None = None  # Plex's sonic analysis (None: not analysed)
    skip_count: int = 0  # Plex's skipCount: times a player skipped it
