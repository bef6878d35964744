"""Numbered schema migrations.

Each migration is a numbered SQL script registered in :data:`MIGRATIONS` in order. Each runs inside
one transaction together with its ``schema_version`` row, so a database made by an older PlexMix is
upgraded in place without losing rows, and a failed migration leaves the last good version.
"""

from __future__ import annotations

import sqlite3
import time

from plexmix.storage.migration_sql import (
    M009_ACTIVITY_WATERMARKS,
    M010_EMBEDDING_CHANGES,
    M011_LOOKUPS_FOR_CREATE,
    M012_SOURCES,
    M013_RECIPES_AND_HISTORY,
    M014_LOOKUPS_AT_SCALE,
)

# Artists, albums, tracks, genres, embeddings, sync history, playlists.
M001_CORE_TABLES = """
        CREATE TABLE artists (
            id INTEGER PRIMARY KEY,
            plex_key TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            sort_name TEXT,
            summary TEXT,
            added_at INTEGER,
            updated_at INTEGER
        );
        CREATE TABLE albums (
            id INTEGER PRIMARY KEY,
            plex_key TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL,
            artist_id INTEGER REFERENCES artists(id) ON DELETE SET NULL,
            year INTEGER,
            added_at INTEGER,
            updated_at INTEGER
        );
        CREATE TABLE tracks (
            id INTEGER PRIMARY KEY,
            plex_key TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL,
            artist_id INTEGER REFERENCES artists(id) ON DELETE SET NULL,
            album_id INTEGER REFERENCES albums(id) ON DELETE SET NULL,
            track_number INTEGER,
            disc_number INTEGER,
            duration_ms INTEGER,
            year INTEGER,
            rating REAL,
            play_count INTEGER NOT NULL DEFAULT 0,
            last_played INTEGER,
            file_path TEXT,
            added_at INTEGER,
            updated_at INTEGER
        );
        CREATE TABLE genres (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE
        );
        CREATE TABLE track_genres (
            track_id INTEGER NOT NULL REFERENCES tracks(id) ON DELETE CASCADE,
            genre_id INTEGER NOT NULL REFERENCES genres(id) ON DELETE CASCADE,
            PRIMARY KEY (track_id, genre_id)
        ) WITHOUT ROWID;
        CREATE TABLE embeddings (
            track_id INTEGER PRIMARY KEY REFERENCES tracks(id) ON DELETE CASCADE,
            model TEXT NOT NULL,
            dimension INTEGER NOT NULL,
            text_hash TEXT NOT NULL,
            vector BLOB NOT NULL,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        );
        CREATE TABLE sync_history (
            id INTEGER PRIMARY KEY,
            mode TEXT NOT NULL,
            status TEXT NOT NULL,
            started_at INTEGER NOT NULL,
            finished_at INTEGER,
            tracks_added INTEGER NOT NULL DEFAULT 0,
            tracks_updated INTEGER NOT NULL DEFAULT 0,
            tracks_removed INTEGER NOT NULL DEFAULT 0,
            error_message TEXT
        );
        CREATE TABLE playlists (
            id INTEGER PRIMARY KEY,
            plex_key TEXT,
            name TEXT NOT NULL,
            description TEXT,
            mood_query TEXT,
            created_by_ai INTEGER NOT NULL DEFAULT 1,
            created_at INTEGER NOT NULL
        );
        CREATE TABLE playlist_tracks (
            playlist_id INTEGER NOT NULL REFERENCES playlists(id) ON DELETE CASCADE,
            track_id INTEGER NOT NULL REFERENCES tracks(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            PRIMARY KEY (playlist_id, position)
        ) WITHOUT ROWID;

        CREATE INDEX idx_tracks_artist ON tracks(artist_id);
        CREATE INDEX idx_tracks_album ON tracks(album_id);
        CREATE INDEX idx_tracks_rating ON tracks(rating);
        CREATE INDEX idx_tracks_year ON tracks(year);
        CREATE INDEX idx_albums_artist ON albums(artist_id);
        CREATE INDEX idx_albums_year ON albums(year);
        CREATE INDEX idx_track_genres_genre ON track_genres(genre_id, track_id);
        CREATE INDEX idx_playlist_tracks_track ON playlist_tracks(track_id);
"""


# What the FTS triggers of migrations 2 and 5 write: a track's full-text row (its title, artist,
# album, genres, and moods and styles as tags).
_FTS_INSERT_ROW = """
            INSERT INTO tracks_fts (rowid, title, artist, album, genres, tags) VALUES (
                new.id, new.title,
                COALESCE((SELECT name FROM artists WHERE id = new.artist_id), ''),
                COALESCE((SELECT title FROM albums WHERE id = new.album_id), ''),
                new.genres_text, trim(new.moods_text || ' ' || new.styles_text));
        END;"""
