"""Embedding and vector-search benchmark on real track metadata from ../shared/data.

Prints:
  * local embedding (int8 ONNX MiniLM) throughput through PlexMix (``refresh_embeddings`` into a
    temp database: SQL, texts, model, BLOB upserts, FAISS index build and save) versus the raw
    model (same tokenizer + session on the same texts, no database), and their ratio (goal >= 0.9);
  * the time of a second run, which embeds nothing;
  * search latency (median of 50 queries, k=50) over 100k random normalised vectors at 384 and
    3072 dimensions, unfiltered and with a 5% allowed-id filter (plus a 200-id filter, which
    takes the direct-scoring path);
  * index save/load time at 100k x 384.

The model costs ~21 MFLOP per token (its int8 weights run as fp32 MatMuls on CPUs without VNNI)
and a track text is ~50-65 tokens, so embedding runs at roughly 40-150 tracks/s on 2 cores; the
default therefore embeds an evenly spread sample of the 28k-track library (``--tracks``; 0 = all)
and extrapolates. The library grows in 4 slices, each embedded by PlexMix and by the raw model in
alternating order, so that load changes on a shared machine hit both sides alike.
Run: ``.venv/bin/python bench/embeddings.py [--tracks 2000] [--quick]``.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from plexmix.providers.embeddings.local_onnx import LocalOnnxProvider
from plexmix.services.embed import refresh_embeddings
from plexmix.storage.embedding_store import pending_tracks
from plexmix.storage.sqlite_manager import SQLiteManager
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


def raw_embed(provider: LocalOnnxProvider, texts: list[str], batch_size: int) -> tuple[float, float]:
    """(wall, CPU) seconds for tokenizer + session + pooling + normalisation on ``texts``."""
    runner = provider.runner
    wall, cpu = time.perf_counter(), time.process_time()
    ordered = sorted(texts, key=len)
    for i in range(0, len(ordered), batch_size):
        vectors = runner.encode(ordered[i : i + batch_size])
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return time.perf_counter() - wall, time.process_time() - cpu


def bench_embedding(n_tracks: int, tmp: Path, rounds: int = 4) -> None:
    rows = read_rows(n_tracks)
    db = SQLiteManager(tmp / "bench.db")
    provider = LocalOnnxProvider()
    t = time.perf_counter()
    provider.warm_up()
    print(f"model: {provider.model_id}, {provider.threads} threads, batch {provider.batch_size}, "
          f"loaded in {time.perf_counter() - t:.2f}s")
    index_path = tmp / "embeddings.index"
    ours_wall = ours_cpu = raw_wall = raw_cpu = 0.0
    embedded = 0
    all_texts: list[str] = []
    # The library grows in slices; each slice is embedded by PlexMix and by the raw model,
    # alternating which goes first, so load changes on a shared machine hit both alike.
    for r in range(rounds):
        part = rows[r * len(rows) // rounds : (r + 1) * len(rows) // rounds]
        build_library(db, part, offset=r * len(rows))
        texts = [p.text for p in pending_tracks(db.conn, provider.model_id)]
        all_texts += texts
        steps = ["raw", "ours"] if r % 2 == 0 else ["ours", "raw"]
        for step in steps:
            if step == "raw":
                wall, cpu = raw_embed(provider, texts, provider.batch_size)
                raw_wall, raw_cpu = raw_wall + wall, raw_cpu + cpu
            else:
                cpu = time.process_time()
                report = refresh_embeddings(db.conn, provider, index_path)
                ours_cpu += time.process_time() - cpu
                ours_wall += report.seconds
                embedded += report.embedded
                assert report.embedded == len(texts) and report.failed == 0, report
    tokens = sum(len(e.ids) for e in provider.runner.tokenizer.encode_batch(all_texts[:2000]))
    print(f"library: {len(rows):,} tracks from {CSV_PATH.name}; texts: mean "
          f"{np.mean([len(x) for x in all_texts]):.0f} chars, ~{tokens / min(len(all_texts), 2000):.0f}"
          f" tokens, e.g. {all_texts[len(all_texts) // 2]!r}")
    ours, raw = embedded / ours_wall, embedded / raw_wall
    print(f"plexmix refresh_embeddings: {embedded:,} tracks in {ours_wall:.1f}s = {ours:,.1f} tracks/s "
          f"(in {rounds} syncs: SQL, texts, model, upserts, index update + save)")
    print(f"raw model (same tokenizer + session, no DB): {raw:,.1f} tracks/s")
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
    parser.add_argument("--quick", action="store_true", help="smoke run: 1,000 tracks, 20k vectors")
    args = parser.parse_args()
    if args.quick:
        args.tracks, args.vectors = 1000, 20_000
    if not CSV_PATH.is_file():
        print(f"missing {CSV_PATH}", file=sys.stderr)
        return 1
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="plexmix-bench-") as name:
        tmp = Path(name)
        bench_embedding(args.tracks, tmp)
        bench_search(args.vectors, 384, tmp)
        bench_search(args.vectors, 3072, None)
    print(f"total {time.perf_counter() - started:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
