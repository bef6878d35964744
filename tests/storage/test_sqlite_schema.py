from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from plexmix.errors import DatabaseError
from plexmix.storage import migrations
from plexmix.storage.library import key_map, upsert_albums, upsert_artists, upsert_tracks
from plexmix.storage.mirror import has_unknown_tags, mark_tags_synced, tracks_with_stale_tags
from plexmix.storage.models import Album, Artist, Track
from plexmix.storage.sqlite_manager import SQLiteManager


def test_new_database_has_every_table_and_latest_version(tmp_path: Path) -> None:
    with SQLiteManager(tmp_path / "p.db") as db:
        names = {r[0] for r in db.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {
            "artists", "albums", "tracks", "genres", "track_genres", "tags", "track_tags",
            "embeddings", "sync_history", "playlists", "playlist_tracks", "tracks_fts", "schema_version",
        } <= names
        assert db.schema_version == migrations.LATEST_VERSION
        assert db.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert db.integrity_check() == []


def test_reopening_does_not_migrate_again(tmp_path: Path) -> None:
    SQLiteManager(tmp_path / "p.db").close()
    with SQLiteManager(tmp_path / "p.db") as db:
        versions = [r[0] for r in db.conn.execute("SELECT version FROM schema_version ORDER BY version")]
    assert versions == [n for n, _, _ in migrations.MIGRATIONS]


def test_migration_from_version_1_keeps_rows_and_fills_fts(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    assert migrations.migrate(conn, target=1) == [1]
    conn.execute("INSERT INTO artists (id, plex_key, name) VALUES (1, 'a1', 'Miles Davis')")
    conn.execute(
        "INSERT INTO albums (id, plex_key, title, artist_id, year) VALUES (1, 'b1', 'Kind of Blue', 1, 1959)"
    )
    conn.execute(
        "INSERT INTO tracks (id, plex_key, title, artist_id, album_id, year, rating) "
        "VALUES (1, 't1', 'So What', 1, 1, 1959, 10.0)"
    )
    conn.execute("INSERT INTO genres (id, name) VALUES (1, 'jazz')")
    conn.execute("INSERT INTO track_genres (track_id, genre_id) VALUES (1, 1)")
    conn.execute("INSERT INTO playlists (id, name, created_at) VALUES (1, 'old list', 0)")
    conn.execute("INSERT INTO playlist_tracks (playlist_id, track_id, position) VALUES (1, 1, 1)")
    conn.close()

    with SQLiteManager(path) as db:
        assert db.schema_version == migrations.LATEST_VERSION
        row = db.conn.execute("SELECT title, rating, genres_text FROM tracks WHERE id = 1").fetchone()
        assert tuple(row) == ("So What", 10.0, "jazz")
        hits = db.conn.execute("SELECT rowid FROM tracks_fts WHERE tracks_fts MATCH 'jazz'").fetchall()
        assert [h[0] for h in hits] == [1]
        hits = db.conn.execute("SELECT rowid FROM tracks_fts WHERE tracks_fts MATCH 'miles'").fetchall()
        assert [h[0] for h in hits] == [1]
        assert db.conn.execute("SELECT COUNT(*) FROM playlist_tracks").fetchone()[0] == 1
        assert db.integrity_check() == []


def test_migration_7_marks_old_album_and_artist_tags_unknown_until_a_sync_reads_them(tmp_path: Path) -> None:
    path = tmp_path / "v6.db"
    conn = sqlite3.connect(path, isolation_level=None)
    assert migrations.migrate(conn, target=6) == [1, 2, 3, 4, 5, 6]
    conn.execute(
        "INSERT INTO artists (id, plex_key, name, genres_text) VALUES (1, 'a1', 'Miles Davis', 'jazz')"
    )
    conn.executemany(
        "INSERT INTO albums (id, plex_key, title, artist_id) VALUES (?, ?, ?, 1)",
        [(1, "b1", "Kind of Blue"), (2, "b2", "Untagged")],
    )
    conn.executemany(
        "INSERT INTO tracks (id, plex_key, title, artist_id, album_id, genres_text) VALUES (?, ?, ?, 1, ?, ?)",
        [(1, "t1", "So What", 1, "jazz"), (2, "t2", "Freddie Freeloader", 1, ""),
         (3, "t3", "Blue Intro", 2, "jazz"), (4, "t4", "Blue Outro", 2, "")],
    )
    conn.close()

    with SQLiteManager(path) as db, db.transaction() as tx:
        flags = tx.execute(
            "SELECT plex_key, tags_synced FROM albums UNION ALL SELECT plex_key, tags_synced FROM artists"
        )
        assert dict(flags.fetchall()) == {"b1": 0, "b2": 0, "a1": 0}
        assert has_unknown_tags(tx)
        # The sync reads the albums from Plex: b1 is jazz, b2 has no tags (its tracks inherit a1's),
        # b3 is new. A stored row stays unknown until its tracks were re-derived; a new row is known.
        albums = [Album(plex_key="b1", title="Kind of Blue", artist_key="a1", genres=["Jazz"]),
                  Album(plex_key="b2", title="Untagged", artist_key="a1"),
                  Album(plex_key="b3", title="Sketches of Spain", artist_key="a1", genres=["Jazz"])]
        upsert_albums(tx, albums, key_map(tx, "artists"))
        flags = tx.execute("SELECT plex_key, tags_synced, genres_text FROM albums ORDER BY plex_key")
        assert [tuple(r) for r in flags] == [("b1", 0, "jazz"), ("b2", 0, ""), ("b3", 1, "jazz")]
        # t1 and t3 hold what they inherit (album, else artist); t2 and t4 lost it.
        assert tracks_with_stale_tags(tx) == ["t2", "t4"]
        mark_tags_synced(tx)
        assert not has_unknown_tags(tx)
        assert tracks_with_stale_tags(tx) == []


def test_failed_migration_rolls_back_to_last_good_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = [*migrations.MIGRATIONS[:1], (2, "broken", "CREATE TABLE x (a); INSERT INTO nope VALUES (1);")]
    monkeypatch.setattr(migrations, "MIGRATIONS", broken)
    conn = sqlite3.connect(tmp_path / "p.db", isolation_level=None)
    with pytest.raises(sqlite3.OperationalError):
        migrations.migrate(conn, target=2)
    assert migrations.current_version(conn) == 1
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "x" not in tables


def test_database_from_a_newer_plexmix_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.db"
    with SQLiteManager(path) as db:
        db.conn.execute("INSERT INTO schema_version VALUES (999, 'future', 0)")
    with pytest.raises(DatabaseError, match="newer PlexMix"):
        SQLiteManager(path)


def test_corrupt_database_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "p.db"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(DatabaseError) as info:
        SQLiteManager(path)
    assert "cannot be opened" in info.value.message
    assert info.value.hint and "sync full" in info.value.hint


def test_fts_trigger_follows_artist_rename(tmp_path: Path) -> None:
    with SQLiteManager(tmp_path / "p.db") as db, db.transaction() as conn:
        upsert_artists(conn, [Artist(plex_key="a1", name="Prince")])
        artists = key_map(conn, "artists")
        upsert_albums(conn, [Album(plex_key="b1", title="Purple Rain", artist_key="a1")], artists)
        albums = key_map(conn, "albums")
        upsert_tracks(conn, [Track(plex_key="t1", title="When Doves Cry", artist_key="a1", album_key="b1")],
                      artists, albums)
        upsert_artists(conn, [Artist(plex_key="a1", name="The Artist")])
        found = conn.execute("SELECT artist FROM tracks_fts WHERE tracks_fts MATCH 'doves'").fetchone()
        assert found[0] == "The Artist"
