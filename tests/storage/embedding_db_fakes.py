"""Helpers for the embedding store / indexer tests: a library database built with plain SQL and a
deterministic provider that records what it was asked to embed."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from pathlib import Path

import numpy as np

from plexmix.providers.embeddings.base import BatchFailedError, EmbeddingProvider
from plexmix.storage import migrations


def open_library(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA journal_mode=WAL")
    migrations.migrate(conn)
    return conn


def add_track(
    conn: sqlite3.Connection,
    title: str,
    artist: str = "Artist",
    album: str = "Album",
    *,
    year: int | None = 2001,
    genres: str = "Rock",
    moods: str = "",
    styles: str = "",
) -> int:
    """Insert a track (and its artist/album when new); returns the track id."""
    conn.execute(
        "INSERT OR IGNORE INTO artists (plex_key, name) VALUES (?, ?)", (f"ar/{artist}", artist)
    )
    artist_id = conn.execute(
        "SELECT id FROM artists WHERE plex_key = ?", (f"ar/{artist}",)
    ).fetchone()[0]
    conn.execute(
        "INSERT OR IGNORE INTO albums (plex_key, title, artist_id, year) VALUES (?, ?, ?, ?)",
        (f"al/{artist}/{album}", album, artist_id, year),
    )
    album_id = conn.execute(
        "SELECT id FROM albums WHERE plex_key = ?", (f"al/{artist}/{album}",)
    ).fetchone()[0]
    cursor = conn.execute(
        "INSERT INTO tracks (plex_key, title, artist_id, album_id, year, genres_text, moods_text,"
        " styles_text) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (f"t/{artist}/{album}/{title}", title, artist_id, album_id, year, genres, moods, styles),
    )
    return int(cursor.lastrowid or 0)


def hash_vector(text: str, dimension: int) -> np.ndarray:
    seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
    return np.random.default_rng(seed).standard_normal(dimension).astype(np.float32)


class HashProvider(EmbeddingProvider):
    """Deterministic vectors from a hash of the text; records every text it embeds.

    ``fail_when(texts)`` true makes that batch fail; ``interrupt_after`` raises KeyboardInterrupt
    when that many batches have been embedded (like Ctrl-C during a long run).
    """

    name = "test"

    def __init__(
        self,
        model: str = "hash-v1",
        dimension: int = 16,
        *,
        batch_size: int = 4,
        fail_when: Callable[[list[str]], bool] | None = None,
        interrupt_after: int | None = None,
    ) -> None:
        self.model = model
        self.dimension = dimension
        self.batch_size = batch_size
        self.fail_when = fail_when
        self.interrupt_after = interrupt_after
        self.embedded: list[str] = []
        self.batches = 0

    def _embed_batch(self, texts: list[str], *, query: bool) -> np.ndarray:
        if self.interrupt_after is not None and self.batches >= self.interrupt_after:
            raise KeyboardInterrupt
        if self.fail_when is not None and self.fail_when(texts):
            raise BatchFailedError("injected failure")
        self.batches += 1
        if not query:
            self.embedded.extend(texts)
        return np.stack([hash_vector(t, self.dimension) for t in texts])
