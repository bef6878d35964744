"""Playlist order (``--order``): the order the tracks play in, once they are chosen.

* ``curator`` (the default): as the curator put them (the similarity order without one);
* ``smooth``: each next track close to the one before: in embedding space and, where the tracks
  have them, in moods (shared tags) and era (years apart). A greedy nearest-neighbour path
  improved by a few 2-opt passes; two tracks of one artist in a row count as a longer step, so
  they stay apart where the path allows;
* ``rising`` and ``wind-down``: by an energy estimate (:mod:`plexmix.playlist.energy`), calm to
  energetic and back, the same artist kept apart with the least change;
* ``shuffle``: random (a seed makes it repeatable), never the same artist or album back to back
  when any order can avoid it.

A radio (or "songs like X") that starts with its seed song keeps it first in every order. Each
order says which signals set it and the mean step distance: the mean Euclidean distance between
consecutive tracks' unit embedding vectors (0 same, about 1.41 unrelated; None without vectors).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import TYPE_CHECKING, Any, Protocol

from plexmix.errors import UsageError
from plexmix.playlist.diversity import spread_artists
from plexmix.playlist.energy import SonicNeighbours, estimate_energy
from plexmix.playlist.retrieval import QueryEmbedder, VectorSearcher
from plexmix.storage.models import Track
from plexmix.storage.sqlite_manager import Connection

if TYPE_CHECKING:
    from plexmix.playlist.request import GeneratedPlaylist

ORDERS = ("curator", "smooth", "rising", "wind-down", "shuffle")
DEFAULT_ORDER = "curator"
MOOD_WEIGHT = 0.2  # of the mood distance in a smooth step, the embeddings' being 1
ERA_WEIGHT = 0.2
ERA_SPAN = 20  # years apart that count as a whole step of era
SAME_ARTIST = 0.5  # a step between two tracks of one artist: this much of a mean step longer
TWO_OPT_PASSES = 5


def check_order(order: str | None) -> str:
    """The order by name (None: the default); a UsageError listing the orders for another."""
    name = (order or DEFAULT_ORDER).strip().lower().replace("_", "-")
    if name == "winddown":
        name = "wind-down"
    if name not in ORDERS:
        raise UsageError(f"Unknown order '{order}'.", hint=f"Use --order with one of: {', '.join(ORDERS)}.")
    return name


@dataclass
class Ordering:
    """How a playlist was ordered: the order, the signals that set it, the mean step distance and,
    for ``rising`` and ``wind-down``, each track's energy estimate (by track id)."""

    order: str = DEFAULT_ORDER
    signals: list[str] = field(default_factory=list)
    mean_step: float | None = None
    energy: dict[int, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"order": self.order, "order_signals": list(self.signals),
                "mean_step_distance": self.mean_step}

    @property
    def line(self) -> str:
        """``order smooth by embeddings, moods; mean step 0.62`` (the CLI's footer)."""
        by = f" by {', '.join(self.signals)}" if self.signals else ""
        step = f"; mean step {self.mean_step:.2f}" if self.mean_step is not None else ""
        return f"order {self.order}{by}{step}"


@dataclass
class Ordered:
    """The new order (indexes into the tracks given) and how it was made."""

    positions: list[int]
    ordering: Ordering


class OrderSources(Protocol):
    """What an order reads besides the tracks (the playlist generator has them all)."""

    conn: Connection
    index: VectorSearcher | None
    embedder: QueryEmbedder | None
    sonic: SonicNeighbours | None


def unit_vectors(index: VectorSearcher | None, tracks: Sequence[Track]) -> dict[int, Any]:
    """The stored vectors of the tracks that have one, by id, scaled to length 1."""
    import numpy as np

    if index is None:
        return {}
    ids = [t.id for t in tracks if t.id is not None and t.id in index]
    if not ids:
        return {}
    matrix = np.asarray(index.vectors(ids), dtype=np.float32)
    matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
    return dict(zip(ids, matrix, strict=True))


def mean_step(ids: Sequence[int | None], vectors: dict[int, Any]) -> float | None:
    """The mean distance between consecutive tracks' unit vectors (steps without both vectors
    left out; None when no step has them)."""
    import numpy as np

    steps = [float(np.linalg.norm(vectors[a] - vectors[b])) for a, b in pairwise(ids)
             if a in vectors and b in vectors]
    return round(sum(steps) / len(steps), 4) if steps else None


