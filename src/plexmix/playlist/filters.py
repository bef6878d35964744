"""Filters for a playlist: from flags (``--year 90s``) and from the mood text ("90s rock").

Flags win over what the mood text implies, field by field. Every filter is a hard constraint.
"""

from __future__ import annotations

import datetime as _dt
import re
import time
from collections.abc import Iterable
from dataclasses import replace

from plexmix.errors import UsageError
from plexmix.storage.queries import TrackFilters

YEAR_HINT = "Use a year (1994), a range (1990-1999) or a decade (90s or 1990s)."
_MIN_YEAR, _MAX_YEAR = 1000, 2999


def _decade(text: str) -> tuple[int, int] | None:
    m = re.fullmatch(r"'?(\d{2})'?s|(\d{3})0'?s", text.strip().lower())
    if not m:
        return None
    if m.group(1) is not None:
        two = int(m.group(1))
        start = (1900 if two >= 30 else 2000) + two
    else:
        start = int(m.group(2)) * 10
    if start % 10:
        return None
    return start, start + 9


def parse_year(value: str) -> tuple[int, int]:
    """``1994`` -> (1994, 1994); ``1990-1999`` -> (1990, 1999); ``90s``/``1990s`` -> (1990, 1999)."""
    text = value.strip()
    decade = _decade(text)
    if decade:
        return decade
    m = re.fullmatch(r"(\d{4})\s*(?:-|–|\.\.|to)\s*(\d{4})", text)
    if m:
        low, high = int(m.group(1)), int(m.group(2))
    elif re.fullmatch(r"\d{4}", text):
        low = high = int(text)
    else:
        raise UsageError(f"Bad --year value '{value}'.", hint=YEAR_HINT)
    if low > high or not (low >= _MIN_YEAR and high <= _MAX_YEAR):
        raise UsageError(f"Bad --year value '{value}'.", hint=YEAR_HINT)
    return low, high


def parse_rating(value: float) -> float:
    """``--rating`` on Plex's 0-10 scale (values up to 5 are read as stars and doubled)."""
    if value < 0 or value > 10:
        raise UsageError(
            f"Bad --rating value '{value:g}'.",
            hint="Use 0-5 stars (e.g. 4) or Plex's 0-10 scale (e.g. 8).",
        )
    return value * 2 if value <= 5 else value


def filters_from_flags(
    *,
    genres: Iterable[str] = (),
    year: str | None = None,
    rating: float | None = None,
    artists: Iterable[str] = (),
) -> TrackFilters:
    """The filters given as options (``--genre``, ``--year``, ``--rating``, ``--artist``).

    Shared by ``create``, ``search`` and the library API; blank names are ignored and bad values
    are a :class:`UsageError` naming the option.
    """
    filters = TrackFilters(
        genres=[g for g in genres if g.strip()], artists=[a for a in artists if a.strip()]
    )
    if year is not None:
        filters.year_min, filters.year_max = parse_year(year)
    if rating is not None:
        filters.rating_min = parse_rating(rating)
    return filters


_RATED = re.compile(
    r"\b(highly|top|best)[ -]rated\b|\bfavou?rites?\b|\bfive[ -]stars?\b|\b5[ -]stars?\b", re.I
)
_STARS = re.compile(r"\b([1-5])[ -]stars?\b", re.I)
_FROM_YEAR = re.compile(r"\b(?:from|in|of)\s+(\d{4})\b", re.I)
_RANGE = re.compile(r"\b(\d{4})\s*(?:-|–|to)\s*(\d{4})\b")
_SINCE = re.compile(r"\b(?:since|after)\s+(\d{4})\b", re.I)
_BEFORE = re.compile(r"\bbefore\s+(\d{4})\b", re.I)
_DECADE = re.compile(r"(?<![\w'])('?\d{2}'?s|\d{3}0'?s)(?!\w)", re.I)


_WORD_CHAR = re.compile(r"\w")


def mood_phrases(text: str, longest: int = 200) -> set[str]:
    """Every stretch of ``text`` (lower-cased, at most ``longest`` characters) with no word
    character just before or after it: what a whole-word, case-insensitive search could match.

    One set per mood instead of one regex per genre and artist name keeps this fast for
    libraries with tens of thousands of artists.
    """
    word = [_WORD_CHAR.match(c) is not None for c in text]
    size = len(text)
    starts = [i for i in range(size) if i == 0 or not word[i - 1]]
    ends = [j for j in range(1, size + 1) if j == size or not word[j]]
    return {text[i:j].lower() for i in starts for j in ends if i < j <= i + longest}


_LONGEST_NAME = 200  # longer names (none in practice) are searched for one by one


def _named_in(text: str, names: Iterable[str]) -> list[str]:
    """The names (of at least 3 characters) that ``text`` contains as whole words, sorted.

    One pass over the names with a set lookup each: this runs on every ``create`` over all the
    library's artists.
    """
    if not text:
        return []
    phrases = mood_phrases(text, _LONGEST_NAME)
    found = {
        n for n in names
        if n.lower() in phrases
        or (len(n) > _LONGEST_NAME and re.search(rf"(?<!\w){re.escape(n)}(?!\w)", text, re.I))
    }
    return sorted(n for n in found if len(n) >= 3)


