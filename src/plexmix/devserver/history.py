"""Listening history of the emulated server: skips per track and the per-play history.

A real Plex Media Server counts skips per track (``skipCount``) and keeps one history row per
play (``/status/sessions/history/all``: ``historyKey``, ``viewedAt``, ``accountID``, ``deviceID``).
The emulator derives both from (salt, ratingKey), so a library of any size starts without
building anything:

* :func:`skips_for`: a share of tracks has skips, anti-correlated with rating and plays (a loved,
  often played track is rarely skipped; a low rated one often);
* :class:`PlayHistory`: built on first use from the tracks' ``viewCount`` / ``lastViewedAt``
  (at most :data:`MAX_DERIVED` plays per played track, the last at ``lastViewedAt``), then every
  play recorded through ``MusicLibrary.record_play`` is appended. A play recorded before that
  first use remembers the track's earlier state, so nothing is counted twice.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from plexmix.devserver.mixing import frac, mix

if TYPE_CHECKING:
    from plexmix.devserver.library import EmuTrack, KeySequence, MusicLibrary

L = TypeVar("L", bound="MusicLibrary")

OWNER_ACCOUNT = 1  # a real server's local id of its admin (plexapi's section.history() asks for it)
MAX_DERIVED = 3  # derived history rows per played track
_SKIP_SALT = 0x5C1B
_PLAY_SALT = 0x91A7
_DAY = 86400
DEVICES = (1, 2, 3)  # the players a derived play happened on


def skips_for(seed: int, track: EmuTrack) -> int:
    """A deterministic ``skipCount``: about a quarter of the tracks have skips, many more of the
    low rated ones, few of the loved or often played ones."""
    h = mix(seed ^ _SKIP_SALT, track.rating_key)
    rating = track.user_rating
    chance = 0.22
    if rating is not None:
        chance = 0.04 if rating >= 8 else 0.6 if rating <= 4 else 0.2
    if track.view_count >= 20:
        chance *= 0.3
    if frac(h) >= chance:
        return 0
    most = 12 if rating is not None and rating <= 4 else 5
    return 1 + (h >> 16) % most


def with_skips(lib: L, seed: int) -> L:
    """``lib`` with each track's derived ``skip_count`` (a loader's last step)."""
    for track in lib.tracks.values():
        track.skip_count = skips_for(seed, track)
    return lib


@dataclass(frozen=True, slots=True)
class Play:
    """One history row: which track was played when, by whom, on which player."""

    history_id: int
    rating_key: int
    viewed_at: int
    account_id: int = OWNER_ACCOUNT
    device_id: int = DEVICES[0]


def derived_plays(track: EmuTrack, view_count: int, last_viewed_at: int | None) -> list[tuple[int, int]]:
    """(viewed_at, device) of the derived plays of a track, oldest first, the last at
    ``last_viewed_at``; none for a track never played."""
    if view_count <= 0 or last_viewed_at is None:
        return []
    h = mix(_PLAY_SALT, track.rating_key)
    count = min(view_count, 1 + h % MAX_DERIVED)
    out, at = [], last_viewed_at
    for i in range(count):
        out.append((at, DEVICES[(h >> (8 + i)) % len(DEVICES)]))
        at -= _DAY * (1 + (h >> (16 + 8 * i)) % 60)
        if at < track.added_at:
            break
    return out[::-1]


class PlayHistory:
    """The per-play history of one music section (see the module's docstring).

    ``tracks`` lists the section's tracks when the history is first read; ``ids`` hands out history
    ids (the music sections of one server share one: ids are server-wide).
    """

    def __init__(self, tracks: Callable[[], Iterable[EmuTrack]], ids: KeySequence) -> None:
        self._tracks = tracks
        self.ids = ids
        self._rows: list[Play] | None = None
        self._before: dict[int, tuple[int, int | None]] = {}  # state before a play recorded early
        self._pending: list[tuple[int, int, int]] = []
        self._lock = threading.Lock()

    def record(self, track: EmuTrack, at: int, account_id: int = OWNER_ACCOUNT) -> None:
        """Note a play of ``track`` at ``at``; call before the track's counters change."""
        with self._lock:
            if self._rows is None:
                self._before.setdefault(track.rating_key, (track.view_count, track.last_viewed_at))
                self._pending.append((track.rating_key, at, account_id))
            else:
                self._rows.append(Play(self.ids.take(), track.rating_key, at, account_id))

    def rows(self) -> list[Play]:
        """Every play, in history-id order (derived ones first, then those recorded)."""
        # The tracks are listed before taking this lock: a play is recorded holding the library's
        # lock, then this one; a play recorded in between left its earlier state in _before.
        tracks = self._tracks() if self._rows is None else ()
        with self._lock:
            if self._rows is None:
                self._rows = self._derive(tracks)
            return list(self._rows)

    def _derive(self, tracks: Iterable[EmuTrack]) -> list[Play]:
        found: list[tuple[int, int, int]] = []
        for track in tracks:
            count, last = self._before.get(track.rating_key, (track.view_count, track.last_viewed_at))
            found += [(at, track.rating_key, device) for at, device in derived_plays(track, count, last)]
        found.sort()
        rows = [Play(self.ids.take(), key, at, device_id=device) for at, key, device in found]
        rows += [Play(self.ids.take(), key, at, account) for key, at, account in self._pending]
        self._pending.clear()
        self._before.clear()
        return rows
