"""Play queues of the emulator: what ``POST /playQueues`` makes and a player is asked to play.

A queue holds items, each with a ``playQueueItemID`` unique within the server (like a real
server), a selected item (where playback starts) and a version that grows with every change.
Its items come from a playlist (``playlistID=``) or from a URI naming tracks, albums or artists:

* ``server://MID/com.plexapp.plugins.library/library/metadata/1,2,3`` (as playlists take them),
* ``library:///directory/%2Flibrary%2Fmetadata%2F1%2C2`` (plexapi ``PlayQueue.create`` with a
  list of items), ``library://UUID/item/library/metadata/1`` (plexapi ``addItem``),
* ``server://MID/com.plexapp.plugins.library/playlists/ID/items`` (a playlist's items).
"""

from __future__ import annotations

import random
import re
import threading
from dataclasses import dataclass, field
from urllib.parse import unquote

from plexmix.devserver.playlists import Playlist, PlaylistRequestError, PlaylistStore

_LIBRARY_URI = re.compile(r"^library://[^/]*/(?:directory|item)(/.+)$")
_PLAYLIST_PATH = re.compile(r"^/playlists/(\d+)(?:/items)?$")
_METADATA_PATH = re.compile(r"^/library/metadata/([\d,\s]+)$")


@dataclass(slots=True)
class PlayQueue:
    id: int
    items: list[tuple[int, int]] = field(default_factory=list)  # (playQueueItemID, track key)
    selected: int = 0  # index of the selected item
    shuffled: bool = False
    source_uri: str = ""
    version: int = 1
    last_added_item_id: int | None = None
    playlist_id: int | None = None
    owner: int | None = None  # the user id of its creator

    @property
    def track_keys(self) -> list[int]:
        return [key for _, key in self.items]

    @property
    def selected_item_id(self) -> int | None:
        return self.items[self.selected][0] if self.items else None


class PlayQueueStore:
    """The server's play queues; ids come from a sequence of their own, items from another."""

    def __init__(self, playlists: PlaylistStore, seed: int = 0) -> None:
        self.playlists = playlists
        self.queues: dict[int, PlayQueue] = {}
        self._next_id = 1
        self._next_item_id = 1
        self._random = random.Random(seed)
        self._lock = threading.RLock()

    # -- what a request names ---------------------------------------------------------------
    def keys_from_uri(self, uri: str, owner: int | None = None) -> list[int]:
        """Track keys of a ``server://`` or ``library://`` URI (albums and artists expanded)."""
        uri = uri.strip()
        m = _LIBRARY_URI.match(uri)
        if m is None:
            listed = _PLAYLIST_PATH.match(uri.split("/com.plexapp.plugins.library", 1)[-1])
            if uri.startswith("server://") and listed is not None:
                return self.playlist_keys(int(listed.group(1)), owner)
            return self.playlists.keys_from_uri(uri)
        path = "/" + unquote(m.group(1)).lstrip("/")
        found = _METADATA_PATH.match(path)
        if found is None:
            raise PlaylistRequestError(f"unsupported uri {uri[:80]!r}")
        mid = self.playlists.machine_identifier
        return self.playlists.keys_from_uri(
            f"server://{mid}/com.plexapp.plugins.library/library/metadata/{found.group(1)}"
        )

    def playlist(self, playlist_id: int, owner: int | None = None) -> Playlist | None:
        return self.playlists.get(playlist_id, owner)

    def playlist_keys(self, playlist_id: int, owner: int | None = None) -> list[int]:
        playlist = self.playlist(playlist_id, owner)
        if playlist is None:
            raise LookupError(playlist_id)
        return [track.rating_key for _, _, track in self.playlists.entries(playlist)]

    # -- operations -------------------------------------------------------------------------
    def _items(self, keys: list[int]) -> list[tuple[int, int]]:
        items = [(self._next_item_id + i, key) for i, key in enumerate(keys)]
        self._next_item_id += len(keys)
        return items

    def create(
        self,
        keys: list[int],
        *,
        shuffle: bool = False,
        start_key: int | None = None,
        source_uri: str = "",
        playlist_id: int | None = None,
        owner: int | None = None,
    ) -> PlayQueue:
        """A new queue of ``keys`` (shuffled when asked); ``start_key`` is selected (first)."""
        if not keys:
            raise PlaylistRequestError("no items to play")
        with self._lock:
            keys = list(keys)
            if shuffle:
                self._random.shuffle(keys)
            if start_key is not None and start_key in keys:
                keys.remove(start_key)
                keys.insert(0, start_key)
            queue = PlayQueue(
                self._next_id, self._items(keys), shuffled=shuffle, source_uri=source_uri,
                playlist_id=playlist_id, owner=owner,
            )
            self._next_id += 1
            self.queues[queue.id] = queue
            return queue

    def add(self, queue: PlayQueue, keys: list[int], *, play_next: bool = False) -> None:
        """Append (or, with ``play_next``, put right after the selected item) new items."""
        if not keys:
            raise PlaylistRequestError("no items to add")
        with self._lock:
            items = self._items(keys)
            at = queue.selected + 1 if play_next else len(queue.items)
            queue.items[at:at] = items
            queue.last_added_item_id = items[-1][0]
            queue.version += 1

    def get(self, queue_id: int, owner: int | None = None) -> PlayQueue | None:
        """The queue if ``owner`` may see it (``owner=None``: any queue)."""
        queue = self.queues.get(queue_id)
        if queue is None or owner is None or queue.owner in (None, owner):
            return queue
        return None
