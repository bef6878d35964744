"""Track-to-tag links are derived from the tracks' stored tag text, in SQL, batch by batch."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from plexmix.storage.library import TagCache, key_map, upsert_albums, upsert_artists, upsert_tracks
from plexmix.storage.models import Album, Artist, Track
from plexmix.storage.sqlite_manager import SQLiteManager


@pytest.fixture
def db(tmp_path: Path) -> Iterator[SQLiteManager]:
    with SQLiteManager(tmp_path / "tags.db") as manager:
        with manager.transaction() as conn:
            upsert_artists(conn, [Artist(plex_key="a1", name="Clifton Chenier")])
            upsert_albums(conn, [Album(plex_key="b1", title="Bogalusa Boogie", artist_key="a1")],
                          key_map(conn, "artists"))
        yield manager


def _write(db: SQLiteManager, tracks: list[Track], tags: TagCache) -> None:
    with db.transaction() as conn:
        upsert_tracks(conn, tracks, key_map(conn, "artists"), key_map(conn, "albums"), tags)


def _links(db: SQLiteManager) -> dict[str, set[str]]:
    """plex_key -> its linked genres and tags, as ``genre:name`` / ``mood:name`` / ``style:name``."""
    rows = db.conn.execute(
        "SELECT t.plex_key, 'genre:' || g.name FROM track_genres tg JOIN tracks t ON t.id = tg.track_id "
        "JOIN genres g ON g.id = tg.genre_id UNION ALL "
        "SELECT t.plex_key, x.kind || ':' || x.name FROM track_tags tt JOIN tracks t ON t.id = tt.track_id "
        "JOIN tags x ON x.id = tt.tag_id"
    )
    out: dict[str, set[str]] = {}
    for key, link in rows:
        out.setdefault(key, set()).add(link)
    return out


def _track(key: str, **tags: list[str]) -> Track:
    return Track(plex_key=key, title=key, artist_key="a1", album_key="b1", **tags)  # type: ignore[arg-type]


def test_links_follow_the_text_and_are_replaced_on_update(db: SQLiteManager) -> None:
    tags = TagCache(db.conn)
    _write(db, [
        _track("t1", genres=["Zydeco", "Blues"], moods=["Party"], styles=["Louisiana"]),
        _track("t2", genres=["Zydeco", "Blues"], moods=["Party"]),  # the same lists: resolved once
        _track("t3"),
    ], tags)
    assert _links(db) == {
        "t1": {"genre:zydeco", "genre:blues", "mood:party", "style:louisiana"},
        "t2": {"genre:zydeco", "genre:blues", "mood:party"},
    }
    _write(db, [_track("t1", genres=["Cajun"], moods=["Party", "Joyful"])], tags)
    assert _links(db)["t1"] == {"genre:cajun", "mood:party", "mood:joyful"}  # the old ones are gone
    assert _links(db)["t2"] == {"genre:zydeco", "genre:blues", "mood:party"}  # others untouched


def test_a_rolled_back_batch_leaves_no_link_to_a_tag_that_no_longer_exists(db: SQLiteManager) -> None:
    tags = TagCache(db.conn)
    with pytest.raises(RuntimeError), db.transaction() as conn:
        upsert_tracks(conn, [_track("t1", genres=["Swamp Pop"])], key_map(conn, "artists"),
                      key_map(conn, "albums"), tags)
        raise RuntimeError("the batch fails after its links were written")
    assert db.conn.execute("SELECT COUNT(*) FROM genres").fetchone()[0] == 0
    tags.reload()
    _write(db, [_track("t1", genres=["Swamp Pop"]), _track("t2", genres=["Swamp Pop"])], tags)
    assert _links(db) == {"t1": {"genre:swamp pop"}, "t2": {"genre:swamp pop"}}
    assert db.conn.execute("PRAGMA foreign_key_check").fetchall() == []
