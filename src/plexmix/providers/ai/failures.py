"""Sort SDK exceptions into what the template method does with them.

* ``AUTH`` (401/403): raise :class:`~plexmix.errors.AIProviderError` naming the key setting.
* ``NOT_FOUND`` (404): raise, naming ``ai.model``.
* ``TRANSIENT`` (timeouts, connection errors, 408/409/429/5xx): retry with backoff, then fall back.
* ``OTHER`` (e.g. 400 bad request): fall back at once.

Works by duck typing on ``status_code`` (openai, anthropic) or ``code`` (google-genai) so no
SDK has to be imported here.
"""

from __future__ import annotations

import enum
import socket


class ErrorKind(enum.Enum):
    AUTH = "auth"
    NOT_FOUND = "not_found"
    TRANSIENT = "transient"
    OTHER = "other"


TRANSIENT_STATUS = frozenset({408, 409, 425, 429})
# Built-in exceptions that mean the network, not the request, failed.
BUILTIN_TRANSIENT: tuple[type[BaseException], ...] = (
    TimeoutError,
    ConnectionError,
    socket.timeout,
)


def http_status(exc: BaseException) -> int | None:
    """The HTTP status code carried by an SDK exception, if any."""
    for attr in ("status_code", "code"):
        value = getattr(exc, attr, None)
        if isinstance(value, int) and not isinstance(value, bool) and 100 <= value <= 599:
            return value
    response = getattr(exc, "response", None)
    value = getattr(response, "status_code", None)
    if isinstance(value, int) and 100 <= value <= 599:
        return value
    return None


def is_timeout(exc: BaseException) -> bool:
    """True for timeouts of any SDK (by built-in type or by class name)."""
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return True
    return any("Timeout" in cls.__name__ for cls in type(exc).__mro__)


def classify(
    exc: BaseException, transient: tuple[type[BaseException], ...] = ()
) -> ErrorKind:
    """Decide what to do with ``exc`` (see module docstring)."""
    status = http_status(exc)
    if status is not None:
        if status in (401, 403):
            return ErrorKind.AUTH
        if status == 404:
            return ErrorKind.NOT_FOUND
        if status in TRANSIENT_STATUS or status >= 500:
            return ErrorKind.TRANSIENT
        return ErrorKind.OTHER
    if isinstance(exc, BUILTIN_TRANSIENT + transient) or is_timeout(exc):
        return ErrorKind.TRANSIENT
    names = [cls.__name__ for cls in type(exc).__mro__]
    if any("Connect" in n or n in ("TransportError", "RemoteProtocolError") for n in names):
        return ErrorKind.TRANSIENT
    return ErrorKind.OTHER


def describe(exc: BaseException) -> str:
    """A short, key-free description of a failure for logs and fallback reasons."""
    status = http_status(exc)
    if is_timeout(exc):
        return "the request timed out"
    if status is not None:
        return f"HTTP {status}"
    name = type(exc).__name__
    if "Connection" in name or isinstance(exc, ConnectionError):
        return "the server could not be reached"
    return name
