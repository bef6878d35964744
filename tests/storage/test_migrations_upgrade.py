"""Upgrading a database written by every older PlexMix, then syncing, loses nothing.

For each past schema version N the test builds the database an older PlexMix would have left:
a real full sync of the emulator library into a fresh database, copied table by table into a
database migrated only up to N (only the columns that existed at N; the rest stays absent), with
its sync history, a playlist and stored vectors. Then Plex changes (a rename, a play, a rating, an
album edit, an added and a deleted track), the real `plexmix sync` command opens the old file
(which migrates it) and syncs, and the whole library content must equal a fresh full sync of the
same Plex state.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from plexmix.cli.main import app
from plexmix.devserver.csv_loader import load_library
from plexmix.devserver.library import ManualClock, MusicLibrary
from plexmix.devserver.server import PlexEmulator
from plexmix.errors import PlexMixError
from plexmix.plex.client import PlexClient
from plexmix.services.sync import SyncEngine
from plexmix.storage import artist_names, embedding_store, history
from plexmix.storage.embedding_store import save_embeddings
from plexmix.storage.migrations import LATEST_VERSION, current_version, migrate
from plexmix.storage.playlists import save_playlist
from plexmix.storage.queries import unaccent
from plexmix.storage.sqlite_manager import SQLiteManager

TIDY = "tidytuesday_spotify_songs.csv.gz"
# Tables the migrations fill themselves; everything else an older PlexMix wrote is copied.
MADE_BY_MIGRATIONS = {"schema_version", "fts_control", "mirror_state", "embedding_state", "embedding_models"}
COPY_ORDER = [
    "sources", "artists", "albums", "tracks", "genres", "track_genres", "tags", "track_tags", "embeddings",
    "sync_history", "playlists", "playlist_tracks", "plays", "refresh_runs",
]
PAST = list(range(1, LATEST_VERSION))
# (written at, opened as, Plex keeps genres on tracks, already synced once by PlexMix `opened as`)
CASES = [
    *[pytest.param(n, n, False, False, id=f"written-at-{n}") for n in PAST],
    # A database written at 3 and upgraded by PlexMix 4, 5, ...: migration 4 left album/artist tags empty.
    *[pytest.param(3, n, False, False, id=f"written-at-3-opened-by-{n}") for n in PAST if n > 3],
    # ... and that PlexMix already synced once: a renamed track lost the genres of its album.
    pytest.param(3, LATEST_VERSION - 1, False, True, id=f"written-at-3-synced-by-{LATEST_VERSION - 1}"),
    # Tracks carry their own genres, but styles always come from the album.
    pytest.param(3, 3, True, False, id="written-at-3-track-genres"),
]
runner = CliRunner()


def _library(data: Path, clock: ManualClock, track_genres: bool) -> MusicLibrary:
    return load_library(data / TIDY, limit=150, track_genres=track_genres, clock=clock)


@pytest.fixture
def plex_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """``start(lib)``: serve ``lib`` and point the CLI's settings at it."""
    servers: list[PlexEmulator] = []

    def start(lib: MusicLibrary) -> PlexEmulator:
        emu = PlexEmulator(lib).__enter__()
        servers.append(emu)
        monkeypatch.setenv("PLEX_URL", emu.url)
        monkeypatch.setenv("PLEX_TOKEN", emu.token)
        return emu

    yield start
    for emu in servers:
        emu.__exit__(None, None, None)


def _engine_sync(emu: PlexEmulator, path: Path, mode: str) -> str:
    with SQLiteManager(path) as db, PlexClient(emu.url, emu.token, backoff_factor=0.0) as client:
        client.connect()
        client.select_library("Music")
        return SyncEngine(client, db).sync(mode).mode


def _inheriting_tracks(lib: MusicLibrary) -> list[int]:
    """Tracks whose album has genres and styles (styles always come from the album)."""
    return [
        k for k, t in sorted(lib.tracks.items())
        if lib.albums[t.album_key].genres and lib.albums[t.album_key].styles
    ]


