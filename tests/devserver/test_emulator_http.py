"""The emulator's endpoints, exercised through the real plexapi and raw HTTP over loopback."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime
from typing import Any

import pytest
import requests

from plexmix.devserver.library import ManualClock, MusicLibrary
from plexmix.devserver.server import PlexEmulator


def get(emu: PlexEmulator, path: str, **headers: str) -> requests.Response:
    return requests.get(emu.url + path, headers={"X-Plex-Token": emu.token, **headers}, timeout=5)


def test_root_identity_and_sections(emulator: PlexEmulator, plex: Any) -> None:
    assert plex.friendlyName == emulator.friendly_name
    assert plex.machineIdentifier == emulator.machine_identifier
    major, minor = (int(x) for x in plex.version.split(".")[:2])
    assert (major, minor) >= (1, 40)
    sections = plex.library.sections()
    assert [(s.type, s.title) for s in sections] == [("artist", "Music"), ("movie", "Movies")]
    music = plex.library.section("Music")
    assert music.key == 1 and music.uuid == emulator.library.uuid
    identity = ET.fromstring(requests.get(emulator.url + "/identity", timeout=5).content)
    assert identity.get("machineIdentifier") == emulator.machine_identifier


def test_paging_through_plexapi_returns_everything(emulator: PlexEmulator, plex: Any) -> None:
    lib = emulator.library
    music = plex.library.section("Music")
    emulator.reset_counts()
    tracks = music.searchTracks(container_size=250)
    assert sorted(t.ratingKey for t in tracks) == sorted(lib.tracks)
    pages = emulator.request_counts["GET /library/sections/{id}/all?type=10"]
    assert pages == -(-len(lib.tracks) // 250)
    albums = music.searchAlbums(container_size=300)
    assert {a.ratingKey for a in albums} == set(lib.albums)
    artists = music.searchArtists(container_size=300)
    assert {a.ratingKey for a in artists} == set(lib.artists)


def test_track_xml_fields_match_the_library(emulator: PlexEmulator, plex: Any) -> None:
    lib = emulator.library
    tracks = {t.ratingKey: t for t in plex.library.section("Music").searchTracks(container_size=1000)}
    rated = next(t for t in lib.tracks.values() if t.user_rating is not None and t.view_count)
    got = tracks[rated.rating_key]
    assert got.title == rated.title
    assert got.userRating == rated.user_rating
    assert got.viewCount == rated.view_count
    assert int(got.lastViewedAt.timestamp()) == rated.last_viewed_at
    assert int(got.updatedAt.timestamp()) == rated.updated_at
    assert got.parentRatingKey == rated.album_key
    assert got.grandparentRatingKey == rated.artist_key
    assert got.parentTitle == lib.albums[rated.album_key].title
    assert got.duration == rated.duration_ms
    assert got.media[0].parts[0].file == rated.file
    assert [g.tag for g in got.genres] == rated.genres
    unrated = next(t for t in lib.tracks.values() if t.user_rating is None and not t.view_count)
    raw = ET.fromstring(get(emulator, f"/library/metadata/{unrated.rating_key}").content)[0]
    assert "userRating" not in raw.attrib and "lastViewedAt" not in raw.attrib


def test_album_and_artist_tags(emulator: PlexEmulator, plex: Any) -> None:
    lib = emulator.library
    album = next(a for a in lib.albums.values() if a.moods and a.styles)
    got = plex.fetchItem(album.rating_key)
    assert got.type == "album"
    assert [g.tag for g in got.genres] == album.genres
    assert [s.tag for s in got.styles] == album.styles
    assert [m.tag for m in got.moods] == album.moods
    artist = plex.fetchItem(album.artist_key)
    assert [g.tag for g in artist.genres] == lib.artists[album.artist_key].genres


def test_filtered_search_uses_meta_and_updated_at(emulator: PlexEmulator, plex: Any) -> None:
    lib: MusicLibrary = emulator.library
    clock = lib.clock
    assert isinstance(clock, ManualClock)
    music = plex.library.section("Music")
    clock.advance(3600)
    changed = list(lib.tracks)[5:12]
    for key in changed:
        lib.update_track(key, title=f"Changed {key}")
    since = datetime.fromtimestamp(clock.now - 60)
    found = music.searchTracks(filters={"updatedAt>>": since})
    assert sorted(t.ratingKey for t in found) == sorted(changed)
    assert emulator.request_counts["GET /library/sections/{id}/all"] >= 2  # includeMeta probes
    relative = music.searchTracks(filters={"track.updatedAt>>": "-5m"})
    assert sorted(t.ratingKey for t in relative) == sorted(changed)
    older = music.searchTracks(filters={"addedAt<<": datetime.fromtimestamp(clock.now - 3 * 365 * 86400)})
    expected = [t.rating_key for t in lib.tracks.values() if t.added_at < clock.now - 3 * 365 * 86400]
    assert sorted(t.ratingKey for t in older) == sorted(expected) and expected
    album_key = next(iter(lib.albums))
    lib.update_album(album_key, title="Touched")
    by_album = music.searchTracks(filters={"album.updatedAt>>": since})
    assert {t.parentRatingKey for t in by_album} == {album_key}


def test_include_meta_block_and_query_param_paging(emulator: PlexEmulator) -> None:
    resp = get(
        emulator,
        "/library/sections/1/all?type=10&includeMeta=1&X-Plex-Container-Start=0&X-Plex-Container-Size=0",
    )
    root = ET.fromstring(resp.content)
    assert root.get("size") == "0" and root.get("totalSize") == str(len(emulator.library.tracks))
    meta = root.find("Meta")
    assert meta is not None
    assert {t.get("type") for t in meta.findall("Type")} == {"artist", "album", "track"}
    date_ops = {o.get("key") for o in meta.find("FieldType[@type='date']")}
    assert {">>=", "<<="} <= date_ops
    page = ET.fromstring(
        get(
            emulator, "/library/sections/1/all?type=9&X-Plex-Container-Start=3&X-Plex-Container-Size=4"
        ).content
    )
    assert page.get("offset") == "3" and page.get("size") == "4"
    assert [el.get("ratingKey") for el in page] == [str(k) for k in list(emulator.library.albums)[3:7]]
    collections = ET.fromstring(get(emulator, "/library/sections/1/collections?includeMeta=1").content)
    assert collections.get("totalSize") == "0" and collections.find("Meta") is not None


def test_metadata_mixes_kinds_and_unknown_paths_404(emulator: PlexEmulator) -> None:
    lib = emulator.library
    track = next(iter(lib.tracks.values()))
    keys = f"{track.rating_key},{track.album_key},{track.artist_key},99999999"
    root = ET.fromstring(get(emulator, f"/library/metadata/{keys}").content)
    assert [(el.tag, el.get("type")) for el in root] == [
        ("Track", "track"),
        ("Directory", "album"),
        ("Directory", "artist"),
    ]
    assert get(emulator, "/library/metadata/99999999").status_code == 404
    assert get(emulator, "/no/such/thing").status_code == 404
    assert get(emulator, "/library/sections/7/all").status_code == 404
    children = ET.fromstring(get(emulator, f"/library/metadata/{track.album_key}/children").content)
    assert track.rating_key in {int(el.get("ratingKey", 0)) for el in children}


def test_bad_filters_are_rejected_not_ignored(emulator: PlexEmulator) -> None:
    assert get(emulator, "/library/sections/1/all?type=10&track.colour=red").status_code == 400
    assert get(emulator, "/library/sections/1/all?type=10&track.updatedAt%3E%3E=soon").status_code == 400


def test_token_header_or_query_parameter(emulator: PlexEmulator) -> None:
    assert requests.get(emulator.url + "/library/sections", timeout=5).status_code == 401
    bad = requests.get(emulator.url + "/library/sections", headers={"X-Plex-Token": "nope"}, timeout=5)
    assert bad.status_code == 401
    ok = requests.get(emulator.url + f"/library/sections?X-Plex-Token={emulator.token}", timeout=5)
    assert ok.status_code == 200
    assert ok.headers["Content-Length"] == str(len(ok.content))


def test_stop_closes_keep_alive_connections(small_library: MusicLibrary) -> None:
    emu = PlexEmulator(small_library).start()
    session = requests.Session()
    assert session.get(emu.url + "/identity", timeout=5).status_code == 200
    emu.stop()
    with pytest.raises(requests.exceptions.ConnectionError):
        session.get(emu.url + "/identity", timeout=5)