_FTS_UPDATE_ROW = """
            UPDATE tracks_fts SET
                title = new.title,
                artist = COALESCE((SELECT name FROM artists WHERE id = new.artist_id), ''),
                album = COALESCE((SELECT title FROM albums WHERE id = new.album_id), ''),
                genres = new.genres_text,
                tags = trim(new.moods_text || ' ' || new.styles_text)
            WHERE rowid = new.id;
        END;"""


# Plex moods and styles as tags, denormalised tag text, and the FTS5 index with triggers.

# The triggers address FTS rows by rowid (= tracks.id), so each write costs O(1).
#
M002_TAGS_AND_FTS = f"""
        CREATE TABLE tags (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('mood', 'style')),
            name TEXT NOT NULL,
            UNIQUE (kind, name)
        );
        CREATE TABLE track_tags (
            track_id INTEGER NOT NULL REFERENCES tracks(id) ON DELETE CASCADE,
            tag_id INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
            PRIMARY KEY (track_id, tag_id)
        ) WITHOUT ROWID;
        CREATE INDEX idx_track_tags_tag ON track_tags(tag_id, track_id);

        ALTER TABLE tracks ADD COLUMN genres_text TEXT NOT NULL DEFAULT '';
        ALTER TABLE tracks ADD COLUMN moods_text TEXT NOT NULL DEFAULT '';
        ALTER TABLE tracks ADD COLUMN styles_text TEXT NOT NULL DEFAULT '';

        UPDATE tracks SET genres_text = COALESCE((
            SELECT group_concat(g.name, ', ') FROM track_genres tg
            JOIN genres g ON g.id = tg.genre_id WHERE tg.track_id = tracks.id
        ), '');

        CREATE VIRTUAL TABLE tracks_fts USING fts5(
            title, artist, album, genres, tags, tokenize = 'unicode61 remove_diacritics 2'
        );

        INSERT INTO tracks_fts (rowid, title, artist, album, genres, tags)
        SELECT t.id, t.title, COALESCE(ar.name, ''), COALESCE(al.title, ''), t.genres_text,
               trim(t.moods_text || ' ' || t.styles_text)
        FROM tracks t
        LEFT JOIN artists ar ON ar.id = t.artist_id
        LEFT JOIN albums al ON al.id = t.album_id;

        CREATE TRIGGER tracks_fts_insert AFTER INSERT ON tracks BEGIN{_FTS_INSERT_ROW}
        CREATE TRIGGER tracks_fts_update AFTER UPDATE OF
            title, artist_id, album_id, genres_text, moods_text, styles_text ON tracks BEGIN{_FTS_UPDATE_ROW}
        CREATE TRIGGER tracks_fts_delete AFTER DELETE ON tracks BEGIN
            DELETE FROM tracks_fts WHERE rowid = old.id;
        END;
        CREATE TRIGGER artists_fts_rename AFTER UPDATE OF name ON artists BEGIN
            UPDATE tracks_fts SET artist = new.name
            WHERE rowid IN (SELECT id FROM tracks WHERE artist_id = new.id);
        END;
        CREATE TRIGGER albums_fts_rename AFTER UPDATE OF title ON albums BEGIN
            UPDATE tracks_fts SET album = new.title
            WHERE rowid IN (SELECT id FROM tracks WHERE album_id = new.id);
        END;
"""


# Richer sync history (per-kind counts, duration) and playlist provenance and reasons.
M003_HISTORY_AND_PLAYLIST_DETAILS = """
        ALTER TABLE sync_history ADD COLUMN artists_synced INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE sync_history ADD COLUMN albums_synced INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE sync_history ADD COLUMN tracks_seen INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE sync_history ADD COLUMN duration_s REAL;
        ALTER TABLE sync_history ADD COLUMN server_time INTEGER;
        CREATE INDEX idx_sync_history_status ON sync_history(status, started_at);

        ALTER TABLE playlists ADD COLUMN provider TEXT;
        ALTER TABLE playlists ADD COLUMN model TEXT;
        ALTER TABLE playlists ADD COLUMN updated_at INTEGER;
        ALTER TABLE playlist_tracks ADD COLUMN reason TEXT;
        CREATE INDEX idx_playlists_plex_key ON playlists(plex_key);
"""


# Album and artist tags, so a sync can derive a track's genres/moods/styles without asking Plex
# for unchanged albums.
M004_ALBUM_ARTIST_TAGS = """
        ALTER TABLE albums ADD COLUMN genres_text TEXT NOT NULL DEFAULT '';
        ALTER TABLE albums ADD COLUMN moods_text TEXT NOT NULL DEFAULT '';
        ALTER TABLE albums ADD COLUMN styles_text TEXT NOT NULL DEFAULT '';
        ALTER TABLE artists ADD COLUMN genres_text TEXT NOT NULL DEFAULT '';
        ALTER TABLE artists ADD COLUMN moods_text TEXT NOT NULL DEFAULT '';
        ALTER TABLE artists ADD COLUMN styles_text TEXT NOT NULL DEFAULT '';
"""

