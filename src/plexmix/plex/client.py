"""PlexClient: everything PlexMix asks of a Plex server, in as few requests as possible.

* Talks over a session that retries 429/5xx (honouring ``Retry-After``) and can be rate
  limited, the token always a header, never in a URL. Reads (every GET, ``connect`` included)
  go straight through that session and parse the XML from the response's bytes, so a sync
  never imports plexapi; writes (playlists) go through the real plexapi ``PlexServer``, made on
  first use.
* Lists artists/albums/tracks page by page (``page_size`` items per request) and parses the
  XML itself: no plexapi objects, no auto-reload, never one request per item.
* Asks for sonically similar tracks and sonic paths where the server ran sonic analysis
  (:mod:`plexmix.plex.sonic`; ``[]`` where it did not).
* Reads tracks by key and writes playlists in URL-length-bounded chunks (first chunk creates,
  later chunks add; a replace keeps the playlist's ratingKey). One URL budget serves both, and a
  server that answers 414 (URI too long) halves it (:class:`~plexmix.plex.transport.UrlBudget`).

Library indexes given to :meth:`PlexClient.select_library` are **1-based** (as listed to users).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlencode

from plexmix.errors import LibraryNotFoundError, PlaylistError, PlexError
from plexmix.plex.chunking import key_chunks
from plexmix.plex.history import HistoryOps
from plexmix.plex.models import LibraryInfo, PlaylistInfo, PlexAlbum, PlexArtist, PlexTrack, ServerInfo
from plexmix.plex.parsing import PARSERS, is_kind, parse_library, parse_track
from plexmix.plex.playlists import PlaylistOps
from plexmix.plex.rate_limit import TokenBucket
from plexmix.plex.sonic import SonicOps

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

    import requests
    from plexapi.server import PlexServer

log = logging.getLogger(__name__)

Kind = Literal["artist", "album", "track"]
Progress = Callable[[int, int], None]
TYPE_IDS: dict[str, int] = {"artist": 8, "album": 9, "track": 10}
DEFAULT_MAX_URL_LENGTH = 2000  # path + query; real servers answer 414 somewhere above this


class PlexClient(PlaylistOps, SonicOps, HistoryOps):
    """A Plex server connection scoped to one music library (see :meth:`select_library`)."""

    def __init__(
        self,
        url: str,
        token: str,
        *,
        timeout: float = 30.0,
        max_retries: int = 5,
        backoff_factor: float = 0.5,
        requests_per_second: float | None = None,
        page_size: int = 1000,
        session: requests.Session | None = None,
        library: str | int | None = None,
        max_url_length: int = DEFAULT_MAX_URL_LENGTH,
    ) -> None:
        from plexmix.plex.transport import UrlBudget, make_session, safe_url

        self.url = url.rstrip("/")
        self.safe_url = safe_url(self.url)
        self._token = token
        # The headers of every direct read (_read): the token, and who asks (for the server's logs).
        self._auth = {"X-Plex-Token": token, "Accept": "application/xml", "X-Plex-Product": "PlexMix"}
        self.timeout = timeout
        self.page_size = max(1, int(page_size))
        self.url_budget = UrlBudget(max_url_length)
        self.limiter = TokenBucket(requests_per_second) if requests_per_second else None
        self.session = make_session(
            session=session, max_retries=max_retries, backoff_factor=backoff_factor, limiter=self.limiter
        )
        self.session.hooks["response"].append(self._note_date)
        self._server_date: int | None = None
        self._library_choice = library
        self._server: PlexServer | None = None
        self._info: ServerInfo | None = None
        self.library: LibraryInfo | None = None
        self._sections: list[LibraryInfo] | None = None

    def __repr__(self) -> str:
        return f"PlexClient({self.safe_url!r})"

    @property
    def max_url_length(self) -> int:
        """The current URL budget (path + query); it halves when the server answers 414."""
        return self.url_budget.limit

    def close(self) -> None:
        self.session.close()

    def _note_date(self, response: requests.Response, *args: object, **kwargs: object) -> None:
        """Session hook: remember the server's clock from each response's ``Date`` header."""
        from plexmix.plex.transport import http_date

        stamp = http_date(response.headers.get("Date"))
        if stamp is not None:
            self._server_date = stamp

    def server_clock(self) -> int | None:
        """The server's clock (epoch seconds) when it sent its latest response, from the HTTP
        ``Date`` header; ``None`` before any response or when the server sends no date."""
        return self._server_date

    def __enter__(self) -> PlexClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- connection -------------------------------------------------------------------------
    def connect(self) -> ServerInfo:
        """Contact the server (``GET /``) and return its name, version and machine id.

        Read without plexapi (nothing the sync does needs it); the plexapi ``PlexServer`` that
        playlist writes and sonic queries go through is made on their first use (:attr:`server`).
        """
        root = self._read("/", action="connect")
        attrs = root.attrib if root is not None else {}
        self._info = ServerInfo(
            name=attrs.get("friendlyName") or "",
            version=attrs.get("version") or "",
            machine_identifier=attrs.get("machineIdentifier") or "",
        )
        return self._info

    def server_info(self) -> ServerInfo:
        return self._info if self._info is not None else self.connect()

    @property
    def server(self) -> PlexServer:
        """plexapi's server object (made on first use: one ``GET /``)."""
        if self._server is None:
            os.environ.setdefault("PLEXAPI_PLEXAPI_AUTORELOAD", "false")
            from plexapi.server import PlexServer

            from plexmix.plex.transport import plex_errors

            with plex_errors(self.safe_url, "connect"):
                self._server = PlexServer(self.url, self._token, session=self.session, timeout=self.timeout)
        return self._server

    def _query(
        self,
        path: str,
        *,
        action: str,
        method: str = "GET",
        headers: dict[str, str] | None = None,
        library: str | None = None,
        missing_ok: bool = False,
    ) -> Element | None:
        """One request (token header, XML parsed): a GET as :meth:`_read`, any other method
        through plexapi's ``query``.

        ``missing_ok`` turns a 404 into ``None``; other failures become PlexMix errors.
        """
        if method == "GET":
            return self._read(path, action=action, headers=headers, library=library, missing_ok=missing_ok)
        from plexapi.exceptions import NotFound

        from plexmix.plex.transport import plex_errors

        server = self.server
        send = getattr(self.session, method.lower())
        with plex_errors(self.safe_url, action, library=library):
            try:
                return server.query(path, method=send, headers=headers)
            except NotFound:
                if missing_ok:
                    return None
                raise

    def _read(
        self, path: str, *, action: str, headers: dict[str, str] | None = None, library: str | None = None,
        missing_ok: bool = False,
    ) -> Element | None:
        """A GET read straight through the session: the token header, the XML parsed from the
        response's bytes (plexapi's ``query`` decodes and re-encodes every page: 20-30% more
        per listing page). Errors map as in :meth:`_query`."""
        from plexmix.plex.transport import parse_xml, plex_errors, status_error

        with plex_errors(self.safe_url, action, library=library):
            response = self.session.get(
                self.url + path, headers={**self._auth, **(headers or {})}, timeout=self.timeout
            )
            status = response.status_code
            if status == 404 and missing_ok:
                return None
            if status not in (200, 201, 204):
                raise status_error(status, self.safe_url, action, library=library)
            return parse_xml(response.content)

    # -- libraries --------------------------------------------------------------------------
    def music_libraries(self) -> list[LibraryInfo]:
        """The server's music sections, in server order (asked once per client)."""
        if self._sections is None:
            root = self._read("/library/sections", action="list the libraries")
            children = list(root) if root is not None else []
            self._sections = [parse_library(el) for el in children if el.get("type") == "artist"]
        return list(self._sections)

    def select_library(self, name_or_index: str | int | None = None) -> LibraryInfo:
        """Choose the music library to work on.

        ``None`` picks the first music library; a name matches case-insensitively; an ``int``
        (or a digit string that is no library's name) is a **1-based** index into
        :meth:`music_libraries`.
        """
        libraries = self.music_libraries()
        if not libraries:
            raise LibraryNotFoundError(
                "The Plex server has no music library.",
                hint="Create a library of type Music in Plex, then run the sync again.",
            )
        chosen: LibraryInfo | None = None
        if name_or_index is None:
            chosen = libraries[0]
        elif isinstance(name_or_index, int):
            if 1 <= name_or_index <= len(libraries):
                chosen = libraries[name_or_index - 1]
        else:
            wanted = name_or_index.strip().lower()
            chosen = next((lib for lib in libraries if lib.title.lower() == wanted), None)
            if chosen is None and wanted.isdigit() and 1 <= int(wanted) <= len(libraries):
                chosen = libraries[int(wanted) - 1]
        if chosen is None:
            names = ", ".join(f"{i}. {lib.title}" for i, lib in enumerate(libraries, start=1))
            raise LibraryNotFoundError(
                f"There is no music library '{name_or_index}' on the Plex server.",
                hint=f"Music libraries on this server: {names}. Set plex.library to one of them.",
            )
        self.library = chosen
        return chosen

    def _lib(self) -> LibraryInfo:
        if self.library is None:
            self.select_library(self._library_choice)
        assert self.library is not None
        return self.library

    # -- listings ---------------------------------------------------------------------------
    def _listing(self, kind: str, params: Sequence[tuple[str, str]] = ()) -> str:
        query = urlencode([("type", str(TYPE_IDS[kind])), *params])
        return f"/library/sections/{self._lib().key}/all?{query}"

    def _pages(self, path: str, *, action: str, library: str | None = None) -> Iterator[tuple[Element, int]]:
        """Raw XML pages of a listing with the total size the server reports."""
        start = 0
        while True:
            headers = {"X-Plex-Container-Start": str(start), "X-Plex-Container-Size": str(self.page_size)}
            root = self._read(path, action=action, headers=headers, library=library)
            if root is None:
                return
            total = int(root.get("totalSize") or root.get("size") or 0)
            returned = int(root.get("size") or sum(1 for el in root if el.get("ratingKey")))
            yield root, total
            start += returned
            if returned <= 0 or start >= total:
                return

    def count(self, kind: Kind) -> int:
        """How many artists/albums/tracks the library holds (one request, no items)."""
        lib = self._lib()
        headers = {"X-Plex-Container-Start": "0", "X-Plex-Container-Size": "0"}
        root = self._read(
            self._listing(kind), action=f"count the {kind}s", headers=headers, library=lib.title
        )
        if root is None:
            return 0
        return int(root.get("totalSize") or root.get("size") or 0)

    def iter_pages(
        self,
        kind: Kind,
        *,
        updated_since: int | None = None,
        added_since: int | None = None,
        progress: Progress | None = None,
        extra_filters: Sequence[tuple[str, str]] = (),
    ) -> Iterator[list[Any]]:
        """Pages (lists) of PlexArtist / PlexAlbum / PlexTrack; ``progress(done, total)`` per page.

        ``updated_since`` / ``added_since`` (epoch seconds, inclusive) filter on the server;
        both together must hold.
        """
        params = list(extra_filters)
        if updated_since is not None:
            params.append((f"{kind}.updatedAt>>", str(int(updated_since) - 1)))
        if added_since is not None:
            params.append((f"{kind}.addedAt>>", str(int(added_since) - 1)))
        parse = PARSERS[kind]
        lib = self._lib()
        done = 0
        for root, total in self._pages(
            self._listing(kind, params), action=f"list the {kind}s", library=lib.title
        ):
            page = [parse(el) for el in root if is_kind(el, kind)]
            done += len(page)
            if progress is not None:
                progress(done, max(total, done))
            yield page

    def iter_artists(
        self, updated_since: int | None = None, *, progress: Progress | None = None
    ) -> Iterator[PlexArtist]:
        for page in self.iter_pages("artist", updated_since=updated_since, progress=progress):
            yield from page

    def iter_albums(
        self, updated_since: int | None = None, *, progress: Progress | None = None
    ) -> Iterator[PlexAlbum]:
        for page in self.iter_pages("album", updated_since=updated_since, progress=progress):
            yield from page

    def iter_tracks(
        self,
        updated_since: int | None = None,
        added_since: int | None = None,
        *,
        progress: Progress | None = None,
    ) -> Iterator[PlexTrack]:
        pages = self.iter_pages(
            "track", updated_since=updated_since, added_since=added_since, progress=progress
        )
        for page in pages:
            yield from page

    def iter_tracks_activity(self, played_since: int, rated_since: int) -> Iterator[PlexTrack]:
        """Tracks played or skipped at/after ``played_since`` or rated at/after ``rated_since``
        (epoch seconds on the server's clock), each once: user state does not move ``updatedAt``."""
        seen: set[str] = set()
        for field, since in (
            ("lastViewedAt", played_since), ("lastSkippedAt", played_since), ("lastRatedAt", rated_since)
        ):
            for page in self.iter_pages("track", extra_filters=[(f"track.{field}>>", str(int(since) - 1))]):
                for track in page:
                    if track.rating_key not in seen:
                        seen.add(track.rating_key)
                        yield track

    def track_keys(self) -> set[str]:
        """All track ratingKeys (paged listing; only the keys are kept)."""
        lib = self._lib()
        keys: set[str] = set()
        for root, _total in self._pages(self._listing("track"), action="list the tracks", library=lib.title):
            keys.update(el.get("ratingKey", "") for el in root if is_kind(el, "track"))
        keys.discard("")
        return keys

    def fetch_tracks(self, keys: Sequence[str]) -> list[PlexTrack]:
        """Tracks by ratingKey: one ``/library/metadata/k1,k2,...`` request per URL-sized chunk.

        Unknown keys are skipped; the result follows the order of ``keys``. A server that
        refuses a URL as too long (414) makes it start again with shorter requests.
        """
        wanted = [k for k in dict.fromkeys(str(k) for k in keys) if k]
        found = self.url_budget.run(lambda limit: self._tracks_by_key(wanted, limit))
        return [found[k] for k in wanted if k in found]

    def _tracks_by_key(self, keys: Sequence[str], max_length: int) -> dict[str, PlexTrack]:
        found: dict[str, PlexTrack] = {}
        prefix = "/library/metadata/"
        for chunk in key_chunks(keys, fixed=len(prefix), sep_len=1, max_length=max_length):
            root = self._read(prefix + ",".join(chunk), action="fetch tracks", missing_ok=True)
            for el in root if root is not None else []:
                if is_kind(el, "track"):
                    track = parse_track(el)
                    found[track.rating_key] = track
        return found


__all__ = [
    "LibraryInfo",
    "LibraryNotFoundError",
    "PlaylistError",
    "PlaylistInfo",
    "PlexAlbum",
    "PlexArtist",
    "PlexClient",
    "PlexError",
    "PlexTrack",
    "ServerInfo",
]
