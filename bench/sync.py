"""Sync benchmark on a library built from ../shared/data (real tracks, repeated past 28,352).

Prints, in one run against an emulator in its own process:

* the floor: bare HTTP fetch + XML parse of the same artist/album/track pages, nothing else;
* the full sync (in process) and its ratio to the floor (goal <= 1.5);
* ``plexmix sync incremental`` as a new process (start-up included, with a bytecode cache as an
  installed package has; a first untimed run fills it) after the full sync with nothing changed
  (goal <= 0.1 of the full sync), and after 1% of the tracks changed (goal <= 0.15); the
  requests each made and the tracks each fetched;
* the peak RSS of the syncing process.

``--profile`` runs the full sync under cProfile (main thread: the background page fetches show
as waits) and prints the top functions. ``--repeat N`` repeats the floor, the full sync and
each incremental case N times (a different 1% of the tracks changed each time) and prints the
best of each with every run's figure (the machine is shared).
Run: ``.venv/bin/python bench/sync.py [--tracks 28352] [--profile] [--repeat 2]``.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import resource
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from emulator_process import EmulatorProcess

from plexmix.plex.client import PlexClient
from plexmix.services.sync import SyncEngine
from plexmix.storage.sqlite_manager import SQLiteManager

ROWS = 28_352


def floor_fetch_parse(url: str, token: str, page: int = 1000) -> tuple[float, int]:
    """Fetch every artist/album/track page and parse the XML, doing nothing else."""
    session = requests.Session()
    session.headers["X-Plex-Token"] = token
    start, items = time.perf_counter(), 0
    for type_id in (8, 9, 10):
        offset, total = 0, 1
        while offset < total:
            r = session.get(f"{url}/library/sections/1/all", params={"type": type_id},
                            headers={"X-Plex-Container-Start": str(offset), "X-Plex-Container-Size": str(page)})
            root = ET.fromstring(r.content)
            total = int(root.get("totalSize") or 0)
            size = int(root.get("size") or 0)
            items += size
            offset += size
            if size == 0:
                break
    return time.perf_counter() - start, items


def full_sync(url: str, token: str, db_path: Path, profile: bool) -> tuple[float, int]:
    """One full sync into ``db_path`` (a fresh file); its wall time and the tracks added."""
    with SQLiteManager(db_path) as db, PlexClient(url, token, page_size=1000) as client:
        client.connect()
        client.select_library("Music")
        profiler = cProfile.Profile() if profile else None
        start = time.perf_counter()
        if profiler is not None:
            profiler.enable()
        report = SyncEngine(client, db).full_sync()
        if profiler is not None:
            profiler.disable()
        elapsed = time.perf_counter() - start
    if profiler is not None:
        stats = pstats.Stats(profiler).strip_dirs()
        print("\n-- profile of the full sync, by own time --")
        stats.sort_stats("tottime").print_stats(25)
        print("-- by cumulative time --")
        stats.sort_stats("cumulative").print_stats(25)
    return elapsed, report.added


def installed_env(tmp: Path) -> dict[str, str]:
    """The environment of a new ``plexmix`` process that may cache bytecode, as an installed
    package has it: the cache goes under ``tmp`` (never into the source tree), even where
    PYTHONDONTWRITEBYTECODE is set (this machine's shells set it). A first, untimed run fills it."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
    return env


def cli_incremental(url: str, token: str, db_path: Path) -> tuple[float, dict[str, object]]:
    """``plexmix sync incremental`` in a new process: wall time (start-up included) and its report."""
    env = {**installed_env(db_path.parent), "PLEX_URL": url, "PLEX_TOKEN": token,
           "DATABASE_PATH": str(db_path), "PLEXMIX_HOME": str(db_path.parent / "home")}
    start = time.perf_counter()
    done = subprocess.run(
        [str(Path(sys.executable).with_name("plexmix")), "sync", "incremental", "--no-embeddings", "--json"],
        env=env, capture_output=True, text=True, check=False,
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"plexmix sync incremental failed ({done.returncode}):\n{done.stderr[-2000:]}")
    text = done.stdout
    return elapsed, json.loads(text[text.index("{"):])


def _requests(emu: EmulatorProcess) -> str:
    counts = emu.call("counts")
    pages = sum(n for k, n in counts["by_endpoint"].items() if k.endswith("/all"))
    return f"{counts['total']} requests, {pages} listings"


@dataclass
class Incremental:
    """The fastest of a few incremental syncs (new processes), with every run's time."""

    seconds: float
    report: dict[str, Any]
    requests: str
    changed: int
    times: list[float]

    @property
    def summary(self) -> str:
        every = ", ".join(f"{t:.2f}" for t in self.times)
        return (f"{self.seconds:.2f} s (best of {len(self.times)}: {every}), "
                f"{self.report['tracks_seen']:,} tracks fetched ({self.requests})")


def best_incremental(
    emu: EmulatorProcess, url: str, token: str, db_path: Path, repeat: int, change: float = 0.0
) -> Incremental:
    """``repeat`` incremental syncs, each after ``change`` of the tracks changed (a different
    sample each time; 0: nothing changed); the fastest, as for the full sync."""
    runs = []
    for _ in range(max(1, repeat)):
        changed = emu.call("change", change) if change else 0
        emu.call("reset_counts")
        seconds, report = cli_incremental(url, token, db_path)
        runs.append(Incremental(seconds, report, _requests(emu), changed, []))
    best = min(runs, key=lambda run: run.seconds)
    best.times = [run.seconds for run in runs]
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tracks", type=int, default=100_000)
    parser.add_argument("--profile", action="store_true", help="profile the full sync (cProfile)")
    parser.add_argument("--repeat", type=int, default=1, help="best of N floors, full syncs and incremental syncs")
    args = parser.parse_args()
    repeat = max(1, -(-args.tracks // ROWS))
    limit = args.tracks // repeat
    print(f"building the library in the emulator process ({limit:,} rows x {repeat}) ...", flush=True)
    emu = EmulatorProcess(limit, repeat)
    info = emu.info
    url, token = info["url"], info["token"]
    print(f"library: {info['tracks']:,} tracks, {info['albums']:,} albums, {info['artists']:,} artists")
    try:
        floor_fetch_parse(url, token)  # warm the emulator's listing cache
        with tempfile.TemporaryDirectory() as tmp:
            floors, fulls = [], []
            for run in range(max(1, args.repeat)):  # interleaved: the machine is shared
                floors.append(floor_fetch_parse(url, token)[0])
                db_path = Path(tmp) / f"bench{run}.db"
                emu.call("reset_counts")
                full_s, added = full_sync(url, token, db_path, args.profile and run == 0)
                fulls.append(full_s)
                print(f"run {run + 1}: floor {floors[-1]:.2f} s, full sync {full_s:.2f} s "
                      f"({added:,} tracks, {_requests(emu)})", flush=True)
            floor_s, full_s = min(floors), min(fulls)
            print(f"floor (bare fetch + XML parse): {floor_s:.2f} s")
            print(f"full sync: {full_s:.2f} s; ratio to floor {full_s / floor_s:.2f} (goal <= 1.5)")

            cli_incremental(url, token, db_path)  # untimed: fills the bytecode cache
            best = best_incremental(emu, url, token, db_path, args.repeat)
            print(f"incremental (new process), nothing changed: {best.summary}; "
                  f"ratio to full {best.seconds / full_s:.3f} (goal <= 0.1)")
            best = best_incremental(emu, url, token, db_path, args.repeat, change=0.01)
            print(f"incremental (new process), {best.changed:,} tracks (1%) changed: {best.summary}, "
                  f"{best.report['updated']:,} updated; ratio to full {best.seconds / full_s:.3f} (goal <= 0.15)")
    finally:
        emu.stop()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of the syncing process: {rss_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
