"""Ranking modes: listening history blended with similarity (``--mode``).

Each mode gives a retrieved track a history score in 0..1 from what Plex knows of it: its rating
(0-10), plays, skips and last play (the tracks' columns, and the per-play history in ``plays``
where the server has one):

* ``balanced`` (the default): similarity alone, except that skips count against a track: its score
  is multiplied by ``1 - SKIP_WEIGHT * skip ratio`` (skips / (skips + plays + 1)). Without skips
  the order is the similarity order;
* ``favourites``: loved (rating) and often played;
* ``discover``: rarely or never played;
* ``rediscover``: loved once (high rating or many plays) and not played for a long time, and not
  lately (plays in the last :data:`RECENT_DAYS` days count against it).

Apart from ``balanced``, the blended score is ``(1 - HISTORY_WEIGHT) * similarity +
HISTORY_WEIGHT * history`` with similarity scaled to the best candidate's. Ages are measured from
the library's newest play (Plex's clock: an old copy of a database ranks as it did), and skips
count against a track in every mode.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from plexmix.errors import UsageError
from plexmix.playlist.retrieval import Retrieved
from plexmix.storage import library, mirror
from plexmix.storage.models import Track
from plexmix.storage.plays import PlayStats, play_stats
from plexmix.storage.sqlite_manager import Connection

MODES = ("balanced", "favourites", "discover", "rediscover")
DEFAULT_MODE = "balanced"
HISTORY_WEIGHT = 0.5  # of the history score, in every mode but balanced
SKIP_WEIGHT = 0.5  # how much a track skipped every time it was played loses
RECENT_DAYS = 90
_DAY = 86400
_PLAYS_HALF = 5  # plays at which "often played" is half way
_AGE_HALF = 180 * _DAY  # not played for this long: half way to forgotten
_UNRATED = 0.3  # an unrated track's love, on the 0..1 scale of ratings


def check_mode(mode: str | None) -> str:
    """The mode by name (None: the default); a UsageError listing the modes for another."""
    name = (mode or DEFAULT_MODE).strip().lower()
    if name not in MODES:
        raise UsageError(f"Unknown mode '{mode}'.", hint=f"Use --mode with one of: {', '.join(MODES)}.")
    return name


@dataclass(frozen=True, slots=True)
class Signals:
    """What a track's history says, as the modes read it."""

    plays: int
    skips: int
    rating: float | None  # 0-10
    last_played: int | None  # epoch seconds: Plex's lastViewedAt, or the newest stored play
    recent_plays: int = 0  # stored plays in the last RECENT_DAYS days

    @classmethod
    def of(cls, track: Track, stats: PlayStats | None = None) -> Signals:
        last = max(track.last_played or 0, (stats.last or 0) if stats else 0) or None
        return cls(track.play_count, track.skip_count, track.rating, last, stats.since if stats else 0)

    @property
    def skip_ratio(self) -> float:
        return self.skips / (self.skips + self.plays + 1)

    @property
    def love(self) -> float:
        """How loved: the rating and the plays, each half (an unrated track counts as so-so)."""
        rated = self.rating / 10 if self.rating is not None else _UNRATED
        return 0.5 * rated + 0.5 * self.plays / (self.plays + _PLAYS_HALF)


def history_score(mode: str, s: Signals, now: int) -> float:
    """The mode's history score of a track, 0..1 (see the module's docstring)."""
    kept = 1.0 - SKIP_WEIGHT * s.skip_ratio
    if mode == "balanced":
        return kept
    if mode == "favourites":
        return s.love * kept
    if mode == "discover":
        return kept / (1 + s.plays)
    rated = s.rating / 10 if s.rating is not None else 0.0
    loved_once = max(rated, s.plays / (s.plays + _PLAYS_HALF))
    if s.last_played is None:
        forgotten = 0.25  # loved (rated) but never played: a little forgotten
    else:
        age = max(0, now - s.last_played)
        forgotten = age / (age + _AGE_HALF)
    return loved_once * forgotten * kept / (1 + s.recent_plays)


def blend(mode: str, ranked: list[tuple[int, float]], signals: Mapping[int, Signals], now: int,
          scores: dict[int, float] | None = None) -> list[tuple[int, float]]:
    """``ranked`` (track id, similarity score) re-ordered by the mode, best first; ``scores``
    receives each track's history score. Ties keep their similarity order."""
    if not ranked:
        return []
    top = max(score for _, score in ranked) or 1.0
    out: list[tuple[int, float]] = []
    for tid, score in ranked:
        signal = signals.get(tid)
        history = history_score(mode, signal, now) if signal is not None else 1.0
        if scores is not None:
            scores[tid] = round(history, 4)
        if mode == "balanced":
            out.append((tid, score * history))
        else:
            out.append((tid, (1 - HISTORY_WEIGHT) * score / top + HISTORY_WEIGHT * history))
    order = sorted(range(len(out)), key=lambda i: (-out[i][1], i))
    return [out[i] for i in order]


def ranked_tracks(conn: Connection, mode: str, found: Retrieved,
                  scores: dict[int, float]) -> dict[int | None, Track]:
    """The generator's hook: read the retrieved tracks, re-order ``found.ranked`` by ``mode`` and
    fill ``scores`` with each track's history score; return the tracks by id."""
    mode = check_mode(mode)
    read = library.get_tracks(conn, [tid for tid, _ in found.ranked])
    tracks: dict[int | None, Track] = {t.id: t for t in read}
    now = mirror.newest_play(conn) or 0
    stats = play_stats(conn, [tid for tid in tracks if tid is not None], now - RECENT_DAYS * _DAY)
    signals = {tid: Signals.of(t, stats.get(tid)) for tid, t in tracks.items() if tid is not None}
    now = max([now, *(s.last_played or 0 for s in signals.values())])
    found.ranked = blend(mode, found.ranked, signals, now, scores)
    return tracks


def signals_dict(track: Track, mode_score: float | None) -> dict[str, object]:
    """A track's history signals as ``--json`` gives them (``last_played``: ISO 8601, UTC)."""
    from datetime import datetime, timezone

    last = track.last_played
    return {
        "plays": track.play_count, "skips": track.skip_count, "rating": track.rating,
        "last_played": None if last is None else datetime.fromtimestamp(last, timezone.utc).strftime(
            "%Y-%m-%dT%H:%M:%SZ"),
        "mode_score": mode_score,
    }
