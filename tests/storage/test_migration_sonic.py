"""Migration 8: the sonic analysis version of tracks, added to databases of every older schema."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from plexmix.storage import mirror
from plexmix.storage.library import get_track_by_plex_key, upsert_albums, upsert_artists, upsert_tracks
from plexmix.storage.migrations import LATEST_VERSION, current_version, migrate
from plexmix.storage.models import Album, Artist, Track
from plexmix.storage.sqlite_manager import SQLiteManager


def _old_database(path: Path, version: int) -> None:
    """A database at ``version`` holding one artist, album and track (columns every version has)."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        migrate(conn, target=version)
        conn.execute("INSERT INTO artists (id, plex_key, name) VALUES (1, 'a1', 'Nina Simone')")
        conn.execute("INSERT INTO albums (id, plex_key, title, artist_id, year) VALUES (1, 'b1', 'Pastel Blues', 1, 1965)")
        conn.execute(
            "INSERT INTO tracks (id, plex_key, title, artist_id, album_id, year, rating, play_count, file_path)"
            " VALUES (7, 't7', 'Sinnerman', 1, 1, 1965, 10.0, 3, '/music/sinnerman.flac')"
        )
    finally:
        conn.close()


@pytest.mark.parametrize("version", [1, 7])
def test_upgrade_keeps_the_rows_and_adds_an_empty_column(tmp_path: Path, version: int) -> None:
    path = tmp_path / "old.db"
    _old_database(path, version)
    with SQLiteManager(path) as db:  # opening migrates
        assert db.schema_version == LATEST_VERSION
        columns = {r[1]: r[2] for r in db.conn.execute("PRAGMA table_info(tracks)")}
        assert columns["music_analysis_version"] == "INTEGER"
        track = get_track_by_plex_key(db.conn, "t7")
        assert track is not None
        assert (track.title, track.artist_name, track.album_title, track.year, track.rating) == (
            "Sinnerman", "Nina Simone", "Pastel Blues", 1965, 10.0
        )
        assert (track.play_count, track.file_path, track.id) == (3, "/music/sinnerman.flac", 7)
        assert track.music_analysis_version is None
        # Stored tracks were never asked about their analysis: the next sync must learn it.
        assert mirror.analysis_known(db.conn) is False
        mirror.mark_analysis_known(db.conn)
        assert mirror.analysis_known(db.conn) is True
        assert db.integrity_check() == []


def test_a_new_or_empty_database_knows_its_analysis(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "empty.db", isolation_level=None)
    try:
        migrate(conn, target=7)
        migrate(conn)
        assert current_version(conn) == LATEST_VERSION
        assert mirror.analysis_known(conn) is True  # no rows, nothing to learn
    finally:
        conn.close()


def test_the_version_is_written_and_read_with_the_track(tmp_path: Path) -> None:
    with SQLiteManager(tmp_path / "p.db") as db:
        upsert_artists(db.conn, [Artist(plex_key="a1", name="Artist")])
        upsert_albums(db.conn, [Album(plex_key="b1", title="Album", artist_key="a1")], {"a1": 1})
        ids = {"a1": 1}, {"b1": 1}
        tracks = [
            Track(plex_key="t1", title="Analysed", artist_key="a1", album_key="b1", music_analysis_version=1),
            Track(plex_key="t2", title="Not analysed", artist_key="a1", album_key="b1"),
        ]
        counts, _ = upsert_tracks(db.conn, tracks, *ids)
        assert counts.added == 2
        read = [get_track_by_plex_key(db.conn, k) for k in ("t1", "t2")]
        assert [t.music_analysis_version for t in read if t] == [1, None]
        # A change of the version alone is a change of the row.
        tracks[1].music_analysis_version = 1
        counts, written = upsert_tracks(db.conn, tracks, *ids)
        assert (counts.updated, counts.unchanged, written) == (1, 1, ["t2"])
