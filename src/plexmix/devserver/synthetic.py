"""A synthetic library of any size (a million tracks) derived from the bundled real tracks.

The bundled demo library (~2,000 real tracks) is the *base*. Copy ``c`` of a base item with
ratingKey ``k`` has ratingKey ``c * K + k`` (``K`` = the base's highest key), the base titles
with the suffix `` (c+1)`` (as ``csv_loader --repeat`` names copies), and its own dates,
ratings and plays drawn from a hash of (seed, ratingKey): the same seed gives the same library.
The last copy is cut so that the library has exactly the requested number of tracks.

Nothing is stored per synthetic item: :class:`LazyTable` derives an item from its key when it is
read, and keeps only the items a test changed, added or deleted. Listings are key sequences
(:class:`Listing`) that derive a page at a time, so serving a million tracks costs a few tens of
MB (mostly the base and one key array per kind).

Derived objects are fresh on every read: change items through :class:`MusicLibrary`'s methods
(``update_track``, ``record_play``, ``delete_track``, ...), not by setting attributes on them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, MutableMapping, Sequence
from typing import Any, Generic, TypeVar, overload

import numpy as np

from plexmix.devserver.csv_loader import DEFAULT_NOW, _safe, _sort_title, demo_library
from plexmix.devserver.history import skips_for
from plexmix.devserver.library import Clock, EmuAlbum, EmuArtist, EmuTrack, MusicLibrary
from plexmix.devserver.mixing import frac as _frac
from plexmix.devserver.mixing import mix as _mix

T = TypeVar("T")

_YEARS = 6 * 365 * 86400
_RATINGS = (2.0, 4.0, 6.0, 8.0, 10.0, 10.0, 8.0, 7.0, 5.0, 3.0, 9.0, 1.0)
_CACHE_LIMIT = 8192


class LazyTable(MutableMapping[int, T], Generic[T]):
    """``ratingKey -> item`` whose items are derived on read; only changes are stored.

    ``derive(key)`` builds the item of a valid base key; ``base_keys`` are all derivable keys
    in ascending order. Changed items live in ``overlay`` (see :meth:`pin`).
    """

    def __init__(
        self, derive: Callable[[int], T], valid: Callable[[int], bool], base_keys: np.ndarray
    ) -> None:
        self._derive = derive
        self._valid = valid
        self._base_keys = base_keys
        self.overlay: dict[int, T] = {}
        self._deleted: set[int] = set()
        self._added: set[int] = set()
        self._keys: np.ndarray | None = base_keys

    def __getitem__(self, key: int) -> T:
        item = self.overlay.get(key)
        if item is not None:
            return item
        if key in self._deleted or not isinstance(key, (int, np.integer)) or not self._valid(int(key)):
            raise KeyError(key)
        return self._derive(int(key))

    def __contains__(self, key: object) -> bool:
        if key in self.overlay:
            return True
        if not isinstance(key, (int, np.integer)) or key in self._deleted:
            return False
        return self._valid(int(key))

    def __setitem__(self, key: int, item: T) -> None:
        if key not in self:
            self._keys = None
            if not self._valid(key) or key in self._deleted:
                self._added.add(key)
            self._deleted.discard(key)
        self.overlay[key] = item

    def __delitem__(self, key: int) -> None:
        if key not in self:
            raise KeyError(key)
        self.overlay.pop(key, None)
        if key in self._added:
            self._added.discard(key)
        else:
            self._deleted.add(key)
        self._keys = None

    def __len__(self) -> int:
        return len(self._base_keys) - len(self._deleted) + len(self._added)

    def __iter__(self) -> Iterator[int]:
        return (int(k) for k in self.key_array())

    def key_array(self) -> np.ndarray:
        """All present keys, ascending (int64; shared, do not modify)."""
        if self._keys is None:
            keys = self._base_keys
            if self._deleted:
                keys = keys[~np.isin(keys, np.fromiter(self._deleted, dtype=np.int64))]
            if self._added:
                keys = np.union1d(keys, np.fromiter(self._added, dtype=np.int64))
            self._keys = keys
        return self._keys

    def pin(self, key: int) -> T:
        """Keep ``key``'s item in the overlay so that changes to it persist."""
        item = self[key]
        self.overlay[key] = item
        return item


class Listing(Sequence[T]):
    """A snapshot of a table's items in key order, derived an item (or a page) at a time.

    Supports what the emulator's listing code does with a list: ``len``, indexing, slicing
    (returns a list), iteration and an in-place ``sort`` (which derives every item once).
    """

    def __init__(self, table: LazyTable[T]) -> None:
        self._table = table
        self._keys = table.key_array()
        self._sorted: list[T] | None = None

    def __len__(self) -> int:
        return len(self._keys) if self._sorted is None else len(self._sorted)

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> list[T]: ...

    def __getitem__(self, index: int | slice) -> T | list[T]:
        if self._sorted is not None:
            return self._sorted[index]
        if isinstance(index, slice):
            return [self._table[int(k)] for k in self._keys[index]]
        return self._table[int(self._keys[index])]

    def __iter__(self) -> Iterator[T]:
        if self._sorted is not None:
            return iter(self._sorted)
        return (self._table[int(k)] for k in self._keys)

    def sort(self, *, key: Callable[[T], Any], reverse: bool = False) -> None:
        self._sorted = sorted(self, key=key, reverse=reverse)


