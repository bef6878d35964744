"""`radio` and `journey` benchmark on the shared 28k-track library (issue 14).

Builds the TidyTuesday library (28,352 real tracks) from ../shared/data in the emulator as a
server WITHOUT sonic analysis, syncs it through the library API into a temporary PLEXMIX_HOME and
embeds it with the real local ONNX model (vectors remembered in bench/synced.py's cache, so a
warm run takes seconds; a cold one about 5 minutes). Then, with the database, the index and the
model opened once (start-up, measured apart):

1. radio retrieval time: seed lookup ("Title - Artist") + the generator's ranking (embeddings and
   shared tags fused, diversity; curator ``none``) for a 20-track radio; goal <= 150 ms median;
2. journey time: both songs looked up + a 12-track path through the embeddings; goal <= 150 ms;
3. radio genre share: over many seeds, the share of radio tracks (the seed left out) that carry
   the seed's top genre (its first genre); goal >= 0.8;
4. journey smoothness (mean distance between consecutive tracks' unit vectors) against random
   paths with the same two ends and length (lower is smoother).

Prints the figures and exits 0. Run: ``.venv/bin/python bench/radio.py [--seeds 200] [--pairs 40]``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synced import synced_library

RADIO_LENGTH, JOURNEY_STEPS, RANDOM_PATHS = 20, 12, 10


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=200, help="radio seeds for the genre share")
    parser.add_argument("--pairs", type=int, default=40, help="journeys for time and smoothness")
    args = parser.parse_args()
    with synced_library() as (pm, _lib, _env):
        run(pm, args.seeds, args.pairs)
    return 0


def run(pm: object, seeds: int, pairs: int) -> None:
    import numpy as np

    from plexmix.playlist.generator import PlaylistGenerator
    from plexmix.playlist.journey import JourneyPlanner, smoothness
    from plexmix.playlist.radio import find_song
    from plexmix.providers.ai import NoneCurator
    from plexmix.providers.embeddings import get_embedding_provider
    from plexmix.services.index import ensure_index
    from plexmix.services.radio import radio_request
    from plexmix.storage import library
    from plexmix.storage.queries import TrackFilters

    ctx = pm.context  # type: ignore[attr-defined]
    db = ctx.open_db()
    conn = db.conn
    started = time.perf_counter()
    local = get_embedding_provider("local")
    index = ensure_index(conn, ctx.settings.index_path, local.model_id)
    generator = PlaylistGenerator(conn, NoneCurator(), index=index, embedder=local)
    print(f"start-up (index open and checked, generator built): {(time.perf_counter() - started) * 1000:.0f} ms")

    rng = random.Random(14)
    rows = conn.execute("SELECT t.id FROM tracks t WHERE EXISTS (SELECT 1 FROM track_genres g WHERE g.track_id = t.id)")
    ids = [r[0] for r in rows]
    tracks = {t.id: t for t in library.get_tracks(conn, rng.sample(ids, seeds + 2 * pairs))}
    picked = list(tracks.values())

    def song(t: object) -> str:
        return f"{t.title} - {t.artist_name}"  # type: ignore[attr-defined]

    radio_ms, shares = [], []
    for seed_track in picked[:seeds]:
        begun = time.perf_counter()
        seed = find_song(conn, song(seed_track))
        made = generator.generate(radio_request(ctx, seed, limit=RADIO_LENGTH))
        radio_ms.append((time.perf_counter() - begun) * 1000)
        top = seed_track.genres[0]
        rest = [item.track for item in made.tracks if item.track.id not in seed.track_ids]
        shares.append(sum(top in t.genres for t in rest) / max(1, len(rest)))
    print(f"radio retrieval ({RADIO_LENGTH} tracks, seed lookup + ranking, curator none), n={len(radio_ms)}: "
          f"median {statistics.median(radio_ms):.1f} ms, p95 {percentile(radio_ms, 0.95):.1f} ms "
          f"(goal <= 150 ms: {'met' if statistics.median(radio_ms) <= 150 else 'MISSED'})")
    share = statistics.mean(shares)
    print(f"radio tracks sharing the seed's top genre, without sonic analysis: {share:.3f} "
          f"(min {min(shares):.2f}; goal >= 0.8: {'met' if share >= 0.8 else 'MISSED'})")

    planner = JourneyPlanner(conn, index)
    journey_ms, ours, randoms = [], [], []
    pool = [int(i) for i in index.ids()]
    ends = picked[seeds:]
    for a, b in zip(ends[::2], ends[1::2], strict=False):
        begun = time.perf_counter()
        start, end = find_song(conn, song(a)), find_song(conn, song(b))
        first, last = library.get_tracks(conn, [start.track_ids[0], end.track_ids[0]])
        path = planner.path(first, last, JOURNEY_STEPS, TrackFilters(), max_per_artist=3, max_per_album=2)
        journey_ms.append((time.perf_counter() - begun) * 1000)
        ours.append(smoothness(index, path.track_ids) or 0.0)
        middle = len(path.track_ids) - 2
        randoms.append(float(np.mean([
            smoothness(index, [path.track_ids[0], *rng.sample(pool, middle), path.track_ids[-1]]) or 0.0
            for _ in range(RANDOM_PATHS)
        ])))
    print(f"journey ({JOURNEY_STEPS} tracks through the embeddings, both songs looked up), n={len(journey_ms)}: "
          f"median {statistics.median(journey_ms):.1f} ms, p95 {percentile(journey_ms, 0.95):.1f} ms "
          f"(goal <= 150 ms: {'met' if statistics.median(journey_ms) <= 150 else 'MISSED'})")
    mean_ours, mean_random = statistics.mean(ours), statistics.mean(randoms)
    print(f"journey smoothness (mean step distance, lower is smoother): {mean_ours:.3f} vs {mean_random:.3f} for "
          f"random paths with the same ends ({mean_ours / mean_random:.2f} of random; smoother in "
          f"{sum(o < r for o, r in zip(ours, randoms, strict=True))} of {len(ours)} pairs)")
    db.close()


if __name__ == "__main__":
    raise SystemExit(main())
