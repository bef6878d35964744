"""PlexMix playlist package."""