def _add_local_state(path: Path, track_keys: list[int]) -> None:
    """What a user of the old version has besides the mirror: a playlist and stored vectors."""
    with SQLiteManager(path) as db:
        ids = [db.conn.execute("SELECT id FROM tracks WHERE plex_key = ?", (str(k),)).fetchone()[0]
               for k in track_keys]
        with db.transaction() as tx:
            save_playlist(tx, name="rainy sunday", track_ids=ids, mood_query="rainy sunday jazz",
                          plex_key="9001", reasons={ids[0]: "calm opener"})
        vectors = [(tid, "test:model:4", f"hash-{tid}", np.array([1.0, 0.5, 0.25, tid], dtype=np.float32))
                   for tid in ids]
        save_embeddings(db.conn, vectors)


def _write_as_version(src: Path, dst: Path, version: int) -> None:
    """The database PlexMix at schema ``version`` would hold for the library in ``src``."""
    conn = sqlite3.connect(dst, isolation_level=None)
    try:
        migrate(conn, target=version)
        conn.execute("ATTACH DATABASE ? AS src", (str(src),))
        tables = {r[0] for r in conn.execute("SELECT name FROM main.sqlite_master WHERE type = 'table'")}
        tables = {t for t in tables if t not in MADE_BY_MIGRATIONS and not t.startswith("tracks_fts")}
        assert tables <= set(COPY_ORDER), f"teach this test about the tables {tables - set(COPY_ORDER)}"
        conn.execute("BEGIN")
        for table in (t for t in COPY_ORDER if t in tables):
            columns = ", ".join(r[1] for r in conn.execute(f"PRAGMA main.table_info({table})"))
            conn.execute(f"INSERT OR REPLACE INTO main.{table} ({columns}) SELECT {columns} FROM src.{table}")
        conn.execute("COMMIT")
        conn.execute("DETACH DATABASE src")
    finally:
        conn.close()


def _upgrade_with_old_plexmix(path: Path, version: int) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        migrate(conn, target=version)
        assert current_version(conn) == version
    finally:
        conn.close()


def _lose_genres_like_the_old_sync(
    emu: PlexEmulator, lib: MusicLibrary, clock: ManualClock, src: Path, track: int
) -> None:
    """Real incremental syncs while album/artist tags are empty in the database (after a 3 -> 6
    upgrade): a renamed track loses the tags of its album. A later sync moves the watermark on,
    so only the repair of stored tracks (not the safety margin) can bring them back."""
    with SQLiteManager(src) as db:
        for table in ("albums", "artists"):
            db.conn.execute(f"UPDATE {table} SET genres_text = '', moods_text = '', styles_text = ''")
    clock.advance(3600)
    lib.update_track(track, title="Renamed Before The Upgrade")
    assert _engine_sync(emu, src, "incremental") == "incremental"
    clock.advance(3600)
    lib.add_song("Later Artist", "Later Album", "Later Song", year=2024)
    assert _engine_sync(emu, src, "incremental") == "incremental"
    with SQLiteManager(src) as db:
        row = db.conn.execute("SELECT genres_text, styles_text FROM tracks WHERE plex_key = ?", (str(track),))
        assert tuple(row.fetchone()) == ("", "")  # the damage the upgrade must repair


def _edit_plex(lib: MusicLibrary, clock: ManualClock, keys: list[int]) -> None:
    clock.advance(3600)
    lib.update_track(keys[0], title="Renamed After The Upgrade")
    lib.record_play(keys[1])
    lib.update_track(keys[2], user_rating=6.0)
    lib.update_album(
        lib.tracks[keys[3]].album_key, title="Edited Album", genres=["Shoegaze"], moods=["Dreamy"]
    )
    lib.update_artist(lib.tracks[keys[4]].artist_key, title="Renamed Artist")
    lib.add_track("A Brand New Song", lib.tracks[keys[5]].album_key)
    lib.delete_track(keys[-1])


def _by_key(conn: sqlite3.Connection, table: str, refs: dict[str, str]) -> dict[str, tuple[Any, ...]]:
    """Every column of ``table`` except ids and caches (``name_unaccented``: filled when first
    needed, at the end of a `plexmix sync` or by a lookup); references (column -> table) as plex keys."""
    skip = ("id", "name_unaccented", *refs)
    columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})") if r[1] not in skip]
    picks = [f"x.{c}" for c in columns] + [
        f"(SELECT plex_key FROM {t} WHERE id = x.{c})" for c, t in refs.items()
    ]
    rows = conn.execute(f"SELECT {', '.join(picks)} FROM {table} x")
    key = columns.index("plex_key")
    return {r[key]: tuple(r) for r in rows}


