"""Sources (issue 13): the in-place migration of a one-library database, and the source rules."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from plexmix.storage.migrations import migrate
from plexmix.storage.sources import all_sources, remove_source, source_for, source_ids
from plexmix.storage.sqlite_manager import SQLiteManager


def fill(conn: sqlite3.Connection) -> None:
    """A small one-library database as PlexMix kept it before sources (schema 11)."""
    conn.execute("INSERT INTO artists (id, plex_key, name) VALUES (1, '10', 'Nina Simone'), (2, '11', 'Miles')")
    conn.execute("INSERT INTO albums (id, plex_key, title, artist_id) VALUES (5, '20', 'Pastel Blues', 1)")
    conn.execute(
        "INSERT INTO tracks (id, plex_key, title, artist_id, album_id, genres_text, play_count)"
        " VALUES (7, '30', 'Sinnerman', 1, 5, 'jazz', 4), (8, '31', 'So What', 2, NULL, 'jazz', 0)"
    )
    conn.execute(
        "INSERT INTO embeddings (track_id, model, dimension, text_hash, vector, created_at, updated_at)"
        " VALUES (7, 'm:x:2', 2, 'h', x'0000803f00000000', 1, 1)"
    )


def upgraded(tmp_path: Path) -> sqlite3.Connection:
    path = tmp_path / "plexmix.db"
    old = sqlite3.connect(path, isolation_level=None)
    migrate(old, target=11)
    fill(old)
    old.close()
    return SQLiteManager(path).conn  # opening it migrates it


def music(conn: sqlite3.Connection, *, claim: bool = False, uuid: str = "u1", title: str = "Music") -> int:
    return source_for(
        conn, server_id="srv", server_name="default", section_key=uuid, section_uuid=uuid, title=title,
        claim_legacy=claim,
    ).id


def test_the_upgrade_keeps_every_row_in_the_placeholder_source(tmp_path: Path) -> None:
    conn = upgraded(tmp_path)
    rows = conn.execute("SELECT id, plex_key, play_count, source_id FROM tracks ORDER BY id").fetchall()
    assert [tuple(r) for r in rows] == [(7, "30", 4, 1), (8, "31", 0, 1)]
    assert {r[0] for r in conn.execute("SELECT source_id FROM albums UNION SELECT source_id FROM artists")} == {1}
    assert conn.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0] == 1
    assert [s.legacy for s in all_sources(conn)] == [True]


def test_only_the_library_the_older_plexmix_synced_claims_the_old_rows(tmp_path: Path) -> None:
    conn = upgraded(tmp_path)
    classical = music(conn, uuid="u2", title="Classical")
    assert classical != 1  # the placeholder holds rows: not given to another library
    assert music(conn, claim=True) == 1
    assert not any(s.legacy for s in all_sources(conn))
    assert music(conn, claim=True) == 1  # found again by its server and uuid
    assert source_ids(conn, server_id="srv", libraries=["MUSIC"]) == [1]
    assert source_ids(conn, server_id="srv") == [1, classical]
    assert source_ids(conn, server_id="elsewhere") == []


def test_a_new_database_gives_the_placeholder_to_its_first_library(tmp_path: Path) -> None:
    conn = SQLiteManager(tmp_path / "new.db").conn
    assert music(conn, uuid="u2", title="Classical") == 1
    assert music(conn) == 2
    assert [s.title for s in all_sources(conn)] == ["Classical", "Music"]


def test_removing_a_source_removes_its_rows_only(tmp_path: Path) -> None:
    conn = upgraded(tmp_path)
    assert music(conn, claim=True) == 1
    kids = music(conn, uuid="u3", title="Kids")
    conn.execute("INSERT INTO tracks (plex_key, title, source_id) VALUES ('99', 'Baby Shark', ?)", (kids,))
    assert remove_source(conn, kids) == {"tracks": 1, "albums": 0, "artists": 0}
    assert conn.execute("SELECT COUNT(*) FROM tracks").fetchone()[0] == 2
    assert remove_source(conn, 1) == {"tracks": 2, "albums": 1, "artists": 2}
    assert conn.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0] == 0  # cascaded
    assert conn.execute("SELECT COUNT(*) FROM tracks_fts").fetchone()[0] == 0
    assert all_sources(conn) == []
