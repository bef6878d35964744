"""Playlist operations of PlexClient (a mixin): chunked create, in-place replace, lookups.

Every request names many tracks at once, within the client's URL budget: the first chunk
creates the playlist (``POST /playlists?...&uri=...``), later chunks add
(``PUT /playlists/ID/items?uri=...``). A replace clears the items
(``DELETE /playlists/ID/items``) and adds the new ones, so the ratingKey never changes. Both
are safe to repeat from the start, so a 414 (URL too long) makes them start again with shorter
requests (:class:`~plexmix.plex.transport.UrlBudget`, shared with the reads by key).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode

from plexmix.errors import PlaylistError, PlexError
from plexmix.plex.chunking import key_chunks
from plexmix.plex.host import ClientHost
from plexmix.plex.models import PlaylistInfo
from plexmix.plex.parsing import is_kind, parse_playlist

if TYPE_CHECKING:


    pass

log = logging.getLogger(__name__)

_LIBRARY_URI = "server://{mid}/com.plexapp.plugins.library/library/metadata/"


class PlaylistOps(ClientHost):
    """Mixed into PlexClient; relies on its ``_query``, ``_pages``, ``server`` and URL budget."""

    # -- reading ----------------------------------------------------------------------------
    def list_playlists(self) -> list[PlaylistInfo]:
        """All audio playlists on the server."""
        return self._playlists({"playlistType": "audio"})

    def _playlists(self, params: dict[str, str]) -> list[PlaylistInfo]:
        path = f"/playlists?{urlencode(params)}"
        out: list[PlaylistInfo] = []
        for root, _total in self._pages(path, action="list the playlists"):
            out.extend(parse_playlist(el) for el in root if el.get("type") == "playlist")
        return out

    def find_playlist(self, title: str) -> PlaylistInfo | None:
        """The audio playlist with exactly this title (case-insensitive as a fallback), or None."""
        candidates = self._playlists({"playlistType": "audio", "title": title})
        exact = [p for p in candidates if p.title == title]
        if exact:
            return exact[0]
        folded = [p for p in candidates if p.title.casefold() == title.casefold()]
        return folded[0] if folded else None

    def get_playlist(self, key: str) -> PlaylistInfo | None:
        """The playlist with this ratingKey, or None if the server has no such playlist."""
        root = self._query(f"/playlists/{key}", action="read a playlist", missing_ok=True)
        if root is None:
            return None
        return next((parse_playlist(el) for el in root if el.get("type") == "playlist"), None)

    def playlist_track_keys(self, key: str) -> list[str]:
        """The ratingKeys of a playlist's tracks, in playlist order (paged)."""
        self._require(key)
        keys: list[str] = []
        for root, _total in self._pages(f"/playlists/{key}/items", action="read a playlist"):
            keys.extend(el.get("ratingKey", "") for el in root if is_kind(el, "track"))
        return keys

    def _require(self, key: str) -> PlaylistInfo:
        info = self.get_playlist(key)
        if info is None:
            raise PlaylistError(
                f"The playlist {key} no longer exists on the Plex server.",
                hint="It may have been deleted in Plex; create it again.",
            )
        return info

    # -- writing ----------------------------------------------------------------------------
    def _uri_chunks(
        self, path_len: int, keys: Sequence[str], chunk_size: int | None, max_length: int
    ) -> Iterator[str]:
        """Encoded ``uri=`` values, each keeping its request within ``max_length``."""
        mid = self.server.machineIdentifier
        prefix = quote(_LIBRARY_URI.format(mid=mid), safe="")
        sep = quote(",", safe="")
        fixed = path_len + len("&uri=") + len(prefix)
        for chunk in key_chunks(
            keys, fixed=fixed, sep_len=len(sep), max_length=max_length, max_keys=chunk_size
        ):
            yield prefix + sep.join(chunk)

    def _add(self, key: str, uris: Iterator[str]) -> None:
        for uri in uris:
            self._query(f"/playlists/{key}/items?uri={uri}", action="add tracks to a playlist", method="PUT")

    def create_playlist(
        self,
        title: str,
        track_keys: Sequence[str],
        summary: str | None = None,
        chunk_size: int | None = None,
    ) -> PlaylistInfo:
        """Create an audio playlist; ``chunk_size`` caps keys per request (URL budget always applies).

        If a later chunk fails, the half-built playlist is deleted again and the error raised; a
        414 (URL too long) makes it start again with shorter requests.
        """
        return self.url_budget.run(lambda limit: self._create(title, track_keys, summary, chunk_size, limit))

    def add_to_playlist(
        self, key: str, track_keys: Sequence[str], chunk_size: int | None = None
    ) -> PlaylistInfo:
        """Append tracks to a playlist (in as few requests as the URL budget allows)."""

        def add(limit: int) -> PlaylistInfo:
            self._require(key)
            path_len = len(f"/playlists/{key}/items?")
            self._add(key, self._uri_chunks(path_len, list(track_keys), chunk_size, limit))
            return self._require(key)

        return self.url_budget.run(add)

    def _create(
        self,
        title: str,
        track_keys: Sequence[str],
        summary: str | None,
        chunk_size: int | None,
        max_length: int,
    ) -> PlaylistInfo:
        keys = [str(k) for k in track_keys if str(k)]
        if not title.strip():
            raise PlaylistError("A playlist needs a title.", hint="Pass a non-empty playlist name.")
        if not keys:
            raise PlaylistError("Cannot create an empty playlist.", hint="Give it at least one track.")
        head = f"/playlists?{urlencode({'type': 'audio', 'title': title, 'smart': '0'})}"
        uris = self._uri_chunks(len(head), keys, chunk_size, max_length)
        root = self._query(f"{head}&uri={next(uris)}", action="create a playlist", method="POST")
        created = next(
            (el for el in (root if root is not None else []) if el.get("type") == "playlist"), None
        )
        if created is None or not created.get("ratingKey"):
            raise PlexError(
                "The Plex server did not return the new playlist.", hint="Check the server's logs."
            )
        key = created.get("ratingKey", "")
        try:
            self._add(key, uris)
            if summary:
                self._edit(key, None, summary)
        except PlexError:
            with contextlib.suppress(PlexError):
                self.delete_playlist(key)
            raise
        return self.get_playlist(key) or PlaylistInfo(key, title, summary, len(keys))

    def replace_playlist(
        self,
        key: str,
        track_keys: Sequence[str],
        title: str | None = None,
        summary: str | None = None,
        chunk_size: int | None = None,
    ) -> PlaylistInfo:
        """Replace a playlist's tracks (and optionally title/summary) in place: same ratingKey."""
        return self.url_budget.run(
            lambda limit: self._replace(key, track_keys, title, summary, chunk_size, limit)
        )

    def _replace(
        self,
        key: str,
        track_keys: Sequence[str],
        title: str | None,
        summary: str | None,
        chunk_size: int | None,
        max_length: int,
    ) -> PlaylistInfo:
        self._require(key)
        keys = [str(k) for k in track_keys if str(k)]
        self._clear(key)
        path_len = len(f"/playlists/{key}/items?")
        self._add(key, self._uri_chunks(path_len, keys, chunk_size, max_length))
        if title is not None or summary is not None:
            self._edit(key, title, summary)
        return self._require(key)

    def _clear(self, key: str) -> None:
        """Remove all items: one ``DELETE /playlists/ID/items``; per-item deletes if unsupported."""
        from plexmix.plex.transport import PlexHTTPError

        try:
            self._query(f"/playlists/{key}/items", action="clear a playlist", method="DELETE")
            return
        except PlexHTTPError as exc:
            if exc.status not in (400, 404, 405, 501):
                raise
            log.info(
                "This server cannot clear playlist items at once (HTTP %s): removing them one by one.",
                exc.status,
            )
        item_ids: list[str] = []
        for root, _total in self._pages(f"/playlists/{key}/items", action="read a playlist"):
            item_ids.extend(el.get("playlistItemID", "") for el in root if is_kind(el, "track"))
        for item_id in filter(None, item_ids):
            self._query(f"/playlists/{key}/items/{item_id}", action="clear a playlist", method="DELETE")

    def _edit(self, key: str, title: str | None, summary: str | None) -> None:
        params: dict[str, str] = {}
        if title is not None:
            params["title.value"] = title
            params["title.locked"] = "1"
        if summary is not None:
            params["summary.value"] = summary
            params["summary.locked"] = "1"
        self._query(f"/playlists/{key}?{urlencode(params)}", action="edit a playlist", method="PUT")

    def delete_playlist(self, key: str) -> bool:
        """Delete a playlist; False if it did not exist."""
        from plexmix.plex.transport import PlexHTTPError

        try:
            self._query(f"/playlists/{key}", action="delete a playlist", method="DELETE")
        except PlexHTTPError as exc:
            if exc.status == 404:
                return False
            raise
        return True
