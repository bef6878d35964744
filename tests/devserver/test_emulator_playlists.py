"""Emulated playlists, driven through plexapi's own Playlist API."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import requests

from plexmix.devserver.server import PlexEmulator


def test_create_add_remove_rename_delete(emulator: PlexEmulator, plex: Any) -> None:
    music = plex.library.section("Music")
    tracks = music.searchTracks(container_size=1000)[:12]
    playlist = plex.createPlaylist("Rainy Day", items=tracks[:5])
    key = playlist.ratingKey
    assert playlist.playlistType == "audio" and not playlist.smart
    assert playlist.leafCount == 5
    assert [i.ratingKey for i in playlist.items()] == [t.ratingKey for t in tracks[:5]]
    assert len({i.playlistItemID for i in playlist.items()}) == 5

    playlist.addItems(tracks[5:12])
    playlist.reload()
    assert playlist.leafCount == 12

    playlist.removeItems([tracks[0], tracks[7]])
    playlist.reload()
    remaining = [i.ratingKey for i in playlist.items()]
    assert remaining == [t.ratingKey for t in tracks if t not in (tracks[0], tracks[7])]

    playlist.editTitle("Sunny Day")
    playlist.editSummary("Made by a test")
    playlist.reload()
    assert (playlist.title, playlist.summary, playlist.ratingKey) == ("Sunny Day", "Made by a test", key)
    assert plex.playlist("Sunny Day").ratingKey == key
    assert [p.title for p in plex.playlists(playlistType="audio")] == ["Sunny Day"]
    assert plex.playlists(playlistType="video") == []

    playlist.delete()
    assert plex.playlists() == []


def test_album_key_expands_and_clear_all(emulator: PlexEmulator, plex: Any) -> None:
    lib = emulator.library
    album = max(
        lib.albums.values(), key=lambda a: sum(1 for t in lib.tracks.values() if t.album_key == a.rating_key)
    )
    album_tracks = [t.rating_key for t in lib.tracks.values() if t.album_key == album.rating_key]
    assert len(album_tracks) >= 2
    playlist = plex.createPlaylist("Whole album", items=[plex.fetchItem(album.rating_key)])
    assert sorted(i.ratingKey for i in playlist.items()) == sorted(album_tracks)

    headers = {"X-Plex-Token": emulator.token}
    url = f"{emulator.url}/playlists/{playlist.ratingKey}/items"
    assert requests.delete(url, headers=headers, timeout=5).status_code == 200
    playlist.reload()
    assert playlist.leafCount == 0 and playlist.ratingKey == plex.playlist("Whole album").ratingKey
    items = ET.fromstring(requests.get(url, headers=headers, timeout=5).content)
    assert items.get("totalSize") == "0"


def test_bad_playlist_requests(emulator: PlexEmulator) -> None:
    headers = {"X-Plex-Token": emulator.token}
    track = next(iter(emulator.library.tracks))
    other_server = f"server://somewhere-else/com.plexapp.plugins.library/library/metadata/{track}"
    resp = requests.post(
        f"{emulator.url}/playlists", params={"type": "audio", "title": "x", "smart": "0", "uri": other_server},
        headers=headers, timeout=5,
    )
    assert resp.status_code == 400
    assert requests.get(f"{emulator.url}/playlists/424242", headers=headers, timeout=5).status_code == 404
    assert requests.delete(f"{emulator.url}/playlists/424242", headers=headers, timeout=5).status_code == 404
