"""PlexClient against the emulator: connection, libraries, paged listings, lookups."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from plexmix.devserver.library import EmuAlbum, EmuArtist, EmuTrack, ManualClock, MusicLibrary
from plexmix.devserver.server import PlexEmulator
from plexmix.errors import LibraryNotFoundError
from plexmix.plex.client import PlexClient
from plexmix.plex.models import LibraryInfo, PlexAlbum, PlexArtist, PlexTrack

ClientFactory = Callable[..., PlexClient]


def expected_track(lib: MusicLibrary, t: EmuTrack) -> PlexTrack:
    return PlexTrack(
        rating_key=str(t.rating_key), title=t.title, album_key=str(t.album_key),
        artist_key=str(t.artist_key), album_title=lib.albums[t.album_key].title,
        artist_title=lib.artists[t.artist_key].title, track_number=t.index, disc_number=t.disc,
        duration_ms=t.duration_ms, year=t.year, user_rating=t.user_rating, view_count=t.view_count,
        last_viewed_at=t.last_viewed_at, file_path=t.file, genres=t.genres, moods=t.moods,
        added_at=t.added_at, updated_at=t.updated_at, original_title=t.original_title,
        last_rated_at=t.last_rated_at, music_analysis_version=1 if lib.analysed(t) else None,
        skip_count=t.skip_count,
    )


def expected_album(a: EmuAlbum) -> PlexAlbum:
    return PlexAlbum(
        rating_key=str(a.rating_key), title=a.title, artist_key=str(a.artist_key), year=a.year,
        genres=a.genres, moods=a.moods, styles=a.styles, added_at=a.added_at, updated_at=a.updated_at,
    )


def expected_artist(a: EmuArtist) -> PlexArtist:
    return PlexArtist(
        rating_key=str(a.rating_key), title=a.title, sort_title=a.sort_title or None,
        summary=a.summary or None, genres=a.genres, moods=a.moods, styles=a.styles,
        added_at=a.added_at, updated_at=a.updated_at,
    )


def test_connect_and_libraries(emulator: PlexEmulator, make_client: ClientFactory) -> None:
    client = make_client(emulator)
    info = client.connect()
    assert info.machine_identifier == emulator.machine_identifier
    assert info.name == emulator.friendly_name and info.version == emulator.version
    libraries = client.music_libraries()
    assert [lib.title for lib in libraries] == ["Music", "Audiobooks"]  # the movie section is not music
    assert libraries[0] == LibraryInfo("1", "Music", emulator.library.uuid)
    assert "demo-token" not in repr(client)


def test_select_library_by_name_index_or_default(emulator: PlexEmulator, make_client: ClientFactory) -> None:
    client = make_client(emulator)
    assert client.select_library(None).title == "Music"
    assert client.select_library("audiobooks").title == "Audiobooks"
    assert client.select_library(1).title == "Music"  # 1-based
    assert client.select_library("2").title == "Audiobooks"
    assert client.library is not None and client.library.title == "Audiobooks"
    assert client.count("track") == 0  # the emulator's extra sections are empty
    with pytest.raises(LibraryNotFoundError) as err:
        client.select_library("Podcasts")
    assert "Podcasts" in err.value.message
    assert err.value.hint is not None and "Music" in err.value.hint and "Audiobooks" in err.value.hint
    with pytest.raises(LibraryNotFoundError):
        client.select_library(3)


def test_library_removed_after_selection(emulator: PlexEmulator, make_client: ClientFactory) -> None:
    client = make_client(emulator)
    client.select_library("Music")
    emulator.library.section_key = 9  # the section the client chose is gone
    with pytest.raises(LibraryNotFoundError) as err:
        list(client.iter_tracks())
    assert "Music" in err.value.message and err.value.hint


@pytest.mark.needs_shared_data
def test_iteration_equals_the_library_exactly(emulator_5k: PlexEmulator, make_client: ClientFactory) -> None:
    lib = emulator_5k.library
    client = make_client(emulator_5k, page_size=1000)
    emulator_5k.reset_counts()
    tracks = list(client.iter_tracks())
    assert len(tracks) == len(lib.tracks) == 5000
    assert {t.rating_key: t for t in tracks} == {
        str(k): expected_track(lib, t) for k, t in lib.tracks.items()
    }
    counts = emulator_5k.request_counts
    assert counts["GET /library/sections/{id}/all?type=10"] == 5  # 5,000 tracks / 1,000 a page
    assert counts["GET /library/metadata/{id}"] == 0 and counts["GET /library/metadata/{ids}"] == 0
    assert emulator_5k.total_requests <= 9  # root + sections + 5 pages

    albums = list(client.iter_albums())
    assert sorted(albums, key=lambda a: int(a.rating_key)) == [expected_album(a) for a in lib.albums.values()]
    artists = list(client.iter_artists())
    assert sorted(artists, key=lambda a: int(a.rating_key)) == [
        expected_artist(a) for a in lib.artists.values()
    ]
    assert client.count("track") == 5000
    assert client.count("album") == len(lib.albums)
    assert client.count("artist") == len(lib.artists)


def test_pages_report_progress(emulator: PlexEmulator, make_client: ClientFactory) -> None:
    client = make_client(emulator, page_size=150)
    seen: list[tuple[int, int]] = []
    pages = list(client.iter_pages("track", progress=lambda done, total: seen.append((done, total))))
    assert len(emulator.library.tracks) == 400
    assert [len(p) for p in pages] == [150, 150, 100]
    assert seen == [(150, 400), (300, 400), (400, 400)]


def test_updated_since_filters_on_the_server(
    emulator: PlexEmulator, make_client: ClientFactory, clock: ManualClock
) -> None:
    lib = emulator.library
    client = make_client(emulator, page_size=50)
    clock.advance(3600)
    since = clock.now
    changed = list(lib.tracks)[10:15]
    for key in changed:
        lib.update_track(key, title=f"New {key}")
    album_key = next(iter(lib.albums))
    lib.update_album(album_key, genres=["Changed"])
    artist_key = next(iter(lib.artists))
    lib.update_artist(artist_key, moods=["Calm"])
    emulator.reset_counts()
    assert sorted(t.rating_key for t in client.iter_tracks(updated_since=since)) == sorted(map(str, changed))
    assert [a.rating_key for a in client.iter_albums(updated_since=since)] == [str(album_key)]
    assert [a.rating_key for a in client.iter_artists(updated_since=since)] == [str(artist_key)]
    assert emulator.request_counts["GET /library/sections/{id}/all?type=10"] == 1
    added = list(client.iter_tracks(added_since=clock.now - 30 * 86400))
    assert {t.rating_key for t in added} == {
        str(k) for k, t in lib.tracks.items() if t.added_at >= clock.now - 30 * 86400
    }


def test_activity_finds_plays_and_ratings_that_keep_updated_at(
    emulator: PlexEmulator, make_client: ClientFactory, clock: ManualClock
) -> None:
    lib = emulator.library
    client = make_client(emulator)
    clock.advance(7200)
    since = clock.now
    played, rated = list(lib.tracks)[:2]
    lib.record_play(played)
    lib.update_track(rated, user_rating=10.0)
    assert list(client.iter_tracks(updated_since=since)) == []
    activity = {t.rating_key: t for t in client.iter_tracks_activity(since, since)}
    assert set(activity) == {str(played), str(rated)}
    assert activity[str(rated)].user_rating == 10.0
    # Each from its own watermark: plays after the play, ratings from before the rating.
    later = lib.clock() + 1
    assert [t.rating_key for t in client.iter_tracks_activity(later, since)] == [str(rated)]
    assert [t.rating_key for t in client.iter_tracks_activity(since, later)] == [str(played)]


@pytest.mark.needs_shared_data
def test_fetch_tracks_and_track_keys(emulator_5k: PlexEmulator, make_client: ClientFactory) -> None:
    lib = emulator_5k.library
    client = make_client(emulator_5k, max_url_length=1000)
    keys = [str(k) for k in list(lib.tracks)[::7]]  # ~715 keys
    emulator_5k.reset_counts()
    got = client.fetch_tracks([*keys, "999999999"])
    assert [t.rating_key for t in got] == keys
    assert got[3] == expected_track(lib, lib.tracks[int(keys[3])])
    requests_made = emulator_5k.request_counts["GET /library/metadata/{ids}"]
    assert 2 <= requests_made <= len(keys) // 100
    assert all(len(path) <= 1000 for _, path in emulator_5k.request_log)
    assert client.fetch_tracks([]) == []
    assert client.fetch_tracks(["999999999"]) == []
    emulator_5k.reset_counts()
    assert client.track_keys() == {str(k) for k in lib.tracks}
    assert emulator_5k.request_counts["GET /library/sections/{id}/all?type=10"] == 5
