"""The SQL of the newer migrations (9 on), listed with the older ones in :mod:`plexmix.storage.migrations`."""

from __future__ import annotations

# Plays and ratings do not move ``updatedAt``: an incremental sync asks for them by their own
# watermarks (``lastViewedAt`` / ``lastRatedAt`` on the server's clock), kept per sync like
# ``server_time``. NULL (a sync by an older PlexMix): the next sync falls back to ``server_time``.
M009_ACTIVITY_WATERMARKS = """
        ALTER TABLE sync_history ADD COLUMN plays_time INTEGER;
        ALTER TABLE sync_history ADD COLUMN ratings_time INTEGER;
"""

# A counter that every write to ``embeddings`` moves (triggers, so raw SQL counts too): with the
# index file's size and time it tells a long-lived process that the index it checked is still
# current, without hashing a million rows.
M010_EMBEDDING_CHANGES = """
        CREATE TABLE embedding_state (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            changes INTEGER NOT NULL DEFAULT 0
        );
        INSERT INTO embedding_state (id, changes) VALUES (1, 0);
        CREATE TRIGGER embeddings_changed_insert AFTER INSERT ON embeddings BEGIN
            UPDATE embedding_state SET changes = changes + 1 WHERE id = 1;
        END;
        CREATE TRIGGER embeddings_changed_update AFTER UPDATE ON embeddings BEGIN
            UPDATE embedding_state SET changes = changes + 1 WHERE id = 1;
        END;
        CREATE TRIGGER embeddings_changed_delete AFTER DELETE ON embeddings BEGIN
            UPDATE embedding_state SET changes = changes + 1 WHERE id = 1;
        END;
"""

# What a ``create`` reads on every call, kept small and indexed at a million tracks:
# - artists by name, case and accents aside (storage/artist_names.py): an ASCII name by
#   lower(name); any other by ``name_unaccented``, which only Python can compute (NFKD), so it
#   is filled by that module when it meets names without it (the partial index finds them) and
#   cleared here when a name changes;
# - tracks in "best loved" order (rating, plays, id), for the tag rankings of storage/tagged.py;
# - the stored vectors per model (embedding_store.models_present), counted by triggers instead
#   of a GROUP BY over every vector.
M011_LOOKUPS_FOR_CREATE = """
        ALTER TABLE artists ADD COLUMN name_unaccented TEXT;
        CREATE INDEX idx_artists_lower_name ON artists(lower(name));
        CREATE INDEX idx_artists_unaccented ON artists(name_unaccented) WHERE name_unaccented IS NOT NULL;
        CREATE INDEX idx_artists_to_fold ON artists(id)
            WHERE name_unaccented IS NULL AND length(name) <> length(CAST(name AS BLOB));
        CREATE INDEX idx_tracks_loved ON tracks(COALESCE(rating, 0) DESC, play_count DESC);
        CREATE TRIGGER artists_unaccented_rename AFTER UPDATE OF name ON artists
        WHEN new.name IS NOT old.name BEGIN
            UPDATE artists SET name_unaccented = NULL WHERE id = new.id;
        END;

        CREATE TABLE embedding_models (model TEXT PRIMARY KEY, vectors INTEGER NOT NULL) WITHOUT ROWID;
        INSERT INTO embedding_models (model, vectors) SELECT model, COUNT(*) FROM embeddings GROUP BY model;
        CREATE TRIGGER embedding_models_insert AFTER INSERT ON embeddings BEGIN
            INSERT INTO embedding_models (model, vectors) VALUES (new.model, 1)
            ON CONFLICT (model) DO UPDATE SET vectors = vectors + 1;
        END;
        CREATE TRIGGER embedding_models_update AFTER UPDATE OF model ON embeddings
        WHEN new.model IS NOT old.model BEGIN
            UPDATE embedding_models SET vectors = vectors - 1 WHERE model = old.model;
            DELETE FROM embedding_models WHERE model = old.model AND vectors <= 0;
            INSERT INTO embedding_models (model, vectors) VALUES (new.model, 1)
            ON CONFLICT (model) DO UPDATE SET vectors = vectors + 1;
        END;
        CREATE TRIGGER embedding_models_delete AFTER DELETE ON embeddings BEGIN
            UPDATE embedding_models SET vectors = vectors - 1 WHERE model = old.model;
            DELETE FROM embedding_models WHERE model = old.model AND vectors <= 0;
        END;
"""

