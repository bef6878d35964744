"""PlexMix cli package."""
