"""In-memory music library served by the Plex emulator.

The model mirrors what a Plex Media Server keeps for a music section: artists, albums and
tracks keyed by integer ``ratingKey``, epoch-second ``addedAt`` / ``updatedAt`` timestamps
and tag lists (genres, moods, styles). Mutations go through :class:`MusicLibrary` so that
``updatedAt`` moves forward like on a real server and empty albums/artists disappear.

A ``clock`` callable (returning epoch seconds) can be injected so tests can move time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields
from typing import Any

from plexmix.devserver.history import OWNER_ACCOUNT, PlayHistory

Clock = Callable[[], int]


def system_clock() -> int:
    """Current time in whole epoch seconds."""
    return int(time.time())


class ManualClock:
    """A settable clock for tests: ``clock.advance(3600)`` moves time one hour."""

    def __init__(self, now: int = 1_700_000_000) -> None:
        self.now = int(now)

    def __call__(self) -> int:
        return self.now

    def advance(self, seconds: int) -> int:
        self.now += int(seconds)
        return self.now


# The emulator's artists, albums and tracks mirror the metadata a real Plex server keeps (the
# attributes of its XML), so they repeat the same tag and timestamp fields by design.
@dataclass(slots=True)
class EmuArtist:
    rating_key: int
    title: str
    sort_title: str = ""
    summary: str = ""
    genres: list[str] = field(default_factory=list)
    moods: list[str] = field(default_factory=list)
    styles: list[str] = field(default_factory=list)
    added_at: int = 0
    updated_at: int = 0


@dataclass(slots=True)
class EmuAlbum:
    rating_key: int
    title: str
    artist_key: int
    year: int | None = None
    genres: list[str] = field(default_factory=list)
    moods: list[str] = field(default_factory=list)
    styles: list[str] = field(default_factory=list)
    added_at: int = 0
    updated_at: int = 0


@dataclass(slots=True)
class EmuTrack:
    rating_key: int
    title: str
    album_key: int
    artist_key: int
    index: int = 1
    disc: int = 1
    duration_ms: int = 0
    year: int | None = None
    user_rating: float | None = None
    view_count: int = 0
    last_viewed_at: int | None = None
    file: str = ""
    genres: list[str] = field(default_factory=list)
    moods: list[str] = field(default_factory=list)
    added_at: int = 0
    updated_at: int = 0
    original_title: str | None = None
    last_rated_at: int | None = None
    skip_count: int = 0  # skipCount: times a player skipped it (devserver.history)
    last_skipped_at: int | None = None  # lastSkippedAt
    # The track's sonic features (0..1 each, see devserver.sonic); None = never analysed.
    sonic: tuple[float, ...] | None = None


# Per-user state: a real server keeps it apart from the metadata, so changing it does not
# move ``updatedAt`` (rating sets ``lastRatedAt``, playing sets ``lastViewedAt``).
USER_STATE_FIELDS = frozenset(
    {"user_rating", "view_count", "last_viewed_at", "last_rated_at", "skip_count", "last_skipped_at"}
)

_TRACK_FIELDS = frozenset(f.name for f in fields(EmuTrack)) - {"rating_key"}
_ALBUM_FIELDS = frozenset(f.name for f in fields(EmuAlbum)) - {"rating_key"}
_ARTIST_FIELDS = frozenset(f.name for f in fields(EmuArtist)) - {"rating_key"}

Item = EmuArtist | EmuAlbum | EmuTrack


class KeySequence:
    """The next free ``ratingKey``; the sections of one server share one (keys are server-wide)."""

    def __init__(self, start: int = 1) -> None:
        self.next = start
        self.lock = threading.Lock()

    def take(self) -> int:
        with self.lock:
            key = self.next
            self.next += 1
            return key

    def bump(self, key: int) -> None:
        """Make sure ``key`` and above are the only keys still handed out."""
        with self.lock:
            self.next = max(self.next, key)


class MusicLibrary:
    """Artists, albums and tracks of one music section, safe to mutate from tests.

    ``version`` grows with every mutation; the server uses it to cache listings.
    ``sonic_analysis``: the server ran sonic analysis (a Plex Pass feature), so tracks with sonic
    features carry ``musicAnalysisVersion`` and answer ``/nearest``; switch it at any time.
    """

    def __init__(
        self,
        *,
        title: str = "Music",
        section_key: int = 1,
        uuid: str = "6e5e4b0c-8f2f-4d6b-9b1e-plexmixmusic",
        clock: Clock | None = None,
        sonic_analysis: bool = False,
    ) -> None:
        self.title = title
        self.sonic_analysis = sonic_analysis
        self.section_key = section_key
        self.uuid = uuid
        self.clock: Clock = clock or system_clock
        self.artists: dict[int, EmuArtist] = {}
        self.albums: dict[int, EmuAlbum] = {}
        self.tracks: dict[int, EmuTrack] = {}
        self.lock = threading.RLock()
        self.version = 0
        self.keys = KeySequence()
        self.history = PlayHistory(lambda: self.items("track"), KeySequence())  # derived on first read

    # -- keys -------------------------------------------------------------------------------
    def new_key(self) -> int:
        """Allocate a fresh ratingKey (also used for playlists, like a real server)."""
        return self.keys.take()

    def set_next_key(self, key: int) -> None:
        """Used by bulk loaders that allocate keys themselves."""
        with self.lock:
            self.keys.bump(key)
            self._touch()

    def share_keys(self, other: MusicLibrary) -> None:
        """Let ``other`` (another section of the same server) draw keys from this library's sequence."""
        self.keys.bump(other.keys.next)
        other.keys = self.keys
        other.history.ids = self.history.ids

    def _reserve(self, key: int | None) -> int:
        if key is None:
            return self.new_key()
        if key in self.artists or key in self.albums or key in self.tracks:
            raise ValueError(f"ratingKey {key} is already used")
        self.keys.bump(key + 1)
        return key

    def _touch(self) -> None:
        self.version += 1

    # -- adding -----------------------------------------------------------------------------
    def add_artist(self, title: str, *, rating_key: int | None = None, **kw: Any) -> EmuArtist:
        now = self.clock()
        kw.setdefault("added_at", now)
        kw.setdefault("updated_at", kw["added_at"])
        kw.setdefault("sort_title", title)
        with self.lock:
            artist = EmuArtist(rating_key=self._reserve(rating_key), title=title, **kw)
            self.artists[artist.rating_key] = artist
            self._touch()
            return artist

    def add_album(self, title: str, artist_key: int, *, rating_key: int | None = None, **kw: Any) -> EmuAlbum:
        now = self.clock()
        kw.setdefault("added_at", now)
        kw.setdefault("updated_at", kw["added_at"])
        with self.lock:
            if artist_key not in self.artists:
                raise KeyError(f"no artist {artist_key}")
            album = EmuAlbum(rating_key=self._reserve(rating_key), title=title, artist_key=artist_key, **kw)
            self.albums[album.rating_key] = album
            self._touch()
            return album

    def add_track(self, title: str, album_key: int, *, rating_key: int | None = None, **kw: Any) -> EmuTrack:
        """Add a track to an existing album; the artist is the album's artist by default."""
        now = self.clock()
        kw.setdefault("added_at", now)
        kw.setdefault("updated_at", kw["added_at"])
        with self.lock:
            album = self.albums.get(album_key)
            if album is None:
                raise KeyError(f"no album {album_key}")
            kw.setdefault("artist_key", album.artist_key)
            kw.setdefault("year", album.year)
            track = EmuTrack(rating_key=self._reserve(rating_key), title=title, album_key=album_key, **kw)
            self.tracks[track.rating_key] = track
            self._touch()
            return track

    def add_song(
        self, artist: str, album: str, title: str, *, year: int | None = None, **kw: Any
    ) -> EmuTrack:
        """Convenience: add a track, creating its artist and album by title if needed."""
        with self.lock:
            artist_obj = next((a for a in self.artists.values() if a.title == artist), None)
            if artist_obj is None:
                artist_obj = self.add_artist(artist)
            album_obj = next(
                (
                    a
                    for a in self.albums.values()
                    if a.title == album and a.artist_key == artist_obj.rating_key
                ),
                None,
            )
            if album_obj is None:
                album_obj = self.add_album(album, artist_obj.rating_key, year=year)
            kw.setdefault(
                "index",
                sum(1 for t in self.tracks.values() if t.album_key == album_obj.rating_key) + 1,
            )
            return self.add_track(title, album_obj.rating_key, **kw)

    # -- updating ---------------------------------------------------------------------------
    def update_track(self, rating_key: int, *, touch: bool | None = None, **changes: Any) -> EmuTrack:
        """Change track fields.

        ``updated_at`` becomes the clock's time (unless given) when a metadata field changes;
        user state alone (rating, plays) leaves it alone, like a real server, and a new
        ``user_rating`` sets ``last_rated_at``. ``touch=True/False`` forces either behaviour.
        """
        if "user_rating" in changes and "last_rated_at" not in changes:
            changes["last_rated_at"] = self.clock()
        if touch is None:
            touch = bool(set(changes) - USER_STATE_FIELDS)
        return self._update(self.tracks, _TRACK_FIELDS, rating_key, changes, touch)

    def record_play(
        self, rating_key: int, at: int | None = None, account_id: int = OWNER_ACCOUNT
    ) -> EmuTrack:
        """One more play of a track (``viewCount`` + 1, ``lastViewedAt``, a history row);
        ``updatedAt`` unchanged."""
        with self.lock:
            track = self.tracks[rating_key]
            at = at or self.clock()
            self.history.record(track, at, account_id)
            return self.update_track(rating_key, view_count=track.view_count + 1, last_viewed_at=at)

    def record_skip(self, rating_key: int) -> EmuTrack:
        """A player skipped the track (``skipCount`` + 1, ``lastSkippedAt``); ``updatedAt`` unchanged."""
        with self.lock:
            skips = self.tracks[rating_key].skip_count + 1
            return self.update_track(rating_key, skip_count=skips, last_skipped_at=self.clock())

    def update_album(self, rating_key: int, **changes: Any) -> EmuAlbum:
        """Change album fields; ``updated_at`` becomes the clock's time unless given."""
        return self._update(self.albums, _ALBUM_FIELDS, rating_key, changes, True)

    def update_artist(self, rating_key: int, **changes: Any) -> EmuArtist:
        """Change artist fields; ``updated_at`` becomes the clock's time unless given."""
        return self._update(self.artists, _ARTIST_FIELDS, rating_key, changes, True)

    def _update(
        self, table: dict[int, Any], allowed: frozenset[str], key: int, changes: dict[str, Any], touch: bool
    ) -> Any:
        unknown = set(changes) - allowed
        if unknown:
            raise TypeError(f"unknown field(s): {', '.join(sorted(unknown))}")
        if touch:
            changes.setdefault("updated_at", self.clock())
        with self.lock:
            if key not in table:
                raise KeyError(key)
            item = table[key]
            for name, value in changes.items():
                setattr(item, name, value)
            self._touch()
            return item

    # -- deleting ---------------------------------------------------------------------------
    def delete_track(self, rating_key: int) -> None:
        """Remove a track; its album and artist go too when they become empty."""
        with self.lock:
            track = self.tracks.pop(rating_key)
            self._touch()
            if not any(t.album_key == track.album_key for t in self.tracks.values()):
                album = self.albums.pop(track.album_key, None)
                artist_key = album.artist_key if album else track.artist_key
                still_used = any(a.artist_key == artist_key for a in self.albums.values()) or any(
                    t.artist_key == artist_key for t in self.tracks.values()
                )
                if not still_used:
                    self.artists.pop(artist_key, None)

    # -- reading ----------------------------------------------------------------------------
    def analysed(self, track: EmuTrack) -> bool:
        """Whether the server exposes ``track``'s sonic analysis."""
        return self.sonic_analysis and track.sonic is not None

    def get(self, rating_key: int) -> Item | None:
        return self.tracks.get(rating_key) or self.albums.get(rating_key) or self.artists.get(rating_key)

    def items(self, kind: str) -> list[Any]:
        """A snapshot list of ``artist`` / ``album`` / ``track`` objects in key order."""
        with self.lock:
            if kind == "track":
                return list(self.tracks.values())
            if kind == "album":
                return list(self.albums.values())
            if kind == "artist":
                return list(self.artists.values())
        raise ValueError(f"unknown kind {kind!r}")

    def __iter__(self) -> Iterator[EmuTrack]:
        return iter(self.items("track"))

    def __len__(self) -> int:
        return len(self.tracks)
