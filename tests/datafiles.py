"""Where the tests find real track data.

CI puts the project's ``shared/`` folder beside the checkout, and the tests use its CSVs
(``../shared/data``). A fresh clone elsewhere (a new contributor, `check-fresh-clone`) has no
such folder: then the same two files are rebuilt, in their original column layouts, from the
~2,000 real tracks bundled with the package for ``plexmix demo``, so every test still runs on
real data.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
TIDY = "tidytuesday_spotify_songs.csv.gz"
SAMPLE = "spotify_114_genres_sample.csv"

_TIDY_COLUMNS = [
    "track_id", "track_name", "track_artist", "track_popularity", "track_album_id", "track_album_name",
    "track_album_release_date", "playlist_name", "playlist_id", "playlist_genre", "playlist_subgenre",
    "danceability", "energy", "key", "loudness", "mode", "speechiness", "acousticness", "instrumentalness",
    "liveness", "valence", "tempo", "duration_ms", "duration_s",
]
_SAMPLE_COLUMNS = [
    "track_id", "artists", "album_name", "track_name", "popularity", "duration_ms", "explicit",
    "danceability", "energy", "key", "loudness", "mode", "speechiness", "acousticness",
    "instrumentalness", "liveness", "valence", "tempo", "time_signature", "track_genre",
]
_cache: Path | None = None


def using_bundled_data() -> bool:
    """True when the full data sets are absent and the tests run on the bundled subset."""
    return shared_data() == _cache


def shared_data() -> Path:
    """The folder holding ``tidytuesday_spotify_songs.csv.gz`` and ``spotify_114_genres_sample.csv``."""
    global _cache
    forced = os.environ.get("PLEXMIX_TEST_DATA")  # a folder, or "bundled" to force the fallback
    candidates = [] if forced == "bundled" else [forced, REPO_ROOT.parent / "shared" / "data"]
    for candidate in candidates:
        if candidate and (Path(candidate) / TIDY).is_file() and (Path(candidate) / SAMPLE).is_file():
            return Path(candidate)
    if _cache is None or not (_cache / TIDY).is_file():
        _cache = _rebuild_from_bundled(Path(tempfile.mkdtemp(prefix="plexmix-test-data-")))
    return _cache


def _rebuild_from_bundled(folder: Path) -> Path:
    from plexmix.devserver import csv_loader

    bundled = Path(csv_loader.__file__).parent / "data" / "demo_tracks.csv.gz"
    with gzip.open(bundled, "rt", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    tidy, sample = io.StringIO(), io.StringIO()
    tidy_writer = csv.DictWriter(tidy, _TIDY_COLUMNS)
    sample_writer = csv.DictWriter(sample, _SAMPLE_COLUMNS)
    tidy_writer.writeheader()
    sample_writer.writeheader()
    for i, row in enumerate(rows):
        features = {k: row.get(k, "") for k in ("danceability", "energy", "speechiness", "acousticness",
                                                  "instrumentalness", "valence", "tempo")}
        if row.get("release_date"):
            tidy_writer.writerow({
                "track_id": f"demo{i}", "track_name": row["title"], "track_artist": row["artist"],
                "track_album_id": row["album_id"], "track_album_name": row["album"],
                "track_album_release_date": row["release_date"], "playlist_genre": row["genre"],
                "playlist_subgenre": row["subgenre"], "duration_ms": row["duration_ms"], **features,
            })
        else:
            sample_writer.writerow({
                "track_id": f"demo{i}", "artists": row["artist"], "album_name": row["album"],
                "track_name": row["title"], "duration_ms": row["duration_ms"],
                "track_genre": row["subgenre"] or row["genre"], **features,
            })
    with gzip.open(folder / TIDY, "wt", encoding="utf-8", newline="") as out:
        out.write(tidy.getvalue())
    (folder / SAMPLE).write_text(sample.getvalue(), encoding="utf-8")
    return folder
