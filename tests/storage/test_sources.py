"""Sources (issue 13): the in-place migration of a one-library database, and the source rules."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from plexmix.storage.sources import (
    add_sources,
    all_sources,
    remove_source,
    source_for,
    source_ids,
)
from plexmix.storage.sqlite_manager import SQLiteManager


def fill(conn: sqlite3.Connection) -> None:
    """A small one-library database as PlexMix 0.1 kept it (artists, albums, tracks, tags, vectors)."""
    conn.execute("INSERT INTO artists (id, plex_key, name) VALUES (1, '10', 'Nina Simone'), (2, '11', 'Miles')")
    conn.execute("INSERT INTO albums (id, plex_key, title, artist_id) VALUES (5, '20', 'Pastel Blues', 1)")
    conn.execute(
        "INSERT INTO tracks (id, plex_key, title, artist_id, album_id, genres_text, play_count)"
        " VALUES (7, '30', 'Sinnerman', 1, 5, 'jazz', 4), (8, '31', 'So What', 2, NULL, 'jazz', 0)"
    )
    conn.execute("INSERT INTO genres (id, name) VALUES (1, 'jazz')")
    conn.execute("INSERT INTO track_genres (track_id, genre_id) VALUES (7, 1), (8, 1)")
    conn.execute(
        "INSERT INTO embeddings (track_id, model, dimension, text_hash, vector, created_at, updated_at)"
        " VALUES (7, 'm:x:2', 2, 'h', x'0000803f00000000', 1, 1)"
    )
    conn.execute("INSERT INTO playlists (id, plex_key, name, created_at) VALUES (1, '90', 'Mix', 1)")
    conn.execute("INSERT INTO playlist_tracks (playlist_id, track_id, position) VALUES (1, 7, 0), (1, 8, 1)")


def migrated(tmp_path: Path) -> sqlite3.Connection:
    conn = SQLiteManager(tmp_path / "plexmix.db").conn
    fill(conn)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("BEGIN IMMEDIATE")
    add_sources(conn)
    conn.execute("COMMIT")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def test_migration_keeps_every_row_and_reference(tmp_path: Path) -> None:
    conn = migrated(tmp_path)
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    rows = conn.execute("SELECT id, plex_key, title, artist_id, album_id, play_count, source_id FROM tracks")
    assert [tuple(r) for r in rows] == [(7, "30", "Sinnerman", 1, 5, 4, 1), (8, "31", "So What", 2, None, 0, 1)]
    assert conn.execute("SELECT COUNT(*) FROM embeddings WHERE track_id = 7").fetchone()[0] == 1
    assert conn.execute("SELECT COUNT(*) FROM track_genres").fetchone()[0] == 2
    assert conn.execute("SELECT COUNT(*) FROM playlist_tracks").fetchone()[0] == 2
    assert conn.execute("SELECT source_id FROM albums").fetchall()[0][0] == 1
    assert [s.legacy for s in all_sources(conn)] == [True]
    # the indexes and the full-text triggers came back
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('index', 'trigger')")}
    assert {"idx_tracks_artist", "idx_albums_year", "tracks_fts_insert", "artists_fts_rename"} <= names
    conn.execute("UPDATE artists SET name = 'Nina' WHERE id = 1")
    hit = conn.execute("SELECT rowid FROM tracks_fts WHERE tracks_fts MATCH 'nina'").fetchall()
    assert [r[0] for r in hit] == [7]


def test_plex_keys_are_unique_per_source_not_per_database(tmp_path: Path) -> None:
    conn = migrated(tmp_path)
    cabin = source_for(
        conn, server_id="cabin-id", server_name="cabin", section_key="1", section_uuid="u-c", title="Music"
    )
    conn.execute("INSERT INTO tracks (plex_key, title, source_id) VALUES ('30', 'Other song', ?)", (cabin.id,))
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO tracks (plex_key, title, source_id) VALUES ('30', 'Dup', 1)")


def test_the_legacy_placeholder_is_claimed_once_and_keeps_its_rows(tmp_path: Path) -> None:
    conn = migrated(tmp_path)
    other = source_for(
        conn, server_id="srv", server_name="default", section_key="2", section_uuid="u2", title="Classical"
    )
    assert other.id != 1  # not claimed: this is not the library the older PlexMix synced
    music = source_for(
        conn, server_id="srv", server_name="default", section_key="1", section_uuid="u1", title="Music",
        claim_legacy=True,
    )
    assert music.id == 1
    assert not any(s.legacy for s in all_sources(conn))
    again = source_for(
        conn, server_id="srv", server_name="default", section_key="1", section_uuid="u1", title="Music",
        claim_legacy=True,
    )
    assert again.id == 1
    assert source_ids(conn, server_id="srv", libraries=["music"]) == [1]
    assert source_ids(conn, server_id="srv") == [1, other.id]
    assert source_ids(conn, server_id="elsewhere") == []


def test_removing_a_source_removes_its_rows_only(tmp_path: Path) -> None:
    conn = migrated(tmp_path)
    cabin = source_for(
        conn, server_id="cabin-id", server_name="cabin", section_key="1", section_uuid="u-c", title="Music"
    )
    conn.execute("INSERT INTO tracks (plex_key, title, source_id) VALUES ('30', 'Other song', ?)", (cabin.id,))
    counts = remove_source(conn, cabin.id)
    assert counts == {"tracks": 1, "albums": 0, "artists": 0}
    assert conn.execute("SELECT COUNT(*) FROM tracks").fetchone()[0] == 2
    counts = remove_source(conn, 1)
    assert counts == {"tracks": 2, "albums": 1, "artists": 2}
    assert conn.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0] == 0  # cascaded
    assert conn.execute("SELECT COUNT(*) FROM tracks_fts").fetchone()[0] == 0
