"""Web page benchmark on the shared 28k-track library (issue 16): every page answers in < 200 ms.

Builds the TidyTuesday library (28,352 real tracks) from ../shared/data in the emulator, syncs it
through the library API into a temporary PLEXMIX_HOME (no embeddings: the pages only read the
mirror), makes ten playlists offline (curator ``none``), serves the page with uvicorn in this
process and times each page over HTTP (20 requests each after one warm-up; median and slowest).
The work a page starts (a sync, a playlist, the checks) runs in the background and is not timed.

Prints the figures and exits 0. Run: ``.venv/bin/python bench/web.py``.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synced import TIDY, synced_library

MOODS = ["rainy sunday jazz", "energetic workout rock", "chill acoustic evening", "90s hip hop classics",
         "latin dance party", "sad songs for a breakup", "focus music without vocals", "80s synth pop",
         "country road trip", "calm piano evening"]
GOAL_MS = 200
RUNS = 20


def main() -> int:
    if not TIDY.exists():
        print(f"skipped: {TIDY} is missing (the shared data sets)")
        return 0
    with synced_library(embed=False) as (pm, lib, _env):
        from plexmix.web.server import running

        for mood in MOODS:
            pm.create_playlist(mood, limit=50, name=mood.title())
        first = pm.playlists()[0].id
        pages = ["/", "/create", "/playlists", f"/playlists/{first}", "/sync", "/settings", "/static/app.css"]
        slowest = 0.0
        with running(pm) as url, requests.Session() as http:
            for path in pages:
                http.get(url + path, timeout=30).raise_for_status()  # warm-up
                times = []
                for _ in range(RUNS):
                    t0 = time.perf_counter()
                    http.get(url + path, timeout=30).raise_for_status()
                    times.append((time.perf_counter() - t0) * 1000)
                slowest = max(slowest, max(times))
                print(f"{path:<16} median {statistics.median(times):6.1f} ms   slowest {max(times):6.1f} ms")
        goal = "met" if slowest < GOAL_MS else "NOT met"
        print(f"goal: every page in < {GOAL_MS} ms on {len(lib.tracks):,} tracks: {goal} (slowest {slowest:.1f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
