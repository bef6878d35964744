"""Start-up and bulk-insert figures.

Prints the wall time of ``plexmix --help`` (goal <= 0.25 s, issue 12) and of inserting 100,000 tracks with
genres, moods and styles in batches of 1,000 (one transaction each) into a fresh database.
Run: ``.venv/bin/python bench/startup.py [--tracks N]``.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from plexmix.storage import library
from plexmix.storage.models import Album, Artist, Track
from plexmix.storage.sqlite_manager import SQLiteManager

GENRES = ["rock", "pop", "jazz", "edm", "r&b", "latin", "rap", "ambient", "classical", "folk"]
MOODS = ["melancholy", "energetic", "mellow", "cheerful", "brooding", "party"]


def time_help(runs: int = 7) -> float:
    exe = shutil.which("plexmix") or str(Path(sys.executable).with_name("plexmix"))
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([exe, "--help"], check=True, capture_output=True)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def time_inserts(n_tracks: int, batch: int = 1000) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        db = SQLiteManager(Path(tmp) / "bench.db")
        n_artists, n_albums = max(1, n_tracks // 50), max(1, n_tracks // 10)
        with db.transaction() as tx:
            library.upsert_artists(tx, [Artist(plex_key=f"a{i}", name=f"Artist {i}") for i in range(n_artists)])
            artists = library.key_map(tx, "artists")
            library.upsert_albums(
                tx,
                [Album(plex_key=f"b{i}", title=f"Album {i}", artist_key=f"a{i % n_artists}") for i in range(n_albums)],
                artists,
            )
            albums = library.key_map(tx, "albums")
        tags = library.TagCache(db.conn)
        start = time.perf_counter()
        for first in range(0, n_tracks, batch):
            rows = [
                Track(
                    plex_key=f"t{i}", title=f"Song number {i}", artist_key=f"a{i % n_artists}",
                    album_key=f"b{i % n_albums}", artist_id=None, album_id=None, track_number=i % 12 + 1,
                    disc_number=1, duration_ms=200_000, year=1960 + i % 60, rating=float(i % 11),
                    play_count=i % 7, last_played=None, file_path=f"/music/{i}.flac", added_at=i,
                    updated_at=i, genres=[GENRES[i % 10], GENRES[(i * 7) % 10]], moods=[MOODS[i % 6]],
                    styles=[f"style {i % 30}"],
                )
                for i in range(first, min(first + batch, n_tracks))
            ]
            with db.transaction() as tx:
                library.upsert_tracks(tx, rows, artists, albums, tags)
        elapsed = time.perf_counter() - start
        # A second pass over the same rows: nothing changed, nothing written.
        start = time.perf_counter()
        for first in range(0, n_tracks, batch):
            keys = [f"t{i}" for i in range(first, min(first + batch, n_tracks))]
            with db.transaction() as tx:
                library.key_map(tx, "tracks", keys)
        db.close()
        return elapsed, time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tracks", type=int, default=100_000)
    args = parser.parse_args()
    help_s = time_help()
    print(f"plexmix --help (median of 7): {help_s * 1000:.0f} ms (goal <= 300 ms)")
    insert_s, _ = time_inserts(args.tracks)
    print(f"insert {args.tracks:,} tracks with genres/moods/styles in batches of 1,000: "
          f"{insert_s:.2f} s ({args.tracks / insert_s:,.0f} tracks/s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
