"""The tag ranking (storage/tagged.py) orders a large library in steps exactly as the one
GROUP BY orders a small one: most of the tags first, then best loved (rating, plays, id)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from plexmix.storage import tag_carriers, tagged
from plexmix.storage.queries import TrackFilters
from plexmix.storage.sqlite_manager import SQLiteManager

MOODS = ["calm", "dreamy", "sad", "warm"]


@pytest.fixture
def db(tmp_path: Path) -> Iterator[SQLiteManager]:
    """300 tracks with few distinct ratings and plays (many ties) and random moods."""
    rng = random.Random(12)
    manager = SQLiteManager(tmp_path / "lib.db")
    with manager.transaction() as conn:
        conn.executemany("INSERT INTO tags (id, kind, name) VALUES (?, 'mood', ?)",
                         list(enumerate(MOODS, start=1)))
        conn.execute("INSERT INTO genres (id, name) VALUES (1, 'jazz')")
        for track in range(1, 301):
            conn.execute(
                "INSERT INTO tracks (id, plex_key, title, rating, play_count, year) VALUES (?, ?, ?, ?, ?, ?)",
                (track, f"t{track}", f"Song {track}", rng.choice([None, 4.0, 8.0, 10.0]),
                 rng.choice([0, 0, 1, 5]), rng.choice([1975, 1995, 2015])),
            )
            for tag in rng.sample(range(1, 5), rng.choice([0, 1, 1, 2, 3, 4])):
                conn.execute("INSERT INTO track_tags (track_id, tag_id) VALUES (?, ?)", (track, tag))
            if track % 3:
                conn.execute("INSERT INTO track_genres (track_id, genre_id) VALUES (?, 1)", (track,))
    yield manager
    manager.close()


@pytest.mark.parametrize("listed_tier", [0, 7, 10_000])  # every tier scanned, some, none
@pytest.mark.parametrize(
    "filters", [TrackFilters(), TrackFilters(year_min=1990), TrackFilters(genres=["jazz"], rating_min=5)]
)
@pytest.mark.parametrize("moods", [["calm"], ["calm", "sad"], MOODS])
def test_the_tiers_give_the_order_of_the_grouped_query(
    db: SQLiteManager, monkeypatch: pytest.MonkeyPatch, moods: list[str], filters: TrackFilters,
    listed_tier: int,
) -> None:
    grouped = {limit: tagged.tracks_with_tags(db.conn, "mood", moods, filters, limit) for limit in (5, 40, 400)}
    assert len(grouped[40]) == 40 and 40 < len(grouped[400]) < 300  # ties and a short tail both occur
    monkeypatch.setattr(tagged, "GROUPED_ROWS", 0)
    monkeypatch.setattr(tagged, "LISTED_TIER", listed_tier)
    for limit, expected in grouped.items():
        assert tagged.tracks_with_tags(db.conn, "mood", moods, filters, limit) == expected
    monkeypatch.setattr(tag_carriers, "CACHED_FROM", 0)  # the carriers kept, then read from blobs
    for _ in range(2):
        for limit, expected in grouped.items():
            assert tagged.tracks_with_tags(db.conn, "mood", moods, filters, limit) == expected
    assert db.conn.execute("SELECT COUNT(*) FROM tag_carriers").fetchone()[0] == len(moods)


def test_unknown_tags_and_empty_lists_give_nothing(db: SQLiteManager) -> None:
    assert tagged.tracks_with_tags(db.conn, "mood", ["no such mood"], TrackFilters(), 10) == []
    assert tagged.tracks_with_tags(db.conn, "style", ["calm"], TrackFilters(), 10) == []
    assert tagged.tracks_with_tags(db.conn, "mood", [], TrackFilters(), 10) == []
