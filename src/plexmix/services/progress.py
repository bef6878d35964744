"""A tiny progress interface the library reports to; the CLI renders it with Rich."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def start(self, stage: str, total: int | None = None) -> None: ...

    def advance(self, stage: str, amount: int = 1) -> None: ...

    def finish(self, stage: str) -> None: ...


class NullProgress:
    """Reports nowhere (the default for library use and tests)."""

    def start(self, stage: str, total: int | None = None) -> None:
        return None

    def advance(self, stage: str, amount: int = 1) -> None:
        return None

    def finish(self, stage: str) -> None:
        return None
