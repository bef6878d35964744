"""Artists, genres and sizes chosen from the session library, for tests that run on any data.

The tests marked ``needs_shared_data`` name Queen and count on hundreds of rock tracks. Their
equivalents ask these helpers instead: the artist with the most tracks, how many of an
artist's tracks the album limit lets into one playlist, how many artists a genre has. On the
full data sets the answers are Queen and large numbers; on the bundled tracks, smaller ones.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from playlist_helpers import Fact


def song(title: str) -> str:
    """A song's name without version notes: "Song - 2011 Remaster" and "Song (Live)" are one song."""
    return re.split(r"\s+-\s+|\s*[(\[]", title.lower(), maxsplit=1)[0].strip()


def tracks_by(facts: Iterable[Fact], artist: str, genre: str | None = None) -> list[Fact]:
    return [f for f in facts if f.artist == artist and (genre is None or genre in f.genres)]


def reachable(tracks: Iterable[Fact], max_per_album: int) -> int:
    """How many of these tracks fit in one playlist that takes at most ``max_per_album`` per album."""
    per_album = Counter(f.album_id for f in tracks)
    return sum(min(max_per_album, n) for n in per_album.values())


def most_playable_artist(facts: Iterable[Fact], max_per_album: int, genre: str | None = None) -> str:
    """The artist with the most tracks a playlist can hold under the album limit (then by name)."""
    facts = list(facts)
    names = {f.artist for f in facts if f.artist and (genre is None or genre in f.genres)}
    return min(names, key=lambda a: (-reachable(tracks_by(facts, a, genre), max_per_album), a))


def main_genre(facts: Iterable[Fact], artist: str) -> str:
    """The genre most of the artist's tracks have (then by name): a genre tag, not a style."""
    counts = Counter(g for f in facts if f.artist == artist for g in f.genre_tags)
    return min(counts, key=lambda g: (-counts[g], g))


def artists_in(facts: Iterable[Fact], genre: str) -> set[str]:
    return {f.artist for f in facts if f.artist and genre in f.genres}
