"""Scale benchmark: a full sync, `search` and `create` retrieval on 100k or 1M synthetic tracks.

The emulator (its own process, bench/emulator_process.py) serves ``--tracks`` tracks derived from
the bundled real ones (plexmix.devserver.synthetic). This process then:

1. runs a full sync into a fresh database (plexmix.services.sync.SyncEngine) and records its time
   and the peak memory (VmHWM) of both processes;
   then stores the common tags' carriers as ``plexmix sync`` does at its end;
2. writes one vector per track through the storage layer (embedding_store.save_embeddings) and
   builds the FAISS index (plexmix.storage.vector_index), in chunks. The vectors are SYNTHETIC:
   the real local MiniLM vector of the track's base text (its text without the copy suffixes,
   ~2,000 distinct texts, embedded once and cached in /tmp) plus deterministic noise (cosine
   ~0.8 to it), so that copies of a song are neighbours like similar songs are. Running the
   model on a million texts would take hours on this machine; the mood queries do use it;
3. measures recall@50 of the approximate index against the exact one (on mood queries);
4. runs `search` and `create` retrieval (plan_playlist: filters, FTS5, FAISS, fusion; curator
   ``none``) through the library API (plexmix.PlexMix), first call and warm calls.

Goals (issue 12): 1M full sync < 15 min and < 4 GB peak; create retrieval <= 300 ms; search <= 500 ms.
Run: ``.venv/bin/python bench/scale.py --tracks 100000`` (then ``--tracks 1000000``).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from embed_cache import CachedLocalEmbedder
from emulator_process import EmulatorProcess

from plexmix.config.embedding_models import DEFAULT_MODELS, make_model_id
from plexmix.storage import tag_carriers
from plexmix.storage import vector_index as vi
from plexmix.storage.embedding_store import content_checksum, iter_track_texts, save_embeddings
from plexmix.storage.sqlite_manager import SQLiteManager

CACHE = Path(tempfile.gettempdir()) / "plexmix-bench-cache" / "minilm-scale-base.npz"
MODEL_ID = make_model_id("local", DEFAULT_MODELS["local"], 384)
CHUNK = 20_000
NOISE = 0.8  # norm of the noise added to a base vector (unit): cosine ~0.8 to it
_SUFFIX = re.compile(r" \(\d+\)")
MOODS = [
    "rainy sunday morning", "late night drive through the city", "calm evening by the sea",
    "energetic workout motivation", "melancholy autumn walk", "focus while studying",
    "summer barbecue party", "heartbreak and healing", "90s rock", "highly rated pop",
    "jazz for a rainy night", "latin party", "edm from 2019", "r&b slow jams",
]
SEARCHES = ["love", "night drive", "queen", "summer", "dance remix", "acoustic guitar", "rain", "party"]


def peak_mb(pid: int | str = "self") -> tuple[float, float]:
    """(peak RSS, current RSS) of a process in MB, from /proc."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        fields[name] = value.strip()
    return int(fields["VmHWM"].split()[0]) / 1024, int(fields["VmRSS"].split()[0]) / 1024


def full_sync(info: dict[str, object], db_path: Path) -> float:
    from plexmix.plex.client import PlexClient
    from plexmix.services.sync import SyncEngine

    with SQLiteManager(db_path) as db:
        client = PlexClient(str(info["url"]), str(info["token"]), page_size=1000)
        client.connect()
        client.select_library("Music")
        started = time.perf_counter()
        report = SyncEngine(client, db).full_sync()
        seconds = time.perf_counter() - started
        client.close()
    print(f"full sync: {seconds:.1f} s ({report.added:,} tracks added)", flush=True)
    return seconds


