"""The embedder ``create``/``search`` build keeps the size of the vectors already stored.

Gemini's default became 768 dimensions (issue 12: 3,072 are 12 GB at a million tracks); a library
embedded at 3,072 before must keep working without a paid re-embedding, unless the user asks for
another size.
"""

from __future__ import annotations

from pathlib import Path

from plexmix.config.credentials import CredentialStore
from plexmix.config.loader import load_settings
from plexmix.services.wiring import build_embedder

OLD = "gemini:gemini-embedding-001:3072"


def embedder_for(tmp_path: Path, stored: list[str], **settings: object) -> int:
    environ = {"PLEXMIX_HOME": str(tmp_path), "GEMINI_API_KEY": "test-key-not-real"}
    loaded = load_settings(overrides={"embeddings.provider": "gemini", **settings}, environ=environ)
    embedder, choice = build_embedder(loaded, CredentialStore(tmp_path, environ), stored)
    assert choice.name == "gemini"
    return int(embedder.dimension)


def test_a_new_library_gets_768(tmp_path: Path) -> None:
    assert embedder_for(tmp_path, []) == 768


def test_stored_3072_vectors_keep_their_size(tmp_path: Path) -> None:
    assert embedder_for(tmp_path, [OLD]) == 3072
    assert embedder_for(tmp_path, ["local:all-MiniLM-L6-v2-onnx-int8:384", OLD]) == 3072


def test_a_configured_size_wins(tmp_path: Path) -> None:
    assert embedder_for(tmp_path, [OLD], **{"embeddings.dimension": 768}) == 768


def test_the_doctor_accepts_stored_3072_vectors_and_flags_another_model(tmp_path: Path) -> None:
    import sqlite3

    import numpy as np

    from plexmix.services.doctor import check_vectors
    from plexmix.storage.sqlite_manager import SQLiteManager

    environ = {"PLEXMIX_HOME": str(tmp_path), "GEMINI_API_KEY": "test-key-not-real"}
    loaded = load_settings(overrides={"embeddings.provider": "gemini"}, environ=environ)

    def store(model: str, dimension: int) -> None:
        SQLiteManager(loaded.settings.db_path).conn.close()  # the schema
        with sqlite3.connect(loaded.settings.db_path) as conn:
            conn.execute("DELETE FROM embeddings")
            conn.executemany(
                "INSERT INTO embeddings (track_id, model, dimension, text_hash, vector, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, 0, 0)",
                [(i, model, dimension, f"h{i}", np.zeros(dimension, np.float32).tobytes()) for i in (1, 2)],
            )

    store(OLD, 3072)
    (vectors, _) = check_vectors(loaded, "gemini")
    assert (vectors.status, vectors.detail) == ("ok", f"2 vectors of {OLD}")
    store("openai:text-embedding-3-small:1536", 1536)
    (vectors, _) = check_vectors(loaded, "gemini")
    assert vectors.status == "fail" and "gemini:gemini-embedding-001:768" in vectors.detail
