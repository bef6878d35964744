"""Playlist order benchmark on the shared 28k-track library (issue 18): the mean step distance of
each ``--order`` against a random order and the curator's.

Builds the TidyTuesday library (28,352 real tracks) from ../shared/data in the emulator, syncs it
through the library API into a temporary PLEXMIX_HOME and embeds it with the real local ONNX model
(vectors remembered in bench/synced.py's cache: a warm run takes seconds, a cold one about 5
minutes), like bench/radio.py. Then for each of 20 moods it makes a playlist (curator ``none``:
the similarity order, as the curator order without an LLM) and puts the same tracks in every
order, printing the mean step distance (the mean Euclidean distance between consecutive tracks'
unit embedding vectors; lower is smoother) of each, of random orders of the same tracks (the mean
of 50), and the time each order took.

Run: ``.venv/bin/python bench/order.py [--length 30]``. Prints the figures and exits 0.
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

MOODS = (
    "rainy sunday jazz", "upbeat 90s rock", "calm folk evening", "energetic 2010s party", "late night drive",
    "songs for a long drive", "sad songs after a breakup", "workout motivation", "chill electronic study",
    "summer beach party", "romantic dinner", "classic hip hop", "latin dance night", "mellow acoustic morning",
    "heavy guitars", "feel good pop", "dreamy indie", "r&b slow jams", "road trip singalong", "focus without lyrics",
)
ORDERS = ("curator", "smooth", "rising", "wind-down", "shuffle")
RANDOM_ORDERS = 50


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--length", type=int, default=30, help="tracks per playlist")
    args = parser.parse_args()
    with synced_library() as (pm, _lib, _env):
        run(pm, args.length)
    return 0


def run(pm: object, length: int) -> None:
    from plexmix.playlist.generator import PlaylistGenerator
    from plexmix.playlist.ordering import mean_step, order_tracks, unit_vectors
    from plexmix.providers.ai import NoneCurator
    from plexmix.providers.embeddings import get_embedding_provider
    from plexmix.services.create import playlist_request
    from plexmix.services.index import ensure_index

    ctx = pm.context  # type: ignore[attr-defined]
    db = ctx.open_db()
    local = get_embedding_provider("local")
    index = ensure_index(db.conn, ctx.settings.index_path, local.model_id)
    generator = PlaylistGenerator(db.conn, NoneCurator(), index=index, embedder=local)
    rng = random.Random(18)
    steps: dict[str, list[float]] = {name: [] for name in (*ORDERS, "random")}
    times: dict[str, list[float]] = {name: [] for name in ORDERS}
    print(f"\n{'mood':<28}" + "".join(f"{name:>10}" for name in (*ORDERS, "random")))
    for mood in MOODS:
        made = generator.generate(playlist_request(ctx, mood, limit=length))
        tracks = [item.track for item in made.tracks]
        vectors = unit_vectors(index, tracks)
        row = {}
        for name in ORDERS:
            begun = time.perf_counter()
            done = order_tracks(tracks, name, vectors=vectors, seed=18, embedder=local, conn=db.conn)
            times[name].append((time.perf_counter() - begun) * 1000)
            row[name] = done.ordering.mean_step or 0.0
        ids = [t.id for t in tracks]
        row["random"] = statistics.mean(mean_step(rng.sample(ids, len(ids)), vectors) or 0.0
                                        for _ in range(RANDOM_ORDERS))
        for name, value in row.items():
            steps[name].append(value)
        print(f"{mood[:27]:<28}" + "".join(f"{row[name]:>10.3f}" for name in (*ORDERS, "random")))
    mean = {name: statistics.mean(values) for name, values in steps.items()}
    print(f"{'mean':<28}" + "".join(f"{mean[name]:>10.3f}" for name in (*ORDERS, "random")))
    print(f"\nmean step distance of {len(MOODS)} playlists of {length} tracks (lower is smoother):")
    for name in ORDERS:
        print(f"  {name:<10} {mean[name]:.3f}: {mean[name] / mean['random']:.2f} of random, "
              f"{mean[name] / mean['curator']:.2f} of curator; ordering took median "
              f"{statistics.median(times[name]):.1f} ms")
    smoother = sum(s < r for s, r in zip(steps["smooth"], steps["random"], strict=True))
    print(f"smooth below random in {smoother} of {len(MOODS)} playlists, below curator in "
          f"{sum(s < c for s, c in zip(steps['smooth'], steps['curator'], strict=True))}")
    db.close()


if __name__ == "__main__":
    raise SystemExit(main())
