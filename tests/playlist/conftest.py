"""Fixtures for the playlist tests: a real library synced from the Plex emulator and embedded locally.

Once per session: the library (see playlist_helpers.py) is served by the emulator, fully synced
into SQLite by the real SyncEngine over loopback HTTP with a real PlexClient, and embedded by the
real local ONNX model through ``refresh_embeddings``. Each test gets its own copy of the database
and index files and its own emulator (same library, empty playlist store), so it may change both.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from embed_cache import CachedLocalEmbedder
from playlist_helpers import (
    TOKEN,
    Built,
    Cli,
    FakeCurator,
    Work,
    embed_cache_file,
    library_rows,
    start_curator,
)

from plexmix.devserver.csv_loader import DEFAULT_NOW, build_library
from plexmix.devserver.library import MusicLibrary
from plexmix.devserver.server import PlexEmulator
from plexmix.plex.client import PlexClient
from plexmix.providers.embeddings.local_onnx import LocalOnnxProvider
from plexmix.services.embed import refresh_embeddings
from plexmix.services.sync import SyncEngine
from plexmix.storage.sqlite_manager import SQLiteManager
from plexmix.storage.vector_index import VectorIndex


@pytest.fixture(scope="session")
def library() -> MusicLibrary:
    """~1,600 real tracks with track-level genres and moods. Shared: do not mutate."""
    return build_library(library_rows(), track_genres=True, seed=5, now=DEFAULT_NOW)


@pytest.fixture(scope="session")
def built(library: MusicLibrary, tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The library fully synced from the emulator and embedded (template files: copy them)."""
    folder = tmp_path_factory.mktemp("synced")
    db_path, index_path = folder / "plexmix.db", folder / "embeddings.index"
    embedder = CachedLocalEmbedder(embed_cache_file())
    with PlexEmulator(library, token=TOKEN) as emu, SQLiteManager(db_path) as db:
        with PlexClient(emu.url, emu.token, page_size=1000, backoff_factor=0.0) as client:
            client.connect()
            client.select_library("Music")
            report = SyncEngine(client, db).full_sync()
        assert report.status == "success" and report.added == len(library.tracks)
        embedded = refresh_embeddings(db.conn, embedder, index_path)
        assert embedded.failed == 0 and embedded.index_size == len(library.tracks)
        db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    embedder.save()
    return Built(db_path, index_path, embedder.model_id, len(library.tracks))


@pytest.fixture
def work(tmp_path: Path, built: Built) -> Work:
    home = tmp_path / "home"
    home.mkdir()
    db, index = home / "plexmix.db", home / "embeddings.index"
    shutil.copyfile(built.db, db)
    shutil.copyfile(built.index, index)
    return Work(home, db, index)


@pytest.fixture
def emu(library: MusicLibrary) -> Iterator[PlexEmulator]:
    """A fresh emulator over the session's library (its playlists start empty)."""
    with PlexEmulator(library, token=TOKEN) as emulator:
        yield emulator


@pytest.fixture
def cli(work: Work, emu: PlexEmulator) -> Cli:
    return Cli(
        env={
            "PLEXMIX_HOME": str(work.home),
            "PLEX_URL": emu.url,
            "PLEX_TOKEN": emu.token,
            "PLEX_LIBRARY": "Music",
            "DATABASE_PATH": str(work.db),
            "FAISS_INDEX_PATH": str(work.index),
            "DEFAULT_EMBEDDING_PROVIDER": "local",
            "DEFAULT_AI_PROVIDER": "none",
            "COLUMNS": "200",
        }
    )


@pytest.fixture(scope="session")
def query_embedder() -> LocalOnnxProvider:
    """The real local ONNX model for mood queries (never cached)."""
    return LocalOnnxProvider()


@pytest.fixture(scope="session")
def shared_db(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SQLiteManager]:
    """A session copy of the synced database for generator tests that only read."""
    folder = tmp_path_factory.mktemp("shared")
    shutil.copyfile(built.db, folder / "plexmix.db")
    with SQLiteManager(folder / "plexmix.db") as db:
        yield db


@pytest.fixture(scope="session")
def shared_index(built: Built) -> VectorIndex:
    return VectorIndex.load(built.index)


@pytest.fixture
def curator() -> Iterator[FakeCurator]:
    """A fake OpenAI endpoint on 127.0.0.1 that answers from the prompt's candidate ids."""
    fake, httpd = start_curator()
    try:
        yield fake
    finally:
        httpd.shutdown()
        httpd.server_close()
