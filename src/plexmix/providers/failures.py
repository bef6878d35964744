"""What went wrong with a call to an AI or embedding API, and the one retry policy for both.

:func:`classify` sorts an SDK or HTTP exception by duck typing (``status_code`` of openai and
anthropic, ``code`` of google-genai, ``response.status_code``; class names for timeouts and
connection failures), so no SDK is imported here:

* ``AUTH`` (401, 403, Gemini's 400 ``API_KEY_INVALID``) and ``NOT_FOUND`` (404: an unknown
  model): every request would fail the same way, so the caller stops and tells the user.
* ``RATE_LIMITED`` (429, with the server's ``Retry-After``), ``TIMEOUT`` (timeouts, 408),
  ``NETWORK`` (connection failures) and ``SERVER_ERROR`` (5xx, 409, 425): try again later.
* ``BAD_REQUEST`` (any other status, any other error): this request is wrong; not repeated.

:class:`RetryPolicy` runs a call with those rules: exponential backoff, the server's
``Retry-After`` honoured (capped), and an injectable ``sleep`` so that tests wait for nothing.
"""

from __future__ import annotations

import email.utils
import enum
import logging
import random
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


class Kind(enum.Enum):
    AUTH = "auth"
    NOT_FOUND = "not_found"
    RATE_LIMITED = "rate_limited"
    TIMEOUT = "timeout"
    NETWORK = "network"
    SERVER_ERROR = "server_error"
    BAD_REQUEST = "bad_request"


RETRYABLE = frozenset({Kind.RATE_LIMITED, Kind.TIMEOUT, Kind.NETWORK, Kind.SERVER_ERROR})
FATAL = frozenset({Kind.AUTH, Kind.NOT_FOUND})
# Gemini answers a bad key with 400 INVALID_ARGUMENT and one of these in the message.
BAD_KEY_MARKERS = ("API_KEY_INVALID", "API key not valid", "API key expired")
# Transport failures of httpx, requests and the SDKs that are not timeouts, by class name.
_NETWORK_ERRORS = ("TransportError", "NetworkError", "RemoteProtocolError")


@dataclass(frozen=True)
class Failure:
    """One classified exception. ``summary`` is short and key-free (for logs and notes)."""

    kind: Kind
    summary: str
    status: int | None = None
    retry_after: float | None = None  # seconds the server asked us to wait
    message: str | None = None  # the server's own words (or the error's text), if any

    @property
    def retryable(self) -> bool:
        return self.kind in RETRYABLE

    @property
    def fatal(self) -> bool:
        return self.kind in FATAL

    @property
    def detail(self) -> str:
        """The summary with the server's message: "HTTP 400: input too long"."""
        return f"{self.summary}: {self.message}" if self.message else self.summary


def http_status(exc: BaseException) -> int | None:
    """The HTTP status code carried by an SDK exception, if any."""
    for attr in ("status_code", "code"):
        value = getattr(exc, attr, None)
        if isinstance(value, int) and not isinstance(value, bool) and 100 <= value <= 599:
            return value
    value = getattr(getattr(exc, "response", None), "status_code", None)
    if isinstance(value, int) and 100 <= value <= 599:
        return value
    return None


def _names(exc: BaseException) -> list[str]:
    return [cls.__name__ for cls in type(exc).__mro__]


def is_timeout(exc: BaseException) -> bool:
    """True for timeouts of any SDK (by built-in type or by class name)."""
    return isinstance(exc, (TimeoutError, socket.timeout)) or any("Timeout" in n for n in _names(exc))


def _is_unreachable(exc: BaseException) -> bool:
    return isinstance(exc, ConnectionError) or any("Connect" in n for n in _names(exc))


def _kind_for_status(status: int, text: str) -> Kind:
    if status in (401, 403) or (status == 400 and any(m in text for m in BAD_KEY_MARKERS)):
        return Kind.AUTH
    if status == 404:
        return Kind.NOT_FOUND
    if status == 429:
        return Kind.RATE_LIMITED
    if status == 408:
        return Kind.TIMEOUT
    if status in (409, 425) or status >= 500:
        return Kind.SERVER_ERROR
    return Kind.BAD_REQUEST


