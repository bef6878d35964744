"""Server-side playlists of the emulator (audio, non-smart).

Each entry carries a ``playlistItemID`` unique within the server, like a real Plex server; the
playlist's ``ratingKey`` comes from the library's key sequence and never changes on edits.
"""

from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass, field

from plexmix.devserver.library import EmuAlbum, EmuArtist, EmuTrack, MusicLibrary

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

    @property
    def track_keys(self) -> list[int]:
        return [key for _, key in self.entries]


class PlaylistStore:
    def __init__(self, library: MusicLibrary, machine_identifier: str) -> None:
        self.library = library
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
        lib = self.library
        out: list[int] = []
        with lib.lock:
            for raw in m.group(2).split(","):
                raw = raw.strip()
                if not raw.isdigit():
                    continue
                item = lib.get(int(raw))
                if isinstance(item, EmuTrack):
                    out.append(item.rating_key)
                elif isinstance(item, EmuAlbum):
                    out.extend(self._album_tracks(item.rating_key))
                elif isinstance(item, EmuArtist):
                    for album in lib.albums.values():
                        if album.artist_key == item.rating_key:
                            out.extend(self._album_tracks(album.rating_key))
        return out

    def _album_tracks(self, album_key: int) -> list[int]:
        tracks = [t for t in self.library.tracks.values() if t.album_key == album_key]
        tracks.sort(key=lambda t: (t.disc, t.index))
        return [t.rating_key for t in tracks]

    def _entries(self, keys: list[int]) -> list[tuple[int, int]]:
        entries = []
        for key in keys:
            entries.append((self._next_item_id, key))
            self._next_item_id += 1
        return entries

    # -- operations -------------------------------------------------------------------------
    def create(self, title: str, uri: str, summary: str = "") -> Playlist:
        keys = self.keys_from_uri(uri)
        if not title:
            raise PlaylistRequestError("a playlist needs a title")
        if not keys:
            raise PlaylistRequestError("no items to add")
        now = self.library.clock()
        with self._lock:
            playlist = Playlist(self.library.new_key(), title, summary, now, now)
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

    def find(self, title: str | None = None) -> list[Playlist]:
        with self._lock:
            items = list(self.playlists.values())
        if title:
            needle = title.lower()
            items = [p for p in items if needle in p.title.lower()]
        return items

    def duration_ms(self, playlist: Playlist) -> int:
        tracks = self.library.tracks
        return sum(tracks[k].duration_ms for k in playlist.track_keys if k in tracks)

    def guid(self, playlist: Playlist) -> str:
        digest = hashlib.sha1(f"{self.machine_identifier}:{playlist.rating_key}".encode()).hexdigest()
        return f"com.plexapp.agents.none://{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:28]}"
