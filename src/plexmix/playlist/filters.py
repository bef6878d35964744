"""Filters for a playlist: parsed from flags (``--year 90s``), merged with what the mood text says
(:mod:`plexmix.playlist.understanding`), and described back to the user.

Flags win over what the mood text implies, field by field. Every filter is a hard constraint.
"""

from __future__ import annotations

import datetime as _dt
import re
import time
from collections.abc import Iterable
from dataclasses import fields, replace

from plexmix.errors import UsageError
from plexmix.storage.queries import TrackFilters

YEAR_HINT = "Use a year (1994), a range (1990-1999) or a decade (90s or 1990s)."
_MIN_YEAR, _MAX_YEAR = 1000, 2999


def decade_range(text: str) -> tuple[int, int] | None:
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
    decade = decade_range(text)
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
    added_within: int | None = None,
    now: float | None = None,
) -> TrackFilters:
    """The filters given as options (``--genre``, ``--year``, ``--rating``, ``--artist``,
    ``--added-within DAYS``: added to Plex in the ``added_within`` days before ``now``).

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
    if added_within is not None:
        if added_within < 1:
            raise UsageError(f"Bad --added-within value '{added_within}'.",
                             hint="Use a number of days, e.g. 30.")
        filters.added_since = max(0, int(time.time() if now is None else now) - added_within * 86400)
    return filters


_PAIRS = (("year_min", "year_max"), ("duration_min_ms", "duration_max_ms"))


def merge_filters(from_flags: TrackFilters, from_mood: TrackFilters) -> TrackFilters:
    """Flags win: a field given by a flag replaces what the mood implied for that field (a range's
    two ends count as one field)."""
    merged = replace(from_mood)
    paired = {name for pair in _PAIRS for name in pair}
    for low, high in _PAIRS:
        if getattr(from_flags, low) is not None or getattr(from_flags, high) is not None:
            setattr(merged, low, getattr(from_flags, low))
            setattr(merged, high, getattr(from_flags, high))
    for f in fields(TrackFilters):
        value = getattr(from_flags, f.name)
        if f.name not in paired and value is not None and value != []:
            setattr(merged, f.name, list(value) if isinstance(value, list) else value)
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


def _minutes(ms: int) -> str:
    seconds = round(ms / 1000)
    return f"{seconds // 60}:{seconds % 60:02d}"


def _range(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return str(low) if low == high else f"{low}–{high}"
    return f"{low} or later" if low is not None else f"{high} or earlier"


_NAMED = (("genre", "genres"), ("style", "styles"), ("artist", "artists"), ("mood", "moods"))


def _name_lists(filters: TrackFilters, *, excluded: bool) -> list[tuple[str, list[str]]]:
    """(label, names) for each of the genre, artist and mood lists that is set."""
    prefix = "exclude_" if excluded else ""
    lists = [(label, getattr(filters, prefix + name)) for label, name in _NAMED]
    return [(label, names) for label, names in lists if names]


def describe_filters(filters: TrackFilters) -> list[str]:
    """Human-readable lines for the filters in force (for the CLI and --json)."""
    lines = [f"{label}: " + " or ".join(names) for label, names in _name_lists(filters, excluded=False)]
    if filters.year_min is not None or filters.year_max is not None:
        low, high = filters.year_min, filters.year_max
        lines.append(f"year: {low}" if low == high else f"year: {low or '…'}–{high or '…'}")
    if filters.duration_min_ms is not None or filters.duration_max_ms is not None:
        lines.append("length: " + _length(filters))
    if filters.rating_min is not None:
        lines.append(f"rating ≥ {filters.rating_min:g}/10")
    lines += _history(filters)
    blocked = _name_lists(filters, excluded=True)
    lines += [f"blocked {label}s: " + ", ".join(names) for label, names in blocked]
    return lines


def _length(filters: TrackFilters) -> str:
    low, high = filters.duration_min_ms, filters.duration_max_ms
    if low is not None and high is not None:
        return f"{_minutes(low)}–{_minutes(high)}"
    return f"over {_minutes(low)}" if low is not None else f"under {_minutes(high or 0)}"


def understood_line(filters: TrackFilters) -> str:
    """One line: "genre rap; not artist X; 1990–1999; under 3:00" ("" when nothing is understood)."""
    parts = [f"{label} " + " or ".join(names) for label, names in _name_lists(filters, excluded=False)]
    parts += [f"not {label} " + ", ".join(names) for label, names in _name_lists(filters, excluded=True)]
    if filters.year_min is not None or filters.year_max is not None:
        parts.append(_range(filters.year_min, filters.year_max))
    if filters.duration_min_ms is not None or filters.duration_max_ms is not None:
        parts.append(_length(filters))
    if filters.rating_min is not None:
        parts.append(f"rating ≥ {filters.rating_min:g}/10")
    parts += _history(filters)
    return "; ".join(parts)


def _history(filters: TrackFilters) -> list[str]:
    """What the filters say about plays and additions, in words."""
    parts: list[str] = []
    if filters.play_count_max == 0:
        parts.append("never played")
    elif filters.play_count_max is not None:
        parts.append(f"played at most {filters.play_count_max} times")
    if filters.play_count_min is not None:
        low = filters.play_count_min
        parts.append("played before" if low == 1 else f"played {low}+ times")
    if filters.exclude_played_since is not None:
        when = _dt.datetime.fromtimestamp(filters.exclude_played_since).strftime("%Y-%m-%d")
        parts.append(f"not played since {when}")
    if filters.added_since is not None:
        parts.append("added since " + _dt.datetime.fromtimestamp(filters.added_since).strftime("%Y-%m-%d"))
    return parts


def understood_dict(filters: TrackFilters) -> dict[str, object]:
    """The structured query for --json: the fields that are set, by their TrackFilters names."""
    return {
        f.name: list(value) if isinstance(value, list) else value
        for f in fields(TrackFilters)
        if (value := getattr(filters, f.name)) not in (None, [])
    }
