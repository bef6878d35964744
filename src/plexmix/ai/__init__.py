"""PlexMix ai package."""
