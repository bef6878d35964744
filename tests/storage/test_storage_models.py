"""One model per entity: the stored columns come from the model, reads give the same objects back,
and the queries that used to run outside storage (sync, mood parser, doctor) work there."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from plexmix.errors import DatabaseError
from plexmix.storage import artist_names, embedding_store, history, library, mirror, queries
from plexmix.storage.models import Album, Artist, LibraryItem, Track
from plexmix.storage.queries import TrackFilters
from plexmix.storage.sqlite_manager import SQLiteManager, read_only

NOT_COLUMNS = {"genres", "moods", "styles", "artist_key", "album_key", "artist_name", "album_title"}


@pytest.fixture
def db(tmp_path: Path) -> SQLiteManager:
    manager = SQLiteManager(tmp_path / "lib.db")
    yield manager
    manager.close()


def _columns(db: SQLiteManager, table: str) -> set[str]:
    return {row[1] for row in db.conn.execute(f"PRAGMA table_info({table})")}


@pytest.mark.parametrize(("model", "table"), [(Artist, "artists"), (Album, "albums"), (Track, "tracks")])
def test_every_field_of_a_model_is_a_column_or_a_link_or_tags(
    db: SQLiteManager, model: type[LibraryItem], table: str
) -> None:
    names = {f.name for f in dataclasses.fields(model)}
    columns = _columns(db, table)
    assert names - NOT_COLUMNS <= columns
    assert {f"{kind}_text" for kind in ("genres", "moods", "styles")} <= columns


def test_a_track_with_every_field_set_reads_back_equal(db: SQLiteManager) -> None:
    shared: dict[str, Any] = {"added_at": 1, "updated_at": 2, "moods": ["Soulful"], "styles": ["Soul Jazz"]}
    artist = Artist(plex_key="a1", name="Nina Simone", sort_name="Simone, Nina", summary="Singer",
                    genres=["Jazz"], **shared)
    album = Album(plex_key="b1", title="Pastel Blues", artist_key="a1", year=1965, genres=["Jazz", "Blues"],
                  **shared)
    track = Track(plex_key="t1", title="Sinnerman", artist_key="a1", album_key="b1", track_number=5,
                  disc_number=1, duration_ms=622_000, year=1965, rating=9.5, play_count=7,
                  last_played=1_700_000_000, file_path="/music/sinnerman.flac",
                  genres=[" Jazz ", "jazz", "Gospel"], **shared)
    with db.transaction() as tx:
        library.upsert_artists(tx, [artist])
        artist_ids = library.key_map(tx, "artists")
        library.upsert_albums(tx, [album], artist_ids)
        library.upsert_tracks(tx, [track], artist_ids, library.key_map(tx, "albums"))
    stored = library.get_track_by_plex_key(db.conn, "t1")
    assert stored is not None and stored.id is not None
    assert dataclasses.replace(stored, id=None, artist_id=None, album_id=None) == dataclasses.replace(
        track, artist_name="Nina Simone", album_title="Pastel Blues"
    )
    assert stored.genres == ["jazz", "gospel"]  # normalised once, on construction
    assert library.get_artist_by_plex_key(db.conn, "a1") == dataclasses.replace(artist, id=stored.artist_id)
    read_album = library.get_album_by_plex_key(db.conn, "b1")
    assert read_album == dataclasses.replace(
        album, id=stored.album_id, artist_key=None, artist_id=stored.artist_id
    )


def _library(db: SQLiteManager) -> None:
    with db.transaction() as tx:
        library.upsert_artists(tx, [Artist(plex_key="a1", name="DJ Ötzi", updated_at=50),
                                    Artist(plex_key="a2", name="Queen", added_at=70)])
        artists = library.key_map(tx, "artists")
        library.upsert_albums(tx, [Album(plex_key="b1", title="Hits", artist_key="a1", year=2001),
                                   Album(plex_key="b2", title="Jazz", artist_key="a2")], artists)
        library.upsert_tracks(tx, [
            Track(plex_key="t1", title="Hey Baby", artist_key="a1", album_key="b1", rating=6.0, play_count=9,
                  genres=["Pop"]),
            Track(plex_key="t2", title="Anton", artist_key="a1", album_key="b1", rating=10.0, genres=["Pop"]),
            Track(plex_key="t3", title="Mustapha", artist_key="a2", album_key="b2", rating=6.0, play_count=20,
                  updated_at=60, genres=["Rock"]),
            Track(plex_key="t4", title="Bicycle", artist_key="a2", album_key="b2", genres=["Rock"]),
        ], artists, library.key_map(tx, "albums"))


def test_what_the_sync_asks_of_the_stored_library(db: SQLiteManager) -> None:
    _library(db)
    assert mirror.album_years(db.conn) == {"b1": 2001, "b2": None}
    assert mirror.track_keys_of(db.conn, ["b2"], ["a1", "a2"]) == ["t3", "t4", "t1", "t2"]
    assert mirror.track_keys_of(db.conn, [], []) == []
    assert mirror.track_count(db.conn) == 4 and mirror.all_track_keys(db.conn) == {"t1", "t2", "t3", "t4"}
    assert mirror.newest_timestamp(db.conn) == 70  # an artist's addedAt is the newest Plex time here
    sync_id = history.start_sync(db.conn, "full")
    history.finish_sync(db.conn, sync_id, history.SUCCESS, history.SyncCounts(added=4, artists=2, albums=2))
    history.set_watermark(db.conn, sync_id, 70)
    last = history.last_successful_sync(db.conn)
    assert last is not None and (last.server_time, last.tracks_added, last.artists_synced) == (70, 4, 2)
    health = mirror.health(db.conn)
    assert dataclasses.asdict(health) == {"tracks_without_album": 0, "tracks_without_artist": 0,
                                          "orphan_albums": 0, "orphan_artists": 0, "fts_rows": 4}


def test_an_empty_library_has_no_watermark(db: SQLiteManager) -> None:
    assert mirror.newest_timestamp(db.conn) is None


def test_artists_named_folds_non_ascii_letters_sqlite_lower_leaves_alone(db: SQLiteManager) -> None:
    _library(db)
    assert artist_names.artists_named(db.conn, {"dj ötzi", "party"}) == ["DJ Ötzi"]
    assert artist_names.artists_named(db.conn, {"queen"}) == ["Queen"]
    assert artist_names.artists_named(db.conn, set()) == []
    assert artist_names.artists_named(db.conn, {"ä" * 7}) == []  # many spellings, no such name
    assert sorted(queries.genre_names(db.conn)) == ["pop", "rock"]


def test_best_loved_tracks_come_by_rating_then_plays_within_the_filters(db: SQLiteManager) -> None:
    _library(db)
    ids = {t.plex_key: t.id for t in library.get_tracks(db.conn, range(1, 5))}
    by_key = {v: k for k, v in ids.items()}
    assert [by_key[i] for i in queries.best_loved_track_ids(db.conn, TrackFilters(), 10)] == [
        "t2",
        "t3",
        "t1",
        "t4",
    ]
    rock = TrackFilters(genres=["rock"])
    assert [by_key[i] for i in queries.best_loved_track_ids(db.conn, rock, 1)] == ["t3"]


def test_stored_vectors_are_read_without_writing(db: SQLiteManager, tmp_path: Path) -> None:
    _library(db)
    vector = [0.6, 0.8]
    embedding_store.save_embeddings(db.conn, [(1, "m:a:2", "h1", vector), (2, "m:a:2", "h2", vector),
                                              (3, "m:b:2", "h3", vector)])
    with read_only(db.path) as conn:
        assert sorted(embedding_store.vector_groups(conn)) == [("m:a:2", 2, 2), ("m:b:2", 2, 1)]
    with pytest.raises(DatabaseError, match="cannot be read"), read_only(db.path) as conn:
        conn.execute("DELETE FROM embeddings")
    assert embedding_store.models_present(db.conn) == {"m:a:2": 2, "m:b:2": 1}


def test_a_damaged_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.db"
    path.write_bytes(b"not a database" * 100)
    with pytest.raises(DatabaseError, match="cannot be read") as info, read_only(path) as conn:
        embedding_store.vector_groups(conn)
    assert info.value.hint == "Run `plexmix sync verify` to check it."


def test_the_doctor_reports_a_database_it_cannot_read(tmp_path: Path) -> None:
    from plexmix.services.doctor import _check_db_vectors

    path = tmp_path / "broken.db"
    path.write_bytes(b"not a database" * 100)
    check = _check_db_vectors(path, ("local:m:384", "m", 384))
    assert (check.name, check.status) == ("Stored embeddings", "fail")
    assert f"{path} cannot be read" in check.detail and check.hint == "Run `plexmix sync verify` to check it."
