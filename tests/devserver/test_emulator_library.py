"""The emulator's in-memory library model: keys, timestamps and mutation hooks."""

from __future__ import annotations

import pytest

from plexmix.devserver.library import ManualClock, MusicLibrary


def make_library() -> tuple[MusicLibrary, ManualClock]:
    clock = ManualClock(1_000_000)
    lib = MusicLibrary(clock=clock)
    lib.add_song("Artist A", "Album 1", "Song 1", year=2001, duration_ms=1000)
    lib.add_song("Artist A", "Album 1", "Song 2", year=2001, duration_ms=2000)
    lib.add_song("Artist A", "Album 2", "Song 3", year=2005)
    lib.add_song("Artist B", "Album 3", "Song 4")
    return lib, clock


def test_add_song_builds_hierarchy_with_unique_keys() -> None:
    lib, _ = make_library()
    assert len(lib.artists) == 2
    assert len(lib.albums) == 3
    assert len(lib.tracks) == 4
    keys = [*lib.artists, *lib.albums, *lib.tracks]
    assert len(keys) == len(set(keys))
    song2 = next(t for t in lib.tracks.values() if t.title == "Song 2")
    album = lib.albums[song2.album_key]
    assert album.title == "Album 1"
    assert song2.index == 2
    assert song2.year == 2001
    assert lib.artists[song2.artist_key].title == "Artist A"
    assert song2.added_at == song2.updated_at == 1_000_000


def test_update_track_moves_updated_at_with_the_clock() -> None:
    lib, clock = make_library()
    key = next(iter(lib.tracks))
    version = lib.version
    clock.advance(500)
    track = lib.update_track(key, title="Renamed")
    assert track.title == "Renamed"
    assert track.updated_at == 1_000_500
    assert lib.tracks[key] is track
    assert lib.version > version


def test_user_state_does_not_move_updated_at_like_a_real_server() -> None:
    lib, clock = make_library()
    key = next(iter(lib.tracks))
    before = lib.tracks[key].updated_at
    clock.advance(100)
    lib.update_track(key, user_rating=8.0)
    lib.record_play(key)
    track = lib.tracks[key]
    assert track.updated_at == before
    assert track.user_rating == 8.0
    assert track.last_rated_at == 1_000_100
    assert track.view_count == 1
    assert track.last_viewed_at == 1_000_100
    lib.update_track(key, view_count=5, touch=True)
    assert lib.tracks[key].updated_at == 1_000_100


def test_update_rejects_unknown_fields_and_keys() -> None:
    lib, _ = make_library()
    key = next(iter(lib.tracks))
    with pytest.raises(TypeError):
        lib.update_track(key, colour="red")
    with pytest.raises(KeyError):
        lib.update_track(999_999, title="x")


def test_update_album_and_artist() -> None:
    lib, clock = make_library()
    album_key = next(iter(lib.albums))
    artist_key = next(iter(lib.artists))
    clock.advance(60)
    assert lib.update_album(album_key, genres=["Jazz"]).updated_at == 1_000_060
    assert lib.albums[album_key].genres == ["Jazz"]
    assert lib.update_artist(artist_key, moods=["Calm"]).moods == ["Calm"]


def test_delete_track_removes_empty_album_and_artist() -> None:
    lib, _ = make_library()
    song4 = next(t for t in lib.tracks.values() if t.title == "Song 4")
    lib.delete_track(song4.rating_key)
    assert song4.album_key not in lib.albums
    assert song4.artist_key not in lib.artists
    song1 = next(t for t in lib.tracks.values() if t.title == "Song 1")
    lib.delete_track(song1.rating_key)
    assert song1.album_key in lib.albums  # Song 2 is still on it
    assert song1.artist_key in lib.artists


def test_new_keys_never_collide_with_explicit_ones() -> None:
    lib = MusicLibrary(clock=ManualClock())
    artist = lib.add_artist("X", rating_key=50)
    album = lib.add_album("Y", artist.rating_key)
    assert album.rating_key == 51
    with pytest.raises(ValueError):
        lib.add_artist("Z", rating_key=50)