# Several music libraries in one database (one database per server: Plex's ratingKeys are unique
# per server). Each library is a source; every artist, album and track says which it came from.
# Rows from before belong to source 1, a placeholder the next sync gives to the library the older
# PlexMix synced (``plex.library``, else the server's first music library): no re-sync. A text
# already embedded (the same recording in another library) is found by its hash and not re-sent.
M012_SOURCES = """
        CREATE TABLE sources (
            id INTEGER PRIMARY KEY,
            server_id TEXT NOT NULL DEFAULT '',
            server_name TEXT NOT NULL DEFAULT '',
            section_key TEXT NOT NULL DEFAULT '',
            section_uuid TEXT NOT NULL DEFAULT '',
            title TEXT NOT NULL DEFAULT ''
        );
        INSERT INTO sources (id) VALUES (1);
        ALTER TABLE artists ADD COLUMN source_id INTEGER NOT NULL DEFAULT 1;
        ALTER TABLE albums ADD COLUMN source_id INTEGER NOT NULL DEFAULT 1;
        ALTER TABLE tracks ADD COLUMN source_id INTEGER NOT NULL DEFAULT 1;
        ALTER TABLE sync_history ADD COLUMN source_id INTEGER;
        CREATE INDEX idx_embeddings_text ON embeddings(model, text_hash);
"""


# Playlists that stay fresh and listening history:
# - each playlist PlexMix makes keeps its recipe (JSON: what made it, to make it again), when it
#   was last refreshed, and the Plex ratingKeys it last wrote (to tell an edit made in Plex);
# - tracks keep Plex's ``skipCount``; ``plays`` holds Plex's per-play history where the server has
#   it (``/status/sessions/history/all``), one row per play;
# - ``refresh_runs`` logs each ``plexmix refresh`` run (``plexmix refresh --history``).
M013_RECIPES_AND_HISTORY = """
        ALTER TABLE playlists ADD COLUMN recipe TEXT;
        ALTER TABLE playlists ADD COLUMN refreshed_at INTEGER;
        ALTER TABLE playlists ADD COLUMN written_keys TEXT;
        ALTER TABLE tracks ADD COLUMN skip_count INTEGER NOT NULL DEFAULT 0;
        CREATE TABLE plays (
            history_id INTEGER PRIMARY KEY,
            track_id INTEGER NOT NULL REFERENCES tracks(id) ON DELETE CASCADE,
            viewed_at INTEGER NOT NULL,
            account_id INTEGER
        );
        CREATE INDEX idx_plays_track ON plays(track_id, viewed_at);
        CREATE INDEX idx_plays_viewed ON plays(viewed_at);
        -- stored tracks have never been asked for their skipCount: the next sync lists them once
        UPDATE mirror_state SET analysis_known = 0 WHERE EXISTS (SELECT 1 FROM tracks);
        CREATE TABLE refresh_runs (
            id INTEGER PRIMARY KEY,
            started_at INTEGER NOT NULL,
            finished_at INTEGER,
            status TEXT NOT NULL,
            trigger TEXT NOT NULL DEFAULT 'manual',
            refreshed INTEGER NOT NULL DEFAULT 0,
            skipped INTEGER NOT NULL DEFAULT 0,
            failed INTEGER NOT NULL DEFAULT 0,
            added INTEGER NOT NULL DEFAULT 0,
            removed INTEGER NOT NULL DEFAULT 0,
            message TEXT
        );
"""

# Lookups every ``create`` makes, cheap on a million tracks:
# - the newest play stored (``mirror.newest_play``: the "now" of the listening-history modes), from
#   an index of the played tracks instead of a scan;
# - the carriers of a common mood or style tag (storage/tag_carriers.py), kept as one blob of ids
#   per tag, valid while ``mirror_state.tags_generation`` (bumped by every write of tag links or
#   deletion of tracks) has not moved, and stored anew after a sync that moved it in a large
#   library (``carriers_generation``). A migration that writes ``track_tags`` must bump it too;
# and one every sync makes: whether albums or artists with unread tags remain, from two indexes
# that are empty once they were read (``mirror.has_unknown_tags``).
M014_LOOKUPS_AT_SCALE = """
        CREATE INDEX idx_tracks_last_played ON tracks(last_played) WHERE last_played IS NOT NULL;
        CREATE INDEX idx_albums_tags_unknown ON albums(id) WHERE tags_synced = 0;
        CREATE INDEX idx_artists_tags_unknown ON artists(id) WHERE tags_synced = 0;
        ALTER TABLE mirror_state ADD COLUMN tags_generation INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE mirror_state ADD COLUMN carriers_generation INTEGER NOT NULL DEFAULT -1;
        CREATE TABLE tag_carriers (
            tag_id INTEGER PRIMARY KEY REFERENCES tags(id) ON DELETE CASCADE,
            generation INTEGER NOT NULL,
            ids BLOB NOT NULL
        );
"""
