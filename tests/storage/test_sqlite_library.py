from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from plexmix.storage import history, library, mirror, playlists, queries
from plexmix.storage.library import TagCache, key_map, upsert_albums, upsert_artists, upsert_tracks
from plexmix.storage.models import Album, Artist, Track
from plexmix.storage.queries import TrackFilters
from plexmix.storage.sqlite_manager import SQLiteManager


def _track(key: str, title: str, artist: str, album: str, **extra: object) -> Track:
    return Track(plex_key=key, title=title, artist_key=artist, album_key=album, **extra)  # type: ignore[arg-type]


@pytest.fixture
def db(tmp_path: Path) -> SQLiteManager:
    manager = SQLiteManager(tmp_path / "lib.db")
    with manager.transaction() as conn:
        upsert_artists(conn, [
            Artist(plex_key="a1", name="Miles Davis"),
            Artist(plex_key="a2", name="Nirvana"),
            Artist(plex_key="a3", name="Norah Jones"),
        ])
        artists = key_map(conn, "artists")
        upsert_albums(conn, [
            Album(plex_key="b1", title="Kind of Blue", artist_key="a1", year=1959),
            Album(plex_key="b2", title="Nevermind", artist_key="a2", year=1991),
            Album(plex_key="b3", title="Come Away with Me", artist_key="a3", year=2002),
        ], artists)
        albums = key_map(conn, "albums")
        upsert_tracks(conn, [
            _track("t1", "So What", "a1", "b1", year=1959, rating=10.0, genres=["Jazz"], moods=["Cool"]),
            _track("t2", "Blue in Green", "a1", "b1", year=1959, rating=8.0, genres=["Jazz"],
                   moods=["Melancholy"], last_played=2_000, duration_ms=337_000),
            _track("t3", "Smells Like Teen Spirit", "a2", "b2", year=1991, rating=6.0,
                   genres=["Rock", "Grunge"], moods=["Energetic"], duration_ms=301_000),
            _track("t4", "Come Away with Me", "a3", "b3", year=2002, genres=["Jazz", "Pop"],
                   styles=["Vocal Jazz"]),
        ], artists, albums)
    yield manager
    manager.close()


def test_upsert_stores_tracks_with_links_tags_and_0_to_10_ratings(db: SQLiteManager) -> None:
    track = library.get_track_by_plex_key(db.conn, "t1")
    assert track is not None
    assert (track.title, track.artist_name, track.album_title, track.year) == (
        "So What", "Miles Davis", "Kind of Blue", 1959)
    assert track.rating == 10.0
    assert track.genres == ["jazz"] and track.moods == ["cool"]
    t3 = library.get_track_by_plex_key(db.conn, "t3")
    assert t3 is not None and t3.genres == ["rock", "grunge"]
    assert mirror.counts(db.conn)["genres"] == 4


def test_second_upsert_of_same_rows_writes_nothing_and_changes_are_counted(db: SQLiteManager) -> None:
    artists, albums = key_map(db.conn, "artists"), key_map(db.conn, "albums")
    same = [_track("t1", "So What", "a1", "b1", year=1959, rating=10.0, genres=["jazz"], moods=["cool"])]
    with db.transaction() as conn:
        counts, written = upsert_tracks(conn, same, artists, albums)
    assert (counts.added, counts.updated, counts.unchanged, written) == (0, 0, 1, [])
    changed = [replace(same[0], title="So What (Live)", genres=["jazz", "modal"])]
    with db.transaction() as conn:
        counts, written = upsert_tracks(conn, changed, artists, albums)
    assert (counts.added, counts.updated, written) == (0, 1, ["t1"])
    track = library.get_track_by_plex_key(db.conn, "t1")
    assert track is not None and track.title == "So What (Live)" and track.genres == ["jazz", "modal"]
    assert [r[0] for r in db.conn.execute("SELECT rowid FROM tracks_fts WHERE tracks_fts MATCH 'modal'")] == [
        track.id]


