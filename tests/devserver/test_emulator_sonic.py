"""Sonic analysis in the emulator: /nearest and computePath in a real server's shape."""

from __future__ import annotations

import itertools
import math
import random
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import requests

from plexmix.devserver.csv_loader import DEMO_PATH, load_library, read_rows
from plexmix.devserver.library import EmuTrack, ManualClock, MusicLibrary
from plexmix.devserver.server import PlexEmulator
from plexmix.devserver.sonic import SONIC_FEATURES, sonic_vector

TIDY = "tidytuesday_spotify_songs.csv.gz"


def get(emu: PlexEmulator, path: str, **headers: str) -> requests.Response:
    return requests.get(emu.url + path, headers={"X-Plex-Token": emu.token, **headers}, timeout=5)


def xml_of(emu: PlexEmulator, path: str, **headers: str) -> ET.Element:
    response = get(emu, path, **headers)
    assert response.status_code == 200, response.text
    return ET.fromstring(response.content)


def rms(a: EmuTrack, b: EmuTrack) -> float:
    """The distance the emulator documents, computed here on its own."""
    assert a.sonic is not None and b.sonic is not None
    return math.sqrt(sum((x - y) ** 2 for x, y in zip(a.sonic, b.sonic, strict=True)) / len(a.sonic))


def test_tracks_with_features_carry_the_analysis_version(emulator: PlexEmulator, plex: Any) -> None:
    lib = emulator.library
    assert lib.sonic_analysis and all(t.sonic is not None for t in lib.tracks.values())
    tracks = plex.library.section("Music").searchTracks(container_size=1000)
    assert len(tracks) == len(lib.tracks)
    assert {t.musicAnalysisVersion for t in tracks} == {1}
    assert all(t.hasSonicAnalysis for t in tracks)


def test_sonic_vectors_come_from_the_audio_features(shared_data_dir: Path) -> None:
    song = next(iter(read_rows(shared_data_dir / TIDY)))
    vector = sonic_vector(song.features)
    assert vector is not None and len(vector) == len(SONIC_FEATURES)
    assert all(0.0 <= v <= 1.0 for v in vector)
    assert vector[0] == song.features["valence"] and vector[1] == song.features["energy"]
    assert vector[-1] == pytest.approx(min(1.0, max(0.0, (song.features["tempo"] - 50) / 150)))
    assert sonic_vector({k: v for k, v in song.features.items() if k != "energy"}) is None
    assert sonic_vector({**song.features, "tempo": float("nan")}) is None


def test_nearest_is_sorted_within_max_distance_and_leaves_out_the_seed(emulator: PlexEmulator) -> None:
    lib = emulator.library
    seed = next(iter(lib.tracks.values()))
    root = xml_of(emulator, f"/library/metadata/{seed.rating_key}/nearest?includeGuids=1&limit=15&maxDistance=0.2")
    items = list(root)
    assert 0 < len(items) <= 15
    assert root.get("size") == str(len(items)) and root.get("librarySectionID") == str(lib.section_key)
    keys = [int(el.get("ratingKey", "0")) for el in items]
    distances = [float(el.get("distance", "nan")) for el in items]
    assert seed.rating_key not in keys and len(set(keys)) == len(keys)
    assert distances == sorted(distances) and all(0.0 <= d <= 0.2 for d in distances)
    for el, key, d in zip(items, keys, distances, strict=True):
        assert el.tag == "Track" and el.get("type") == "track" and el.get("musicAnalysisVersion") == "1"
        assert el.find("Media/Part") is not None
        assert d == pytest.approx(rms(seed, lib.tracks[key]), abs=1e-4)
    # Exactly the 15 nearest: no other track is nearer than the farthest returned.
    others = sorted(rms(seed, t) for k, t in lib.tracks.items() if k != seed.rating_key)
    assert distances == pytest.approx(others[: len(distances)], abs=1e-4)


def test_nearest_defaults_and_exclusions(emulator: PlexEmulator) -> None:
    lib = emulator.library
    sizes = Counter(t.album_key for t in lib.tracks.values())
    seed = max(lib.tracks.values(), key=lambda t: sizes[t.album_key])
    assert sizes[seed.album_key] > 1
    every = [rms(seed, t) for k, t in lib.tracks.items() if k != seed.rating_key]
    root = xml_of(emulator, f"/library/metadata/{seed.rating_key}/nearest")
    assert len(root) == min(50, sum(d <= 0.25 for d in every))  # the server's defaults: 50, 0.25
    wide = f"/library/metadata/{seed.rating_key}/nearest?limit=600&maxDistance=1"
    assert len(xml_of(emulator, wide)) == len(lib.tracks) - 1
    no_album = xml_of(emulator, f"{wide}&excludeParentID={seed.album_key}")
    assert all(lib.tracks[int(el.get("ratingKey", "0"))].album_key != seed.album_key for el in no_album)
    assert len(no_album) == sum(t.album_key != seed.album_key for t in lib.tracks.values())
    no_artist = xml_of(emulator, f"{wide}&excludeGrandparentID={seed.artist_key}")
    assert len(no_artist) == sum(t.artist_key != seed.artist_key for t in lib.tracks.values())


def test_nearest_pages_like_every_listing(emulator: PlexEmulator) -> None:
    seed = next(iter(emulator.library.tracks))
    path = f"/library/metadata/{seed}/nearest?limit=30&maxDistance=1"
    whole = [el.get("ratingKey") for el in xml_of(emulator, path)]
    first = xml_of(emulator, path, **{"X-Plex-Container-Start": "0", "X-Plex-Container-Size": "20"})
    rest = xml_of(emulator, path, **{"X-Plex-Container-Start": "20", "X-Plex-Container-Size": "20"})
    assert first.get("totalSize") == "30" and rest.get("offset") == "20"
    assert [el.get("ratingKey") for el in [*first, *rest]] == whole


