"""A Plex Media Server emulator (stdlib HTTP) with a real-data music library, for tests and demos.

Imports are lazy so that ``import plexmix.devserver`` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from plexmix.devserver.csv_loader import demo_library, load_library
    from plexmix.devserver.library import EmuAlbum, EmuArtist, EmuTrack, ManualClock, MusicLibrary
    from plexmix.devserver.server import PlexEmulator

__all__ = [
    "EmuAlbum",
    "EmuArtist",
    "EmuTrack",
    "ManualClock",
    "MusicLibrary",
    "PlexEmulator",
    "demo_library",
    "load_library",
]

_HOMES = {
    "demo_library": "csv_loader",
    "load_library": "csv_loader",
    "PlexEmulator": "server",
}


def __getattr__(name: str) -> Any:
    if name in __all__:
        import importlib

        module = importlib.import_module(f"plexmix.devserver.{_HOMES.get(name, 'library')}")
        return getattr(module, name)
    raise AttributeError(name)
