"""Two Plex servers for the import and copy tests (issue 18), each synced into its own database.

``home`` (the default profile: PLEX_URL, PLEX_TOKEN) serves 500 real TidyTuesday tracks; ``cabin``
(``servers.cabin`` in config.yaml, PLEX_TOKEN_CABIN) serves 400 of them, from the 101st on, built
in the opposite order: the same songs under other ratingKeys, and the first hundred missing.
Both are synced (no embeddings: matching needs none) into a template home once per session;
each test gets a copy and fresh emulators of the same libraries.
Use: ``from travel_world import travel_fixture, travel_template_fixture  # noqa: F401``.
"""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from playlist_helpers import TIDY

from plexmix import PlexMix
from plexmix.devserver.csv_loader import DEFAULT_NOW, build_library, read_rows
from plexmix.devserver.library import EmuTrack, MusicLibrary
from plexmix.devserver.server import PlexEmulator

HOME_TOKEN, CABIN_TOKEN = "travel-home-token", "travel-cabin-token"
SIZE, CABIN_FROM = 500, 100


def _libraries() -> tuple[MusicLibrary, MusicLibrary]:
    rows = list(itertools.islice(read_rows(TIDY), 0, SIZE * 7, 7))  # a spread of artists and years
    home = build_library(rows, track_genres=True, seed=3, now=DEFAULT_NOW)
    cabin = build_library(list(reversed(rows[CABIN_FROM:])), track_genres=True, seed=5, now=DEFAULT_NOW)
    return home, cabin


@dataclass
class Template:
    home_library: MusicLibrary
    cabin_library: MusicLibrary
    folder: Path


def _serve(home: PlexEmulator, cabin: PlexEmulator, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the environment and config at the two emulators; PlexMix's home is ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.yaml").write_text(yaml.safe_dump({"servers": {"cabin": {"url": cabin.url}}}))
    for name, value in (("PLEX_URL", home.url), ("PLEX_TOKEN", HOME_TOKEN), ("PLEX_TOKEN_CABIN", CABIN_TOKEN),
                        ("PLEX_LIBRARY", "Music"), ("PLEXMIX_HOME", str(folder)),
                        ("DEFAULT_AI_PROVIDER", "none"), ("DEFAULT_EMBEDDING_PROVIDER", "local")):
        monkeypatch.setenv(name, value)


@pytest.fixture(scope="session", name="travel_template")
def travel_template_fixture(tmp_path_factory: pytest.TempPathFactory) -> Template:
    home_lib, cabin_lib = _libraries()
    folder = tmp_path_factory.mktemp("travel") / "home"
    with pytest.MonkeyPatch.context() as monkeypatch, \
            PlexEmulator(home_lib, token=HOME_TOKEN, machine_identifier="home-server") as home, \
            PlexEmulator(cabin_lib, token=CABIN_TOKEN, machine_identifier="cabin-server") as cabin:
        _serve(home, cabin, folder, monkeypatch)
        PlexMix.open().sync("full", embed=False)
        PlexMix.open(settings={"plex.server": "cabin"}).sync("full", embed=False)
    return Template(home_lib, cabin_lib, folder)


@dataclass
class Travel:
    """One test's two servers and its PlexMix (default profile: home)."""

    pm: PlexMix
    home: PlexEmulator
    cabin: PlexEmulator
    folder: Path

    def artist(self, track: EmuTrack, server: str = "home") -> str:
        lib = (self.home if server == "home" else self.cabin).library
        return lib.artists[track.artist_key].title

    def track_of(self, server: str, plex_key: str) -> EmuTrack:
        return (self.home if server == "home" else self.cabin).library.tracks[int(plex_key)]


@pytest.fixture(name="travel")
def travel_fixture(travel_template: Template, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Travel]:
    folder = tmp_path / "travel-home"
    shutil.copytree(travel_template.folder, folder)
    with PlexEmulator(travel_template.home_library, token=HOME_TOKEN, machine_identifier="home-server") as home, \
            PlexEmulator(travel_template.cabin_library, token=CABIN_TOKEN,
                         machine_identifier="cabin-server") as cabin:
        _serve(home, cabin, folder, monkeypatch)
        yield Travel(PlexMix.open(), home, cabin, folder)
