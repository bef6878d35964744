"""``mirror.newest_play``: the newest play stored, read from the partial index of migration 14."""

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
