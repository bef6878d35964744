"""The typed results of the MCP tools (each tool's output schema).

Each model names the fields an assistant needs; the services' documented ``--json`` objects
carry a few more details, kept as extra fields (``extra="allow"``), so nothing the CLI prints
as JSON is lost here. Every string in a result is passed through the log redaction first.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class TrackOut(_Open):
    """A track of the library (its Plex ratingKey is ``plex_key``)."""

    plex_key: str
    title: str
    artist: str | None = None
    album: str | None = None
    year: int | None = None
    genres: list[str] = Field(default_factory=list)
    score: float | None = None
    reason: str | None = None


class SearchOut(_Open):
    query: str
    results: list[TrackOut]
    notes: list[str] = Field(default_factory=list)


class PlaylistOut(_Open):
    """A playlist made (written to Plex and saved), or with ``dry_run`` what would be made."""

    dry_run: bool = False
    name: str | None = None
    playlist_id: int | None = Field(None, description="PlexMix's id (for playlist_tracks, refresh, play)")
    plex_key: str | None = Field(None, description="The Plex playlist's ratingKey (None: not in Plex)")
    plex_error: str | None = Field(None, description="Why Plex was not written (it is saved locally)")
    provider: str | None = None
    filters: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    tracks: list[TrackOut] = Field(default_factory=list)
    matching_tracks: int | None = Field(None, description="dry_run: tracks passing the filters")
    candidates: int | None = Field(None, description="dry_run: candidates the curator would see")
    estimated_cost_usd: float | None = None


class ChangeOut(_Open):
    playlist_id: int
    name: str
    status: str = Field(description="refreshed, recreated, unchanged, skipped or failed")
    added: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)
    kept: int = 0
    reason: str | None = None


class RefreshOut(_Open):
    dry_run: bool
    playlists: list[ChangeOut]
    refreshed: int
    unchanged: int
    skipped: int
    failed: int


class SavedPlaylist(_Open):
    """A playlist PlexMix made."""

    id: int = Field(description="PlexMix's id (playlist_tracks, refresh_playlist, play take it)")
    name: str
    plex_key: str | None = Field(None, description="The Plex playlist's ratingKey")
    mood: str | None = Field(None, description="What it was made from")
    provider: str | None = None
    track_count: int = 0
    created_at: int = Field(description="Unix time")
    refreshed_at: int | None = None
    refreshable: bool = Field(description="It keeps a recipe: refresh_playlist can make it again")


class PlaylistsOut(_Open):
    playlists: list[SavedPlaylist]


class PlaylistTracksOut(_Open):
    playlist: SavedPlaylist
    tracks: list[TrackOut]


class PlayerOut(_Open):
    name: str
    machine_identifier: str
    product: str = ""


class PlayersOut(_Open):
    players: list[PlayerOut]


class PlayOut(_Open):
    dry_run: bool = False
    playlist: str = Field(description="What was asked for")
    name: str | None = None
    player: str | None = None
    tracks: int = 0
    queue_only: bool = False
    play_queue_id: int | None = None
    notes: list[str] = Field(default_factory=list)


class StatsOut(_Open):
    counts: dict[str, int] = Field(description="tracks, albums, artists, genres, embeddings, playlists")
    last_sync: dict[str, Any] | None = Field(None, description="The latest sync (None: never synced)")


class SyncOut(_Open):
    mode: str
    status: str | None = None


class NameCount(_Open):
    name: str
    tracks: int


class CatalogOut(_Open):
    """What the library holds: names with their number of tracks, most used first."""

    items: list[NameCount]


def scrub(value: Any) -> Any:
    """``value`` with every string redacted (tokens, keys: what the logs never show either)."""
    from plexmix.utils.logging import redact

    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    return value