def filters_from_mood(
    mood: str, genres: Iterable[str] = (), artists: Iterable[str] = (), now: _dt.date | None = None
) -> TrackFilters:
    """What the mood text says about years, ratings, genres and artists of this library."""
    found = TrackFilters()
    text = mood.strip()
    this_year = (now or _dt.date.today()).year
    if m := _RANGE.search(text):
        low, high = sorted((int(m.group(1)), int(m.group(2))))
        found.year_min, found.year_max = low, high
    elif m := _FROM_YEAR.search(text):
        found.year_min = found.year_max = int(m.group(1))
    elif m := _SINCE.search(text):
        found.year_min = int(m.group(1)) + (1 if m.group(0).lower().startswith("after") else 0)
    elif m := _BEFORE.search(text):
        found.year_max = int(m.group(1)) - 1
    elif m := _DECADE.search(text):
        decade = _decade(m.group(1))
        if decade and decade[0] <= this_year:
            found.year_min, found.year_max = decade
    if _RATED.search(text):
        found.rating_min = 8.0
    elif m := _STARS.search(text):
        found.rating_min = float(m.group(1)) * 2
    found.genres = _named_in(text, genres)
    found.artists = [name for name in _named_in(text, artists) if _clearly_an_artist(text, name)]
    return found


_ARTIST_CUE = r"(?:by|like|from|artist|of)"


def _clearly_an_artist(text: str, name: str) -> bool:
    """A one-word artist name ("Focus", "Queen", "Rain") is also an ordinary word: take it as an
    artist when it is the whole mood ("Queen") or a cue precedes it ("hits by Queen", "like
    Queen"), so "focus while studying" stays a mood. Longer names ("Miles Davis") stand alone; a
    leading "The" does not make a name longer."""
    words = name.split()
    if words and words[0].lower() == "the":
        words = words[1:]
    if len(words) >= 2:
        return True
    if text.strip(" .,!?").casefold() == name.casefold():
        return True
    return re.search(rf"\b{_ARTIST_CUE}\s+{re.escape(name)}(?!\w)", text, re.I) is not None


def merge_filters(from_flags: TrackFilters, from_mood: TrackFilters) -> TrackFilters:
    """Flags win: a field given by a flag replaces what the mood implied for that field."""
    merged = replace(from_mood)
    if from_flags.genres:
        merged.genres = list(from_flags.genres)
    if from_flags.artists:
        merged.artists = list(from_flags.artists)
    if from_flags.moods:
        merged.moods = list(from_flags.moods)
    if from_flags.year_min is not None or from_flags.year_max is not None:
        merged.year_min, merged.year_max = from_flags.year_min, from_flags.year_max
    if from_flags.rating_min is not None:
        merged.rating_min = from_flags.rating_min
    for name in ("exclude_played_since", "exclude_artists", "exclude_genres"):
        value = getattr(from_flags, name)
        if value:
            setattr(merged, name, value)
    return merged


def with_exclusions(
    filters: TrackFilters,
    *,
    avoid_recent_days: int = 0,
    blocked_artists: Iterable[str] = (),
    blocked_genres: Iterable[str] = (),
    now: float | None = None,
) -> TrackFilters:
    """``filters`` that also leave out tracks played in the last ``avoid_recent_days`` days and the
    blocked artists and genres (added to any exclusions already there)."""
    result = replace(filters)
    if avoid_recent_days > 0:
        # Never before 1970: a huge day count means "ever played", not a date out of range.
        now = time.time() if now is None else now
        result.exclude_played_since = max(0, int(now) - avoid_recent_days * 86400)
    blocked_artists, blocked_genres = list(blocked_artists), list(blocked_genres)
    if blocked_artists:
        result.exclude_artists = sorted({*filters.exclude_artists, *blocked_artists})
    if blocked_genres:
        result.exclude_genres = sorted({*filters.exclude_genres, *blocked_genres})
    return result


def describe_filters(filters: TrackFilters) -> list[str]:
    """Human-readable lines for the filters in force (for the CLI and --json)."""
    lines: list[str] = []
    if filters.genres:
        lines.append("genre: " + " or ".join(filters.genres))
    if filters.artists:
        lines.append("artist: " + " or ".join(filters.artists))
    if filters.moods:
        lines.append("mood: " + " or ".join(filters.moods))
    if filters.year_min is not None or filters.year_max is not None:
        low, high = filters.year_min, filters.year_max
        lines.append(f"year: {low}" if low == high else f"year: {low or '…'}–{high or '…'}")
    if filters.rating_min is not None:
        lines.append(f"rating ≥ {filters.rating_min:g}/10")
    if filters.exclude_played_since is not None:
        when = _dt.datetime.fromtimestamp(filters.exclude_played_since).strftime("%Y-%m-%d")
        lines.append(f"not played since {when}")
    if filters.exclude_artists:
        lines.append("blocked artists: " + ", ".join(filters.exclude_artists))
    if filters.exclude_genres:
        lines.append("blocked genres: " + ", ".join(filters.exclude_genres))
    return lines
