"""HTTP plumbing for PlexClient: a retrying, rate-limited requests session and error mapping.

plexapi itself never retries and ignores ``Retry-After``; the session built here does both
(urllib3 ``Retry`` on 429/5xx, every method) and passes every request through an optional
token bucket. Exceptions from plexapi/requests become :mod:`plexmix.errors` types whose
messages never contain the token.
"""

from __future__ import annotations

import contextlib
import logging
import re
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit, urlunsplit
from xml.etree import ElementTree

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ProtocolError, ReadTimeoutError
from urllib3.util.retry import Retry

from plexmix.errors import LibraryNotFoundError, PlexAuthError, PlexConnectionError, PlexError
from plexmix.plex.rate_limit import TokenBucket

log = logging.getLogger(__name__)

RETRY_STATUSES = (429, 500, 502, 503, 504)
RETRY_AFTER_MAX = 120  # seconds: never sleep longer than this on one Retry-After header
CONNECTION_HINT = "Check PLEX_URL / plex.url and that the server is running"
AUTH_HINT = (
    "Get a fresh token: in Plex Web open any item > Get Info > View XML and copy the "
    "X-Plex-Token value from the address bar (see support.plex.tv article 204059436), "
    "then run `plexmix config set plex.token` (or set PLEX_TOKEN)."
)
_STATUS = re.compile(r"^\((\d{3})\)")
MIN_URL_LENGTH = 200  # path + query: the URL budget never shrinks below this
T = TypeVar("T")


