"""Bar charts drawn on the server as SVG geometry (the templates write the ``<svg>``; every label
goes through Jinja's escaping like any other text)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 600
BAR = 22  # height of one horizontal bar, gap included
LABEL = 150  # room for the labels of horizontal bars


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Chart:
    title: str
    bars: list[Bar]
    width: int
    height: int
    horizontal: bool


def horizontal(title: str, items: Sequence[tuple[str, int]]) -> Chart:
    """One bar per item, top to bottom (top genres, top moods)."""
    top = max((v for _, v in items), default=0) or 1
    room = WIDTH - LABEL - 60
    bars = [Bar(label, value, LABEL, i * BAR, room * value / top, BAR - 6)
            for i, (label, value) in enumerate(items)]
    return Chart(title, bars, WIDTH, max(len(items), 1) * BAR, True)


def columns(title: str, items: Sequence[tuple[str, int]], height: int = 180) -> Chart:
    """One column per item, left to right (tracks per decade); labels under the columns."""
    top = max((v for _, v in items), default=0) or 1
    step = WIDTH / max(len(items), 1)
    plot = height - 40
    bars = [Bar(label, value, i * step + 4, 16 + plot - plot * value / top, step - 8, plot * value / top)
            for i, (label, value) in enumerate(items)]
    return Chart(title, bars, WIDTH, height, False)
