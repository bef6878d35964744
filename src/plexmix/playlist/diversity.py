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
    """Reorder as little as possible so that neighbours have different artists wherever any order can.

    Greedy in the given order: take the first remaining item whose artist differs from the
    previous one and whose removal leaves the rest spaceable (no artist needs more than every other
    slot). When the rest cannot be spaced anyway, the most frequent other artist goes next, which
    keeps the unavoidable neighbours few. An already spaced sequence is returned unchanged.
    """
    remaining = list(items)
    left: Counter[Hashable] = Counter(artist_of(item) for item in remaining)
    result: list[T] = []
    previous: Hashable = _NOBODY
    while remaining:
        index = _next_index(remaining, left, previous, artist_of)
        item = remaining.pop(index)
        previous = artist_of(item)
        left[previous] -= 1
        result.append(item)
    return result


_NOBODY = object()


def _next_index(
    remaining: Sequence[T], left: Counter[Hashable], previous: Hashable, artist_of: Callable[[T], Hashable]
) -> int:
    rest = len(remaining) - 1  # items left after this pick
    top = left.most_common(2)
    first, second = top[0], top[1] if len(top) > 1 else (None, 0)
    fallback: int | None = None
    for index, item in enumerate(remaining):
        artist = artist_of(item)
        if artist == previous:
            continue
        # After picking ``artist``: it must fit every other slot of the rest without leading it,
        # and every other artist must fit every other slot.
        most_other = second[1] if first[0] == artist else first[1]
        if left[artist] - 1 <= rest // 2 and most_other <= (rest + 1) // 2:
            return index
        if fallback is None or left[artist] > left[artist_of(remaining[fallback])]:
            fallback = index
    return fallback if fallback is not None else 0