def order_tracks(
    tracks: Sequence[Track], order: str, *, vectors: dict[int, Any], pinned: bool = False,
    seed: int | None = None, embedder: QueryEmbedder | None = None, conn: Connection | None = None,
    sonic: SonicNeighbours | None = None,
) -> Ordered:
    """``tracks`` in ``order`` (``pinned``: the first stays first). ``vectors``: unit vectors by
    track id (:func:`unit_vectors`); ``embedder``, ``conn`` and ``sonic`` serve the energy estimate."""
    order = check_order(order)
    head = [0] if pinned and tracks else []
    rest = list(range(len(head), len(tracks)))
    ordering = Ordering(order)
    if order == "curator":
        ordering.signals = ["curator"]
        positions = list(range(len(tracks)))
    elif order == "smooth":
        positions = _smooth(tracks, vectors, pinned, ordering)
    elif order == "shuffle":
        rng = random.Random(seed)
        rng.shuffle(rest)
        positions = _apart(tracks, [*head, *rest], lambda i: _key(tracks[i].artist_id, tracks[i].artist_name),
                           lambda i: _key(tracks[i].album_id, tracks[i].album_title), fixed=len(head))
        ordering.signals = ["random", "artists", "albums"]
    else:
        energy = estimate_energy(tracks, vectors, embedder=embedder, conn=conn, sonic=sonic)
        level = [energy.by_id.get(t.id, 0.5) if t.id is not None else 0.5 for t in tracks]
        rest.sort(key=lambda i: (level[i] if order == "rising" else -level[i], i))
        positions = _apart(tracks, [*head, *rest], lambda i: _key(tracks[i].artist_id, tracks[i].artist_name),
                           None, fixed=len(head))
        ordering.signals, ordering.energy = energy.signals, energy.by_id
    ordering.mean_step = mean_step([tracks[i].id for i in positions], vectors)
    return Ordered(positions, ordering)


def apply_order(made: GeneratedPlaylist, order: str, sources: OrderSources, first: Sequence[int] = ()) -> \
        GeneratedPlaylist:
    """The generator's hook: ``made``'s tracks put in ``order`` (``first``: the seed song that
    leads it, kept first); ``made.ordering`` says how."""
    tracks = [item.track for item in made.tracks]
    vectors = unit_vectors(sources.index, tracks)
    pinned = bool(tracks) and tracks[0].id in set(first)
    done = order_tracks(tracks, order, vectors=vectors, pinned=pinned, embedder=sources.embedder,
                        conn=sources.conn, sonic=sources.sonic)
    made.tracks = [made.tracks[i] for i in done.positions]
    made.ordering = done.ordering
    return made


def _key(identity: int | None, name: str | None) -> Hashable:
    return identity if identity is not None else (name or object())


def _apart(tracks: Sequence[Track], positions: list[int], artist_of: Callable[[int], Hashable],
           album_of: Callable[[int], Hashable] | None, fixed: int = 0) -> list[int]:
    """``positions`` with neighbours of different artists (then albums) where any order allows,
    the first ``fixed`` kept in place: the artists spaced with the least change, then each pair
    of one album moved apart by bringing forward the next track that fits between."""
    head = positions[:fixed]
    spaced = spread_artists(positions[fixed:], artist_of)
    if head and spaced and artist_of(head[-1]) == artist_of(spaced[0]):
        other = next((j for j, i in enumerate(spaced) if artist_of(i) != artist_of(head[-1])), None)
        if other is not None:
            spaced.insert(0, spaced.pop(other))
    out = [*head, *spaced]
    if album_of is None:
        return out
    for n in range(max(1, fixed), len(out)):
        if album_of(out[n]) != album_of(out[n - 1]):
            continue
        for j in range(n + 1, len(out)):
            fits = artist_of(out[j]) != artist_of(out[n - 1]) and album_of(out[j]) != album_of(out[n - 1])
            after = artist_of(out[j]) != artist_of(out[n]) and album_of(out[j]) != album_of(out[n])
            if fits and after:
                out.insert(n, out.pop(j))
                break
    return out


def _smooth(tracks: Sequence[Track], vectors: dict[int, Any], pinned: bool, ordering: Ordering) -> list[int]:
    """The shortest path found: a greedy path from the first track, then 2-opt passes."""
    import numpy as np

    n = len(tracks)
    if n < 3:
        ordering.signals = ["curator"]
        return list(range(n))
    cost, ordering.signals = _distances(tracks, vectors)
    best = _two_opt(_greedy(cost, 0), cost, pinned)
    if not pinned:  # a path from the track farthest from the rest often ends up shorter
        start = int(np.argmax(cost.sum(axis=1)))
        other = _two_opt(_greedy(cost, start), cost, pinned)
        if _length(other, cost) < _length(best, cost) - 1e-9:
            best = other
    return best


