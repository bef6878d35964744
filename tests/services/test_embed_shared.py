"""The same recording in two libraries is embedded once (issue 13): a text already embedded with
the model is copied, and a text pending twice is sent to the provider once."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
from embedding_db_fakes import HashProvider

from plexmix.services.embed import refresh_embeddings
from plexmix.storage.embedding_store import load_vectors
from plexmix.storage.sqlite_manager import SQLiteManager


def _track(conn: sqlite3.Connection, key: str, title: str, source: int) -> None:
    conn.execute(
        "INSERT INTO tracks (plex_key, title, genres_text, source_id) VALUES (?, ?, 'jazz', ?)",
        (key, title, source),
    )


def test_a_shared_text_is_embedded_once_and_reused_later(tmp_path: Path) -> None:
    with SQLiteManager(tmp_path / "db.sqlite") as db:
        conn = db.conn
        conn.execute("INSERT INTO sources (id, title) VALUES (2, 'Second')")
        _track(conn, "1", "So What", 1)
        _track(conn, "2", "So What", 2)  # the same recording in another library
        _track(conn, "3", "Blue in Green", 1)
        provider = HashProvider()
        report = refresh_embeddings(conn, provider, tmp_path / "x.index")
        assert sorted(provider.embedded) == sorted(set(provider.embedded)) and len(provider.embedded) == 2
        assert report.embedded == 2 and report.reused == 1
        ids, vectors = load_vectors(conn, provider.model_id)
        by_id = dict(zip(ids.tolist(), vectors, strict=True))
        assert np.array_equal(by_id[1], by_id[2]) and not np.array_equal(by_id[1], by_id[3])
        # A third library adds the same recording again: copied, no provider call.
        conn.execute("INSERT INTO sources (id, title) VALUES (3, 'Third')")
        _track(conn, "4", "So What", 3)
        provider.embedded.clear()
        again = refresh_embeddings(conn, provider, tmp_path / "x.index")
        assert provider.embedded == [] and again.reused == 1 and again.index_size == 4
