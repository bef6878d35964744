"""The two filters templates need: tracks added since a moment (``added_since``, SQL and its Python
twin agreeing) and the most played genre (``top``), on a small mirror built by the real upserts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from one_album import album_track, one_album_db

from plexmix.errors import UsageError
from plexmix.playlist.filters import describe_filters, filters_from_flags, understood_line
from plexmix.storage import library, queries
from plexmix.storage.genre_plays import most_played_genre
from plexmix.storage.queries import TrackFilters
from plexmix.storage.sqlite_manager import SQLiteManager

NOW = 1_800_000_000
DAY = 86400


@pytest.fixture
def db(tmp_path: Path) -> Iterator[SQLiteManager]:
    manager = one_album_db(tmp_path / "lib.db", [
        album_track("t1", genres=["Jazz"], play_count=3, added_at=NOW - 40 * DAY),
        album_track("t2", genres=["Jazz", "Blues"], play_count=4, added_at=NOW - 5 * DAY),
        album_track("t3", genres=["Rock"], play_count=9, added_at=NOW - DAY, source_id=2),
        album_track("t4", genres=["Blues"], play_count=0),  # added_at unknown
    ])
    yield manager
    manager.close()


@pytest.mark.parametrize(("since", "expected"), [
    (NOW - 30 * DAY, {"t2", "t3"}),
    (NOW - 5 * DAY, {"t2", "t3"}),  # at the moment itself counts
    (NOW - DAY + 1, set()),
    (0, {"t1", "t2", "t3"}),  # a track of unknown date never passes
])
def test_added_since_selects_the_same_tracks_in_sql_and_python(
    db: SQLiteManager, since: int, expected: set[str]
) -> None:
    filters = TrackFilters(added_since=since)
    assert not filters.is_empty()
    found = {t.plex_key for t in library.get_tracks(db.conn, queries.track_ids(db.conn, filters).tolist())}
    assert found == expected
    for track in library.get_tracks(db.conn, queries.track_ids(db.conn, TrackFilters()).tolist()):
        passes = filters.matches(year=track.year, rating=track.rating, artist=track.artist_name,
                                 genres=track.genres, added_at=track.added_at, source_id=track.source_id)
        assert passes == (track.plex_key in expected), track.plex_key


def test_the_most_played_genre_of_the_libraries_in_use(db: SQLiteManager) -> None:
    assert most_played_genre(db.conn) == "rock"  # 9 plays, against jazz 7 and blues 4
    assert most_played_genre(db.conn, [1]) == "jazz"  # library 1 only
    assert most_played_genre(db.conn, [3]) is None  # no tracks there


def test_with_no_plays_the_genre_on_most_tracks(tmp_path: Path) -> None:
    tracks = [album_track("t1", genres=["Folk"]), album_track("t2", genres=["Folk", "Pop"]),
              album_track("t3", genres=["Pop"]), album_track("t4", genres=["Ambient", "Pop"])]
    with one_album_db(tmp_path / "quiet.db", tracks) as manager:
        assert most_played_genre(manager.conn) == "pop"


def test_added_within_counts_back_from_now_and_is_described() -> None:
    filters = filters_from_flags(added_within=30, now=NOW)
    assert filters.added_since == NOW - 30 * DAY
    assert any(line.startswith("added since ") for line in describe_filters(filters))
    assert "added since " in understood_line(filters)
    with pytest.raises(UsageError) as error:
        filters_from_flags(added_within=0)
    assert "--added-within" in error.value.message and error.value.hint