def test_fts_search_ranks_title_matches_first(db: SQLiteManager) -> None:
    hits = queries.search_fts(db.conn, "come away")
    ids = [tid for tid, _ in hits]
    t4 = library.get_track_by_plex_key(db.conn, "t4")
    assert t4 is not None and ids[0] == t4.id
    assert all(score > 0 for _, score in hits)
    assert queries.search_fts(db.conn, "!!! ***") == []
    assert queries.search_fts(db.conn, 'jazz" OR tracks MATCH') != []  # quotes cannot break the query


def test_fts_search_within_a_budget_keeps_the_rarest_words_that_fit(db: SQLiteManager) -> None:
    def keys(**budget: int) -> set[str]:
        ids = [tid for tid, _ in queries.search_fts(db.conn, "blue jazz", **budget)]
        return {t.plex_key for t in library.get_tracks(db.conn, ids)}

    # "blue" is on 2 tracks (t1's album, t2's title), "jazz" on 3: 5 rows in all.
    assert keys() == keys(budget=5) == {"t1", "t2", "t4"}  # all of it fits: the same result
    assert keys(budget=4) == {"t1", "t2"}  # "jazz" no longer fits
    assert keys(budget=1) == set()  # not even the rarest word fits
    unbudgeted = queries.search_fts(db.conn, "blue jazz")
    assert queries.search_fts(db.conn, "blue jazz", budget=5) == unbudgeted  # same order and scores


def test_fts_search_honours_filters(db: SQLiteManager) -> None:
    ids = [tid for tid, _ in queries.search_fts(db.conn, "jazz", filters=TrackFilters(year_min=2000))]
    assert [library.get_tracks(db.conn, ids)[0].plex_key] == ["t4"]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (TrackFilters(genres=["JAZZ "]), {"t1", "t2", "t4"}),
        (TrackFilters(genres=["jazz"], year_max=1990), {"t1", "t2"}),
        (TrackFilters(year_min=1990, year_max=1999), {"t3"}),
        (TrackFilters(rating_min=8), {"t1", "t2"}),
        (TrackFilters(artists=["nirvana"]), {"t3"}),
        (TrackFilters(moods=["melancholy"]), {"t2"}),
        # Only genres, moods and styles: read from the tag indexes, each list narrowing the others.
        (TrackFilters(genres=["rock", "pop"]), {"t3", "t4"}),
        (TrackFilters(genres=["jazz"], moods=["cool", "melancholy", "energetic"]), {"t1", "t2"}),
        (TrackFilters(genres=["jazz"], styles=["vocal jazz"]), {"t4"}),
        (TrackFilters(genres=["vocal jazz"]), {"t4"}),  # a genre named is met by a style too
        (TrackFilters(moods=["cool"], styles=["vocal jazz"]), set()),
        (TrackFilters(exclude_played_since=1_000), {"t1", "t3", "t4"}),
        (TrackFilters(exclude_artists=["Miles Davis"]), {"t3", "t4"}),
        (TrackFilters(exclude_genres=["pop"]), {"t1", "t2", "t3"}),
        (TrackFilters(exclude_moods=["MELANCHOLY"]), {"t1", "t3", "t4"}),
        (TrackFilters(duration_min_ms=320_000), {"t2"}),  # unknown lengths never pass a bound
        (TrackFilters(duration_max_ms=320_000), {"t3"}),
        (TrackFilters(duration_min_ms=301_000, duration_max_ms=337_000, exclude_moods=["energetic"]), {"t2"}),
        (TrackFilters(), {"t1", "t2", "t3", "t4"}),
    ],
)
def test_filters_select_exactly_the_matching_tracks(
    db: SQLiteManager, filters: TrackFilters, expected: set[str]
) -> None:
    ids = queries.track_ids(db.conn, filters)
    assert ids.tolist() == sorted(set(ids.tolist()))  # ascending, each once
    found = {t.plex_key for t in library.get_tracks(db.conn, ids.tolist())}
    assert found == expected
    # The Python twin of the SQL rules agrees on every track.
    for track in library.get_tracks(db.conn, queries.track_ids(db.conn, TrackFilters()).tolist()):
        assert filters.matches(year=track.year, rating=track.rating, artist=track.artist_name,
                               genres=track.genres, moods=track.moods, styles=track.styles,
                               last_played=track.last_played,
                               duration_ms=track.duration_ms) == (track.plex_key in expected)


