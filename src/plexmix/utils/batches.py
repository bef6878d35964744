"""Group a stream of items into lists, and flatten a stream of lists."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def flatten(pages: Iterable[list[T]]) -> Iterator[T]:
    """The items of ``pages``, in order."""
    for page in pages:
        yield from page


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Lists of ``size`` items (the last one shorter), in order."""
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
