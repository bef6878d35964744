#!/usr/bin/env python3
"""Select the bundled demo library (~2,000 real tracks) from the two public track CSVs.

    python scripts/make_demo_library.py [--data-dir ../shared/data] [--out PATH]

Whole albums are taken from the TidyTuesday set (a quota per genre) and whole genres from the
114-genre sample, so that quiet moods (acoustic, ambient, jazz, classical, sleep ...) exist next
to the pop/rap/EDM/rock/latin/R&B of the first set. The output keeps only the columns the
emulator's loader needs and is byte-for-byte reproducible.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import random
from collections import defaultdict
from pathlib import Path

from plexmix.devserver.csv_loader import DEMO_COLUMNS, DEMO_PATH, SongRow, read_rows

REPO = Path(__file__).resolve().parents[1]
TIDY = "tidytuesday_spotify_songs.csv.gz"
SAMPLE = "spotify_114_genres_sample.csv"
TRACKS_PER_TIDY_GENRE = 225
MIN_ALBUM_TRACKS = 3
SAMPLE_GENRES = (
    "acoustic", "ambient", "blues", "chill", "classical", "country", "disco", "folk", "funk",
    "guitar", "happy", "indie", "jazz", "metal", "new-age", "opera", "piano", "punk-rock",
    "reggae", "romance", "sad", "singer-songwriter", "sleep", "soul", "study", "techno",
    "trip-hop", "world-music",
)  # fmt: skip


def pick_tidy(rows: list[SongRow], rng: random.Random) -> list[SongRow]:
    albums: dict[str, list[SongRow]] = defaultdict(list)
    for row in rows:
        albums[row.album_id].append(row)
    by_genre: dict[str, list[list[SongRow]]] = defaultdict(list)
    for songs in albums.values():
        if len(songs) >= MIN_ALBUM_TRACKS:
            by_genre[songs[0].genre].append(songs)
    chosen: list[SongRow] = []
    for genre in sorted(by_genre):
        candidates = by_genre[genre]
        rng.shuffle(candidates)
        count = 0
        for songs in candidates:
            if count >= TRACKS_PER_TIDY_GENRE:
                break
            chosen.extend(songs)
            count += len(songs)
    return chosen


def to_record(row: SongRow) -> list[str]:
    values = {
        "title": row.title,
        "artist": ";".join(row.artists),
        "album": row.album,
        "album_id": row.album_id,
        "release_date": row.release_date,
        "genre": row.genre,
        "subgenre": row.subgenre,
        "duration_ms": str(row.duration_ms),
    }
    for name, value in row.features.items():
        values[name] = f"{value:g}"
    return [values.get(col, "") for col in DEMO_COLUMNS]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=DEMO_PATH)
    args = parser.parse_args()
    rng = random.Random(2020)
    tidy = pick_tidy(list(read_rows(args.data_dir / TIDY)), rng)
    sample = [r for r in read_rows(args.data_dir / SAMPLE) if r.genre in SAMPLE_GENRES]
    rows = tidy + sample
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(DEMO_COLUMNS)
    writer.writerows(to_record(r) for r in rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
        gz.write(text.getvalue().encode("utf-8"))
    print(f"{args.out}: {len(rows)} tracks ({len(tidy)} TidyTuesday, {len(sample)} 114-genre sample)")


if __name__ == "__main__":
    main()