def _distances(tracks: Sequence[Track], vectors: dict[int, Any]) -> tuple[Any, list[str]]:
    """The step cost of every pair of tracks: each signal scaled by its mean, weighted, summed (a
    pair missing a signal counts its mean), plus the same-artist penalty; and the signals used."""
    import numpy as np

    n = len(tracks)
    parts: list[tuple[str, float, Any]] = []
    ids = [t.id for t in tracks]
    if any(i in vectors for i in ids):
        dim = next(iter(vectors.values())).shape[0]
        matrix = np.stack([vectors[i] if i in vectors else np.zeros(dim, dtype=np.float32) for i in ids])
        known = np.array([i in vectors for i in ids])
        emb = np.sqrt(np.maximum(0.0, 2.0 - 2.0 * (matrix @ matrix.T)))
        parts.append(("embeddings", 1.0, np.where(np.outer(known, known), emb, np.nan)))
    names = sorted({m for t in tracks for m in t.moods})
    if names and sum(1 for t in tracks if t.moods) > 1:
        column = {m: k for k, m in enumerate(names)}
        tagged = np.zeros((n, len(names)))
        for row, track in enumerate(tracks):
            tagged[row, [column[m] for m in track.moods]] = 1.0
        shared, counts = tagged @ tagged.T, tagged.sum(axis=1)
        union = counts[:, None] + counts[None, :] - shared
        has = np.outer(counts > 0, counts > 0)
        parts.append(("moods", MOOD_WEIGHT, np.where(has, 1.0 - shared / np.maximum(union, 1.0), np.nan)))
    years = np.array([t.year if t.year else np.nan for t in tracks], dtype=float)
    if np.count_nonzero(~np.isnan(years)) > 1 and np.nanmax(years) > np.nanmin(years):
        parts.append(("era", ERA_WEIGHT, np.minimum(1.0, np.abs(years[:, None] - years[None, :]) / ERA_SPAN)))
    cost = np.zeros((n, n))
    used = []
    for name, weight, values in parts:
        mean = float(np.nanmean(values)) if np.any(~np.isnan(values)) else 0.0
        if mean <= 0:
            continue
        cost += weight * np.where(np.isnan(values), mean, values) / mean
        used.append(name)
    artists = [_key(t.artist_id, t.artist_name) for t in tracks]
    same = np.array([[a == b for b in artists] for a in artists])
    cost += SAME_ARTIST * float(cost.mean() or 1.0) * same
    np.fill_diagonal(cost, 0.0)
    return cost, used or ["curator"]


def _greedy(cost: Any, start: int) -> list[int]:
    import numpy as np

    n = cost.shape[0]
    left = np.ones(n, dtype=bool)
    path = [start]
    left[start] = False
    for _ in range(n - 1):
        row = np.where(left, cost[path[-1]], np.inf)
        nxt = int(np.argmin(row))
        path.append(nxt)
        left[nxt] = False
    return path


def _length(path: list[int], cost: Any) -> float:
    return float(sum(cost[a, b] for a, b in pairwise(path)))


def _two_opt(path: list[int], cost: Any, pinned: bool) -> list[int]:
    """Open-path 2-opt: reverse the segment ``i..j`` when that shortens the path (the first
    track stays when ``pinned``); a few passes, each the best reversal from every ``i``."""
    import numpy as np

    n = len(path)
    for _ in range(TWO_OPT_PASSES):
        improved = False
        for i in range(1 if pinned else 0, n - 1):
            p = np.array(path)
            js = np.arange(i + 1, n)
            before = cost[p[i - 1], p[i]] if i > 0 else 0.0
            after_old = np.where(js < n - 1, cost[p[js], p[np.minimum(js + 1, n - 1)]], 0.0)
            new_in = cost[p[i - 1], p[js]] if i > 0 else np.zeros(len(js))
            new_out = np.where(js < n - 1, cost[p[i], p[np.minimum(js + 1, n - 1)]], 0.0)
            delta = new_in + new_out - before - after_old
            k = int(np.argmin(delta))
            if delta[k] < -1e-9:
                j = int(js[k])
                path[i:j + 1] = path[i:j + 1][::-1]
                improved = True
        if not improved:
            break
    return path
