"""Fixtures for PlexClient tests: real plexapi + PlexClient over loopback against the emulator."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from datafiles import shared_data
from plexmix.devserver.csv_loader import load_library
from plexmix.devserver.library import MusicLibrary
from plexmix.devserver.server import PlexEmulator
from plexmix.plex.client import PlexClient

TIDY = "tidytuesday_spotify_songs.csv.gz"
SAMPLE = "spotify_114_genres_sample.csv"


@pytest.fixture(scope="session")
def library_5k() -> MusicLibrary:
    """5,000 real tracks (TidyTuesday + 114-genre sample), track genres on. Do not mutate."""
    data = shared_data()
    return load_library([data / SAMPLE, data / TIDY], limit=5000, track_genres=True, seed=11)


@pytest.fixture
def emulator_5k(library_5k: MusicLibrary) -> Iterator[PlexEmulator]:
    with PlexEmulator(library_5k) as emu:
        yield emu


@pytest.fixture
def small_library(lib: MusicLibrary) -> MusicLibrary:
    """A fresh 400-track library on a test-controlled clock (safe to mutate)."""
    return lib


@pytest.fixture
def emulator(small_library: MusicLibrary) -> Iterator[PlexEmulator]:
    with PlexEmulator(small_library, extra_sections=[("movie", "Movies"), ("artist", "Audiobooks")]) as emu:
        yield emu


@pytest.fixture
def make_client() -> Iterator[Callable[..., PlexClient]]:
    """``make_client(emu, **options)``: a PlexClient for an emulator, closed after the test."""
    clients: list[PlexClient] = []

    def factory(emu: PlexEmulator, **options: Any) -> PlexClient:
        options.setdefault("timeout", 5.0)
        options.setdefault("backoff_factor", 0.0)
        client = PlexClient(emu.url, options.pop("token", emu.token), **options)
        clients.append(client)
        return client

    yield factory
    for client in clients:
        client.close()
