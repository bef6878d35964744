"""Run the Plex emulator in a child process (its own core and GIL), controlled through a pipe.

Used by the benchmarks so that serving XML does not share a GIL with the code being measured.
"""

from __future__ import annotations

import multiprocessing as mp
import random
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
TIDY = SHARED_DATA / "tidytuesday_spotify_songs.csv.gz"


def _serve(conn: Connection, limit: int, repeat: int, synthetic: int | None = None) -> None:
    from plexmix.devserver.csv_loader import DEFAULT_NOW, load_library
    from plexmix.devserver.library import ManualClock
    from plexmix.devserver.server import PlexEmulator

    clock = ManualClock(DEFAULT_NOW + 86400)
    if synthetic:  # derived from the bundled tracks, stored compactly (devserver/synthetic.py)
        from plexmix.devserver.synthetic import build_synthetic

        library = build_synthetic(synthetic, clock=clock)
    else:
        library = load_library(TIDY, limit=limit, repeat=repeat, track_genres=True, clock=clock)
    changes = 0
    with PlexEmulator(library, token="bench-token") as emu:
        conn.send({"url": emu.url, "token": emu.token, "tracks": len(library.tracks),
                   "albums": len(library.albums), "artists": len(library.artists)})
        while True:
            command, arg = conn.recv()
            if command == "stop":
                break
            if command == "reset_counts":
                emu.reset_counts()
                conn.send(None)
            elif command == "counts":
                conn.send({"total": emu.total_requests, "by_endpoint": dict(emu.request_counts)})
            elif command == "change":  # a different sample of tracks each time
                clock.advance(3600)
                changes += 1
                rng = random.Random(7 * changes)
                keys = rng.sample(sorted(library.tracks), int(len(library.tracks) * arg))
                for key in keys:
                    library.update_track(key, title=library.tracks[key].title + " (remastered)")
                clock.advance(1)  # time goes on before the next sync: its watermark is after these
                conn.send(len(keys))


class EmulatorProcess:
    def __init__(self, limit: int, repeat: int, synthetic: int | None = None) -> None:
        ctx = mp.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_serve, args=(child, limit, repeat, synthetic), daemon=True)
        self._proc.start()
        self.pid = self._proc.pid
        self.info: dict[str, Any] = self._conn.recv()

    def call(self, command: str, arg: Any = None) -> Any:
        self._conn.send((command, arg))
        return self._conn.recv()

    def stop(self) -> None:
        self._conn.send(("stop", None))
        self._proc.join(timeout=10)
