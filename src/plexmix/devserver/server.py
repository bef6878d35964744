"""A Plex Media Server emulator on stdlib ``http.server`` for tests, demos and benchmarks.

It speaks HTTP/1.1 with keep-alive and ``Content-Length`` (no Nagle delay), answers XML like
a real server, checks the token (``X-Plex-Token`` header or query parameter) and exposes test
hooks: injected faults, a URL length limit, latency, held requests (traps), and request counters.

One server may hold several music libraries (sections with server-wide ratingKeys) and other
sections (a few movies); it has an owner and optional Plex Home users, each with their own token,
plays, ratings and playlists, and serves their plex.tv account API under ``/plex.tv``
(:mod:`plexmix.devserver.account`; ``emu.account_url``).

    with PlexEmulator(demo_library()) as emu:
        plex = PlexServer(emu.url, emu.token)
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter, OrderedDict
from collections.abc import Sequence
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from plexmix.devserver.account import ACCOUNT_PREFIXES, AccountService
from plexmix.devserver.faults import Fault, Hooks, Trap
from plexmix.devserver.library import MusicLibrary
from plexmix.devserver.loopback import LoopbackServer
from plexmix.devserver.players import Players, PlayerSpec
from plexmix.devserver.playlists import PlaylistStore
from plexmix.devserver.query import select
from plexmix.devserver.routes import Api, Request, Response, error
from plexmix.devserver.sections import Sections, SectionSpec, section_key
from plexmix.devserver.users import Home, Person

DEFAULT_VERSION = "1.41.3.9314-a0bfb8370"
_OPEN_PATHS = frozenset({"/identity"})


class PlexEmulator:
    """An in-process Plex Media Server serving music libraries over loopback HTTP.

    Args:
        library: the music section (mutate ``emu.library`` freely in tests), or a list of music
            libraries with distinct section and ratingKeys (``emu.libraries``; see ``split_library``).
        token: the owner's ``X-Plex-Token`` (for this server and its plex.tv account).
        friendly_name, machine_identifier: the server's identity (two emulators: two servers).
        extra_sections: sections after the music ones: ``(type, title)`` (empty) or
            ``(type, title, [(movie title, year), ...])``, e.g. ``("movie", "Movies", DEMO_MOVIES)``.
        listing_tag_limit: at most this many Genre/Style/Mood tags per item in listings.
        owner, home_users, managed_users: the admin's name; Plex Home users as ``NAME[:PIN]``
            (managed: restricted), each with a token and plays/ratings derived from ``seed``.
        players: the players it sees (``emu.players``: play queues, relayed commands; devserver.players).
    """

    def __init__(
        self,
        library: MusicLibrary | Sequence[MusicLibrary],
        token: str = "demo-token",
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        friendly_name: str = "PlexMix Emulator",
        machine_identifier: str | None = None,
        version: str = DEFAULT_VERSION,
        extra_sections: Sequence[SectionSpec] = (),
        listing_tag_limit: int | None = None,
        owner: str = "Owner",
        home_users: Sequence[str] = (),
        managed_users: Sequence[str] = (),
        seed: int = 0,
        players: Sequence[PlayerSpec] = (),
    ) -> None:
        libraries = [library] if isinstance(library, MusicLibrary) else list(library)
        self.sections = Sections(libraries, extra_sections)
        self.library = libraries[0]
        self.host = host
        self.port = port
        self.friendly_name = friendly_name
        self.machine_identifier = (
            machine_identifier or hashlib.sha1(f"plexmix:{self.library.uuid}".encode()).hexdigest()
        )
        self.version = version
        self.extra_sections = list(extra_sections)
        self.listing_tag_limit = listing_tag_limit
        self.home = Home(
            owner, token, self.machine_identifier, home_users, managed=managed_users, seed=seed,
            now=self.library.clock(),
        )
        self.playlists = PlaylistStore(self.sections, self.machine_identifier)
        self.players = Players(players, self.playlists, seed)
        self.hooks = Hooks()
        self._api = Api(self)
        self.account = AccountService(self)
        self._cache: OrderedDict[tuple[Any, ...], list[Any]] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._httpd: LoopbackServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def libraries(self) -> list[MusicLibrary]:  # in section order: libraries[0] is library
        return self.sections.music

    @property
    def token(self) -> str:
        """The owner's token; setting it rotates it (the old one is refused from then on)."""
        return self.home.owner.server_token

    @token.setter
    def token(self, value: str) -> None:
        self.home.owner.server_token = self.home.owner.account_token = value

    def user_token(self, name: str) -> str:
        """The server token of a Home user (or the owner) by name, for tests."""
        return self.home.user(name).server_token

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> PlexEmulator:
        if self._httpd is not None:
            return self
        self._httpd = LoopbackServer((self.host, self.port), self)
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True,
            name=f"plex-emulator-{self.port}",
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.close_connections()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> PlexEmulator:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def account_url(self) -> str:
        """Where this emulator answers for https://plex.tv (its Home's account service)."""
        return f"{self.url}/plex.tv"

    # -- test hooks -------------------------------------------------------------------------
    def set_fault(
        self,
        status: int = 503,
        *,
        every_nth: int | None = None,
        first_n: int | None = None,
        retry_after: int | None = None,
        path_contains: str | None = None,
        method: str | None = None,
    ) -> Fault:
        """Answer ``status`` to every n-th (or the first n, or all) matching requests.

        ``retry_after`` adds a ``Retry-After`` header (whole seconds, as HTTP allows). Faults
        stack; the first that fires wins. ``clear_faults()`` removes them.
        """
        fault = Fault(status, every_nth, first_n, retry_after, path_contains, method)
        with self.hooks.lock:
            self.hooks.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self.hooks.lock:
            self.hooks.faults.clear()

    def set_trap(
        self,
        nth: int = 1,
        *,
        method: str | None = None,
        path_pattern: str | None = None,
        hold_timeout: float = 60.0,
    ) -> Trap:
        """Hold the ``nth`` matching request from now on until ``trap.release`` is set.

        ``trap.reached`` is set when it arrives and ``trap.answered`` once it was carried out;
        ``path_pattern`` is a regular expression searched in the path (without the query).
        """
        trap = Trap(nth, method, path_pattern, hold_timeout)
        with self.hooks.lock:
            self.hooks.traps.append(trap)
        return trap

    def clear_traps(self) -> None:
        """Remove every trap and let go of any request one still holds."""
        with self.hooks.lock:
            traps = list(self.hooks.traps)
            self.hooks.traps.clear()
        for trap in traps:
            trap.release.set()

    @property
    def max_url_length(self) -> int | None:
        return self.hooks.max_url_length

    @max_url_length.setter
    def max_url_length(self, value: int | None) -> None:
        self.hooks.max_url_length = value

    def set_latency(
        self, seconds: float = 0.0, *, jitter: float = 0.0, spike_every: int | None = None, spike: float = 0.0
    ) -> None:
        """Delay every response by ``seconds`` (+ uniform jitter; + ``spike`` every n-th)."""
        h = self.hooks
        with h.lock:
            h.latency, h.jitter, h.spike_every, h.spike_seconds = seconds, jitter, spike_every, spike

    @property
    def latency(self) -> float:
        return self.hooks.latency

    @latency.setter
    def latency(self, value: float) -> None:
        self.set_latency(value)

    @property
    def request_counts(self) -> Counter[str]:
        """Requests seen, keyed like ``"GET /library/sections/{id}/all"`` (and ``...?type=10``)."""
        return self.hooks.request_counts

    @property
    def request_log(self) -> list[tuple[str, str]]:
        """(method, raw path with query) of recent requests, oldest first."""
        with self.hooks.lock:
            return list(self.hooks.request_log)

    @property
    def delays(self) -> list[tuple[int, str, float]]:
        """(request number, ``"METHOD path"``, seconds) of each request that latency delayed."""
        with self.hooks.lock:
            return list(self.hooks.delays)

    @property
    def total_requests(self) -> int:
        return self.hooks.total_requests

    def reset_counts(self) -> None:
        self.hooks.reset_counts()

    def section_list(self) -> list[tuple[int, str, str, str]]:
        """(key, type, title, uuid) of every section; the music libraries first."""
        return [
            (section_key(sec), "artist" if isinstance(sec, MusicLibrary) else sec.type, sec.title, sec.uuid)
            for sec in self.sections
        ]

    def cached_select(
        self, lib: MusicLibrary, kind: str, params: Sequence[tuple[str, str]], user: Person | None = None
    ) -> list[Any]:
        """Listing results cached per (section, person, query, versions) so that paging stays cheap."""
        relevant = tuple(p for p in params if not p[0].startswith("X-Plex-"))
        person = (user.id, user.version) if user is not None and user.state is not None else None
        key = (lib.section_key, person, kind, relevant, lib.version, lib.clock() // 60)
        with self._cache_lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        with lib.lock:
            result = select(lib, kind, params, None if person is None else user.view)  # type: ignore[union-attr]
        with self._cache_lock:
            self._cache[key] = result
            while len(self._cache) > 16:
                self._cache.popitem(last=False)
        return result

    # -- request handling -------------------------------------------------------------------
    def handle(self, method: str, raw_path: str, headers: dict[str, str]) -> Response:
        """Answer one request; ``headers`` has lower-case names."""
        parts = urlsplit(raw_path)
        path = parts.path.rstrip("/") or "/"
        params = parse_qsl(parts.query, keep_blank_values=True)
        hooks = self.hooks
        query_type = next((v for k, v in params if k == "type"), None)
        number = hooks.record(method, path, query_type)
        traps = hooks.traps_for(method, path)
        for trap in traps:
            trap.reached.set()
        for trap in traps:
            trap.release.wait(trap.hold_timeout)
        try:
            hooks.pause(number, method, path)
            return self._answer(method, raw_path, path, params, headers)
        finally:
            for trap in traps:
                trap.answered.set()

    def _answer(
        self, method: str, raw_path: str, path: str, params: list[tuple[str, str]], headers: dict[str, str]
    ) -> Response:
        hooks = self.hooks
        limit = hooks.max_url_length
        if limit is not None and len(raw_path) > limit:
            return error(414, "Request-URI Too Long")
        fault = hooks.fault_for(method, path)
        if fault is not None:
            resp = error(fault.status, f"injected fault {fault.status}")
            if fault.retry_after is not None:
                resp.headers["Retry-After"] = str(int(fault.retry_after))
            return resp
        try:
            for prefix in ACCOUNT_PREFIXES:
                if path.startswith(prefix + "/"):
                    return self.account.handle(method, path[len(prefix) :], params, headers)
            token = headers.get("x-plex-token") or next((v for k, v in params if k == "X-Plex-Token"), "")
            user = self.home.by_server_token(token)
            if path not in _OPEN_PATHS and user is None:
                return error(401, "Unauthorized")
            return self._api.dispatch(Request(method, "" if path == "/" else path, params, headers, user))
        except Exception as exc:  # a bug in the emulator: answer 500 like a real server would
            return error(500, f"{type(exc).__name__}: {exc}")