def test_hard_delete_cascades_to_tags_embeddings_and_playlists(db: SQLiteManager) -> None:
    t1 = library.get_track_by_plex_key(db.conn, "t1")
    t2 = library.get_track_by_plex_key(db.conn, "t2")
    assert t1 and t2 and t1.id and t2.id
    with db.transaction() as conn:
        conn.execute(
            "INSERT INTO embeddings (track_id, model, dimension, text_hash, vector, created_at, updated_at)"
            " VALUES (?, 'm', 2, 'h', ?, 0, 0)", (t1.id, b"\x00" * 8))
        pid = playlists.save_playlist(conn, name="mix", track_ids=[t1.id, t2.id], reasons={t1.id: "cool"})
    with db.transaction() as conn:
        assert library.delete_tracks(conn, ["t1"]) == 1
    for table in ("track_genres", "track_tags", "embeddings", "playlist_tracks"):
        assert db.conn.execute(f"SELECT COUNT(*) FROM {table} WHERE track_id = ?", (t1.id,)).fetchone()[0] == 0
    assert db.conn.execute("SELECT COUNT(*) FROM tracks_fts WHERE rowid = ?", (t1.id,)).fetchone()[0] == 0
    entries = playlists.playlist_entries(db.conn, pid)
    assert [e.track.plex_key for e in entries] == ["t2"]
    assert db.integrity_check() == []


def test_failed_batch_rolls_back_whole(db: SQLiteManager) -> None:
    artists, albums = key_map(db.conn, "artists"), key_map(db.conn, "albums")
    before = mirror.counts(db.conn)
    batch = [_track("n1", "New One", "a1", "b1", genres=["jazz"]), _track("n2", "New Two", "a1", "b1")]
    with pytest.raises(sqlite3.IntegrityError), db.transaction() as conn:
        upsert_tracks(conn, batch, artists, albums, TagCache(conn))
        conn.execute("INSERT INTO tracks (plex_key, title) VALUES ('t1', 'duplicate key')")
    assert mirror.counts(db.conn) == before
    assert library.get_track_by_plex_key(db.conn, "n1") is None


def test_orphans_are_removed(db: SQLiteManager) -> None:
    with db.transaction() as conn:
        library.delete_tracks(conn, ["t3"])
        assert mirror.delete_orphans(conn) == (1, 1)
    assert library.get_album_by_plex_key(db.conn, "b2") is None
    assert library.get_artist_by_plex_key(db.conn, "a2") is None


def test_sync_history_marks_abandoned_runs_interrupted(db: SQLiteManager) -> None:
    first = history.start_sync(db.conn, "full")
    second = history.start_sync(db.conn, "incremental")
    counts = history.SyncCounts(added=3, tracks_seen=3)
    history.finish_sync(db.conn, second, history.SUCCESS, counts, duration_s=1.5)
    records = {r.id: r for r in history.recent_syncs(db.conn)}
    assert records[first].status == history.INTERRUPTED
    assert records[second].status == history.SUCCESS and records[second].tracks_added == 3
    last = history.last_successful_sync(db.conn)
    assert last is not None and last.id == second


def test_playlists_round_trip_in_order_with_reasons(db: SQLiteManager) -> None:
    ids = queries.track_ids(db.conn, TrackFilters(genres=["jazz"])).tolist()
    with db.transaction() as conn:
        pid = playlists.save_playlist(conn, name="Late jazz", track_ids=list(reversed(ids)),
                                      reasons={ids[0]: "opener"}, plex_key="900", mood_query="late",
                                      provider="none")
    assert [e.track.id for e in playlists.playlist_entries(db.conn, pid)] == list(reversed(ids))
    with db.transaction() as conn:  # same plex key -> replaced in place
        again = playlists.save_playlist(conn, name="Late jazz", track_ids=ids[:1], plex_key="900")
    assert again == pid
    (listed,) = playlists.list_playlists(db.conn)
    assert listed.track_count == 1 and listed.plex_key == "900"
