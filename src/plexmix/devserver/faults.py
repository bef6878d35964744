"""Test hooks of the emulator: injected failures, latency, held requests and request counting."""

from __future__ import annotations

import random
import re
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field

_NUMERIC = re.compile(r"^\d+$")
_KEY_LIST = re.compile(r"^\d+(,\d+)+$")


def normalise(method: str, path: str) -> str:
    """``GET /library/metadata/12,13`` -> ``GET /library/metadata/{ids}``; numbers -> ``{id}``."""
    parts = []
    for part in path.split("/"):
        if _NUMERIC.match(part):
            parts.append("{id}")
        elif _KEY_LIST.match(part):
            parts.append("{ids}")
        else:
            parts.append(part)
    return f"{method} {'/'.join(parts) or '/'}"


@dataclass(slots=True)
class Fault:
    """Answer ``status`` to matching requests: every n-th one, or the first n ones."""

    status: int
    every_nth: int | None = None
    first_n: int | None = None
    retry_after: int | None = None
    path_contains: str | None = None
    method: str | None = None
    seen: int = 0
    fired: int = 0

    def check(self, method: str, path: str) -> bool:
        if self.method and method != self.method.upper():
            return False
        if self.path_contains and self.path_contains not in path:
            return False
        self.seen += 1
        if self.first_n is not None:
            hit = self.seen <= self.first_n
        elif self.every_nth:
            hit = self.seen % self.every_nth == 0
        else:
            hit = True
        if hit:
            self.fired += 1
        return hit


@dataclass(slots=True)
class Trap:
    """Hold the ``nth`` matching request (counted from when the trap is set) until released.

    When that request arrives, ``request`` records it and ``reached`` is set; the handler then
    waits for ``release`` (at most ``hold_timeout`` seconds), carries the request out, and sets
    ``answered`` just before the answer is sent. A trap fires once.
    """

    nth: int = 1
    method: str | None = None
    path_pattern: str | None = None  # a regular expression searched in the path (no query)
    hold_timeout: float = 60.0
    seen: int = 0
    request: tuple[str, str] | None = None
    reached: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    answered: threading.Event = field(default_factory=threading.Event)

    def check(self, method: str, path: str) -> bool:
        if self.request is not None:
            return False
        if self.method and method != self.method.upper():
            return False
        if self.path_pattern and not re.search(self.path_pattern, path):
            return False
        self.seen += 1
        if self.seen < self.nth:
            return False
        self.request = (method, path)
        return True


class Hooks:
    """Mutable test state shared by the request handlers (thread-safe).

    ``sleep`` carries out injected latency (``time.sleep``; tests may pass a recorder).
    """

    def __init__(self, seed: int = 0, *, sleep: Callable[[float], None] = time.sleep) -> None:
        self.lock = threading.Lock()
        self.sleep = sleep
        self.faults: list[Fault] = []
        self.traps: list[Trap] = []
        self.max_url_length: int | None = None
        self.latency = 0.0
        self.jitter = 0.0
        self.spike_every: int | None = None
        self.spike_seconds = 0.0
        self.request_counts: Counter[str] = Counter()
        self.request_log: deque[tuple[str, str]] = deque(maxlen=20_000)
        # (request number, "METHOD path", seconds) of every request that latency delayed
        self.delays: deque[tuple[int, str, float]] = deque(maxlen=20_000)
        self.total_requests = 0
        self._rng = random.Random(seed)

    def record(self, method: str, path: str, query_type: str | None) -> int:
        """Count a request; returns its number (1 for the first since the last reset)."""
        key = normalise(method, path)
        with self.lock:
            self.total_requests += 1
            self.request_counts[key] += 1
            if query_type:
                self.request_counts[f"{key}?type={query_type}"] += 1
            self.request_log.append((method, path))
            return self.total_requests

    def fault_for(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.check(method, path):
                    return fault
        return None

    def traps_for(self, method: str, path: str) -> list[Trap]:
        """The traps this request springs (usually none)."""
        with self.lock:
            return [trap for trap in self.traps if trap.check(method, path)]

    def delay(self, number: int | None = None) -> float:
        """Latency for request ``number`` (default: the latest one counted)."""
        with self.lock:
            seconds = self.latency
            if self.jitter:
                seconds += self._rng.uniform(0, self.jitter)
            nth = self.total_requests if number is None else number
            if self.spike_every and nth % self.spike_every == 0:
                seconds += self.spike_seconds
        return seconds

    def pause(self, number: int, method: str, path: str) -> float:
        """Delay request ``number`` by its latency (logged in ``delays``); returns the seconds."""
        seconds = self.delay(number)
        if seconds > 0:
            with self.lock:
                self.delays.append((number, f"{method} {path}", seconds))
            self.sleep(seconds)
        return seconds

    def reset_counts(self) -> None:
        with self.lock:
            self.request_counts.clear()
            self.request_log.clear()
            self.delays.clear()
            self.total_requests = 0
