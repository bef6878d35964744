"""A small mirror written by the real upserts: one artist, one album, the tracks a test gives."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from plexmix.storage.library import key_map, upsert_albums, upsert_artists, upsert_tracks
from plexmix.storage.models import Album, Artist, Track
from plexmix.storage.sqlite_manager import SQLiteManager


def album_track(key: str, **extra: object) -> Track:
    """Track ``key`` (titled ``KEY``) on the one album, with ``extra`` fields."""
    return Track(plex_key=key, title=key.upper(), artist_key="a1", album_key="b1", **extra)  # type: ignore[arg-type]


def one_album_db(path: Path, tracks: Sequence[Track]) -> SQLiteManager:
    """A database at ``path`` holding artist a1, album b1 and ``tracks`` (close it after use)."""
    manager = SQLiteManager(path)
    with manager.transaction() as conn:
        upsert_artists(conn, [Artist(plex_key="a1", name="Someone")])
        upsert_albums(conn, [Album(plex_key="b1", title="Album", artist_key="a1")], key_map(conn, "artists"))
        upsert_tracks(conn, list(tracks), key_map(conn, "artists"), key_map(conn, "albums"))
    return manager
