"""The rows read a few at a time and printed with ``model_dump``: sync history, refresh runs,
saved playlists. Pydantic models, kept apart from :mod:`plexmix.storage.models` so that a sync
(which never reads them) does not build their schemas at start-up.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from plexmix.storage.models import Track


class _Row(BaseModel):
    model_config = ConfigDict(extra="ignore")


class SyncRecord(_Row):
    """A row of ``sync_history`` (its columns, as ``plexmix sync status --json`` prints them)."""

    id: int
    mode: str
    status: str
    started_at: int
    finished_at: int | None = None
    tracks_added: int = 0
    tracks_updated: int = 0
    tracks_removed: int = 0
    tracks_seen: int = 0
    artists_synced: int = 0
    albums_synced: int = 0
    duration_s: float | None = None
    server_time: int | None = None
    error_message: str | None = None


class RefreshRun(_Row):
    """A row of ``refresh_runs``: one ``plexmix refresh`` run (``plexmix refresh --history``)."""

    id: int
    started_at: int
    finished_at: int | None = None
    status: str
    trigger: str = "manual"  # manual | schedule
    refreshed: int = 0  # playlists
    skipped: int = 0
    failed: int = 0
    added: int = 0  # tracks, over all its playlists
    removed: int = 0
    message: str | None = None


class Playlist(_Row):
    id: int | None = None
    plex_key: str | None = None
    name: str
    description: str | None = None
    mood_query: str | None = None
    provider: str | None = None
    model: str | None = None
    created_by_ai: bool = True
    created_at: int
    updated_at: int | None = None
    track_count: int = 0
    recipe: str | None = None  # JSON (playlist.recipe.Recipe): what made it, for refresh and extend
    refreshed_at: int | None = None
    written_keys: str | None = None  # the Plex ratingKeys last written, comma-separated (edits in Plex)


class PlaylistEntry(_Row):
    position: int
    track: Track
    reason: str | None = None
