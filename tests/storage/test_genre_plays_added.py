"""The two filters templates need: tracks added since a moment (``added_since``, SQL and its Python
twin agreeing) and the most played genre (``top``), on a small mirror built by the real upserts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from plexmix.errors import UsageError
from plexmix.playlist.filters import describe_filters, filters_from_flags, understood_line
from plexmix.storage import library, queries
from plexmix.storage.genre_plays import most_played_genre
from plexmix.storage.library import key_map, upsert_albums, upsert_artists, upsert_tracks
from plexmix.storage.models import Album, Artist, Track
from plexmix.storage.queries import TrackFilters
from plexmix.storage.sqlite_manager import SQLiteManager

NOW = 1_800_000_000
DAY = 86400


def _track(key: str, **extra: object) -> Track:
    return Track(plex_key=key, title=key.upper(), artist_key="a1", album_key="b1", **extra)  # type: ignore[arg-type]


@pytest.fixture
def db(tmp_path: Path) -> Iterator[SQLiteManager]:
    manager = SQLiteManager(tmp_path / "lib.db")
    with manager.transaction() as conn:
        upsert_artists(conn, [Artist(plex_key="a1", name="Someone")])
        upsert_albums(conn, [Album(plex_key="b1", title="Album", artist_key="a1")], key_map(conn, "artists"))
        upsert_tracks(conn, [
            _track("t1", genres=["Jazz"], play_count=3, added_at=NOW - 40 * DAY),
            _track("t2", genres=["Jazz", "Blues"], play_count=4, added_at=NOW - 5 * DAY),
            _track("t3", genres=["Rock"], play_count=9, added_at=NOW - DAY, source_id=2),
            _track("t4", genres=["Blues"], play_count=0),  # added_at unknown
        ], key_map(conn, "artists"), key_map(conn, "albums"))
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
    with SQLiteManager(tmp_path / "quiet.db") as manager:
        with manager.transaction() as conn:
            upsert_artists(conn, [Artist(plex_key="a1", name="Someone")])
            upsert_albums(conn, [Album(plex_key="b1", title="A", artist_key="a1")], key_map(conn, "artists"))
            upsert_tracks(conn, [_track("t1", genres=["Folk"]), _track("t2", genres=["Folk", "Pop"]),
                                 _track("t3", genres=["Pop"]), _track("t4", genres=["Ambient", "Pop"])],
                          key_map(conn, "artists"), key_map(conn, "albums"))
        assert most_played_genre(manager.conn) == "pop"


def test_added_within_counts_back_from_now_and_is_described() -> None:
    filters = filters_from_flags(added_within=30, now=NOW)
    assert filters.added_since == NOW - 30 * DAY
    assert any(line.startswith("added since ") for line in describe_filters(filters))
    assert "added since " in understood_line(filters)
    with pytest.raises(UsageError) as error:
        filters_from_flags(added_within=0)
    assert "--added-within" in error.value.message and error.value.hint
