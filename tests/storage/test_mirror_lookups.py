"""Lookups every ``create`` or sync makes, read from indexes (migration 14), not scans: the newest
play stored, whether tags remain unread, the track count."""

from __future__ import annotations

from pathlib import Path

from one_album import album_track, one_album_db

from plexmix.storage import mirror


def test_newest_play_is_the_latest_last_played(tmp_path: Path) -> None:
    tracks = [album_track("t1", last_played=1_700_000_000), album_track("t2"),
              album_track("t3", last_played=1_700_000_500)]
    with one_album_db(tmp_path / "m.db", tracks) as db:
        assert mirror.newest_play(db.conn) == 1_700_000_500


def test_newest_play_none_when_nothing_was_played(tmp_path: Path) -> None:
    with one_album_db(tmp_path / "m.db", [album_track("t1"), album_track("t2")]) as db:
        assert mirror.newest_play(db.conn) is None


def test_newest_play_reads_the_index_not_every_track(tmp_path: Path) -> None:
    """Every ``create`` asks for it: on a million tracks a scan cost ~160 ms, the index ~0."""
    with one_album_db(tmp_path / "m.db", [album_track("t1", last_played=5)]) as db:
        sql = "EXPLAIN QUERY PLAN SELECT MAX(last_played) FROM tracks WHERE last_played IS NOT NULL"
        plan = " ".join(str(row[-1]) for row in db.conn.execute(sql))
        assert "idx_tracks_last_played" in plan
        assert "SCAN" not in plan


def plan(db_conn: object, sql: str) -> str:
    return " ".join(str(row[-1]) for row in db_conn.execute(f"EXPLAIN QUERY PLAN {sql}"))  # type: ignore[attr-defined]


def test_unread_tags_are_looked_for_in_indexes_that_are_empty_once_read(tmp_path: Path) -> None:
    with one_album_db(tmp_path / "m.db", [album_track("t1")]) as db:
        assert mirror.has_unknown_tags(db.conn) is False  # a sync's new rows are marked read
        sql = "SELECT 1 FROM albums WHERE tags_synced = 0"
        assert "idx_albums_tags_unknown" in plan(db.conn, sql)
        assert "idx_artists_tags_unknown" in plan(db.conn, sql.replace("albums", "artists"))
        db.conn.execute("UPDATE albums SET tags_synced = 0")
        assert mirror.has_unknown_tags(db.conn) is True


def test_track_count_of_one_library_among_several(tmp_path: Path) -> None:
    with one_album_db(tmp_path / "m.db", [album_track("t1"), album_track("t2")]) as db:
        assert mirror.track_count(db.conn, 1) == mirror.track_count(db.conn) == 2
        db.conn.execute("INSERT INTO sources (id, server_id) VALUES (2, 'other')")
        db.conn.execute("UPDATE tracks SET source_id = 2 WHERE plex_key = 't2'")
        assert (mirror.track_count(db.conn, 1), mirror.track_count(db.conn, 2), mirror.track_count(db.conn)) == (1, 1, 2)
