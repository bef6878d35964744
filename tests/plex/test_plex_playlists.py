"""PlexClient playlists: chunked creation under a URL limit, in-place replace, lookups."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from plexmix.devserver.server import PlexEmulator
from plexmix.errors import PlaylistError
from plexmix.plex.client import PlexClient
from plexmix.plex.transport import PlexHTTPError

ClientFactory = Callable[..., PlexClient]


def track_keys(emu: PlexEmulator, count: int, offset: int = 0) -> list[str]:
    return [str(k) for k in list(emu.library.tracks)[offset : offset + count]]


def test_create_600_tracks_under_a_url_limit(emulator_5k: PlexEmulator, make_client: ClientFactory) -> None:
    emulator_5k.max_url_length = 2000
    client = make_client(emulator_5k, max_url_length=2000)
    client.connect()
    keys = track_keys(emulator_5k, 600, offset=1000)
    emulator_5k.reset_counts()
    info = client.create_playlist("Big one", keys, summary="600 real tracks")
    assert (info.title, info.summary, info.leaf_count) == ("Big one", "600 real tracks", 600)
    counts = emulator_5k.request_counts
    assert counts["POST /playlists"] == 1
    assert 1 <= counts["PUT /playlists/{id}/items"] <= 4
    assert emulator_5k.total_requests <= 8
    assert all(len(path) <= 2000 for _, path in emulator_5k.request_log)
    assert client.playlist_track_keys(info.rating_key) == keys


def test_chunk_size_caps_keys_per_request(emulator: PlexEmulator, make_client: ClientFactory) -> None:
    client = make_client(emulator)
    client.connect()
    keys = track_keys(emulator, 95)
    emulator.reset_counts()
    info = client.create_playlist("Small chunks", keys, chunk_size=20)
    assert emulator.request_counts["PUT /playlists/{id}/items"] == 4  # 20 created + 4 x <=20 added
    assert client.playlist_track_keys(info.rating_key) == keys


def test_replace_keeps_the_rating_key(emulator: PlexEmulator, make_client: ClientFactory) -> None:
    client = make_client(emulator, max_url_length=600)
    created = client.create_playlist("Evening", track_keys(emulator, 40))
    new_keys = track_keys(emulator, 120, offset=100)
    replaced = client.replace_playlist(created.rating_key, new_keys, title="Late evening", summary="v2")
    assert replaced.rating_key == created.rating_key
    assert (replaced.title, replaced.summary, replaced.leaf_count) == ("Late evening", "v2", 120)
    assert client.playlist_track_keys(created.rating_key) == new_keys
    emptied = client.replace_playlist(created.rating_key, [])
    assert emptied.leaf_count == 0 and emptied.title == "Late evening"


def test_replace_falls_back_to_item_deletes(emulator: PlexEmulator, make_client: ClientFactory) -> None:
    client = make_client(emulator)
    created = client.create_playlist("Old server", track_keys(emulator, 5))
    emulator.set_fault(status=405, first_n=1, method="DELETE", path_contains="/items")
    replaced = client.replace_playlist(created.rating_key, track_keys(emulator, 3, offset=50))
    assert client.playlist_track_keys(replaced.rating_key) == track_keys(emulator, 3, offset=50)
    assert emulator.request_counts["DELETE /playlists/{id}/items/{id}"] == 5


def test_find_list_delete(emulator: PlexEmulator, make_client: ClientFactory) -> None:
    client = make_client(emulator)
    a = client.create_playlist("Chill Mix", track_keys(emulator, 3))
    b = client.create_playlist("Chill Mix Extended", track_keys(emulator, 4))
    found = client.find_playlist("Chill Mix")
    assert found is not None and found.rating_key == a.rating_key
    assert client.find_playlist("chill mix extended") == b
    assert client.find_playlist("Nothing like it") is None
    assert {p.rating_key for p in client.list_playlists()} == {a.rating_key, b.rating_key}
    assert client.delete_playlist(a.rating_key) is True
    assert client.delete_playlist(a.rating_key) is False
    assert client.get_playlist(a.rating_key) is None
    with pytest.raises(PlaylistError):
        client.replace_playlist(a.rating_key, track_keys(emulator, 2))
    with pytest.raises(PlaylistError):
        client.playlist_track_keys(a.rating_key)


def test_empty_or_untitled_playlists_are_refused(emulator: PlexEmulator, make_client: ClientFactory) -> None:
    client = make_client(emulator)
    with pytest.raises(PlaylistError):
        client.create_playlist("Nothing", [])
    with pytest.raises(PlaylistError):
        client.create_playlist("  ", track_keys(emulator, 2))
    assert emulator.playlists.playlists == {}


def test_failed_chunk_removes_the_half_built_playlist(
    emulator: PlexEmulator, make_client: ClientFactory
) -> None:
    client = make_client(emulator, max_retries=0)
    emulator.set_fault(status=500, method="PUT", path_contains="/items")
    with pytest.raises(PlexHTTPError) as err:
        client.create_playlist("Half", track_keys(emulator, 100), chunk_size=30)
    assert err.value.status == 500
    assert emulator.playlists.playlists == {}
