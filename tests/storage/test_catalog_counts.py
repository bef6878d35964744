"""What the MCP resources list: the library's genres, moods and decades with their tracks, most used
first (decades oldest first), of the chosen music libraries only; built by the real upserts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from one_album import album_track, one_album_db

from plexmix.storage.catalog import decade_counts, genre_counts, mood_counts
from plexmix.storage.sqlite_manager import SQLiteManager


@pytest.fixture
def db(tmp_path: Path) -> Iterator[SQLiteManager]:
    manager = one_album_db(tmp_path / "lib.db", [
        album_track("t1", genres=["Jazz"], moods=["Calm"], year=1959),
        album_track("t2", genres=["Jazz", "Blues"], moods=["Calm", "Sad"], year=1965),
        album_track("t3", genres=["Rock"], moods=["Angry"], year=1991, source_id=2),
        album_track("t4", genres=["Blues"], year=None),
        album_track("t5", genres=["Rock"], moods=["Angry"], year=1994, source_id=2),
        album_track("t6", genres=["Rock"], year=1999, source_id=2),
    ])
    yield manager
    manager.close()


def test_counts_most_used_first(db: SQLiteManager) -> None:
    assert genre_counts(db.conn) == [("rock", 3), ("blues", 2), ("jazz", 2)]  # ties by name
    assert mood_counts(db.conn) == [("angry", 2), ("calm", 2), ("sad", 1)]
    assert decade_counts(db.conn) == [(1950, 1), (1960, 1), (1990, 3)]  # undated tracks left out


def test_counts_of_the_chosen_libraries_only(db: SQLiteManager) -> None:
    assert genre_counts(db.conn, [2]) == [("rock", 3)]
    assert mood_counts(db.conn, [1]) == [("calm", 2), ("sad", 1)]
    assert decade_counts(db.conn, [1]) == [(1950, 1), (1960, 1)]
    assert genre_counts(db.conn, [1, 2]) == genre_counts(db.conn)
