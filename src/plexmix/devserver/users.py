"""The people of the emulated server's Plex Home: the owner (admin) and Home users.

Each person has a plex.tv account token, a token for this server and their own plays and ratings.
The owner's state is the one stored on the tracks (what the emulator always served); a Home user's
state is derived from (seed, user, ratingKey) until they play or rate a track, then stored.
A user spec is ``NAME`` or ``NAME:PIN`` (a PIN-protected profile).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from plexmix.devserver.library import EmuTrack, MusicLibrary
from plexmix.devserver.mixing import frac, mix

OWNER_ID = 7_100_001
_DAY = 86400
_RATINGS = (2.0, 4.0, 6.0, 8.0, 10.0, 10.0, 8.0, 7.0, 5.0, 3.0, 9.0, 1.0)
PLAYED_SHARE = 0.3  # of the tracks a Home user has played (derived state)
RATED_SHARE = 0.15


@dataclass(slots=True)
class TrackState:
    """One person's state of one track (a real server keeps it per user, apart from metadata)."""

    user_rating: float | None = None
    view_count: int = 0
    last_viewed_at: int | None = None
    last_rated_at: int | None = None


class UserState:
    """A Home user's plays and ratings: derived until changed, then stored; ``version`` grows."""

    def __init__(self, seed: int, now: int) -> None:
        self.seed, self.now = seed, now
        self.changed: dict[int, TrackState] = {}
        self.version = 0
        self.lock = threading.Lock()

    def get(self, key: int) -> TrackState:
        state = self.changed.get(key)
        if state is not None:
            return state
        h = mix(self.seed, key)
        out = TrackState()
        if frac(h) < PLAYED_SHARE:
            out.view_count = 1 + (h >> 16) % 12
            out.last_viewed_at = self.now - 3600 - int(frac(h >> 24) * 180 * _DAY)
        if frac(h >> 40) < RATED_SHARE:
            out.user_rating = _RATINGS[(h >> 56) % len(_RATINGS)]
            out.last_rated_at = self.now - int(frac(h >> 32) * 365 * _DAY)
        return out

    def change(self, key: int, **values: Any) -> TrackState:
        with self.lock:
            state = replace(self.get(key), **values)
            self.changed[key] = state
            self.version += 1
            return state


@dataclass(slots=True)
class Person:
    id: int
    name: str
    server_token: str
    account_token: str
    pin: str | None = None
    admin: bool = False
    restricted: bool = False
    state: UserState | None = None  # None: the owner, whose state is on the tracks
    uuid: str = field(default="")

    def view(self, item: Any) -> Any:
        """``item`` as this person sees it (a track carries their plays and rating)."""
        if self.state is None or not isinstance(item, EmuTrack):
            return item
        s = self.state.get(item.rating_key)
        return replace(
            item,
            user_rating=s.user_rating,
            view_count=s.view_count,
            last_viewed_at=s.last_viewed_at,
            last_rated_at=s.last_rated_at,
        )

    @property
    def version(self) -> int:
        return 0 if self.state is None else self.state.version

    def play(self, lib: MusicLibrary, track: EmuTrack) -> None:
        if self.state is None:
            lib.record_play(track.rating_key)
            return
        before = self.state.get(track.rating_key).view_count
        lib.history.record(track, lib.clock(), self.id)
        self.state.change(track.rating_key, view_count=before + 1, last_viewed_at=lib.clock())

    def unplay(self, lib: MusicLibrary, track: EmuTrack) -> None:
        if self.state is None:
            lib.update_track(track.rating_key, view_count=0, last_viewed_at=None)
        else:
            self.state.change(track.rating_key, view_count=0, last_viewed_at=None)

    def rate(self, lib: MusicLibrary, track: EmuTrack, rating: float | None) -> None:
        if self.state is None:
            lib.update_track(track.rating_key, user_rating=rating)
        else:
            self.state.change(track.rating_key, user_rating=rating, last_rated_at=lib.clock())


def _token(machine_identifier: str, name: str, purpose: str) -> str:
    return hashlib.sha1(f"{purpose}:{machine_identifier}:{name}".encode()).hexdigest()[:20]


def parse_spec(spec: str) -> tuple[str, str | None]:
    """``"Anna:1234"`` -> ``("Anna", "1234")``; ``"Ben"`` -> ``("Ben", None)``."""
    name, sep, pin = spec.partition(":")
    if not name.strip() or (sep and not pin.isdigit()):
        raise ValueError(f"a Home user is NAME or NAME:PIN (digits), got {spec!r}")
    return name.strip(), pin if sep else None


class Home:
    """The owner and the Home users of one emulated server, found by their tokens."""

    def __init__(
        self,
        owner: str,
        owner_token: str,
        machine_identifier: str,
        users: Sequence[str] = (),
        *,
        managed: Sequence[str] = (),
        seed: int = 0,
        now: int = 0,
    ) -> None:
        self.owner = Person(OWNER_ID, owner, owner_token, owner_token, admin=True)
        self.people = [self.owner]
        for spec, restricted in [(s, False) for s in users] + [(s, True) for s in managed]:
            name, pin = parse_spec(spec)
            if any(p.name.lower() == name.lower() for p in self.people):
                raise ValueError(f"two Home users are called {name!r}")
            uid = OWNER_ID + len(self.people)
            self.people.append(
                Person(
                    uid,
                    name,
                    _token(machine_identifier, name, "server"),
                    _token(machine_identifier, name, "plex.tv"),
                    pin=pin,
                    restricted=restricted,
                    state=UserState(mix(seed, uid), now),
                )
            )
        for person in self.people:
            person.uuid = hashlib.md5(f"{machine_identifier}:{person.id}".encode()).hexdigest()[:16]

    def by_server_token(self, token: str) -> Person | None:
        return next((p for p in self.people if p.server_token == token), None)

    def by_account_token(self, token: str) -> Person | None:
        return next((p for p in self.people if p.account_token == token), None)

    def by_id(self, user_id: str) -> Person | None:
        return next((p for p in self.people if str(p.id) == user_id or p.uuid == user_id), None)

    def user(self, name: str) -> Person:
        """A person by name (tests: ``emu.home.user("Anna").state``)."""
        found = next((p for p in self.people if p.name.lower() == name.lower()), None)
        if found is None:
            raise KeyError(name)
        return found
