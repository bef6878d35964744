"""Test hooks of the emulator: injected failures, latency and request counting."""

from __future__ import annotations

import random
import re
import threading
from collections import Counter, deque
from dataclasses import dataclass

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


class Hooks:
    """Mutable test state shared by the request handlers (thread-safe)."""

    def __init__(self, seed: int = 0) -> None:
        self.lock = threading.Lock()
        self.faults: list[Fault] = []
        self.max_url_length: int | None = None
        self.latency = 0.0
        self.jitter = 0.0
        self.spike_every: int | None = None
        self.spike_seconds = 0.0
        self.request_counts: Counter[str] = Counter()
        self.request_log: deque[tuple[str, str]] = deque(maxlen=20_000)
        self.total_requests = 0
        self._rng = random.Random(seed)

    def record(self, method: str, path: str, query_type: str | None) -> None:
        key = normalise(method, path)
        with self.lock:
            self.total_requests += 1
            self.request_counts[key] += 1
            if query_type:
                self.request_counts[f"{key}?type={query_type}"] += 1
            self.request_log.append((method, path))

    def fault_for(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.check(method, path):
                    return fault
        return None

    def delay(self) -> float:
        with self.lock:
            seconds = self.latency
            if self.jitter:
                seconds += self._rng.uniform(0, self.jitter)
            if self.spike_every and self.total_requests % self.spike_every == 0:
                seconds += self.spike_seconds
        return seconds

    def reset_counts(self) -> None:
        with self.lock:
            self.request_counts.clear()
            self.request_log.clear()
            self.total_requests = 0
