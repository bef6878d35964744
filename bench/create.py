"""`create` benchmark on a 100k-track library: retrieval latency and Plex requests per playlist.

Builds the library from ../shared/data (real tracks, repeated with suffixes as the emulator does),
writes it into SQLite through plexmix.storage.library (the sync's own write path), stores a random
normalised 384-dim vector per track as the local model's embeddings (through refresh_embeddings,
so the embedding store and the FAISS index are the real ones), then runs PlaylistGenerator.generate
(filters + FAISS + FTS + diversity, curator ``none``) for ~30 moods with and without filters. The
mood queries go through the real local ONNX embedder. Finally a 50-track playlist is written to the
Plex emulator (create, then replace in place) and the requests are counted.

Prints: build times; index open time; per-create latency median/p95 (goal: median <= 150 ms) with
the query-embedding share; requests to Plex per 50-track playlist.
Run: ``.venv/bin/python bench/create.py [--tracks 100000] [--quick]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from plexmix.devserver.csv_loader import load_library
from plexmix.devserver.library import MusicLibrary
from plexmix.devserver.server import PlexEmulator
from plexmix.playlist.generator import PlaylistGenerator, PlaylistRequest
from plexmix.playlist.publish import publish
from plexmix.plex.client import PlexClient
from plexmix.providers.ai import NoneCurator
from plexmix.providers.embeddings.base import EmbeddingProvider
from plexmix.providers.embeddings.local_onnx import DIMENSION, ONNX_MODEL_NAME, LocalOnnxProvider
from plexmix.services.embed import ensure_index, refresh_embeddings
from plexmix.storage import library as db_library
from plexmix.storage.models import Album, Artist, Track, normalize_tags
from plexmix.storage.queries import TrackFilters
from plexmix.storage.sqlite_manager import SQLiteManager

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
SOURCES = [SHARED / "spotify_114_genres_sample.csv", SHARED / "tidytuesday_spotify_songs.csv.gz"]
ROWS = 2_850 + 28_352
BATCH = 5_000

# Moods that name no genre, artist, year or rating (checked at run time: see "filters" below).
PLAIN = [
    "rainy sunday morning", "late night drive through the city", "calm evening by the sea",
    "songs to cook dinner to", "sunny afternoon in the park", "melancholy autumn walk",
    "energetic workout motivation", "slow dancing in the kitchen", "focus while studying",
    "road trip with friends", "quiet coffee shop ambience", "heartbreak and healing",
    "summer barbecue party", "dreamy stargazing", "getting ready to go out",
]
# (mood, flags): filters implied by the mood text, given as flags, or both.
FILTERED: list[tuple[str, TrackFilters]] = [
    ("90s rock", TrackFilters()), ("highly rated pop", TrackFilters()), ("edm from 2019", TrackFilters()),
    ("latin party", TrackFilters()), ("rap since 2015", TrackFilters()), ("r&b slow jams", TrackFilters()),
    ("80s synth pop classics", TrackFilters()), ("jazz for a rainy night", TrackFilters()),
    ("chill evening", TrackFilters(genres=["rock"], year_min=1970, year_max=1989)),
    ("party", TrackFilters(rating_min=8.0)),
    ("stadium anthems", TrackFilters(artists=["Queen"])),
    ("upbeat", TrackFilters(genres=["edm", "pop"], year_min=2015, year_max=2019)),
    ("sad songs", TrackFilters(genres=["r&b"], rating_min=6.0)),
    ("workout", TrackFilters(genres=["rap"], year_min=2010, year_max=2019)),
    ("dinner", TrackFilters(genres=["latin"], rating_min=4.0, year_min=2000, year_max=2020)),
]


class RandomVectors(EmbeddingProvider):
    """Stands in for the local model when storing the library: random unit vectors, same model id."""

    name, model, dimension, batch_size = "local", ONNX_MODEL_NAME, DIMENSION, 4096

    def __init__(self, seed: int = 1) -> None:
        self.rng = np.random.default_rng(seed)

    def _embed_batch(self, texts: list[str], *, query: bool) -> np.ndarray:
        return self.rng.standard_normal((len(texts), self.dimension), dtype=np.float32)


def write_library(lib: MusicLibrary, db: SQLiteManager) -> None:
    """The emulator's library into SQLite through the same functions a sync uses."""
    artists = [Artist(plex_key=str(a.rating_key), name=a.title, sort_name=a.sort_title, added_at=a.added_at,
                      updated_at=a.updated_at, genres=a.genres, moods=a.moods, styles=a.styles)
               for a in lib.artists.values()]
    albums = {str(a.rating_key): Album(plex_key=str(a.rating_key), title=a.title, artist_key=str(a.artist_key),
                                       year=a.year, added_at=a.added_at, updated_at=a.updated_at,
                                       genres=a.genres, moods=a.moods, styles=a.styles)
              for a in lib.albums.values()}
    with db.transaction() as tx:
        db_library.upsert_artists(tx, artists)
        artist_ids = db_library.key_map(tx, "artists")
        db_library.upsert_albums(tx, list(albums.values()), artist_ids)
        album_ids = db_library.key_map(tx, "albums")
    tags = db_library.TagCache(db.conn)
    tracks = list(lib.tracks.values())
    for start in range(0, len(tracks), BATCH):
        records = []
        for t in tracks[start : start + BATCH]:
            album = albums[str(t.album_key)]
            records.append(Track(
                plex_key=str(t.rating_key), title=t.title, artist_key=str(t.artist_key),
                album_key=str(t.album_key), track_number=t.index, disc_number=t.disc,
                duration_ms=t.duration_ms, year=t.year if t.year is not None else album.year,
                rating=t.user_rating, play_count=t.view_count, last_played=t.last_viewed_at,
                file_path=t.file, added_at=t.added_at, updated_at=t.updated_at,
                genres=normalize_tags(t.genres) or album.genres, moods=normalize_tags(t.moods) or album.moods,
                styles=album.styles,
            ))
        with db.transaction() as tx:
            db_library.upsert_tracks(tx, records, artist_ids, album_ids, tags)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(generator: PlaylistGenerator, cases: list[tuple[str, TrackFilters]], rounds: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {"plain": [], "filtered": []}
    for _ in range(rounds):
        for mood, flags in cases:
            started = time.perf_counter()
            playlist = generator.generate(PlaylistRequest(mood=mood, length=50, pool=100, flag_filters=flags))
            elapsed = (time.perf_counter() - started) * 1000
            times["filtered" if playlist.filter_lines else "plain"].append(elapsed)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tracks", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="20k tracks, one round")
    args = parser.parse_args()
    tracks = 20_000 if args.quick else args.tracks
    rounds = 1 if args.quick else 3
    repeat = max(1, -(-tracks // ROWS))
    started = time.perf_counter()
    lib = load_library(SOURCES, limit=tracks // repeat, repeat=repeat, track_genres=True)
    print(f"library: {len(lib.tracks):,} tracks, {len(lib.albums):,} albums, {len(lib.artists):,} artists "
          f"(built in {time.perf_counter() - started:.1f} s)", flush=True)
    with tempfile.TemporaryDirectory() as tmp, SQLiteManager(Path(tmp) / "bench.db") as db:
        index_path = Path(tmp) / "embeddings.index"
        started = time.perf_counter()
        write_library(lib, db)
        print(f"database written in {time.perf_counter() - started:.1f} s", flush=True)
        started = time.perf_counter()
        report = refresh_embeddings(db.conn, RandomVectors(), index_path)
        print(f"{report.embedded:,} random vectors stored and indexed in {time.perf_counter() - started:.1f} s "
              f"({report.model_id})", flush=True)

        embedder = LocalOnnxProvider()
        started = time.perf_counter()
        embedder.warm_up()
        warm = time.perf_counter() - started
        opened = []
        for _ in range(3):
            started = time.perf_counter()
            index = ensure_index(db.conn, index_path, embedder.model_id)
            opened.append(time.perf_counter() - started)
        print(f"local model load: {warm * 1000:.0f} ms; index open + consistency check: "
              f"{min(opened) * 1000:.0f} ms (once per `plexmix create`)")

        generator = PlaylistGenerator(db.conn, NoneCurator(), index=index, embedder=embedder)
        cases = [(m, TrackFilters()) for m in PLAIN] + FILTERED
        measure(generator, cases[:3], 1)  # warm caches
        times = measure(generator, cases, rounds)
        queries = []
        for mood, _ in cases:
            started = time.perf_counter()
            embedder.embed_query(mood)
            queries.append((time.perf_counter() - started) * 1000)
        everything = times["plain"] + times["filtered"]
        for label, values in (("without filters", times["plain"]), ("with filters", times["filtered"]),
                              ("all", everything)):
            print(f"create retrieval {label:>15}: n={len(values):3d}  median {statistics.median(values):6.1f} ms"
                  f"  p95 {percentile(values, 0.95):6.1f} ms")
        median = statistics.median(everything)
        print(f"  of which the query embedding (local ONNX): median {statistics.median(queries):.1f} ms")
        print(f"  goal: median <= 150 ms -> {'met' if median <= 150 else 'MISSED'} ({median:.1f} ms)")

        with PlexEmulator(lib) as emu, PlexClient(emu.url, emu.token) as client:
            client.connect()
            client.select_library("Music")
            playlist = generator.generate(PlaylistRequest(mood="late night drive", length=50))
            for replace in (False, True):
                emu.reset_counts()
                started = time.perf_counter()
                published = publish(db, playlist, "Bench 50", client=client, replace=replace)
                elapsed = time.perf_counter() - started
                counts = {k: n for k, n in emu.request_counts.items() if "?" not in k}
                writes = sum(n for k, n in counts.items() if not k.startswith("GET"))
                total = emu.total_requests
                on_server = client.playlist_track_keys(published.plex_key or "")
                assert on_server == [t.track.plex_key for t in playlist.tracks], "playlist differs on the server"
                print(f"Plex requests for a 50-track playlist ({'replace in place' if replace else 'create'}): "
                      f"{total} total, {writes} writes, {elapsed * 1000:.0f} ms - {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