def safe_url(url: str) -> str:
    """The server URL without credentials or query (a token pasted into PLEX_URL stays out)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path.rstrip("/"), "", "")) or url.split("?")[0]


def http_date(value: str | None) -> int | None:
    """An HTTP ``Date`` header (``Sun, 06 Nov 1994 08:49:37 GMT``) as epoch seconds."""
    if not value:
        return None
    from email.utils import parsedate_to_datetime

    try:
        return int(parsedate_to_datetime(value).timestamp())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


class PlexHTTPError(PlexError):
    """The server answered an HTTP error status (kept in ``status``) after any retries."""

    def __init__(self, message: str, hint: str | None = None, *, status: int | None = None) -> None:
        super().__init__(message, hint)
        self.status = status


class UrlBudget:
    """The longest request URL (path + query) sent to one server, for reads and writes alike.

    Requests that name many ratingKeys are split to fit ``limit``. A server stricter than that
    answers 414 (URI too long): :meth:`run` then halves the budget and starts the operation again,
    until it fits or the budget reaches :data:`MIN_URL_LENGTH`. The smaller budget is kept for
    later requests.
    """

    def __init__(self, limit: int) -> None:
        self.limit = max(MIN_URL_LENGTH, int(limit))

    def run(self, operation: Callable[[int], T]) -> T:
        """``operation(limit)``, again from the start with half the limit after each 414.

        The operation must be safe to repeat from its beginning (reads are; see the playlist
        writes for how they are made so).
        """
        while True:
            limit = self.limit
            try:
                return operation(limit)
            except PlexHTTPError as exc:
                if exc.status != 414 or not self._shrink(limit):
                    raise

    def _shrink(self, refused: int) -> bool:
        """Halve the budget after ``refused`` was too long; False when it cannot shrink more."""
        if self.limit < refused:
            return True  # another request already shrank it meanwhile
        if refused <= MIN_URL_LENGTH:
            return False
        self.limit = max(MIN_URL_LENGTH, refused // 2)
        log.info("The server refused a long URL (414); retrying with requests of at most "
                 "%d characters.", self.limit)
        return True


class LimitedAdapter(HTTPAdapter):
    """An HTTPAdapter that takes a token from ``limiter`` before sending each request."""

    def __init__(self, limiter: TokenBucket | None = None, **kwargs: Any) -> None:
        self.limiter = limiter
        super().__init__(**kwargs)

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        if self.limiter is not None:
            waited = self.limiter.acquire()
            if waited > 0.5:
                log.debug("Rate limit: waited %.2f s before a Plex request.", waited)
        return super().send(request, *args, **kwargs)


# A read error (timeout, connection reset mid-answer) may come after the server carried the
# request out: only these methods are sent again then. POST /playlists and PUT .../items are not
# idempotent; repeating them made duplicate playlists and doubled items.
READ_RETRY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class PlexRetry(Retry):
    """urllib3 ``Retry`` that never repeats a non-idempotent request after a read error."""

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: Any = None,
        error: Exception | None = None,
        _pool: Any = None,
        _stacktrace: Any = None,
    ) -> PlexRetry:
        unsafe = (method or "").upper() not in READ_RETRY_METHODS
        if unsafe and isinstance(error, (ReadTimeoutError, ProtocolError)):
            raise error.with_traceback(_stacktrace)
        return super().increment(method, url, response, error, _pool, _stacktrace)


def make_retry(max_retries: int, backoff_factor: float) -> Retry:
    """Retry 429/5xx answers on every method, honouring Retry-After (capped).

    Connection failures are retried once only (a refused connection rarely heals in seconds
    and the user should hear about it quickly); read errors up to twice, and only for GET/HEAD
    (see :class:`PlexRetry`).
    """
    options: dict[str, Any] = {
        "total": max_retries,
        "connect": min(max_retries, 1),
        "read": min(max_retries, 2),
        "status": max_retries,
        "other": 0,
        "redirect": 3,
        "status_forcelist": RETRY_STATUSES,
        "backoff_factor": backoff_factor,
        "backoff_max": 30,
        "respect_retry_after_header": True,
        "allowed_methods": None,
        "raise_on_status": False,
    }
    try:
        return PlexRetry(**options, retry_after_max=RETRY_AFTER_MAX)
    except TypeError:  # urllib3 < 2.4 has no retry_after_max
        return PlexRetry(**options)


def make_session(
    *,
    session: requests.Session | None = None,
    max_retries: int = 5,
    backoff_factor: float = 0.5,
    limiter: TokenBucket | None = None,
) -> requests.Session:
    """A session whose http/https adapters retry and rate-limit."""
    session = session or requests.Session()
    adapter = LimitedAdapter(limiter, max_retries=make_retry(max_retries, backoff_factor))
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def status_of(exc: BaseException) -> int | None:
    """The HTTP status in a plexapi exception message like ``(503) service_unavailable; ...``."""
    m = _STATUS.match(str(exc))
    return int(m.group(1)) if m else None


def status_error(status: int | None, url: str, action: str, *, library: str | None = None) -> PlexError:
    """The PlexMix error for an HTTP error status from the server at ``url`` (after retries).

    ``action`` is a short phrase for messages (``"list the tracks"``); ``library`` turns a 404
    into :class:`LibraryNotFoundError`.
    """
    if status == 401:
        return PlexAuthError(f"The Plex server at {url} rejected the token (HTTP 401).", hint=AUTH_HINT)
    if status == 404:
        if library is not None:
            return LibraryNotFoundError(
                f"The library '{library}' no longer exists on the Plex server.",
                hint="See the libraries with `plexmix config validate`; "
                "then `plexmix config set plex.library NAME`.",
            )
        return PlexHTTPError(
            f"The Plex server could not find what PlexMix asked for ({action}).",
            hint="The item may have been deleted in Plex; try again after a sync.",
            status=404,
        )
    return PlexHTTPError(
        f"The Plex server answered HTTP {status or '4xx/5xx'} when trying to {action}.",
        hint=_status_hint(status),
        status=status,
    )


LXML_FROM_BYTES = 64 * 1024  # bodies this large (listing pages) are parsed by lxml, if installed
_parsers = threading.local()  # lxml parsers are not thread-safe: one per thread


def _lxml_parser() -> Any:
    """This thread's lxml parser (None: lxml is not installed). No entity is resolved and nothing
    is fetched: a response is data, never instructions."""
    parser = getattr(_parsers, "parser", False)
    if parser is False:
        try:
            from lxml import etree
        except ImportError:  # pragma: no cover - lxml is a dependency; ElementTree still works
            parser = None
        else:
            parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True,
                                     remove_comments=True, remove_pis=True)
        _parsers.parser = parser
    return parser


def parse_xml(content: bytes) -> ElementTree.Element | None:
    """A response body as XML (None when empty), parsed from its bytes. A body that is not
    well-formed goes through plexapi's cleaning of invalid characters, as plexapi's own reads do.

    Large bodies (a page of a listing) go to lxml: about twice as fast, and it lets go of the GIL
    while it parses, so a sync's writes go on meanwhile. Its elements answer the same calls
    (``get``, iteration, ``find``). Small ones stay with ElementTree, which costs no import.
    """
    if not content.strip():
        return None
    parser = _lxml_parser() if len(content) >= LXML_FROM_BYTES else None
    if parser is not None:
        from lxml import etree

        with contextlib.suppress(etree.XMLSyntaxError):
            return cast(ElementTree.Element, etree.fromstring(content, parser))
    else:
        with contextlib.suppress(ElementTree.ParseError):
            return ElementTree.fromstring(content)
    from plexapi.utils import parseXMLString

    return parseXMLString(content.decode("utf-8", errors="replace"))


def _plexapi_status(exc: Exception) -> int | None:
    """The HTTP status a plexapi exception stands for (None: not one). plexapi is looked at only
    when it was imported: a request that never went through it cannot have raised its errors."""
    exceptions = sys.modules.get("plexapi.exceptions")
    if exceptions is None:
        return None
    if isinstance(exc, exceptions.Unauthorized):
        return 401
    if isinstance(exc, exceptions.NotFound):
        return 404
    if isinstance(exc, exceptions.BadRequest):
        return status_of(exc) or 0
    return None


@contextlib.contextmanager
def plex_errors(url: str, action: str, *, library: str | None = None) -> Iterator[None]:
    """Translate plexapi/requests failures raised inside the block into PlexMix errors.

    ``action`` is a short phrase for messages (``"list the tracks"``); ``library`` turns a 404
    into :class:`LibraryNotFoundError`.
    """
    try:
        yield
    except PlexError:
        raise
    except (
        requests.exceptions.MissingSchema,
        requests.exceptions.InvalidURL,
        requests.exceptions.InvalidSchema,
    ):
        raise PlexConnectionError(
            f"'{url}' is not a valid Plex server URL.",
            hint="Use the form http://HOST:32400 in PLEX_URL / plex.url",
        ) from None
    except requests.exceptions.ReadTimeout:
        raise PlexConnectionError(
            f"The Plex server at {url} did not answer in time when trying to {action}.",
            hint="The server may be busy; try again in a moment, or raise plex.timeout.",
        ) from None
    except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
        log.debug("Connection to the Plex server failed: %s", type(exc).__name__)
        raise PlexConnectionError(f"Cannot reach the Plex server at {url}.", hint=CONNECTION_HINT) from None
    except requests.exceptions.RequestException as exc:
        raise PlexError(
            f"Talking to the Plex server failed ({type(exc).__name__}) when trying to {action}.",
            hint=CONNECTION_HINT,
        ) from None
    except Exception as exc:
        status = _plexapi_status(exc)
        if status is None:
            raise
        error = status_error(status or None, url, action, library=library)
        if status == 404 and library is None:
            raise error from exc
        raise error from None


def _status_hint(status: int | None) -> str:
    if status == 429:
        return "The server is rate limiting PlexMix: lower plex.requests_per_second and retry later."
    if status == 414:
        return "The request URL was too long for this server; please report this as a PlexMix bug."
    if status is not None and status >= 500:
        return "The Plex server had an internal problem; check its logs and retry in a moment."
    return "Check the Plex server's logs; retrying may help."
