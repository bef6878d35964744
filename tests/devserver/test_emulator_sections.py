"""Several music libraries, a movie section and two servers, through the real plexapi over loopback."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from plexmix.devserver.__main__ import build_emulator, build_parser
from plexmix.devserver.csv_loader import demo_library
from plexmix.devserver.library import ManualClock, MusicLibrary
from plexmix.devserver.sections import DEMO_MOVIES, split_library
from plexmix.devserver.server import PlexEmulator

os.environ.setdefault("PLEXAPI_PLEXAPI_AUTORELOAD", "false")


@pytest.fixture(scope="module")
def split() -> tuple[MusicLibrary, MusicLibrary]:
    """The bundled demo tracks as two libraries: "Music" and "Classical". Do not mutate."""
    music = demo_library(clock=ManualClock())
    return music, split_library(music, "Classical", ["Classical"], section_key=2)


@pytest.fixture
def emu(split: tuple[MusicLibrary, MusicLibrary]) -> Iterator[PlexEmulator]:
    with PlexEmulator(list(split), extra_sections=[("movie", "Movies", DEMO_MOVIES)]) as emulator:
        yield emulator


@pytest.fixture
def plex(emu: PlexEmulator) -> Any:
    from plexapi.server import PlexServer

    return PlexServer(emu.url, emu.token, timeout=10)


def test_split_moves_whole_albums_and_keeps_keys_unique(split: tuple[MusicLibrary, MusicLibrary]) -> None:
    music, classical = split
    assert len(classical.tracks) > 20 and len(music.tracks) > 1000
    assert all("Classical" in classical.albums[t.album_key].genres for t in classical.tracks.values())
    assert not any("Classical" in a.genres for a in music.albums.values())
    keys = [set(lib.tracks) | set(lib.albums) | set(lib.artists) for lib in split]
    assert not keys[0] & keys[1]
    for lib in split:  # every track's album and artist live in its own library
        assert all(t.album_key in lib.albums and t.artist_key in lib.artists for t in lib.tracks.values())


def test_plexapi_lists_two_music_sections_and_a_movie_section(emu: PlexEmulator, plex: Any) -> None:
    sections = plex.library.sections()
    assert [(s.key, s.type, s.title) for s in sections] == [
        (1, "artist", "Music"), (2, "artist", "Classical"), (3, "movie", "Movies")
    ]
    assert len({s.uuid for s in sections}) == 3
    assert emu.libraries[1].uuid == plex.library.section("Classical").uuid
    movies = plex.library.section("Movies").all()
    assert [(m.type, m.title, m.year) for m in movies] == [("movie", t, y) for t, y in DEMO_MOVIES]
    assert plex.fetchItem(movies[0].ratingKey).title == DEMO_MOVIES[0][0]


def test_each_section_lists_only_its_own_items(emu: PlexEmulator, plex: Any) -> None:
    for lib in emu.libraries:
        section = plex.library.section(lib.title)
        tracks = section.searchTracks(container_size=500)
        assert {t.ratingKey for t in tracks} == set(lib.tracks)
        assert {t.librarySectionID for t in tracks} == {lib.section_key}
        assert {a.ratingKey for a in section.searchAlbums(container_size=500)} == set(lib.albums)
        assert {a.ratingKey for a in section.searchArtists(container_size=500)} == set(lib.artists)
    filtered = plex.library.section("Classical").searchTracks(filters={"track.title": "a"})
    assert filtered and {t.ratingKey for t in filtered} <= set(emu.libraries[1].tracks)


def test_items_by_key_children_and_new_keys_across_sections(emu: PlexEmulator, plex: Any) -> None:
    music, classical = emu.libraries
    a, b = next(iter(music.tracks)), next(iter(classical.tracks))
    got = {t.ratingKey: t.librarySectionTitle for t in plex.fetchItems([a, b])}
    assert got == {a: "Music", b: "Classical"}
    album = next(iter(classical.albums.values()))
    kids = plex.fetchItem(album.rating_key).tracks()
    assert {t.ratingKey for t in kids} == {t.rating_key for t in classical.tracks.values() if t.album_key == album.rating_key}
    added = classical.add_song("New Quartet", "Opus 1", "Allegro", year=2024)
    assert added.rating_key not in music.tracks and music.new_key() > added.rating_key


def test_playlist_items_and_sonic_answers_come_from_the_right_section(emu: PlexEmulator, plex: Any) -> None:
    music, classical = emu.libraries
    seed = next(t for t in classical.tracks.values() if classical.analysed(t))
    pick = [plex.fetchItem(next(iter(music.tracks))), plex.fetchItem(seed.rating_key)]
    playlist = plex.createPlaylist("Both", items=pick)
    assert [(i.ratingKey, i.librarySectionID) for i in playlist.items()] == [
        (pick[0].ratingKey, 1), (seed.rating_key, 2)
    ]
    similar = plex.fetchItem(seed.rating_key).sonicallySimilar(limit=10, maxDistance=1.0)
    assert similar and {t.ratingKey for t in similar} <= set(classical.tracks)
    ends = [t for t in classical.tracks.values() if classical.analysed(t)][:2]
    path = plex.library.section("Classical").sonicAdventure(ends[0].rating_key, ends[1].rating_key)
    assert path and {t.ratingKey for t in path} <= set(classical.tracks)


def test_libraries_must_not_share_section_or_rating_keys(clock: ManualClock) -> None:
    one, two = MusicLibrary(clock=clock), MusicLibrary(title="Other", section_key=2, clock=clock)
    one.add_song("A", "B", "C")
    two.add_song("D", "E", "F")  # key 1 again: two independent key sequences
    with pytest.raises(ValueError, match="reuses ratingKeys"):
        PlexEmulator([one, two])
    with pytest.raises(ValueError, match="distinct section keys"):
        PlexEmulator([one, MusicLibrary(clock=clock)])


def test_two_emulators_are_two_servers(split: tuple[MusicLibrary, MusicLibrary]) -> None:
    from plexapi.exceptions import Unauthorized
    from plexapi.server import PlexServer

    music, classical = split
    home = PlexEmulator(music, token="home-token", friendly_name="Home", machine_identifier="mid-home")
    cabin = PlexEmulator(classical, token="cabin-token", friendly_name="Cabin", machine_identifier="mid-cabin")
    with home, cabin:
        servers = [PlexServer(e.url, e.token, timeout=10) for e in (home, cabin)]
        assert [(s.friendlyName, s.machineIdentifier) for s in servers] == [("Home", "mid-home"), ("Cabin", "mid-cabin")]
        for server, lib in zip(servers, split, strict=True):
            (section,) = server.library.sections()
            assert {t.ratingKey for t in section.searchTracks(container_size=1000)} == set(lib.tracks)
        with pytest.raises(Unauthorized):
            PlexServer(cabin.url, home.token, timeout=10)


def test_cli_splits_a_genre_adds_movies_and_names_the_server() -> None:
    args = build_parser().parse_args(
        ["--split-genre", "Classical", "--movies", "--name", "Cabin", "--machine-id", "m2", "--home-user", "Anna:1234"]
    )
    emu = build_emulator(args)
    assert [(k, t, title) for k, t, title, _ in emu.section_list()] == [
        (1, "artist", "Music"), (2, "artist", "Classical"), (3, "movie", "Movies")
    ]
    assert emu.friendly_name == "Cabin" and emu.machine_identifier == "m2"
    assert [(p.name, p.pin) for p in emu.home.people] == [("Owner", None), ("Anna", "1234")]
    assert "--split-genre" in build_parser().format_help()
