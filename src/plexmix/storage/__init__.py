"""PlexMix database package."""
