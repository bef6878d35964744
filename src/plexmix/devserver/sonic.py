"""Sonic analysis as a Plex Pass server does it, from the data sets' audio features.

A track's sonic vector is its audio features (:data:`SONIC_FEATURES`, each 0..1, tempo scaled
from 50..200 BPM); the distance between two tracks is the root mean square of the differences,
so it lies in 0..1 like a real server's ``distance``. :class:`SonicIndex` answers
``/library/metadata/{id}/nearest`` (nearest first, the seed left out, ``maxDistance`` applied)
and ``computePath`` (a "sonic adventure": at each step the unused track nearest to a point
moving from the start's vector to the end's, kept close to the step before).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from plexmix.devserver.library import EmuTrack, MusicLibrary
from plexmix.devserver.tags import FEATURES

if TYPE_CHECKING:
    import numpy as np

SONIC_FEATURES = (*FEATURES, "tempo")
DEFAULT_LIMIT = 50  # a real server's defaults for /nearest
DEFAULT_MAX_DISTANCE = 0.25
_TEMPO_RANGE = (50.0, 200.0)
PATH_STEP = 0.04  # about one track per this much distance between the ends
PATH_STEPS = (3, 18)  # fewest and most tracks between the two ends
_STAY_CLOSE = 0.5  # weight of the distance to the previous step when choosing the next


def sonic_vector(features: Mapping[str, float]) -> tuple[float, ...] | None:
    """The sonic vector of a track's audio features; None unless every feature is there."""
    if any(name not in features for name in SONIC_FEATURES):
        return None
    low, high = _TEMPO_RANGE
    values = [features[name] for name in FEATURES]
    values.append((features["tempo"] - low) / (high - low))
    if not all(math.isfinite(v) for v in values):
        return None
    return tuple(min(1.0, max(0.0, v)) for v in values)


def distance(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """Root-mean-square difference of two sonic vectors (0..1)."""
    return math.sqrt(sum((x - y) ** 2 for x, y in zip(a, b, strict=True)) / len(a))


class SonicIndex:
    """The analysed tracks of a library as one matrix, rebuilt when the library changes."""

    def __init__(self, lib: MusicLibrary) -> None:
        self.lib = lib
        self._lock = threading.Lock()
        self._state: tuple[object, list[EmuTrack], Any] | None = None

    def _matrix(self) -> tuple[list[EmuTrack], np.ndarray]:
        import numpy as np

        lib = self.lib
        stamp = (lib.version, lib.sonic_analysis)
        with self._lock:
            if self._state is None or self._state[0] != stamp:
                with lib.lock:
                    tracks = [t for t in lib.tracks.values() if lib.analysed(t)]
                rows = [t.sonic for t in tracks]
                matrix = np.array(rows, dtype=np.float64).reshape(len(rows), len(SONIC_FEATURES))
                self._state = (stamp, tracks, matrix)
            return self._state[1], self._state[2]

    @staticmethod
    def _distances(matrix: np.ndarray, point: np.ndarray) -> np.ndarray:
        import numpy as np

        return np.sqrt(((matrix - point) ** 2).mean(axis=1))

    def nearest(
        self,
        seed: EmuTrack,
        *,
        limit: int = DEFAULT_LIMIT,
        max_distance: float = DEFAULT_MAX_DISTANCE,
        exclude_album: int | None = None,
        exclude_artist: int | None = None,
    ) -> list[tuple[EmuTrack, float]]:
        """The analysed tracks nearest ``seed`` (not itself), within ``max_distance``, nearest first."""
        import numpy as np

        if seed.sonic is None or not self.lib.analysed(seed) or limit <= 0:
            return []
        tracks, matrix = self._matrix()
        dists = self._distances(matrix, np.array(seed.sonic))
        out: list[tuple[EmuTrack, float]] = []
        for i in np.argsort(dists, kind="stable"):
            d, track = float(dists[i]), tracks[i]
            if d > max_distance or len(out) >= limit:
                break
            if track.rating_key == seed.rating_key or track.album_key == exclude_album:
                continue
            if track.artist_key == exclude_artist:
                continue
            out.append((track, d))
        return out

    def path(self, start: EmuTrack, end: EmuTrack) -> list[EmuTrack]:
        """A sonic adventure from ``start`` to ``end`` (both included); [] unless both are analysed."""
        import numpy as np

        if not (self.lib.analysed(start) and self.lib.analysed(end)) or start is end:
            return []
        assert start.sonic is not None and end.sonic is not None
        tracks, matrix = self._matrix()
        a, b = np.array(start.sonic), np.array(end.sonic)
        low, high = PATH_STEPS
        steps = min(high, max(low, round(distance(start.sonic, end.sonic) / PATH_STEP)))
        used = np.zeros(len(tracks), dtype=bool)
        for i, track in enumerate(tracks):
            used[i] = track.rating_key in (start.rating_key, end.rating_key)
        path, previous = [start], a
        for step in range(1, min(steps, int((~used).sum())) + 1):
            target = a + (b - a) * (step / (steps + 1))
            score = self._distances(matrix, target) + _STAY_CLOSE * self._distances(matrix, previous)
            score[used] = np.inf
            pick = int(np.argmin(score))
            used[pick] = True
            path.append(tracks[pick])
            previous = matrix[pick]
        path.append(end)
        return path