def test_nearest_errors(emulator: PlexEmulator) -> None:
    seed = next(iter(emulator.library.tracks))
    assert get(emulator, "/library/metadata/999999/nearest").status_code == 404
    assert get(emulator, f"/library/metadata/{seed}/nearest?limit=ten").status_code == 400
    assert get(emulator, f"/library/metadata/{seed}/nearest?maxDistance=nan").status_code == 400


def test_tracks_without_features_are_not_analysed(emulator: PlexEmulator, plex: Any) -> None:
    lib = emulator.library
    plain = lib.add_song("No Features", "Unanalysed", "Silent Song", year=2001)
    seed = next(iter(lib.tracks))
    root = xml_of(emulator, f"/library/metadata/{plain.rating_key}")
    assert root[0].get("musicAnalysisVersion") is None
    assert plex.fetchItem(plain.rating_key).musicAnalysisVersion is None
    empty = xml_of(emulator, f"/library/metadata/{plain.rating_key}/nearest?maxDistance=1")
    assert len(empty) == 0 and empty.get("size") == "0"
    near = xml_of(emulator, f"/library/metadata/{seed}/nearest?limit=1000&maxDistance=1")
    assert str(plain.rating_key) not in {el.get("ratingKey") for el in near}
    album = xml_of(emulator, f"/library/metadata/{lib.tracks[seed].album_key}/nearest")
    assert len(album) == 0  # only tracks are analysed here


def test_a_library_without_sonic_analysis(shared_data_dir: Path, clock: ManualClock) -> None:
    lib = load_library(shared_data_dir / TIDY, limit=80, clock=clock, sonic=False)
    assert not lib.sonic_analysis and all(t.sonic is not None for t in lib.tracks.values())
    with PlexEmulator(lib) as emu:
        seed = next(iter(lib.tracks))
        listing = xml_of(emu, "/library/sections/1/all?type=10")
        assert len(listing) == 80 and all(el.get("musicAnalysisVersion") is None for el in listing)
        assert len(xml_of(emu, f"/library/metadata/{seed}/nearest?maxDistance=1")) == 0
        end = list(lib.tracks)[-1]
        assert len(xml_of(emu, f"/library/sections/1/computePath?startID={seed}&endID={end}")) == 0
        lib.sonic_analysis = True  # the switch works on a running server
        assert len(xml_of(emu, f"/library/metadata/{seed}/nearest?maxDistance=1")) == 50


def test_bundled_demo_data_has_the_features() -> None:
    rows = list(read_rows(DEMO_PATH))
    assert rows and all(sonic_vector(r.features) is not None for r in rows)


def _mean_step(lib: MusicLibrary, keys: list[int]) -> float:
    steps = [rms(lib.tracks[a], lib.tracks[b]) for a, b in itertools.pairwise(keys)]
    return sum(steps) / len(steps)


def test_compute_path_goes_step_by_step_from_start_to_end(emulator: PlexEmulator, plex: Any) -> None:
    lib = emulator.library
    by_energy = sorted(lib.tracks.values(), key=lambda t: t.sonic[1] if t.sonic else 0.0)
    start, end = by_energy[0], by_energy[-1]  # far apart
    root = xml_of(emulator, f"/library/sections/1/computePath?includeGuids=1&startID={start.rating_key}"
                            f"&endID={end.rating_key}")
    keys = [int(el.get("ratingKey", "0")) for el in root]
    assert all(el.tag == "Track" and el.get("type") == "track" for el in root)
    assert keys[0] == start.rating_key and keys[-1] == end.rating_key
    assert len(keys) == len(set(keys)) and 5 <= len(keys) <= 20
    # Each step stays near the last: far smoother than random tracks between the same ends.
    rng = random.Random(5)
    middle = [k for k in lib.tracks if k not in (start.rating_key, end.rating_key)]
    randoms = [_mean_step(lib, [keys[0], *rng.sample(middle, len(keys) - 2), keys[-1]]) for _ in range(20)]
    assert _mean_step(lib, keys) < min(randoms)
    # Energy rises along the way, as the line from start to end does.
    energies = [lib.tracks[k].sonic[1] for k in keys]  # type: ignore[index]
    assert energies[len(energies) // 2] > energies[0] and energies[-1] > energies[len(energies) // 2]
    via_plexapi = plex.library.section("Music").sonicAdventure(start.rating_key, end.rating_key)
    assert [t.ratingKey for t in via_plexapi] == keys


def test_compute_path_errors(emulator: PlexEmulator) -> None:
    a, b = list(emulator.library.tracks)[:2]
    assert get(emulator, f"/library/sections/1/computePath?startID={a}").status_code == 400
    assert get(emulator, f"/library/sections/1/computePath?startID={a}&endID=999999").status_code == 404
    assert get(emulator, f"/library/sections/7/computePath?startID={a}&endID={b}").status_code == 404
    same = xml_of(emulator, f"/library/sections/1/computePath?startID={a}&endID={a}")
    assert len(same) == 0


def test_the_command_line_switches_sonic_analysis() -> None:
    from plexmix.devserver.__main__ import build_parser

    parser = build_parser()
    assert parser.parse_args([]).sonic is True
    assert parser.parse_args(["--no-sonic"]).sonic is False
    assert parser.parse_args(["--sonic"]).sonic is True
