"""What the MCP resources list: the library's genres, moods and decades with their tracks, most used
first (decades oldest first), of the chosen music libraries only; built by the real upserts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from plexmix.storage.catalog import decade_counts, genre_counts, mood_counts
from plexmix.storage.library import key_map, upsert_albums, upsert_artists, upsert_tracks
from plexmix.storage.models import Album, Artist, Track
from plexmix.storage.sqlite_manager import SQLiteManager


def _track(key: str, **extra: object) -> Track:
    return Track(plex_key=key, title=key.upper(), artist_key="a1", album_key="b1", **extra)  # type: ignore[arg-type]


@pytest.fixture
def db(tmp_path: Path) -> Iterator[SQLiteManager]:
    manager = SQLiteManager(tmp_path / "lib.db")
    with manager.transaction() as conn:
        upsert_artists(conn, [Artist(plex_key="a1", name="Someone")])
        upsert_albums(conn, [Album(plex_key="b1", title="Album", artist_key="a1")], key_map(conn, "artists"))
        upsert_tracks(conn, [
            _track("t1", genres=["Jazz"], moods=["Calm"], year=1959),
            _track("t2", genres=["Jazz", "Blues"], moods=["Calm", "Sad"], year=1965),
            _track("t3", genres=["Rock"], moods=["Angry"], year=1991, source_id=2),
            _track("t4", genres=["Blues"], year=None),
            _track("t5", genres=["Rock"], moods=["Angry"], year=1994, source_id=2),
            _track("t6", genres=["Rock"], year=1999, source_id=2),
        ], key_map(conn, "artists"), key_map(conn, "albums"))
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
