"""Wall time of offline `plexmix search` and `plexmix create` on the 28k-track library.

Builds the library from ../shared/data in the emulator (its own process), syncs it into a temp
PLEXMIX_HOME, stores one 384-dim vector per track under the local ONNX model's id (random unit
vectors: the query still goes through the real ONNX MiniLM, and search cost does not depend on
the stored values), then runs the installed `plexmix` as a user would, process start included.
Goal: <= 2 s each. Run: ``.venv/bin/python bench/cli_wall.py [--tracks 28352] [--runs 5]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from emulator_process import EmulatorProcess

from plexmix.plex.client import PlexClient
from plexmix.services.embed import ensure_index
from plexmix.services.sync import SyncEngine
from plexmix.storage.embedding_store import save_embeddings
from plexmix.storage.sqlite_manager import SQLiteManager

MODEL_ID = "local:all-MiniLM-L6-v2-onnx-int8:384"


def timed(cmd: list[str], env: dict[str, str], runs: int) -> tuple[float, float, str]:
    samples, out = [], ""
    for _ in range(runs):
        start = time.perf_counter()
        result = subprocess.run(cmd, env=env, capture_output=True, text=True)
        samples.append(time.perf_counter() - start)
        if result.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed: {result.stderr[-500:]}")
        out = result.stdout
    return statistics.median(samples), min(samples), out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tracks", type=int, default=28_352)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    emu = EmulatorProcess(args.tracks, 1)
    info = emu.info
    exe = str(Path(sys.executable).with_name("plexmix"))
    try:
        with tempfile.TemporaryDirectory() as home:
            db_path = Path(home) / "plexmix.db"
            with SQLiteManager(db_path) as db, PlexClient(info["url"], info["token"]) as client:
                client.connect()
                client.select_library("Music")
                start = time.perf_counter()
                SyncEngine(client, db).full_sync()
                print(f"synced {info['tracks']:,} tracks in {time.perf_counter() - start:.1f} s")
                ids = [r[0] for r in db.conn.execute("SELECT id FROM tracks")]
                rng = np.random.default_rng(0)
                vectors = rng.standard_normal((len(ids), 384)).astype(np.float32)
                vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
                save_embeddings(db.conn, [(tid, MODEL_ID, f"h{tid}", vec) for tid, vec in zip(ids, vectors, strict=True)])
                ensure_index(db.conn, Path(home) / "embeddings.index", MODEL_ID)
            env = {**os.environ, "PLEXMIX_HOME": home, "DEFAULT_EMBEDDING_PROVIDER": "local",
                   "DEFAULT_AI_PROVIDER": "none", "PLEX_URL": info["url"], "PLEX_TOKEN": info["token"]}
            for var in ("GOOGLE_API_KEY", "OPENAI_API_KEY", "ANTHROPIC_API_KEY"):
                env.pop(var, None)
            median, best, _ = timed([exe, "--help"], env, args.runs)
            print(f"plexmix --help: median {median:.2f} s, best {best:.2f} s")
            median, best, _ = timed([exe, "search", "rainy sunday jazz", "--limit", "20"], env, args.runs)
            print(f"plexmix search (28k library, offline): median {median:.2f} s, best {best:.2f} s (goal <= 2 s)")
            median, best, _ = timed([exe, "create", "rainy sunday jazz", "--limit", "50", "--no-plex",
                                     "--provider", "none", "--json"], env, args.runs)
            print(f"plexmix create --no-plex (offline): median {median:.2f} s, best {best:.2f} s (goal <= 2 s)")
            median, best, _ = timed([exe, "create", "rainy sunday jazz", "--limit", "50", "--replace",
                                     "--name", "bench", "--provider", "none", "--json"], env, args.runs)
            print(f"plexmix create, written to Plex (emulator): median {median:.2f} s, best {best:.2f} s")
    finally:
        emu.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
