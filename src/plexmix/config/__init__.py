"""PlexMix config package."""