def write_vectors(db_path: Path, index_path: Path) -> None:
    """Synthetic vectors (see the module doc) stored and indexed a chunk at a time."""
    embedder = CachedLocalEmbedder(CACHE)
    base: dict[str, np.ndarray] = {}
    index = vi.VectorIndex(384, MODEL_ID)
    started = time.perf_counter()
    stored = 0
    with SQLiteManager(db_path) as db:
        rows = iter_track_texts(db.conn)
        while True:
            chunk = [next(rows, None) for _ in range(CHUNK)]
            chunk = [r for r in chunk if r is not None]
            if not chunk:
                break
            bases = [_SUFFIX.sub("", text) for _, text, _, _, _ in chunk]
            missing = sorted({b for b in bases if b not in base})
            if missing:
                for text, vector in zip(missing, embedder.embed_documents(missing), strict=True):
                    base[text] = vector
            rng = np.random.default_rng(chunk[0][0])
            matrix = np.stack([base[b] for b in bases]).astype(np.float32)
            noise = rng.standard_normal(matrix.shape, dtype=np.float32) * (NOISE / np.sqrt(384))
            matrix += noise
            matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
            ids = np.array([r[0] for r in chunk], dtype=np.int64)
            save_embeddings(db.conn, [(int(i), MODEL_ID, r[2], v) for i, r, v in zip(ids, chunk, matrix, strict=True)])
            index.add(ids, matrix)
            stored += len(chunk)
        embedder.save()
        written = time.perf_counter() - started
        index.source_checksum = content_checksum(db.conn, MODEL_ID)
    started = time.perf_counter()
    index.save(index_path)  # builds the approximate companion past vi.APPROXIMATE_FROM
    approx = index.approximate
    print(f"vectors: {stored:,} synthetic vectors ({len(base):,} base texts through the real local model) "
          f"stored and added to the index in {written:.1f} s; index built and saved in "
          f"{time.perf_counter() - started:.1f} s ({'approximate: ' + str(approx.describe()) if approx else 'exact only'})",
          flush=True)


def recall(index_path: Path, queries: np.ndarray) -> None:
    index = vi.VectorIndex.load(index_path)
    forced = index.approximate is None
    if forced:  # below the threshold: measure the approximate index anyway
        threshold, vi.APPROXIMATE_FROM = vi.APPROXIMATE_FROM, 0
        started = time.perf_counter()
        index.approximate  # noqa: B018 - builds it
        print(f"  (below {threshold:,} vectors the index stays exact; approximate built for the measurement "
              f"in {time.perf_counter() - started:.1f} s)")
    value = index.recall(queries, 50)
    times = []
    for query in queries:
        started = time.perf_counter()
        index.search(query, 50)
        times.append((time.perf_counter() - started) * 1000)
    exact = []
    for query in queries:
        started = time.perf_counter()
        index.search_exact(query, 50)
        exact.append((time.perf_counter() - started) * 1000)
    print(f"recall@50 approximate vs exact on {len(queries)} mood queries: {value:.3f} (goal >= 0.95); "
          f"search median {statistics.median(times):.1f} ms approximate, {statistics.median(exact):.1f} ms exact")
    if forced:
        vi.APPROXIMATE_FROM = threshold


def timed(call: object, args: list[str]) -> list[float]:
    out = []
    for arg in args:
        started = time.perf_counter()
        call(arg)  # type: ignore[operator]
        out.append((time.perf_counter() - started) * 1000)
    return out


def warm_retrieval(pm: object, home: Path) -> None:
    """`search` and `create` retrieval with the index and model opened once, as a long-lived
    process (web page, MCP server) would hold them: what the API costs beyond opening them."""
    from plexmix.playlist.generator import PlaylistGenerator
    from plexmix.playlist.retrieval import retrieve
    from plexmix.providers.ai import NoneCurator
    from plexmix.providers.embeddings import get_embedding_provider
    from plexmix.services.create import playlist_request
    from plexmix.services.embed import ensure_index
    from plexmix.storage.queries import TrackFilters

    ctx = pm.context  # type: ignore[attr-defined]
    with SQLiteManager(home / "plexmix.db") as db:
        started = time.perf_counter()
        index = ensure_index(db.conn, home / "embeddings.index", MODEL_ID)
        opened = time.perf_counter() - started
        embedder = get_embedding_provider("local")
        embedder.embed_query("warm up")
        search_ms = timed(lambda q: retrieve(db.conn, q, TrackFilters(), 20, index=index, embedder=embedder),
                          SEARCHES)
        generator = PlaylistGenerator(db.conn, NoneCurator(), index=index, embedder=embedder)

        def create(mood: str) -> None:
            request = playlist_request(ctx, mood)
            generator.candidates(request, generator.resolve(request, call_planner=False))

        create_ms = timed(create, MOODS)
    print(f"with the index open ({opened:.1f} s to open and verify it once): search retrieval median "
          f"{statistics.median(search_ms):.0f} ms, max {max(search_ms):.0f} ms; create retrieval median "
          f"{statistics.median(create_ms):.0f} ms, max {max(create_ms):.0f} ms", flush=True)


