"""Server-side playlists of the emulator (audio, non-smart).

Each entry carries a ``playlistItemID`` unique within the server, like a real Plex server; the
playlist's ``ratingKey`` comes from the server's key sequence and never changes on edits. Its
tracks may come from any music library of the server. A playlist belongs to the person whose
token created it (``owner``, a user id): the others never see it.
"""

from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass, field

from plexmix.devserver.library import EmuAlbum, EmuArtist, EmuTrack, MusicLibrary
from plexmix.devserver.sections import Sections

_URI = re.compile(r"^server://([^/]+)/com\.plexapp\.plugins\.library/library/metadata/([\d,\s]*)$")


class PlaylistRequestError(ValueError):
    """Bad playlist request (answered with 400)."""


@dataclass(slots=True)
class Playlist:
    rating_key: int
    title: str
    summary: str = ""
    added_at: int = 0
    updated_at: int = 0
    entries: list[tuple[int, int]] = field(default_factory=list)  # (playlistItemID, track key)
    owner: int | None = None  # the user id of its creator (None: made in-process by a test)

    @property
    def track_keys(self) -> list[int]:
        return [key for _, key in self.entries]


class PlaylistStore:
    def __init__(self, sections: Sections, machine_identifier: str) -> None:
        self.sections = sections
        self.library = sections.first
        self.machine_identifier = machine_identifier
        self.playlists: dict[int, Playlist] = {}
        self._next_item_id = 1
        self._lock = threading.RLock()

    # -- helpers ----------------------------------------------------------------------------
    def keys_from_uri(self, uri: str) -> list[int]:
        """Track keys named by a ``server://MID/.../library/metadata/k1,k2`` URI.

        Album and artist keys expand to their tracks; unknown keys are skipped.
        """
        m = _URI.match(uri.strip())
        if not m:
            raise PlaylistRequestError(f"unsupported uri {uri[:80]!r}")
        if m.group(1) != self.machine_identifier:
            raise PlaylistRequestError("uri names another server")
        out: list[int] = []
        for raw in m.group(2).split(","):
            raw = raw.strip()
            found = self.sections.find(int(raw)) if raw.isdigit() else None
            if found is None:
                continue
            lib, item = found
            with lib.lock:
                if isinstance(item, EmuTrack):
                    out.append(item.rating_key)
                elif isinstance(item, EmuAlbum):
                    out.extend(self._album_tracks(lib, item.rating_key))
                elif isinstance(item, EmuArtist):
                    for album in lib.albums.values():
                        if album.artist_key == item.rating_key:
                            out.extend(self._album_tracks(lib, album.rating_key))
        return out

    def track(self, key: int) -> tuple[MusicLibrary, EmuTrack] | None:
        """The library and track of a playlist entry (None once the track is gone)."""
        found = self.sections.find(key)
        if found is None or not isinstance(found[1], EmuTrack):
            return None
        return found[0], found[1]

    @staticmethod
    def _album_tracks(lib: MusicLibrary, album_key: int) -> list[int]:
        tracks = [t for t in lib.tracks.values() if t.album_key == album_key]
        tracks.sort(key=lambda t: (t.disc, t.index))
        return [t.rating_key for t in tracks]

    def _entries(self, keys: list[int]) -> list[tuple[int, int]]:
        entries = []
        for key in keys:
            entries.append((self._next_item_id, key))
            self._next_item_id += 1
        return entries

    # -- operations -------------------------------------------------------------------------
    def create(self, title: str, uri: str, summary: str = "", owner: int | None = None) -> Playlist:
        keys = self.keys_from_uri(uri)
        if not title:
            raise PlaylistRequestError("a playlist needs a title")
        if not keys:
            raise PlaylistRequestError("no items to add")
        now = self.library.clock()
        with self._lock:
            playlist = Playlist(self.library.new_key(), title, summary, now, now, owner=owner)
            playlist.entries = self._entries(keys)
            self.playlists[playlist.rating_key] = playlist
            return playlist

    def add(self, playlist: Playlist, uri: str) -> None:
        keys = self.keys_from_uri(uri)
        with self._lock:
            playlist.entries.extend(self._entries(keys))
            playlist.updated_at = self.library.clock()

    def remove_item(self, playlist: Playlist, item_id: int) -> bool:
        with self._lock:
            before = len(playlist.entries)
            playlist.entries = [e for e in playlist.entries if e[0] != item_id]
            playlist.updated_at = self.library.clock()
            return len(playlist.entries) != before

    def clear(self, playlist: Playlist) -> None:
        with self._lock:
            playlist.entries = []
            playlist.updated_at = self.library.clock()

    def edit(self, playlist: Playlist, title: str | None, summary: str | None) -> None:
        with self._lock:
            if title is not None:
                if not title:
                    raise PlaylistRequestError("a playlist needs a title")
                playlist.title = title
            if summary is not None:
                playlist.summary = summary
            playlist.updated_at = self.library.clock()

    def delete(self, rating_key: int) -> bool:
        with self._lock:
            return self.playlists.pop(rating_key, None) is not None

    def get(self, rating_key: int, owner: int | None = None) -> Playlist | None:
        """The playlist if ``owner`` may see it (``owner=None``: any playlist)."""
        playlist = self.playlists.get(rating_key)
        if playlist is None or owner is None or playlist.owner in (None, owner):
            return playlist
        return None

    def find(self, title: str | None = None, owner: int | None = None) -> list[Playlist]:
        """Playlists whose title contains ``title``, of ``owner`` only when given."""
        with self._lock:
            items = [p for p in self.playlists.values() if owner is None or p.owner in (None, owner)]
        if title:
            needle = title.lower()
            items = [p for p in items if needle in p.title.lower()]
        return items

    def entries(self, playlist: Playlist) -> list[tuple[int, MusicLibrary, EmuTrack]]:
        """(playlistItemID, library, track) of the entries whose track still exists."""
        out = []
        for item_id, key in playlist.entries:
            found = self.track(key)
            if found is not None:
                out.append((item_id, *found))
        return out

    def duration_ms(self, playlist: Playlist) -> int:
        return sum(track.duration_ms for _, _, track in self.entries(playlist))

    def guid(self, playlist: Playlist) -> str:
        digest = hashlib.sha1(f"{self.machine_identifier}:{playlist.rating_key}".encode()).hexdigest()
        return f"com.plexapp.agents.none://{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:28]}"
