"""The years and track lengths a mood names: eras counted from the library's newest year
("recent", "this year", "nothing before 1990", "from 2000 to 2009"), decades and parts of them
("early 90s"), and lengths ("under 3 minutes", "short songs"). Read by
:func:`plexmix.playlist.understanding.understand_mood` on the folded text.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from plexmix.playlist.filters import decade_range
from plexmix.playlist.phrases import blank
from plexmix.storage.queries import TrackFilters

_DECADE = re.compile(r"(?<![\w'])('?\d{2}'?s|\d{3}0'?s)(?!\w)", re.I)
_YEAR = r"(1\d{3}|2\d{3})"
# Era phrases, tried in this order on the folded text; each match is used up. The function gets
# the match and the library's newest year and returns (year_min, year_max) (None: not given).
_ERAS: list[tuple[re.Pattern[str], Callable[[re.Match[str], int], tuple[int | None, int | None]]]] = [
    (re.compile(rf"\bnothing\s+(?:before|older\s+than|earlier\s+than)\s+{_YEAR}\b"),
     lambda m, _: (int(m.group(1)), None)),
    (re.compile(rf"\bnothing\s+(?:after|newer\s+than|later\s+than)\s+{_YEAR}\b"),
     lambda m, _: (None, int(m.group(1)))),
    (re.compile(rf"\bbetween\s+{_YEAR}\s+and\s+{_YEAR}\b|\b{_YEAR}\s*(?:-|–|to)\s*{_YEAR}\b"),
     lambda m, _: _ordered([int(g) for g in m.groups() if g])),
    (re.compile(rf"\b(?:since|from)\s+{_YEAR}\s+on(?:wards?)?\b|\bsince\s+{_YEAR}\b"),
     lambda m, _: (int(m.group(1) or m.group(2)), None)),
    (re.compile(rf"\bafter\s+{_YEAR}\b"), lambda m, _: (int(m.group(1)) + 1, None)),
    (re.compile(rf"\bbefore\s+{_YEAR}\b"), lambda m, _: (None, int(m.group(1)) - 1)),
    (re.compile(rf"\b(?:until|up\s+to|through)\s+{_YEAR}\b"), lambda m, _: (None, int(m.group(1)))),
    (re.compile(rf"\b(?:from|in|of)\s+{_YEAR}\b"), lambda m, _: (int(m.group(1)), int(m.group(1)))),
    (re.compile(r"\bthis\s+year'?s?\b"), lambda _, newest: (newest, newest)),
    (re.compile(r"\blast\s+year'?s?\b"), lambda _, newest: (newest - 1, newest - 1)),
    (re.compile(r"\b(?:recent|latest|newest)\b"), lambda _, newest: (newest - RECENT_YEARS + 1, newest)),
]
RECENT_YEARS = 3  # "recent": the library's newest year and the two before it

SHORT_MS, LONG_MS = 180_000, 360_000  # "short" songs: under 3:00; "long": over 6:00
_SONGS = r"(?:songs?|tracks?|tunes?|pieces?|ones|numbers|cuts|jams|epics?)"
_LENGTH = r"(?:(\d+:\d{2})|(\d+(?:[.,]\d+)?)\s*-?\s*(?:min(?:ute)?s?|m)\b)"  # 3:30, 3 minutes, 2.5 min
_DURATIONS: list[tuple[re.Pattern[str], Callable[[int], tuple[int | None, int | None]]]] = [
    (re.compile(rf"\b(?:under|less\s+than|shorter\s+than|below|at\s+most|no\s+longer\s+than|max)\s+{_LENGTH}"),
     lambda ms: (None, ms)),
    (re.compile(rf"\b(?:over|more\s+than|longer\s+than|above|at\s+least)\s+{_LENGTH}"),
     lambda ms: (ms, None)),
    (re.compile(r"\b(\d+)\s*-?\s*minutes?\s+" + _SONGS + r"\b|\b(\d+)-minute\b"),
     lambda ms: (ms - 30_000, ms + 30_000)),
]
# "short songs", "long jazz tracks": only right before a song word, or with genre or mood names
# between ("long melancholy songs"), so "a long drive" says nothing about length.
_SHORT_LONG = re.compile(rf"\b(short|long)\s+((?:[^\s]+\s+){{0,3}}?){_SONGS}\b")


def _ordered(years: list[int]) -> tuple[int | None, int | None]:
    return min(years), max(years)


def read_years(text: str, newest: int, found: TrackFilters) -> list[tuple[tuple[int, int], bool]]:
    """Set the years ``text`` names; the spans read, each with whether to keep it out of the
    search ("nothing before 1990" is; "90s" stays a description too)."""
    spans: list[tuple[tuple[int, int], bool]] = []
    for pattern, years in _ERAS:
        for m in pattern.finditer(blank(text, [span for span, _ in spans])):
            low, high = years(m, newest)
            if low is not None and found.year_min is None:
                found.year_min = low
            if high is not None and found.year_max is None:
                found.year_max = high
            spans.append((m.span(), m.group(0).startswith("nothing")))
    rest = blank(text, [span for span, _ in spans])
    if found.year_min is None and found.year_max is None and (d := _DECADE.search(rest)):
        decade = decade_range(d.group(1))
        if decade and decade[0] <= newest:
            found.year_min, found.year_max = decade
            if part := _PART_OF_DECADE.search(rest[: d.start()]):  # "early 90s": 1990-1993
                low, high = _DECADE_PARTS[part.group(1)]
                found.year_min, found.year_max = decade[0] + low, decade[0] + high
    return spans


_PART_OF_DECADE = re.compile(r"(?<!\w)(early|mid|late)(?:\s+|-)(?:the\s+)?$")
_DECADE_PARTS = {"early": (0, 3), "mid": (3, 6), "late": (6, 9)}


def read_lengths(text: str, tag_names: set[str], found: TrackFilters) -> list[tuple[int, int]]:
    """Set the track lengths ``text`` names; the spans read. ``tag_names``: the genre and mood
    names (folded) that may stand between "long" and "songs"."""
    spans: list[tuple[int, int]] = []
    for pattern, bounds in _DURATIONS:
        for m in pattern.finditer(blank(text, spans)):
            _set_length(found, *bounds(_length_ms(m)))
            spans.append(m.span())
    for m in _SHORT_LONG.finditer(blank(text, spans)):
        between = " ".join(m.group(2).split())
        if not between or between in tag_names or between.rstrip("s") in tag_names:
            _set_length(found, *((None, SHORT_MS) if m.group(1) == "short" else (LONG_MS, None)))
            spans.append(m.span(1))  # only the word: "melancholy songs" still describes the mood
    return spans


def _set_length(found: TrackFilters, low: int | None, high: int | None) -> None:
    found.duration_min_ms = low if low is not None else found.duration_min_ms
    found.duration_max_ms = high if high is not None else found.duration_max_ms


def _length_ms(m: re.Match[str]) -> int:
    number = next((g for g in m.groups() if g and g[0].isdigit()), "0")
    if ":" in number:
        minutes, seconds = number.split(":")
        return (int(minutes) * 60 + int(seconds)) * 1000
    return int(float(number.replace(",", ".")) * 60_000)