# FTS5 flushes its pending index at every statement savepoint, and a trigger runs inside one per
# row, so bulk writes through the triggers cost ~70 us a row instead of ~9. Bulk writers set
# fts_control.bulk = 1 inside their transaction, write, refresh the FTS rows of exactly the ids
# they wrote in one statement, and set it back; every other write still goes through the
# triggers.
M005_FTS_BULK_SWITCH = f"""
        CREATE TABLE fts_control (id INTEGER PRIMARY KEY CHECK (id = 1), bulk INTEGER NOT NULL DEFAULT 0);
        INSERT INTO fts_control (id, bulk) VALUES (1, 0);
        DROP TRIGGER tracks_fts_insert;
        DROP TRIGGER tracks_fts_update;
        CREATE TRIGGER tracks_fts_insert AFTER INSERT ON tracks
        WHEN (SELECT bulk FROM fts_control WHERE id = 1) = 0 BEGIN{_FTS_INSERT_ROW}
        CREATE TRIGGER tracks_fts_update AFTER UPDATE OF
            title, artist_id, album_id, genres_text, moods_text, styles_text ON tracks
        WHEN (SELECT bulk FROM fts_control WHERE id = 1) = 0 BEGIN{_FTS_UPDATE_ROW}
"""

# A covering index, so the index consistency check (track id + text hash per model) and the
# per-model counts read a few hundred KB instead of every stored vector.
M006_EMBEDDINGS_MODEL_INDEX = """
        CREATE INDEX idx_embeddings_model ON embeddings(model, track_id, text_hash);
"""

# Whether the tags of an album/artist have been read from Plex. Migration 4 added the tag columns
# empty, so a row from before it holds no tags although Plex may have some; every existing row is
# marked unknown (0). An incremental sync that finds unknown rows lists albums and artists once,
# re-reads the stored tracks that inherited from them, and then marks them known (1).
M007_TAGS_SYNCED = """
        ALTER TABLE albums ADD COLUMN tags_synced INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE artists ADD COLUMN tags_synced INTEGER NOT NULL DEFAULT 0;
"""

# Plex's sonic analysis version of each track (NULL: not analysed). A row from before this migration
# has never been asked: ``mirror_state.analysis_known`` is 0 when such rows exist, and the next
# incremental sync then lists the tracks once to learn their versions (a full sync does anyway).
M008_MUSIC_ANALYSIS = """
        ALTER TABLE tracks ADD COLUMN music_analysis_version INTEGER;
        CREATE TABLE mirror_state (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            analysis_known INTEGER NOT NULL DEFAULT 1
        );
        INSERT INTO mirror_state (id, analysis_known) VALUES (1, NOT EXISTS (SELECT 1 FROM tracks));
"""

MIGRATIONS: list[tuple[int, str, str]] = [
    (1, "core tables", M001_CORE_TABLES),
    (2, "tags and full-text search", M002_TAGS_AND_FTS),
    (3, "sync history and playlist details", M003_HISTORY_AND_PLAYLIST_DETAILS),
    (4, "album and artist tags", M004_ALBUM_ARTIST_TAGS),
    (5, "bulk switch for the FTS triggers", M005_FTS_BULK_SWITCH),
    (6, "covering index for embeddings by model", M006_EMBEDDINGS_MODEL_INDEX),
    (7, "album and artist tags read from Plex", M007_TAGS_SYNCED),
    (8, "sonic analysis version of tracks", M008_MUSIC_ANALYSIS),
    (9, "play and rating watermarks", M009_ACTIVITY_WATERMARKS),
    (10, "embedding change counter", M010_EMBEDDING_CHANGES),
    (11, "indexed artist names, loved order and vector counts for create", M011_LOOKUPS_FOR_CREATE),
    (12, "sources: several music libraries", M012_SOURCES),
    (13, "playlist recipes, skips, plays and refresh runs", M013_RECIPES_AND_HISTORY),
    (14, "newest play and tag carriers for create at scale", M014_LOOKUPS_AT_SCALE),
]

LATEST_VERSION = MIGRATIONS[-1][0]


def current_version(conn: sqlite3.Connection) -> int:
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_version ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)"
    )
    row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
    return int(row[0] or 0)


def migrate(conn: sqlite3.Connection, target: int = LATEST_VERSION) -> list[int]:
    """Apply every migration above the current version up to ``target``; return those applied.

    ``conn`` must be in autocommit mode (``isolation_level=None``): each migration runs in its own
    explicit transaction, so a failure leaves the database at the last good version.
    """
    applied: list[int] = []
    version = current_version(conn)
    for number, name, script in MIGRATIONS:
        if number <= version or number > target:
            continue
        try:
            # executescript() commits a pending transaction first, so BEGIN goes inside the script.
            conn.executescript("BEGIN IMMEDIATE;\n" + script)
            conn.execute(
                "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
                (number, name, int(time.time())),
            )
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        applied.append(number)
    return applied