def library_content(path: Path) -> dict[str, Any]:
    """Everything the mirror holds, keyed by Plex keys (row ids differ between databases)."""
    conn = sqlite3.connect(path)
    try:
        fts_rows = conn.execute(
            "SELECT t.plex_key, f.title, f.artist, f.album, f.genres, f.tags "
            "FROM tracks_fts f JOIN tracks t ON t.id = f.rowid"
        ).fetchall()
        conn.execute("INSERT INTO tracks_fts (tracks_fts) VALUES ('integrity-check')")
        return {
            "artists": _by_key(conn, "artists", {}),
            "albums": _by_key(conn, "albums", {"artist_id": "artists"}),
            "tracks": _by_key(conn, "tracks", {"artist_id": "artists", "album_id": "albums"}),
            "track_genres": set(conn.execute(
                "SELECT t.plex_key, g.name FROM track_genres x JOIN tracks t ON t.id = x.track_id "
                "JOIN genres g ON g.id = x.genre_id"
            )),
            "track_tags": set(conn.execute(
                "SELECT t.plex_key, g.kind, g.name FROM track_tags x JOIN tracks t ON t.id = x.track_id "
                "JOIN tags g ON g.id = x.tag_id"
            )),
            "fts": {r[0]: r[1:] for r in fts_rows},
            "fts_count": conn.execute("SELECT COUNT(*) FROM tracks_fts").fetchone()[0],
        }
    finally:
        conn.close()


def user_content(path: Path) -> dict[str, Any]:
    """The playlists and vectors of the old version (only columns every version has)."""
    conn = sqlite3.connect(path)
    try:
        return {
            "playlists": sorted(conn.execute(
                "SELECT p.plex_key, p.name, p.mood_query, pt.position, t.plex_key FROM playlists p "
                "JOIN playlist_tracks pt ON pt.playlist_id = p.id JOIN tracks t ON t.id = pt.track_id"
            )),
            "embeddings": sorted(conn.execute(
                "SELECT t.plex_key, e.model, e.text_hash, e.vector FROM embeddings e "
                "JOIN tracks t ON t.id = e.track_id"
            )),
        }
    finally:
        conn.close()


