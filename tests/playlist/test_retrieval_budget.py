"""Beside the vectors, the keyword ranking of ``create`` reads a bounded number of full-text rows
(a word on most tracks counts only in titles, artists and albums); alone, or for ``search``
(no budget), it ranks every match."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from plexmix.playlist.retrieval import retrieve
from plexmix.storage.queries import TrackFilters
from plexmix.storage.sqlite_manager import SQLiteManager

TRACKS = [  # (id, title, genres_text)
    (1, "Rain Song", "rock"), (2, "Jazz Suite", "jazz"), (3, "Blue", "jazz"), (4, "Green", "jazz"),
    (5, "Red", "jazz"), (6, "Gold", "jazz"),
]


class Vectors:
    """A vector index that knows every track and ranks them by id (enough for the fusion)."""

    def search(self, query: Any, k: int, *, allowed_ids: Any = None) -> list[tuple[int, float]]:
        ids = [tid for tid, *_ in TRACKS if allowed_ids is None or tid in set(allowed_ids.tolist())]
        return [(tid, 0.5) for tid in ids[:k]]

    def vectors(self, ids: Any) -> Any:
        return np.ones((len(ids), 2), dtype=np.float32)

    def __contains__(self, track_id: object) -> bool:
        return True

    def embed_query(self, text: str) -> Any:
        return np.ones(2, dtype=np.float32)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[SQLiteManager]:
    manager = SQLiteManager(tmp_path / "lib.db")
    with manager.transaction() as conn:  # the FTS triggers write the full-text rows
        conn.executemany(
            "INSERT INTO tracks (id, plex_key, title, genres_text, year) VALUES (?, ?, ?, ?, ?)",
            [(tid, f"t{tid}", title, genres, 1990 + tid) for tid, title, genres in TRACKS],
        )
    yield manager
    manager.close()


def test_a_common_word_counts_only_where_it_names_the_song_beside_the_vectors(db: SQLiteManager) -> None:
    vectors = Vectors()
    full = retrieve(db.conn, "rain jazz", TrackFilters(), 10, index=vectors, embedder=vectors)
    assert set(full.keyword) == {1, 2, 3, 4, 5, 6}  # search: every match ranked
    budgeted = retrieve(db.conn, "rain jazz", TrackFilters(), 10, index=vectors, embedder=vectors,
                        keyword_budget=3)
    assert set(budgeted.keyword) == {1, 2}  # "jazz" (5 rows) only in the title "Jazz Suite"
    roomy = retrieve(db.conn, "rain jazz", TrackFilters(), 10, index=vectors, embedder=vectors,
                     keyword_budget=6)
    assert roomy.keyword == full.keyword  # within the budget: the same ranking
    alone = retrieve(db.conn, "rain jazz", TrackFilters(), 10, keyword_budget=3)
    assert alone.keyword == full.keyword  # without vectors the keywords rank everything
    later = retrieve(db.conn, "rain jazz", TrackFilters(year_min=1992), 10, index=vectors,
                     embedder=vectors, keyword_budget=3)
    assert set(later.keyword) == {2} and later.matching == 5  # filters still apply
