"""A tiny progress interface the library reports to; the CLI renders it with Rich."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol


class Progress(Protocol):
    def start(self, stage: str, total: int | None = None) -> None: ...

    def advance(self, stage: str, amount: int = 1) -> None: ...

    def finish(self, stage: str) -> None: ...


class EtaProgress(Progress, Protocol):
    """A :class:`Progress` that also shows the seconds a stage has left (optional method)."""

    def eta(self, stage: str, seconds: float) -> None: ...


class NullProgress:
    """Reports nowhere (the default for library use and tests)."""

    def start(self, stage: str, total: int | None = None) -> None:
        return None

    def advance(self, stage: str, amount: int = 1) -> None:
        return None

    def finish(self, stage: str) -> None:
        return None

    def eta(self, stage: str, seconds: float) -> None:
        return None


def report_eta(progress: Progress | None, stage: str, seconds: float | None) -> None:
    """Pass ``seconds`` left to ``progress.eta`` if it has one (a plain Progress needs none)."""
    method = getattr(progress, "eta", None)
    if seconds is not None and callable(method):
        method(stage, seconds)


class Eta:
    """Seconds left of a stage whose items cost in proportion to a weight.

    Weights rather than counts: embedding batches are sorted by text length, so later items
    cost more than earlier ones and a count-based estimate would be too low.
    """

    def __init__(self, total_weight: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.total = float(total_weight)
        self.done = 0.0
        self._clock = clock
        self._started = clock()

    def add(self, weight: float) -> float | None:
        """Record ``weight`` done; the seconds left (``None`` until some work is done)."""
        self.done += weight
        if self.done <= 0:
            return None
        elapsed = self._clock() - self._started
        return max(0.0, elapsed * (self.total - self.done) / self.done)
