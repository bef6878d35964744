"""Playlists PlexMix made, and their tracks in order."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence

from plexmix.storage.library import get_tracks
from plexmix.storage.records import Playlist, PlaylistEntry


def save_playlist(
    conn: sqlite3.Connection,
    *,
    name: str,
    track_ids: Sequence[int],
    reasons: dict[int, str] | None = None,
    plex_key: str | None = None,
    mood_query: str | None = None,
    description: str | None = None,
    provider: str | None = None,
    model: str | None = None,
    created_by_ai: bool = True,
    recipe: str | None = None,
    written_keys: Sequence[str] | None = None,
    playlist_id: int | None = None,
    refreshed: bool = False,
) -> int:
    """Insert a playlist, or replace the tracks of playlist ``playlist_id`` (a refresh) or of the
    one with the same ``plex_key``. ``written_keys``: the ratingKeys just written to Plex. None
    (Plex not written) keeps the stored key, recipe and written keys."""
    now = int(time.time())
    reasons = reasons or {}
    row = None
    if playlist_id is not None:
        row = (playlist_id,)
    elif plex_key:
        row = conn.execute("SELECT id FROM playlists WHERE plex_key = ?", (plex_key,)).fetchone()
    keys = ",".join(written_keys) if written_keys is not None else None
    if row:
        playlist_id = int(row[0])
        conn.execute(
            "UPDATE playlists SET name = ?, description = ?, mood_query = ?, provider = ?, model = ?,"
            " created_by_ai = ?, updated_at = ?, plex_key = COALESCE(?, plex_key),"
            " recipe = COALESCE(?, recipe), written_keys = COALESCE(?, written_keys),"
            " refreshed_at = CASE WHEN ? THEN ? ELSE refreshed_at END WHERE id = ?",
            (name, description, mood_query, provider, model, int(created_by_ai), now, plex_key, recipe,
             keys, int(refreshed), now, playlist_id),
        )
        conn.execute("DELETE FROM playlist_tracks WHERE playlist_id = ?", (playlist_id,))
    else:
        cur = conn.execute(
            "INSERT INTO playlists (plex_key, name, description, mood_query, provider, model,"
            " created_by_ai, created_at, updated_at, recipe, written_keys)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (plex_key, name, description, mood_query, provider, model, int(created_by_ai), now, now,
             recipe, keys),
        )
        playlist_id = int(cur.lastrowid or 0)
    conn.executemany(
        "INSERT INTO playlist_tracks (playlist_id, track_id, position, reason) VALUES (?, ?, ?, ?)",
        [(playlist_id, tid, pos, reasons.get(tid)) for pos, tid in enumerate(track_ids, start=1)],
    )
    return playlist_id


_PLAYLIST_SELECT = (
    "SELECT p.*, (SELECT COUNT(*) FROM playlist_tracks pt WHERE pt.playlist_id = p.id)"
    " AS track_count FROM playlists p"
)


def list_playlists(conn: sqlite3.Connection) -> list[Playlist]:
    rows = conn.execute(f"{_PLAYLIST_SELECT} ORDER BY p.created_at DESC, p.id DESC")
    return [Playlist(**dict(r)) for r in rows]


def get_playlist(conn: sqlite3.Connection, playlist_id: int) -> Playlist | None:
    row = conn.execute(f"{_PLAYLIST_SELECT} WHERE p.id = ?", (playlist_id,)).fetchone()
    return Playlist(**dict(row)) if row else None


def playlist_entries(conn: sqlite3.Connection, playlist_id: int) -> list[PlaylistEntry]:
    rows = conn.execute(
        "SELECT position, track_id, reason FROM playlist_tracks WHERE playlist_id = ? ORDER BY position",
        (playlist_id,),
    ).fetchall()
    tracks = {t.id: t for t in get_tracks(conn, [r[1] for r in rows])}
    return [
        PlaylistEntry(position=r[0], track=tracks[r[1]], reason=r[2]) for r in rows if r[1] in tracks
    ]


def find_playlists(conn: sqlite3.Connection, text: str) -> list[Playlist]:
    """The playlists ``text`` names: its id (a number or ``#N``), its Plex ratingKey, or its name
    (case aside), newest first."""
    wanted = text.strip().removeprefix("#")
    rows = conn.execute(
        f"{_PLAYLIST_SELECT} WHERE CAST(p.id AS TEXT) = ? OR p.plex_key = ? OR p.name = ? COLLATE NOCASE"
        " ORDER BY (CAST(p.id AS TEXT) = ?) DESC, p.created_at DESC, p.id DESC",
        (wanted, wanted, text.strip(), wanted),
    )
    return [Playlist(**dict(r)) for r in rows]


def with_recipes(conn: sqlite3.Connection) -> list[Playlist]:
    """The playlists that keep a recipe (those ``refresh --all`` renews), oldest first."""
    rows = conn.execute(f"{_PLAYLIST_SELECT} WHERE p.recipe IS NOT NULL ORDER BY p.id")
    return [Playlist(**dict(r)) for r in rows]


def playlist_track_ids(conn: sqlite3.Connection, playlist_id: int) -> list[int]:
    rows = conn.execute(
        "SELECT track_id FROM playlist_tracks WHERE playlist_id = ? ORDER BY position", (playlist_id,)
    )
    return [int(r[0]) for r in rows]


def delete_playlist(conn: sqlite3.Connection, playlist_id: int) -> bool:
    return conn.execute("DELETE FROM playlists WHERE id = ?", (playlist_id,)).rowcount > 0
