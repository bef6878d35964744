"""PlexMix utils package."""
