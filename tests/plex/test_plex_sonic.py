"""PlexClient.sonically_similar and sonic_path: the real plexapi over loopback against the emulator."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pytest

from plexmix.devserver.csv_loader import load_library
from plexmix.devserver.library import EmuTrack, ManualClock, MusicLibrary
from plexmix.devserver.server import PlexEmulator
from plexmix.errors import PlexError
from plexmix.plex.client import PlexClient

ClientFactory = Callable[..., PlexClient]
TIDY = "tidytuesday_spotify_songs.csv.gz"


def rms(a: EmuTrack, b: EmuTrack) -> float:
    assert a.sonic is not None and b.sonic is not None
    return math.sqrt(sum((x - y) ** 2 for x, y in zip(a.sonic, b.sonic, strict=True)) / len(a.sonic))


def expected_nearest(lib: MusicLibrary, seed: EmuTrack, limit: int, max_distance: float) -> list[int]:
    ranked = sorted((rms(seed, t), k) for k, t in lib.tracks.items() if k != seed.rating_key)
    return [k for d, k in ranked if d <= max_distance][:limit]


def connected(make_client: ClientFactory, emu: PlexEmulator) -> PlexClient:
    client = make_client(emu)
    client.select_library("Music")
    emu.reset_counts()
    return client


def test_sonically_similar_in_one_request(emulator: PlexEmulator, make_client: ClientFactory) -> None:
    lib = emulator.library
    client = connected(make_client, emulator)
    seed = lib.tracks[next(iter(lib.tracks))]
    found = client.sonically_similar(seed.rating_key, limit=12, max_distance=0.3)
    assert emulator.total_requests == 1
    assert emulator.request_counts["GET /library/metadata/{id}/nearest"] == 1
    assert [k for k, _ in found] == expected_nearest(lib, seed, 12, 0.3)
    assert all(isinstance(k, int) and isinstance(d, float) for k, d in found)
    for key, dist in found:
        assert dist == pytest.approx(rms(seed, lib.tracks[key]), abs=1e-4)
    # Without max_distance the server's default (0.25) applies; a limit caps the answer.
    default = client.sonically_similar(seed.rating_key)
    assert [k for k, _ in default] == expected_nearest(lib, seed, 50, 0.25)
    assert len(client.sonically_similar(seed.rating_key, limit=3, max_distance=1.0)) == 3


def test_sonic_path_is_the_servers_adventure(emulator: PlexEmulator, make_client: ClientFactory) -> None:
    from plexapi.server import PlexServer

    lib = emulator.library
    keys = list(lib.tracks)
    client = connected(make_client, emulator)
    path = client.sonic_path(keys[0], keys[-1])
    assert emulator.total_requests == 1
    assert path[0] == keys[0] and path[-1] == keys[-1] and len(path) >= 5
    adventure = PlexServer(emulator.url, emulator.token).library.section("Music").sonicAdventure(keys[0], keys[-1])
    assert path == [t.ratingKey for t in adventure]


def test_no_sonic_analysis_gives_empty_lists(
    shared_data_dir: Path, clock: ManualClock, make_client: ClientFactory
) -> None:
    lib = load_library(shared_data_dir / TIDY, limit=60, clock=clock, sonic=False)
    with PlexEmulator(lib) as emu:
        client = connected(make_client, emu)
        keys = list(lib.tracks)
        assert client.sonically_similar(keys[0], max_distance=1.0) == []
        assert client.sonic_path(keys[0], keys[1]) == []
        assert [t.music_analysis_version for t in client.iter_tracks()] == [None] * 60
        lib.sonic_analysis = True
        assert len(client.sonically_similar(keys[0], max_distance=1.0)) == 50
        assert {t.music_analysis_version for t in client.iter_tracks()} == {1}


def test_unknown_items_and_refusals_give_empty_lists(emulator: PlexEmulator, make_client: ClientFactory) -> None:
    client = connected(make_client, emulator)
    key = next(iter(emulator.library.tracks))
    assert client.sonically_similar(999999) == []  # 404
    assert client.sonic_path(key, 999999) == []  # 404
    assert client.sonically_similar(key, limit=0) == []
    emulator.set_fault(400, path_contains="/nearest")
    emulator.set_fault(501, path_contains="/computePath")
    assert client.sonically_similar(key) == []
    assert client.sonic_path(key, key + 1) == []


def test_a_failing_server_is_still_an_error(emulator: PlexEmulator, make_client: ClientFactory) -> None:
    client = connected(make_client, emulator)
    key = next(iter(emulator.library.tracks))
    emulator.set_fault(500, path_contains="/nearest")
    with pytest.raises(PlexError):
        client.sonically_similar(key)
    emulator.set_fault(401, path_contains="/computePath")
    with pytest.raises(PlexError):
        client.sonic_path(key, key + 1)
