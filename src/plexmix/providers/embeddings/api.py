"""Shared machinery of the HTTP embedding providers: retries, Retry-After and concurrency.

The SDKs' own retries are switched off (``max_retries=0`` / no retry options) so that every
attempt, delay and failure goes through :class:`RetryPolicy`, which tests can make instant.
"""

from __future__ import annotations

import email.utils
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import Enum
from typing import Any

import numpy as np

from plexmix.config.embedding_models import DEFAULT_MODELS, KNOWN_MODELS, expected_dimension
from plexmix.errors import EmbeddingError
from plexmix.providers.embeddings.base import (
    BatchFailedError,
    BatchResult,
    EmbeddingProvider,
)

log = logging.getLogger(__name__)


class Failure(Enum):
    """How an SDK error is handled."""

    RETRY = "retry"  # 429, 5xx, timeouts, connection resets: wait and try again
    SKIP = "skip"  # this request is bad (e.g. 400): skip the batch, the others may work
    FATAL = "fatal"  # every request will fail (401/403/404): stop the whole run


@dataclass
class RetryPolicy:
    """Attempts and delays of one request. ``sleep`` is injectable for tests."""

    max_attempts: int = 5
    base_delay: float = 1.0
    max_delay: float = 30.0
    max_retry_after: float = 120.0
    jitter: float = 0.25
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)

    def backoff(self, attempt: int) -> float:
        """Delay before attempt ``attempt + 1`` (exponential, capped, with jitter)."""
        delay = min(self.max_delay, self.base_delay * (2 ** max(0, attempt - 1)))
        return delay * (1.0 + self.jitter * random.random())


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds from a ``Retry-After`` (or ``retry-after-ms``-converted) header value."""
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


_TRANSPORT_ERRORS = (
    "TimeoutException",
    "TransportError",
    "NetworkError",
    "ConnectError",
    "RemoteProtocolError",
    "APIConnectionError",
    "APITimeoutError",
    "ConnectionError",
    "TimeoutError",
)


def is_transport_error(exc: BaseException) -> bool:
    """Timeouts and connection failures of httpx/httpx2/requests/the SDKs, by class name."""
    return any(cls.__name__ in _TRANSPORT_ERRORS for cls in type(exc).__mro__)


def failure_for_status(status: int | None) -> Failure:
    if status is None:
        return Failure.RETRY
    if status in (401, 403, 404):
        return Failure.FATAL
    if status in (408, 409, 425, 429) or status >= 500:
        return Failure.RETRY
    return Failure.SKIP


class ApiEmbeddingProvider(EmbeddingProvider):
    """An HTTP provider: retries per request, batches run ``max_concurrency`` at a time."""

    key_env = ""  # environment variable named in credential hints
    default_batch_size = 100
    max_batch_size = 100

    def __init__(
        self,
        api_key: str,
        *,
        model: str | None = None,
        dimension: int | None = None,
        base_url: str | None = None,
        timeout: float = 60.0,
        batch_size: int | None = None,
        max_concurrency: int = 4,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.retry = retry or RetryPolicy()
        self.max_concurrency = max(1, int(max_concurrency))
        self.model = model or DEFAULT_MODELS[self.name]
        self.dimension = expected_dimension(self.name, self.model, dimension)
        wanted = self.default_batch_size if batch_size is None else int(batch_size)
        self.batch_size = max(1, min(wanted, self.max_batch_size))
        spec = KNOWN_MODELS.get((self.name, self.model))
        # Ask the API for a reduced size only when it differs from the model's native one.
        self.reduced_dimension = spec is None or self.dimension != spec.dimension
        self._api_key = api_key
        self._base_url = base_url
        self._timeout = timeout
        self._client: Any = None
        self._client_lock = threading.Lock()

    def _get_client(self) -> Any:
        with self._client_lock:  # one client for all worker threads
            if self._client is None:
                self._client = self._new_client()
            return self._client

    def _new_client(self) -> Any:
        """The SDK client (created once, on first use)."""
        raise NotImplementedError

    def _classify(self, exc: BaseException) -> tuple[Failure, float | None, str]:
        """(what to do, server-requested delay, short description) for an SDK exception."""
        if is_transport_error(exc):
            return Failure.RETRY, None, f"{type(exc).__name__}: {exc}"
        return Failure.SKIP, None, f"{type(exc).__name__}: {exc}"

    def _fatal(self, description: str) -> EmbeddingError:
        return EmbeddingError(
            f"The {self.name} embedding API refused the request: {description}",
            hint=f"Check {self.key_env} and the embedding model name ({self.model}).",
        )

    def _embed_with_retry(self, texts: list[str], *, query: bool) -> np.ndarray:
        # APIs reject empty inputs; an empty text carries no meaning anyway.
        texts = [t if t.strip() else "untitled" for t in texts]
        attempts = max(1, self.retry.max_attempts)
        last = "no attempt made"
        for attempt in range(1, attempts + 1):
            try:
                return self._embed_batch(texts, query=query)
            except BatchFailedError:
                raise
            except EmbeddingError:
                raise
            except Exception as exc:
                kind, retry_after, last = self._classify(exc)
            if kind is Failure.FATAL:
                raise self._fatal(last)
            if kind is Failure.SKIP or attempt == attempts:
                break
            if retry_after is not None:
                delay = min(retry_after, self.retry.max_retry_after)
            else:
                delay = self.retry.backoff(attempt)
            log.info(
                "%s embedding request failed (%s); retry %d/%d in %.1fs",
                self.name, last, attempt, attempts - 1, delay,
            )
            self.retry.sleep(delay)
        raise BatchFailedError(last)

    def iter_document_batches(self, texts: Sequence[str]) -> Iterator[BatchResult]:
        plan = self._plan_batches(texts)
        if self.max_concurrency <= 1 or len(plan) <= 1:
            yield from super().iter_document_batches(texts)
            return
        stop = threading.Event()

        def run(indices: list[int]) -> BatchResult:
            if stop.is_set():
                return BatchResult(indices, None, "cancelled")
            return self._run_batch(texts, indices)

        pool = ThreadPoolExecutor(self.max_concurrency, thread_name_prefix=f"embed-{self.name}")
        pending: set[Future[BatchResult]] = set()
        queue = iter(plan)
        try:
            # Keep at most 2x max_concurrency batches submitted: bounded memory, early stop.
            for indices in queue:
                pending.add(pool.submit(run, indices))
                if len(pending) >= 2 * self.max_concurrency:
                    break
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    yield future.result()  # a fatal EmbeddingError propagates here
                    nxt = next(queue, None)
                    if nxt is not None:
                        pending.add(pool.submit(run, nxt))
        finally:
            stop.set()
            pool.shutdown(wait=False, cancel_futures=True)
