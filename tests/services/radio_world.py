"""A library for the radio and journey tests, with and without Plex's sonic analysis.

~700 real TidyTuesday tracks (six genres, track-level genres and moods), served by the emulator
twice: as a Plex Pass server that ran sonic analysis and as one that did not (the same tracks and
keys). Each is synced through the library API into a template PLEXMIX_HOME once per session and
embedded by the real local ONNX model (vectors cached like the playlist tests'); each test gets a
copy of the template and its own emulator. Import the fixtures into a test module to use them:
``from radio_world import plain_fixture, sonic_fixture, worlds_fixture  # noqa: F401``.
"""

from __future__ import annotations

import itertools
import math
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from embed_cache import CachedLocalEmbedder
from playlist_helpers import TIDY, embed_cache_file

from plexmix import PlexMix
from plexmix.devserver.csv_loader import DEFAULT_NOW, build_library, read_rows
from plexmix.devserver.library import EmuTrack, MusicLibrary
from plexmix.devserver.server import PlexEmulator

TOKEN = "radio-test-token"
NEAREST = "GET /library/metadata/{id}/nearest"
COMPUTE_PATH = "GET /library/sections/{id}/computePath"
PLAYER = ("Living Room", "living-room-id", "Plexamp")  # the one player each test's server sees


WANTED = 700  # tracks: every n-th row of the data set, whatever its size (shared or bundled)


def _library(sonic: bool) -> MusicLibrary:
    step = max(1, sum(1 for _ in read_rows(TIDY)) // WANTED)
    rows = itertools.islice(read_rows(TIDY), 0, None, step)
    return build_library(rows, track_genres=True, seed=11, now=DEFAULT_NOW, sonic=sonic)


@dataclass
class World:
    library: MusicLibrary
    template: Path


def _build(library: MusicLibrary, home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from plexmix.services.embed import refresh_embeddings

    with PlexEmulator(library, token=TOKEN) as emu:
        monkeypatch.setenv("PLEX_URL", emu.url)
        monkeypatch.setenv("PLEX_TOKEN", emu.token)
        monkeypatch.setenv("PLEX_LIBRARY", "Music")
        pm = PlexMix.open(settings={"home": str(home), "embeddings.provider": "local"})
        pm.sync("full", embed=False)
    embedder = CachedLocalEmbedder(embed_cache_file())
    db = pm.context.open_db()
    try:
        report = refresh_embeddings(db.conn, embedder, pm.settings.index_path)
        db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()
    embedder.save()
    assert report.failed == 0 and report.index_size == len(library.tracks)
    return home


@pytest.fixture(scope="session", name="worlds")
def worlds_fixture(tmp_path_factory: pytest.TempPathFactory) -> dict[bool, World]:
    """Both servers' templates: ``worlds[True]`` with sonic analysis, ``worlds[False]`` without."""
    out = {}
    with pytest.MonkeyPatch.context() as monkeypatch:
        for sonic in (True, False):
            library = _library(sonic)
            home = tmp_path_factory.mktemp(f"radio-{'sonic' if sonic else 'plain'}")
            out[sonic] = World(library, _build(library, home, monkeypatch))
    return out


@dataclass
class Here:
    """One test's server and PlexMix (its own copy of the synced home)."""

    pm: PlexMix
    emu: PlexEmulator
    home: Path

    @property
    def library(self) -> MusicLibrary:
        return self.emu.library


def _here(world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Here]:
    home = tmp_path / "home"
    shutil.copytree(world.template, home)
    with PlexEmulator(world.library, token=TOKEN, players=[PLAYER]) as emu:
        monkeypatch.setenv("PLEX_URL", emu.url)
        monkeypatch.setenv("PLEX_TOKEN", emu.token)
        monkeypatch.setenv("PLEX_LIBRARY", "Music")
        monkeypatch.setenv("PLEXMIX_HOME", str(home))
        monkeypatch.setenv("DEFAULT_EMBEDDING_PROVIDER", "local")
        monkeypatch.setenv("DEFAULT_AI_PROVIDER", "none")
        yield Here(PlexMix.open(settings={"home": str(home)}), emu, home)


@pytest.fixture(name="sonic")
def sonic_fixture(worlds: dict[bool, World], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Here]:
    """A server with sonic analysis."""
    yield from _here(worlds[True], tmp_path, monkeypatch)


@pytest.fixture(name="plain")
def plain_fixture(worlds: dict[bool, World], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Here]:
    """A server without sonic analysis."""
    yield from _here(worlds[False], tmp_path, monkeypatch)


# ------------------------------------------------------------------------------ the data's view
def rms(a: EmuTrack, b: EmuTrack) -> float:
    """The emulator's sonic distance of two tracks (features from the data set)."""
    assert a.sonic is not None and b.sonic is not None
    return math.sqrt(sum((x - y) ** 2 for x, y in zip(a.sonic, b.sonic, strict=True)) / len(a.sonic))


def unique_titles(lib: MusicLibrary) -> list[EmuTrack]:
    """Tracks whose title is their own in the library (plain ASCII, long enough to type)."""
    counts: dict[str, int] = {}
    for track in lib.tracks.values():
        counts[track.title.casefold()] = counts.get(track.title.casefold(), 0) + 1
    return [t for t in sorted(lib.tracks.values(), key=lambda t: t.rating_key)
            if counts[t.title.casefold()] == 1 and len(t.title) > 5 and t.title.isascii()
            and " - " not in t.title and "(" not in t.title and t.sonic is not None]


def song_arg(lib: MusicLibrary, track: EmuTrack) -> str:
    """ "Title - Artist" as a user types it."""
    return f"{track.title} - {lib.artists[track.artist_key].title}"
