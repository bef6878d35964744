"""The stored vectors per model (models_present) are counted by the triggers of migration 11 and
always equal a count of the vectors themselves, whatever writes them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from plexmix.storage import embedding_store
from plexmix.storage.sqlite_manager import SQLiteManager


@pytest.fixture
def db(tmp_path: Path) -> Iterator[SQLiteManager]:
    manager = SQLiteManager(tmp_path / "lib.db")
    with manager.transaction() as conn:
        conn.executemany("INSERT INTO tracks (id, plex_key, title) VALUES (?, ?, ?)",
                         [(i, f"t{i}", f"Song {i}") for i in range(1, 6)])
    yield manager
    manager.close()


def _counted(db: SQLiteManager) -> dict[str, int]:
    return dict(Counter(str(r[0]) for r in db.conn.execute("SELECT model FROM embeddings")))


def test_vector_counts_follow_every_write(db: SQLiteManager) -> None:
    def save(model: str, *ids: int) -> None:
        embedding_store.save_embeddings(db.conn, [(i, model, f"h{i}", [0.6, 0.8]) for i in ids])

    assert embedding_store.models_present(db.conn) == {}
    save("m:a:2", 1, 2, 3)
    save("m:b:2", 4)
    assert embedding_store.models_present(db.conn) == {"m:a:2": 3, "m:b:2": 1}
    save("m:a:2", 1)  # the same model again: an update, no new vector
    save("m:b:2", 2)  # moved to another model
    assert embedding_store.models_present(db.conn) == {"m:a:2": 2, "m:b:2": 2} == _counted(db)
    db.conn.execute("DELETE FROM tracks WHERE id IN (1, 3)")  # vectors go with their tracks
    assert embedding_store.models_present(db.conn) == {"m:b:2": 2} == _counted(db)
    embedding_store.delete_embeddings(db.conn, except_model="m:c:2")
    assert embedding_store.models_present(db.conn) == {} == _counted(db)