class _Kind:
    """The base keys of one kind (ascending) and how many items each copy has."""

    def __init__(self, base_keys: list[int], stride: int, total: int) -> None:
        self.keys = np.asarray(base_keys, dtype=np.int64)
        self.position = {k: j for j, k in enumerate(base_keys)}
        self.per_copy = len(base_keys)
        self.total = total
        copies = -(-total // self.per_copy) if self.per_copy else 0
        grid = np.arange(copies, dtype=np.int64)[:, None] * stride + self.keys[None, :]
        self.all_keys = np.ascontiguousarray(grid.ravel()[:total])

    def valid(self, key: int, stride: int) -> bool:
        copy, base = divmod(key - 1, stride)
        j = self.position.get(base + 1)
        return j is not None and key > 0 and copy * self.per_copy + j < self.total


class SyntheticLibrary(MusicLibrary):
    """``tracks`` tracks derived from ``base`` (a real library whose keys run 1..K)."""

    def __init__(
        self,
        base: MusicLibrary,
        tracks: int,
        *,
        seed: int = 0,
        now: int = DEFAULT_NOW,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(title=base.title, clock=clock, sonic_analysis=base.sonic_analysis)
        if tracks < 1 or not base.tracks:
            raise ValueError("a synthetic library needs at least one track and a non-empty base")
        self.base, self.seed, self.now = base, seed, now
        self.stride = max([*base.tracks, *base.albums, *base.artists])
        track_keys = sorted(base.tracks)
        per_copy = len(track_keys)
        full, rest = divmod(tracks, per_copy)
        # Base keys follow the loader's order (artist, album, its tracks), so the tracks of a cut
        # copy belong to a prefix of the albums and those to a prefix of the artists.
        last = track_keys[:rest]
        album_keys, artist_keys = sorted(base.albums), sorted(base.artists)
        last_albums = {base.tracks[k].album_key for k in last}
        last_artists = {base.albums[k].artist_key for k in last_albums}
        self._kinds = {
            "track": _Kind(track_keys, self.stride, tracks),
            "album": _Kind(album_keys, self.stride, full * len(album_keys) + len(last_albums)),
            "artist": _Kind(artist_keys, self.stride, full * len(artist_keys) + len(last_artists)),
        }
        for kind, used in (("album", last_albums), ("artist", last_artists)):
            info = self._kinds[kind]
            if any(info.position[k] >= len(used) for k in used):
                raise ValueError(f"the base library's {kind} keys are not in loading order")
        self._album_tracks: dict[int, list[int]] = {}
        for key in track_keys:
            self._album_tracks.setdefault(base.tracks[key].album_key, []).append(key)
        self._artist_albums: dict[int, list[int]] = {}
        for key in album_keys:
            self._artist_albums.setdefault(base.albums[key].artist_key, []).append(key)
        self._cache: dict[tuple[str, int], Any] = {}
        self.tracks = self._table("track", self._derive_track)  # type: ignore[assignment]
        self.albums = self._table("album", lambda key: self._cached("album", key, self._build_album))  # type: ignore[assignment]
        self.artists = self._table("artist", lambda key: self._cached("artist", key, self._build_artist))  # type: ignore[assignment]
        copies = -(-tracks // per_copy)
        self.keys.next = copies * self.stride + 1

    def _table(self, kind: str, derive: Callable[[int], T]) -> LazyTable[T]:
        info, stride = self._kinds[kind], self.stride
        return LazyTable(derive, lambda key: info.valid(key, stride), info.all_keys)

    # -- derivation -------------------------------------------------------------------------
    def _split(self, key: int) -> tuple[int, int, str]:
        copy, base = divmod(key - 1, self.stride)
        return copy, base + 1, "" if copy == 0 else f" ({copy + 1})"

    def _album_dates(self, key: int) -> tuple[int, int]:
        h, now = _mix(self.seed, key), self.now
        added = now - 3600 - int(_frac(h) * _YEARS)
        updated = added + len(self._album_tracks.get(self._split(key)[1], ()))
        if _frac(h >> 16) < 0.25:
            updated += int(_frac(h >> 32) * (now - updated))
        return added, updated

    def _derive_track(self, key: int) -> EmuTrack:
        copy, base_key, suffix = self._split(key)
        src = self.base.tracks[base_key]
        shift = copy * self.stride
        album_added, _ = self._album_dates(src.album_key + shift)
        added = album_added + src.index
        h, now = _mix(self.seed, key), self.now
        span = now - added
        track = EmuTrack(
            key, src.title + suffix, src.album_key + shift, src.artist_key + shift, src.index, src.disc,
            src.duration_ms, src.year,
        )
        track.added_at = track.updated_at = added
        if _frac(h) < 0.2:
            track.user_rating = _RATINGS[(h >> 16) % len(_RATINGS)]
            track.last_rated_at = added + int(_frac(h >> 20) * span)
        if _frac(h >> 36) < 0.3:
            track.view_count = 1 + (h >> 52) % 60
            track.last_viewed_at = added + int(_frac(h >> 40) * span)
        if _frac(h >> 56) < 0.15:
            track.updated_at = added + int(_frac(h >> 24) * span)
        if suffix:
            album, artist = self.base.albums[src.album_key], self.base.artists[src.artist_key]
            name = src.file.rsplit("/", 1)[-1]
            track.file = f"/music/{_safe(artist.title + suffix)}/{_safe(album.title + suffix)}/{name}"
            if src.original_title is not None:
                track.original_title = ", ".join(p + suffix for p in src.original_title.split(", "))
        else:
            track.file, track.original_title = src.file, src.original_title
        track.genres, track.moods, track.sonic = list(src.genres), list(src.moods), src.sonic
        track.skip_count = skips_for(self.seed, track)
        return track

    def _cached(self, kind: str, key: int, build: Callable[[int], Any]) -> Any:
        """Albums and artists are read once per track rendered: keep the recent ones."""
        hit = self._cache.get((kind, key))
        if hit is None:
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            hit = self._cache[(kind, key)] = build(key)
        return hit

    def _build_album(self, key: int) -> EmuAlbum:
        copy, base_key, suffix = self._split(key)
        src = self.base.albums[base_key]
        added, updated = self._album_dates(key)
        return EmuAlbum(
            key, src.title + suffix, src.artist_key + copy * self.stride, src.year,
            list(src.genres), list(src.moods), list(src.styles), added, updated,
        )

    def _build_artist(self, key: int) -> EmuArtist:
        copy, base_key, suffix = self._split(key)
        src = self.base.artists[base_key]
        shift = copy * self.stride
        kind, stride = self._kinds["album"], self.stride
        albums = [k + shift for k in self._artist_albums.get(base_key, ()) if kind.valid(k + shift, stride)]
        dates = [self._album_dates(k) for k in albums] or [(self.now, self.now)]
        added = min(a for a, _ in dates)
        title = src.title + suffix
        return EmuArtist(
            key, title, _sort_title(title), src.summary, list(src.genres), list(src.moods), list(src.styles),
            added, max([added, *(u for _, u in dates)]),
        )

    # -- what MusicLibrary does by scanning every item --------------------------------------
    def items(self, kind: str) -> Listing[Any]:  # type: ignore[override]
        tables: dict[str, Any] = {"track": self.tracks, "album": self.albums, "artist": self.artists}
        if kind not in tables:
            raise ValueError(f"unknown kind {kind!r}")
        with self.lock:
            return Listing(tables[kind])

    def _update(
        self, table: dict[int, Any], allowed: frozenset[str], key: int, changes: dict[str, Any], touch: bool
    ) -> Any:
        with self.lock:
            if isinstance(table, LazyTable) and key in table:
                table.pin(key)
                self._cache.clear()
            return super()._update(table, allowed, key, changes, touch)

    def delete_track(self, rating_key: int) -> None:
        """Remove a track; its album and artist go when they become empty (found by structure)."""
        with self.lock:
            track = self.tracks.pop(rating_key)
            self._cache.clear()
            self._touch()
            if self._album_is_empty(track.album_key):
                album = self.albums.pop(track.album_key, None)
                artist_key = album.artist_key if album else track.artist_key
                if not any(k in self.albums for k in self._albums_of(artist_key)):
                    self.artists.pop(artist_key, None)

    def _album_is_empty(self, album_key: int) -> bool:
        copy, base_key, _ = self._split(album_key)
        shift = copy * self.stride
        if any(k + shift in self.tracks for k in self._album_tracks.get(base_key, ())):
            return False
        overlay: dict[int, EmuTrack] = self.tracks.overlay  # type: ignore[attr-defined]
        return not any(t.album_key == album_key for t in overlay.values())

    def _albums_of(self, artist_key: int) -> list[int]:
        copy, base_key, _ = self._split(artist_key)
        shift = copy * self.stride
        added: dict[int, EmuAlbum] = self.albums.overlay  # type: ignore[attr-defined]
        overlay = [a.rating_key for a in added.values() if a.artist_key == artist_key]
        return [k + shift for k in self._artist_albums.get(base_key, ())] + overlay


def build_synthetic(
    tracks: int = 1_000_000, *, seed: int = 0, sonic: bool = True, clock: Clock | None = None
) -> SyntheticLibrary:
    """A library of exactly ``tracks`` tracks derived from the bundled demo tracks."""
    base = demo_library(track_genres=True, seed=seed, sonic=sonic)
    return SyntheticLibrary(base, tracks, seed=seed, clock=clock)
