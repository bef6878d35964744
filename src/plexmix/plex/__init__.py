"""PlexMix plex package."""
