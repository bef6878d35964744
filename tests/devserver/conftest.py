"""Fixtures for the Plex emulator tests: a small real-data library served over loopback."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from plexmix.devserver.csv_loader import load_library
from plexmix.devserver.library import ManualClock, MusicLibrary
from plexmix.devserver.server import PlexEmulator

TIDY = "tidytuesday_spotify_songs.csv.gz"
SAMPLE = "spotify_114_genres_sample.csv"


@pytest.fixture
def small_library(shared_data_dir: Path, clock: ManualClock) -> MusicLibrary:
    """~600 real tracks with track-level genres, on a clock the test controls."""
    return load_library(shared_data_dir / TIDY, limit=600, track_genres=True, clock=clock)


@pytest.fixture
def emulator(small_library: MusicLibrary) -> Iterator[PlexEmulator]:
    with PlexEmulator(small_library, extra_sections=[("movie", "Movies")]) as emu:
        yield emu


@pytest.fixture
def plex(emulator: PlexEmulator) -> Any:
    """A real plexapi PlexServer connected to the emulator (auto-reload off)."""
    os.environ.setdefault("PLEXAPI_PLEXAPI_AUTORELOAD", "false")
    from plexapi.server import PlexServer

    return PlexServer(emulator.url, emulator.token, timeout=10)
