"""Expected-vs-actual comparison of a synced library (shared by the sync tests)."""

from __future__ import annotations

import sqlite3
from typing import Any

from plexmix.devserver.library import MusicLibrary
from plexmix.storage.models import normalize_tags

Row = tuple[Any, ...]


def expected_tracks(lib: MusicLibrary) -> dict[str, Row]:
    """What PlexMix must hold for each track: own tags, else the album's, else the artist's."""
    out: dict[str, Row] = {}
    with lib.lock:
        for t in lib.tracks.values():
            album = lib.albums[t.album_key]
            artist = lib.artists[t.artist_key]
            genres = normalize_tags(t.genres) or normalize_tags(album.genres) or normalize_tags(artist.genres)
            moods = normalize_tags(t.moods) or normalize_tags(album.moods) or normalize_tags(artist.moods)
            year = t.year if t.year is not None else album.year
            out[str(t.rating_key)] = (
                t.title, artist.title, album.title, year, t.user_rating, t.view_count, t.last_viewed_at,
                tuple(sorted(genres)), tuple(sorted(moods)),
            )
    return out


def actual_tracks(conn: sqlite3.Connection) -> dict[str, Row]:
    genres: dict[int, list[str]] = {}
    for tid, name in conn.execute(
        "SELECT tg.track_id, g.name FROM track_genres tg JOIN genres g ON g.id = tg.genre_id"
    ):
        genres.setdefault(tid, []).append(name)
    moods: dict[int, list[str]] = {}
    for tid, name in conn.execute(
        "SELECT tt.track_id, x.name FROM track_tags tt JOIN tags x ON x.id = tt.tag_id WHERE x.kind = 'mood'"
    ):
        moods.setdefault(tid, []).append(name)
    out: dict[str, Row] = {}
    for row in conn.execute(
        "SELECT t.id, t.plex_key, t.title, ar.name, al.title, t.year, t.rating, t.play_count, t.last_played "
        "FROM tracks t LEFT JOIN artists ar ON ar.id = t.artist_id LEFT JOIN albums al ON al.id = t.album_id"
    ):
        tid = row[0]
        out[row[1]] = (*row[2:], tuple(sorted(genres.get(tid, []))), tuple(sorted(moods.get(tid, []))))
    return out


def expected_albums(lib: MusicLibrary) -> set[tuple[str, str, str]]:
    with lib.lock:
        return {(str(a.rating_key), a.title, lib.artists[a.artist_key].title) for a in lib.albums.values()}


def actual_albums(conn: sqlite3.Connection) -> set[tuple[str, str, str]]:
    return {
        (k, t, n)
        for k, t, n in conn.execute(
            "SELECT al.plex_key, al.title, ar.name FROM albums al JOIN artists ar ON ar.id = al.artist_id"
        )
    }


def expected_artists(lib: MusicLibrary) -> set[tuple[str, str]]:
    with lib.lock:
        return {(str(a.rating_key), a.title) for a in lib.artists.values()}


def actual_artists(conn: sqlite3.Connection) -> set[tuple[str, str]]:
    return {(k, n) for k, n in conn.execute("SELECT plex_key, name FROM artists")}


def assert_mirror_exact(lib: MusicLibrary, conn: sqlite3.Connection) -> None:
    expected, actual = expected_tracks(lib), actual_tracks(conn)
    assert set(actual) == set(expected), (
        f"missing {sorted(set(expected) - set(actual))[:5]}, extra {sorted(set(actual) - set(expected))[:5]}"
    )
    wrong = [k for k in expected if expected[k] != actual[k]]
    assert not wrong, f"{len(wrong)} tracks differ, e.g. {wrong[0]}: {expected[wrong[0]]} != {actual[wrong[0]]}"
    assert actual_albums(conn) == expected_albums(lib)
    assert actual_artists(conn) == expected_artists(lib)
    fts = conn.execute("SELECT COUNT(*) FROM tracks_fts").fetchone()[0]
    assert fts == len(expected)
