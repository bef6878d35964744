"""PlexMix devserver package."""