def classify(exc: BaseException) -> Failure:
    """Sort ``exc`` (see the module docstring)."""
    status = http_status(exc)
    if is_timeout(exc):
        return Failure(Kind.TIMEOUT, "the request timed out", status)
    if status is not None:
        message = str(getattr(exc, "message", None) or getattr(exc, "status", None) or exc)
        kind = _kind_for_status(status, f"{exc} {message}")
        return Failure(kind, f"HTTP {status}", status, _retry_after(exc), message)
    if _is_unreachable(exc):
        return Failure(Kind.NETWORK, "the server could not be reached")
    name = type(exc).__name__
    if any(n in _NETWORK_ERRORS for n in _names(exc)):
        return Failure(Kind.NETWORK, f"the connection failed ({name})")
    return Failure(Kind.BAD_REQUEST, name, message=str(exc) or None)


# -- how long the server asks us to wait -----------------------------------------------------------
def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header value (seconds or an HTTP date)."""
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    current = datetime.fromtimestamp(now if now is not None else time.time(), tz=timezone.utc)
    return max(0.0, (when - current).total_seconds())


def retry_after_from_headers(headers: object) -> float | None:
    """Seconds to wait from an HTTP response's headers (``retry-after-ms`` or ``retry-after``)."""
    if headers is None or not hasattr(headers, "get"):
        return None
    millis = headers.get("retry-after-ms")
    if millis is not None:
        seconds = parse_retry_after(millis)
        if seconds is not None:
            return seconds / 1000.0
    return parse_retry_after(headers.get("retry-after"))


def retry_delay_from_details(details: object) -> float | None:
    """Seconds from a ``google.rpc.RetryInfo`` entry (``"retryDelay": "37s"``) of an error body."""
    error = details.get("error", details) if isinstance(details, dict) else None
    entries = error.get("details") if isinstance(error, dict) else None
    for entry in entries if isinstance(entries, list) else []:
        delay = entry.get("retryDelay") if isinstance(entry, dict) else None
        if isinstance(delay, str) and delay.endswith("s"):
            try:
                return max(0.0, float(delay[:-1]))
            except ValueError:
                return None
    return None


def _retry_after(exc: BaseException) -> float | None:
    seconds = retry_after_from_headers(getattr(getattr(exc, "response", None), "headers", None))
    return seconds if seconds is not None else retry_delay_from_details(getattr(exc, "details", None))


# -- the retry policy --------------------------------------------------------------------------------
class CallFailedError(Exception):
    """A call failed for good: not retryable, or still failing after ``attempts`` attempts."""

    def __init__(self, failure: Failure, attempts: int) -> None:
        super().__init__(failure.detail)
        self.failure = failure
        self.attempts = attempts


@dataclass
class RetryPolicy:
    """Attempts and delays of one request. ``sleep`` is injectable for tests."""

    max_attempts: int = 5  # the first try included
    base_delay: float = 1.0  # seconds before the second attempt, doubled for each further one
    max_delay: float = 30.0  # the backoff's cap
    max_retry_after: float = 120.0  # the cap of a server-requested wait
    jitter: float = 0.25  # up to this fraction is added at random, so that threads spread out
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)

    def backoff(self, attempt: int) -> float:
        """Delay before attempt ``attempt + 1`` (exponential, capped, with jitter)."""
        delay = min(self.max_delay, self.base_delay * (2 ** max(0, attempt - 1)))
        return delay * (1.0 + self.jitter * random.random())

    def delay(self, attempt: int, failure: Failure) -> float:
        """The server's ``Retry-After`` (capped) when it sent one, else the backoff."""
        if failure.retry_after is not None:
            return min(failure.retry_after, self.max_retry_after)
        return self.backoff(attempt)

    def call(
        self, attempt: Callable[[], T], *, label: str, passthrough: tuple[type[BaseException], ...] = ()
    ) -> T:
        """``attempt()``, repeated while it fails in a retryable way; raises :class:`CallFailedError`.

        Exceptions of the ``passthrough`` types are the caller's own and propagate unchanged.
        """
        attempts = max(1, self.max_attempts)
        for number in range(1, attempts + 1):
            try:
                return attempt()
            except passthrough:
                raise
            except Exception as exc:
                failure = classify(exc)
                if not failure.retryable or number == attempts:
                    raise CallFailedError(failure, number) from exc
            wait = self.delay(number, failure)
            retries = attempts - 1
            log.info("%s failed (%s); retry %d/%d in %.1fs", label, failure.detail, number, retries, wait)
            self.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover
