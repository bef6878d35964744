"""Sync benchmark on a 100k-track library built from ../shared/data (real tracks, repeated).

Prints: full sync time; the floor (bare HTTP fetch + XML parse of the same pages); their ratio
(goal <= 2); incremental sync time with 1% of tracks changed and its ratio to the full sync
(goal <= 0.1); requests made; peak RSS. The emulator runs in its own process.
Run: ``.venv/bin/python bench/sync.py [--tracks 100000]``.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tracks", type=int, default=100_000)
    args = parser.parse_args()
    repeat = max(1, -(-args.tracks // ROWS))
    limit = args.tracks // repeat
    print(f"building the library in the emulator process ({limit:,} rows x {repeat}) ...", flush=True)
    emu = EmulatorProcess(limit, repeat)
    info = emu.info
    print(f"library: {info['tracks']:,} tracks, {info['albums']:,} albums, {info['artists']:,} artists")
    try:
        floor_fetch_parse(info["url"], info["token"])  # warm the emulator's listing cache
        floor_s, items = floor_fetch_parse(info["url"], info["token"])
        print(f"floor (bare fetch + XML parse of {items:,} items): {floor_s:.2f} s")
        with tempfile.TemporaryDirectory() as tmp, SQLiteManager(Path(tmp) / "bench.db") as db:
            client = PlexClient(info["url"], info["token"], page_size=1000)
            client.connect()
            client.select_library("Music")
            emu.call("reset_counts")
            start = time.perf_counter()
            report = SyncEngine(client, db).full_sync()
            full_s = time.perf_counter() - start
            full_requests = emu.call("counts")["total"]
            print(f"full sync: {full_s:.2f} s ({report.added:,} tracks, {full_requests} requests); "
                  f"ratio to floor {full_s / floor_s:.2f} (goal <= 2)")
            changed = emu.call("change", 0.01)
            emu.call("reset_counts")
            start = time.perf_counter()
            inc = SyncEngine(client, db).incremental_sync()
            inc_s = time.perf_counter() - start
            inc_requests = emu.call("counts")["total"]
            print(f"incremental sync, {changed:,} tracks (1%) changed: {inc_s:.2f} s "
                  f"({inc.updated:,} updated, {inc_requests} requests); ratio to full {inc_s / full_s:.3f} (goal <= 0.1)")
            emu.call("reset_counts")
            start = time.perf_counter()
            SyncEngine(client, db).incremental_sync()
            print(f"incremental sync, nothing changed: {time.perf_counter() - start:.2f} s "
                  f"({emu.call('counts')['total']} requests)")
            client.close()
    finally:
        emu.stop()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of the syncing process: {rss_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