def build(home: Path, tracks: int) -> None:
    started = time.perf_counter()
    emu = EmulatorProcess(0, 1, synthetic=tracks)
    info = emu.info
    print(f"emulator: {info['tracks']:,} tracks, {info['albums']:,} albums, {info['artists']:,} artists "
          f"(started in {time.perf_counter() - started:.1f} s; RSS {peak_mb(emu.pid)[1]:.0f} MB)", flush=True)
    try:
        sync_s = full_sync(info, home / "plexmix.db")
        emu_peak = peak_mb(emu.pid)[0]
    finally:
        emu.stop()
    sync_peak = peak_mb()[0]
    minutes = sync_s / 60
    print(f"  peak RSS during the sync: plexmix {sync_peak:.0f} MB, emulator {emu_peak:.0f} MB; "
          f"goal at 1M: < 15 min ({minutes:.1f} min) and < 4,096 MB", flush=True)
    started = time.perf_counter()
    with SQLiteManager(home / "plexmix.db") as db:  # what `plexmix sync` does at its end
        stored = tag_carriers.refresh(db.conn)
    print(f"  tag carriers: {stored} common tags stored in {time.perf_counter() - started:.1f} s "
          "(`plexmix sync` does it after the mirror, as the embeddings)", flush=True)
    write_vectors(home / "plexmix.db", home / "embeddings.index")
    print(f"  peak RSS so far (plexmix process): {peak_mb()[0]:.0f} MB", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tracks", type=int, default=100_000)
    parser.add_argument("--home", type=Path, default=None,
                        help="keep the data here; reuse it (skip sync and vectors) when it exists")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="plexmix-scale-") as tmp:
        home = args.home or Path(tmp)
        home.mkdir(parents=True, exist_ok=True)
        os.environ["PLEXMIX_HOME"] = str(home)
        if not (home / "embeddings.index").exists():
            build(home, args.tracks)
        else:
            print(f"reusing {home}", flush=True)
        from plexmix import PlexMix

        pm = PlexMix.open(settings={"embeddings.provider": "local", "ai.provider": "none"})
        started = time.perf_counter()
        pm.search(SEARCHES[0])
        first_search = (time.perf_counter() - started) * 1000
        search_ms = timed(pm.search, SEARCHES)
        started = time.perf_counter()
        pm.plan_playlist(MOODS[0], provider="none")
        first_create = (time.perf_counter() - started) * 1000
        create_ms = timed(lambda mood: pm.plan_playlist(mood, provider="none"), MOODS)
        print("through the library API (each call opens the database and the index and verifies it):")
        print(f"search: first call {first_search:.0f} ms (also loads the model); then median "
              f"{statistics.median(search_ms):.0f} ms, max {max(search_ms):.0f} ms (goal <= 500 ms)")
        print(f"create retrieval (plan_playlist, curator none): first call {first_create:.0f} ms; then median "
              f"{statistics.median(create_ms):.0f} ms, max {max(create_ms):.0f} ms (goal <= 300 ms)", flush=True)

        warm_retrieval(pm, home)

        from plexmix.providers.embeddings import get_embedding_provider

        local = get_embedding_provider("local")
        queries = np.stack([local.embed_query(mood) for mood in MOODS])
        recall(home / "embeddings.index", np.asarray(queries, dtype=np.float32))
        print(f"peak RSS of the plexmix process over the whole run: {peak_mb()[0]:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