def _differences(got: dict[str, Any], want: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for part, expected in want.items():
        actual = got[part]
        if actual == expected:
            continue
        if isinstance(expected, dict):
            keys = sorted(k for k in expected.keys() | actual.keys() if expected.get(k) != actual.get(k))
            out[part] = [(k, actual.get(k), expected.get(k)) for k in keys[:3]] + [f"{len(keys)} rows differ"]
        elif isinstance(expected, set):
            out[part] = {"extra": sorted(actual - expected)[:3], "missing": sorted(expected - actual)[:3]}
        else:
            out[part] = (actual, expected)
    return out


@dataclass
class Upgrade:
    """An old database (``old``) for the library ``lib``, and the latest-schema mirror it came from."""

    lib: MusicLibrary
    emu: PlexEmulator
    keys: list[int]
    src: Path
    old: Path
    user_state: dict[str, Any]


def _old_database(
    data: Path, tmp_path: Path, clock: ManualClock, start: Any, written_at: int, opened_as: int,
    *, track_genres: bool = False, synced_before: bool = False,
) -> Upgrade:
    lib = _library(data, clock, track_genres)
    emu = start(lib)
    keys = _inheriting_tracks(lib)
    assert len(keys) >= 12, "the library needs albums whose genres and styles tracks inherit"
    src, old = tmp_path / "src.db", tmp_path / "old.db"
    assert _engine_sync(emu, src, "full") == "full"
    _add_local_state(src, keys[6:10])
    if synced_before:
        _lose_genres_like_the_old_sync(emu, lib, clock, src, keys[10])
    _write_as_version(src, old, written_at)
    _upgrade_with_old_plexmix(old, opened_as)
    user_state = user_content(old)
    assert user_state["playlists"] and user_state["embeddings"]
    return Upgrade(lib, emu, keys, src, old, user_state)


def _assert_like_a_fresh_full_sync(up: Upgrade, fresh: Path) -> None:
    assert _engine_sync(up.emu, fresh, "full") == "full"
    with SQLiteManager(up.old) as db:
        assert db.schema_version == LATEST_VERSION
        assert db.integrity_check() == []
    got, want = library_content(up.old), library_content(fresh)
    for key in (str(up.keys[0]), str(up.keys[10])):  # renamed after / before the upgrade
        assert got["tracks"][key] == want["tracks"][key], f"track {key} differs from a fresh sync"
    assert got == want, _differences(got, want)
    assert user_content(up.old) == up.user_state  # playlists and vectors survive
    _assert_create_lookups(up.old)


def _assert_create_lookups(path: Path) -> None:
    """Migration 11: the vectors per model are counted (from those of the old version, then by
    the triggers), and every artist is found by its name in capitals without accents."""
    with SQLiteManager(path) as db:
        vectors = Counter(str(r[0]) for r in db.conn.execute("SELECT model FROM embeddings"))
        assert embedding_store.models_present(db.conn) == vectors != {}
        names = [str(r[0]) for r in db.conn.execute("SELECT name FROM artists")]
        assert names  # (accented names are covered by tests/storage/test_artist_names.py)
        for name in names:
            assert name in artist_names.artists_named(db.conn, [unaccent(name).upper()])


@pytest.mark.parametrize(("written_at", "opened_as", "track_genres", "synced_before"), CASES)
def test_upgrade_then_sync_equals_a_fresh_full_sync(
    shared_data_dir: Path,
    tmp_path: Path,
    clock: ManualClock,
    plex_env: Any,
    monkeypatch: pytest.MonkeyPatch,
    written_at: int,
    opened_as: int,
    track_genres: bool,
    synced_before: bool,
) -> None:
    up = _old_database(
        shared_data_dir, tmp_path, clock, plex_env, written_at, opened_as,
        track_genres=track_genres, synced_before=synced_before,
    )
    control = tmp_path / "control.db"  # the same mirror, never downgraded
    shutil.copyfile(up.src, control)

    _edit_plex(up.lib, clock, up.keys)
    monkeypatch.setenv("DATABASE_PATH", str(up.old))
    result = runner.invoke(app, ["sync", "--no-embeddings", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["status"] == "success"
    # Schemas 1 and 2 kept no Plex watermark, so their first sync is a full one.
    assert report["mode"] == ("incremental" if written_at >= 3 else "full")
    _assert_like_a_fresh_full_sync(up, tmp_path / "fresh.db")

    if report["mode"] == "incremental" and not track_genres and not synced_before:
        # Stored tracks were right: the upgrade re-lists albums and artists, but reads no more
        # tracks than the same sync of a database that was never old.
        with SQLiteManager(control) as db, PlexClient(up.emu.url, up.emu.token, backoff_factor=0.0) as c:
            # Before schema 9 no play/rating watermark was kept: both read activity from the
            # metadata watermark, once.
            if written_at < 9:
                db.conn.execute("UPDATE sync_history SET plays_time = NULL, ratings_time = NULL")
            c.select_library("Music")
            assert report["tracks_seen"] == SyncEngine(c, db).incremental_sync().tracks_seen


def test_a_sync_that_fails_after_the_upgrade_still_repairs_on_the_next_one(
    shared_data_dir: Path, tmp_path: Path, clock: ManualClock, plex_env: Any
) -> None:
    up = _old_database(shared_data_dir, tmp_path, clock, plex_env, 3, LATEST_VERSION - 1, synced_before=True)
    _edit_plex(up.lib, clock, up.keys)
    fault = up.emu.set_fault(500, path_contains="/library/metadata/")  # reading tracks by key fails
    with pytest.raises(PlexMixError):
        _engine_sync(up.emu, up.old, "incremental")
    assert fault.fired > 0
    with SQLiteManager(up.old) as db:
        assert history.recent_syncs(db.conn, 1)[0].status == history.FAILED
    up.emu.clear_faults()
    assert _engine_sync(up.emu, up.old, "incremental") == "incremental"
    _assert_like_a_fresh_full_sync(up, tmp_path / "fresh.db")
