"""PlexMix: turn a mood into a Plex music playlist."""

__version__ = "0.1.0"
