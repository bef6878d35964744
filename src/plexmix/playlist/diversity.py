"""Diversity rules: at most N tracks per artist and per album, same artist kept apart."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import TypeVar

T = TypeVar("T")


def pick_diverse(
    ordered: Iterable[T],
    length: int,
    artist_of: Callable[[T], Hashable],
    album_of: Callable[[T], Hashable],
    max_per_artist: int | None,
    max_per_album: int | None,
) -> list[T]:
    """The first ``length`` items of ``ordered`` that respect the per-artist/album limits."""
    per_artist: Counter[Hashable] = Counter()
    per_album: Counter[Hashable] = Counter()
    chosen: list[T] = []
    for item in ordered:
        if len(chosen) >= length:
            break
        artist, album = artist_of(item), album_of(item)
        if max_per_artist is not None and artist is not None and per_artist[artist] >= max_per_artist:
            continue
        if max_per_album is not None and album is not None and per_album[album] >= max_per_album:
            continue
        per_artist[artist] += 1
        per_album[album] += 1
        chosen.append(item)
    return chosen


def spread_artists(items: Sequence[T], artist_of: Callable[[T], Hashable]) -> list[T]:
    """Reorder as little as possible so that neighbours have different artists where possible."""
    remaining = list(items)
    result: list[T] = []
    while remaining:
        previous = artist_of(result[-1]) if result else object()
        index = next((i for i, item in enumerate(remaining) if artist_of(item) != previous), 0)
        result.append(remaining.pop(index))
    return result
