"""Diversity rules: at most N tracks per artist and per album, same artist kept apart, one version
of each song."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import TypeVar

from plexmix.storage.models import Track

T = TypeVar("T")


Limits = tuple[int | None, int | None]  # (max per artist, max per album); None: no limit


def pick_diverse(
    ordered: Iterable[T],
    length: int,
    artist_of: Callable[[T], Hashable],
    album_of: Callable[[T], Hashable],
    max_per_artist: int | None,
    max_per_album: int | None,
    *,
    looser: Sequence[Limits] = (),
) -> list[T]:
    """The first ``length`` items of ``ordered`` that respect the per-artist/album limits.

    When fewer qualify, each of the ``looser`` limits in turn tops the pick up from the items left
    (counting what is already chosen); the result keeps the order of ``ordered``.
    """
    items = list(ordered)
    taken = [False] * len(items)
    per_artist: Counter[Hashable] = Counter()
    per_album: Counter[Hashable] = Counter()
    count = 0
    for artist_cap, album_cap in [(max_per_artist, max_per_album), *looser]:
        for index, item in enumerate(items):
            if count >= length:
                break
            artist, album = artist_of(item), album_of(item)
            if taken[index] or _full(per_artist, artist, artist_cap) or _full(per_album, album, album_cap):
                continue
            per_artist[artist] += 1
            per_album[album] += 1
            taken[index] = True
            count += 1
    return [item for index, item in enumerate(items) if taken[index]]


def _full(counts: Counter[Hashable], key: Hashable, cap: int | None) -> bool:
    return cap is not None and key is not None and counts[key] >= cap


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


def song_key(track: Track) -> tuple[str, str]:
    """Artist + base title: "Sleigh Ride" and "Sleigh Ride - Remastered 2011" are one song, and so are
    "(I Can't Get No) Satisfaction - Mono Version" and "... Satisfaction - Remastered 2002"."""
    full = _LEADING_NOTE.sub("", track.title.lower()) or track.title.lower()
    title = re.split(r"\s+-\s+|\s*[(\[]", full, maxsplit=1)[0].strip() or full
    return (track.artist_name or "").lower(), title


_LEADING_NOTE = re.compile(r"^\s*[(\[][^)\]]*[)\]]\s*")


def distinct_songs(track_ids: list[int], tracks: dict[int | None, Track]) -> list[int]:
    """Keep the first of several versions of one song (same artist and base title)."""
    seen: set[tuple[str, str]] = set()
    kept: list[int] = []
    for tid in track_ids:
        key = song_key(tracks[tid])
        if key not in seen:
            seen.add(key)
            kept.append(tid)
    return kept
