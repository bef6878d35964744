"""A journey: tracks that move step by step from one song to another.

Plex's sonic adventure (``computePath``) when the server analysed both ends; otherwise, or to
fill the steps Plex's path lacks, the local way: interpolate between the two songs' vectors and
take at each step the nearest unused track that passes the filters, kept close to the step before
(the same rule as a server's sonic adventure). Smoothness is the mean distance between the unit
vectors of consecutive tracks (0 = identical; lower is smoother).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from plexmix.playlist.diversity import song_key
from plexmix.playlist.generator import _passes
from plexmix.playlist.retrieval import VectorSearcher
from plexmix.storage import library, queries, similar
from plexmix.storage.models import Track
from plexmix.storage.queries import TrackFilters
from plexmix.storage.sqlite_manager import Connection

if TYPE_CHECKING:
    import numpy as np

NEAREST = 60  # tracks looked at around each step's point
STAY_CLOSE = 0.5  # weight of the distance to the previous track when choosing the next
SONIC, LOCAL = "sonic", "embeddings"

# Plex's sonic adventure between two ratingKeys (both ends included), [] without analysis.
SonicPath = Callable[[str, str], list[str]]


@dataclass
class Path:
    track_ids: list[int]
    method: str  # SONIC (Plex's path, maybe filled locally) or LOCAL
    filled: int = 0  # steps chosen locally between Plex's
    notes: list[str] = field(default_factory=list)


@dataclass
class _Steps:
    """What the path has used: songs and tracks per artist and album (the diversity caps)."""

    tracks: dict[int, Track]
    max_per_artist: int
    max_per_album: int
    songs: set[tuple[str, str]] = field(default_factory=set)
    artists: dict[int | None, int] = field(default_factory=dict)
    albums: dict[int | None, int] = field(default_factory=dict)

    def take(self, track: Track) -> None:
        self.songs.add(song_key(track))
        self.artists[track.artist_id] = self.artists.get(track.artist_id, 0) + 1
        self.albums[track.album_id] = self.albums.get(track.album_id, 0) + 1

    def fits(self, track: Track, *, capped: bool) -> bool:
        if song_key(track) in self.songs:
            return False
        return not capped or (self.artists.get(track.artist_id, 0) < self.max_per_artist
                              and self.albums.get(track.album_id, 0) < self.max_per_album)


def _unit(matrix: Any) -> np.ndarray:
    import numpy as np

    m = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(m, axis=-1, keepdims=True)
    return np.asarray(m / np.where(norms == 0, 1.0, norms), dtype=np.float32)


def smoothness(index: VectorSearcher | None, track_ids: list[int]) -> float | None:
    """Mean distance between the unit vectors of consecutive tracks (None: too few vectors)."""
    import numpy as np

    if index is None:
        return None
    known = [tid for tid in track_ids if tid in index]
    if len(known) < 2:
        return None
    vectors = _unit(index.vectors(known))
    return round(float(np.linalg.norm(np.diff(vectors, axis=0), axis=1).mean()), 4)


class JourneyPlanner:
    """Paths through the library in ``conn`` (vectors from ``index``, Plex's path from ``sonic``)."""

    def __init__(
        self, conn: Connection, index: VectorSearcher | None, sonic: SonicPath | None = None
    ) -> None:
        self.conn, self.index, self.sonic = conn, index, sonic

    def path(self, start: Track, end: Track, length: int, filters: TrackFilters, *,
             max_per_artist: int, max_per_album: int) -> Path:
        """``length`` tracks (both ends included) from ``start`` to ``end``; fewer when the filters
        leave too few tracks (a note says so)."""
        steps = _Steps({t.id: t for t in (start, end) if t.id is not None}, max_per_artist, max_per_album)
        steps.take(start)
        steps.take(end)
        allowed = None if filters.is_empty() else queries.track_ids(self.conn, filters)
        plex = self._plex_path(start, end, filters, steps)
        if plex is not None:
            inner, method = self._fit(plex, length - 2), SONIC
        else:
            inner, method = [], LOCAL
        waypoints = [start.id, *inner, end.id]
        missing = length - len(waypoints)
        filled = 0
        if missing > 0 and self.index is not None and start.id in self.index and end.id in self.index:
            waypoints, filled = self._fill(waypoints, missing, allowed, filters, steps)
        ids = [tid for tid in waypoints if tid is not None]
        notes = [] if len(ids) >= length else [
            f"Only {len(ids)} of {length} tracks could be placed on the path: the filters and the diversity "
            "limits leave too few tracks between the two songs."
        ]
        return Path(ids, method, filled if method == SONIC else 0, notes)

    # -- Plex's sonic adventure ----------------------------------------------------------------
    def _plex_path(self, start: Track, end: Track, filters: TrackFilters, steps: _Steps) -> list[int] | None:
        """The inner tracks of Plex's path that pass the filters; None: Plex has no path."""
        if self.sonic is None or not (start.music_analysis_version and end.music_analysis_version):
            return None
        keys = self.sonic(start.plex_key, end.plex_key)
        if not keys:
            return None
        ids = similar.track_ids_by_plex_key(self.conn, keys)
        inner = [ids[k] for k in keys if k in ids and ids[k] not in (start.id, end.id)]
        kept = []
        for track in library.get_tracks(self.conn, inner):
            if _passes(track, filters) and steps.fits(track, capped=False):
                steps.take(track)
                steps.tracks[track.id or 0] = track
                kept.append(track.id or 0)
        return kept

    @staticmethod
    def _fit(inner: list[int], wanted: int) -> list[int]:
        """At most ``wanted`` of Plex's steps, spread evenly along its path."""
        if len(inner) <= wanted:
            return inner
        if wanted <= 0:
            return []
        last = len(inner) - 1
        if wanted == 1:
            return [inner[last // 2]]
        return [inner[round(i * last / (wanted - 1))] for i in range(wanted)]

    # -- the local way -------------------------------------------------------------------------
    def _fill(self, waypoints: list[int | None], missing: int, allowed: Any, filters: TrackFilters,
              steps: _Steps) -> tuple[list[int | None], int]:
        """``missing`` more tracks, spread over the gaps between consecutive waypoints."""
        gaps = len(waypoints) - 1
        share = [missing // gaps + (1 if i < missing % gaps else 0) for i in range(gaps)]
        out: list[int | None] = [waypoints[0]]
        filled = 0
        for i in range(gaps):
            between = self._between(waypoints[i], waypoints[i + 1], share[i], allowed, filters, steps)
            filled += len(between)
            out += [*between, waypoints[i + 1]]
        return out, filled

    def _between(self, a_id: int | None, b_id: int | None, count: int, allowed: Any, filters: TrackFilters,
                 steps: _Steps) -> list[int]:
        import numpy as np

        if count <= 0 or a_id not in self.index or b_id not in self.index:  # type: ignore[operator]
            return []
        assert self.index is not None
        a, b = _unit(self.index.vectors([a_id, b_id]))
        previous, chosen = a, []
        for step in range(1, count + 1):
            target = _unit(a + (b - a) * (step / (count + 1)))
            hits = [tid for tid, _ in self.index.search(target, NEAREST, allowed_ids=allowed)]
            fresh = [tid for tid in hits if tid not in steps.tracks]
            for track in library.get_tracks(self.conn, fresh):
                steps.tracks[track.id or 0] = track
            usable = [tid for tid in hits if _passes(steps.tracks[tid], filters)]
            pick = None
            for capped in (True, False):
                fits = [tid for tid in usable if steps.fits(steps.tracks[tid], capped=capped)]
                if fits:
                    vectors = _unit(self.index.vectors(fits))
                    score = (np.linalg.norm(vectors - target, axis=1)
                             + STAY_CLOSE * np.linalg.norm(vectors - previous, axis=1))
                    pick = fits[int(np.argmin(score))]
                    previous = vectors[int(np.argmin(score))]
                    break
            if pick is None:
                continue
            steps.take(steps.tracks[pick])
            chosen.append(pick)
        return chosen
