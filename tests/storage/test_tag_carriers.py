"""Stored tag carriers (storage/tag_carriers.py): the same ids as the tag index, read from one
blob while no tag link changed, read again after any write that changes links."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from one_album import album_track, one_album_db

from plexmix.storage import tag_carriers
from plexmix.storage.library import delete_tracks, key_map, upsert_tracks
from plexmix.storage.sources import remove_source
from plexmix.storage.sqlite_manager import SQLiteManager


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SQLiteManager]:
    """Six tracks; "calm" on four, "sad" on two; every tag is stored once read."""
    monkeypatch.setattr(tag_carriers, "CACHED_FROM", 1)
    tracks = [album_track(f"t{i}", moods=["calm"] if i < 4 else ["sad"]) for i in range(6)]
    with one_album_db(tmp_path / "m.db", tracks) as manager:
        yield manager


def tag_id(conn: sqlite3.Connection, name: str) -> int:
    return int(conn.execute("SELECT id FROM tags WHERE kind = 'mood' AND name = ?", (name,)).fetchone()[0])


def from_index(conn: sqlite3.Connection, name: str) -> list[int]:
    sql = "SELECT track_id FROM track_tags WHERE tag_id = ? ORDER BY track_id"
    return [row[0] for row in conn.execute(sql, (tag_id(conn, name),))]


def stored(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COUNT(*) FROM tag_carriers").fetchone()[0])


def test_the_carriers_are_the_index_ids_and_are_kept(db: SQLiteManager) -> None:
    calm = tag_carriers.carriers(db.conn, tag_id(db.conn, "calm"))
    assert calm.dtype == np.int64 and calm.tolist() == from_index(db.conn, "calm") and len(calm) == 4
    assert stored(db.conn) == 1
    # Read from the blob now: a link removed behind the storage layer's back is not seen...
    db.conn.execute("DELETE FROM track_tags WHERE tag_id = ? AND track_id = ?", (tag_id(db.conn, "calm"), calm[0]))
    assert tag_carriers.carriers(db.conn, tag_id(db.conn, "calm")).tolist() == calm.tolist()


def test_a_tag_on_few_tracks_is_not_kept(db: SQLiteManager, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tag_carriers, "CACHED_FROM", 3)
    assert len(tag_carriers.carriers(db.conn, tag_id(db.conn, "sad"))) == 2
    assert stored(db.conn) == 0


def test_new_links_written_by_an_upsert_are_seen(db: SQLiteManager) -> None:
    calm = tag_id(db.conn, "calm")
    tag_carriers.carriers(db.conn, calm)
    with db.transaction() as tx:  # t5 becomes calm as a sync writes it
        upsert_tracks(tx, [album_track("t5", moods=["calm"])], key_map(tx, "artists"), key_map(tx, "albums"))
    assert tag_carriers.carriers(db.conn, calm).tolist() == from_index(db.conn, "calm")
    assert len(from_index(db.conn, "calm")) == 5


def test_deleted_tracks_are_gone_from_the_carriers(db: SQLiteManager) -> None:
    calm = tag_id(db.conn, "calm")
    before = tag_carriers.carriers(db.conn, calm).tolist()
    with db.transaction() as tx:
        assert delete_tracks(tx, ["t0"]) == 1
    after = tag_carriers.carriers(db.conn, calm).tolist()
    assert after == from_index(db.conn, "calm") and len(after) == len(before) - 1


def test_a_removed_library_is_gone_from_the_carriers(db: SQLiteManager) -> None:
    calm = tag_id(db.conn, "calm")
    assert len(tag_carriers.carriers(db.conn, calm)) == 4
    with db.transaction() as tx:
        remove_source(tx, 1)
    assert tag_carriers.carriers(db.conn, calm).tolist() == []


def test_a_busy_database_is_read_not_waited_for(db: SQLiteManager, tmp_path: Path) -> None:
    """While another connection (a sync) holds the write lock, the ids come from the index at
    once and are simply not kept; the connection's own busy timeout is left as it was."""
    writer = sqlite3.connect(tmp_path / "m.db", isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        calm = tag_carriers.carriers(db.conn, tag_id(db.conn, "calm"))
        assert calm.tolist() == from_index(db.conn, "calm") and stored(db.conn) == 0
        assert db.conn.execute("PRAGMA busy_timeout").fetchone()[0] > 0
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    tag_carriers.carriers(db.conn, tag_id(db.conn, "calm"))
    assert stored(db.conn) == 1


def test_refresh_after_a_change_stores_every_common_tag_once(
    db: SQLiteManager, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tag_carriers, "CACHED_FROM", 2)  # "calm" (4 tracks) and "sad" (2) are common
    monkeypatch.setattr(tag_carriers, "REFRESH_FROM_TRACKS", 5)
    assert tag_carriers.refresh(db.conn) == 2 and stored(db.conn) == 2
    assert tag_carriers.refresh(db.conn) == 0  # nothing changed since: nothing to do
    calm = tag_id(db.conn, "calm")
    # Read from the blob: a link removed behind the storage layer's back is not seen.
    db.conn.execute("DELETE FROM track_tags WHERE tag_id = ? AND track_id = (SELECT MIN(track_id) "
                    "FROM track_tags WHERE tag_id = ?)", (calm, calm))
    assert len(tag_carriers.carriers(db.conn, calm)) == 4
    with db.transaction() as tx:  # a sync deletes a sad track: every tag is stored anew
        delete_tracks(tx, ["t5"])
    assert tag_carriers.refresh(db.conn) == 1  # calm (3 left); sad is on one track now
    assert tag_carriers.carriers(db.conn, calm).tolist() == from_index(db.conn, "calm")
    assert len(from_index(db.conn, "calm")) == 3 and stored(db.conn) == 1


def test_refresh_leaves_a_small_library_to_the_readers(db: SQLiteManager, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tag_carriers, "REFRESH_FROM_TRACKS", 7)  # six tracks: below it
    assert tag_carriers.refresh(db.conn) == 0 and stored(db.conn) == 0


@pytest.mark.parametrize("moods", [["calm"], ["calm", "sad"], ["Calm ", "no such mood"], ["no such mood"]])
def test_mood_filters_read_the_carriers(db: SQLiteManager, monkeypatch: pytest.MonkeyPatch, moods: list[str]) -> None:
    from plexmix.storage.queries import TrackFilters, track_ids

    wanted = sorted({tid for name in ("calm", "sad") if name in [m.strip().lower() for m in moods]
                     for tid in from_index(db.conn, name)})
    for cached_from in (10**6, 1):  # from the index, then from the stored blobs
        monkeypatch.setattr(tag_carriers, "CACHED_FROM", cached_from)
        for _ in range(2):
            assert track_ids(db.conn, TrackFilters(moods=moods)).tolist() == wanted
