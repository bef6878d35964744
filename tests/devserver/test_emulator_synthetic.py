"""The synthetic library (devserver/synthetic.py): exact size, deterministic, compact, served paged."""

from __future__ import annotations

import os
import tracemalloc
import xml.etree.ElementTree as ET
from typing import Any

import requests

from plexmix.devserver.library import ManualClock
from plexmix.devserver.server import PlexEmulator
from plexmix.devserver.synthetic import build_synthetic


def _page(emu: PlexEmulator, type_id: int, start: int, size: int, **params: str) -> ET.Element:
    r = requests.get(
        f"{emu.url}/library/sections/1/all",
        params={"type": str(type_id), **params},
        headers={"X-Plex-Token": emu.token, "X-Plex-Container-Start": str(start),
                 "X-Plex-Container-Size": str(size)},
        timeout=30,
    )
    r.raise_for_status()
    return ET.fromstring(r.content)


def _all_keys(emu: PlexEmulator, type_id: int, size: int = 1000, **params: str) -> list[int]:
    keys: list[int] = []
    total = 1
    while len(keys) < total:
        root = _page(emu, type_id, len(keys), size, **params)
        total = int(root.get("totalSize") or 0)
        page = [int(e.get("ratingKey") or 0) for e in root if e.get("ratingKey")]
        if not page:
            break
        keys += page
    return keys


def test_exact_size_consistent_parents_and_deterministic() -> None:
    lib = build_synthetic(5_000, seed=3)
    per_copy = len(lib.base.tracks)
    assert len(lib) == 5_000 and len(list(lib.tracks)) == 5_000
    keys = list(lib.tracks)
    assert keys == sorted(set(keys))
    # The cut last copy keeps exactly the albums and artists its tracks use.
    tracks = lib.items("track")
    assert {t.album_key for t in tracks} == set(lib.albums)
    assert {t.artist_key for t in tracks} == set(lib.artists)
    assert {a.artist_key for a in lib.albums.values()} == set(lib.artists)
    # A copy carries its base track's text with the copy suffix, under a shifted key.
    base_key = keys[0]
    copy_key = base_key + 2 * lib.stride
    base, copy = lib.base.tracks[base_key], lib.tracks[copy_key]
    assert copy.title == base.title + " (3)" and copy.duration_ms == base.duration_ms
    assert lib.albums[copy.album_key].title == lib.base.albums[base.album_key].title + " (3)"
    assert copy_key > per_copy
    again = build_synthetic(5_000, seed=3)
    sample = keys[:: 97]
    assert [again.tracks[k] for k in sample] == [lib.tracks[k] for k in sample]
    other = build_synthetic(5_000, seed=4)
    assert [other.tracks[k] for k in sample] != [lib.tracks[k] for k in sample]
    # Ratings and plays are spread like the loader's (~20% rated, ~30% played).
    rated = sum(1 for t in tracks if t.user_rating is not None) / len(tracks)
    played = sum(1 for t in tracks if t.view_count) / len(tracks)
    assert 0.15 < rated < 0.25 and 0.25 < played < 0.35


def test_a_million_tracks_stay_compact() -> None:
    tracemalloc.start()
    try:
        lib = build_synthetic(1_000_000)
        page = lib.items("track")[600_000:601_000]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(lib.tracks) == 1_000_000 and len(page) == 1_000
    assert all(p.album_key in lib.albums for p in page)
    assert peak < 150 * 2**20, f"{peak / 2**20:.0f} MB"


def test_served_page_by_page_with_filters_and_changes() -> None:
    clock = ManualClock(1_760_000_000)
    lib = build_synthetic(4_321, clock=clock)
    with PlexEmulator(lib) as emu:
        assert _all_keys(emu, 10) == list(lib.tracks)
        assert _all_keys(emu, 9, 500) == list(lib.albums)
        assert _all_keys(emu, 8, 700) == list(lib.artists)
        cut = sorted(t.updated_at for t in lib.tracks.values())[-300]
        newer = _all_keys(emu, 10, **{"track.updatedAt>>": str(cut - 1)})
        assert newer == [t.rating_key for t in lib.tracks.values() if t.updated_at >= cut]
        # Changes made through the library persist and move updatedAt like on a real server.
        key = list(lib.tracks)[4_000]
        clock.advance(3_600)
        lib.update_track(key, title="Renamed")
        lib.record_play(key)
        changed = _all_keys(emu, 10, **{"track.updatedAt>>": str(clock() - 10)})
        assert changed == [key]
        root = ET.fromstring(
            requests.get(f"{emu.url}/library/metadata/{key}", headers={"X-Plex-Token": emu.token},
                         timeout=5).content
        )
        track = root.find("Track")
        assert track is not None and track.get("title") == "Renamed" and track.get("viewCount")
        # Deleting the last track of an album removes the album (and an artist left empty).
        album_key = lib.tracks[key].album_key
        for other in [t.rating_key for t in lib.tracks.values() if t.album_key == album_key]:
            lib.delete_track(other)
        assert album_key not in lib.albums
        assert len(_all_keys(emu, 10)) == len(lib.tracks) < 4_321
        assert album_key not in _all_keys(emu, 9, 1000)


def test_plexapi_reads_a_synthetic_page() -> None:
    os.environ.setdefault("PLEXAPI_PLEXAPI_AUTORELOAD", "false")
    from plexapi.server import PlexServer

    lib = build_synthetic(3_000)
    with PlexEmulator(lib) as emu:
        music: Any = PlexServer(emu.url, emu.token, timeout=10).library.section("Music")
        tracks = music.searchTracks(container_size=1000, maxresults=1500)
        assert [t.ratingKey for t in tracks] == list(lib.tracks)[:1500]
        last = tracks[-1]
        assert last.parentTitle == lib.albums[last.parentRatingKey].title


def test_the_command_line_serves_a_synthetic_library() -> None:
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-m", "plexmix.devserver", "--synthetic", "250000", "--port", "0", "--token", "t"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stdout is not None
        banner = proc.stdout.readline()
        url = proc.stdout.readline().strip().removeprefix("PLEX_URL=")
        assert "250000 synthetic tracks" in banner
        r = requests.get(
            f"{url}/library/sections/1/all?type=10",
            headers={"X-Plex-Token": "t", "X-Plex-Container-Start": "249990", "X-Plex-Container-Size": "50"},
            timeout=30,
        )
        root = ET.fromstring(r.content)
        assert (root.get("totalSize"), root.get("size")) == ("250000", "10")
        assert all(e.get("type") == "track" for e in root)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
