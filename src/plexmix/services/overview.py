"""The library at a glance (the web page's home): counts, the last sync, embedding coverage,
tracks per decade, the top genres and moods, and the Plex server's machine id (for links)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from plexmix.services.context import Context
    from plexmix.storage.records import SyncRecord

TOP = 10  # genres and moods shown


@dataclass
class Overview:
    counts: dict[str, int]
    last_sync: SyncRecord | None
    decades: list[tuple[int, int]] = field(default_factory=list)
    genres: list[tuple[str, int]] = field(default_factory=list)
    moods: list[tuple[str, int]] = field(default_factory=list)

    @property
    def coverage(self) -> float:
        """The share of tracks that have a stored vector (0 to 1)."""
        tracks = self.counts.get("tracks", 0)
        return min(1.0, self.counts.get("embeddings", 0) / tracks) if tracks else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "counts": self.counts, "coverage": self.coverage,
            "last_sync": self.last_sync.model_dump() if self.last_sync else None,
            "decades": self.decades, "genres": self.genres, "moods": self.moods,
        }


def library_overview(ctx: Context) -> Overview:
    from plexmix.storage import history, mirror, stats

    with ctx.open_db() as db:
        return Overview(
            counts=mirror.counts(db.conn), last_sync=history.last_successful_sync(db.conn),
            decades=stats.tracks_per_decade(db.conn), genres=stats.top_genres(db.conn, TOP),
            moods=stats.top_tags(db.conn, "mood", TOP),
        )


def server_id(ctx: Context) -> str | None:
    """The machineIdentifier of the Plex server the mirror was synced from (None before a sync)."""
    from plexmix.storage import sources

    with ctx.open_db() as db:
        return next((s.server_id for s in sources.all_sources(db.conn) if s.server_id), None)


def forget_playlist(ctx: Context, playlist_id: int) -> bool:
    """Delete a playlist from the local database only (Plex keeps its copy); False: no such id."""
    from plexmix.storage.playlists import delete_playlist

    with ctx.open_db() as db, db.transaction() as tx:
        return delete_playlist(tx, playlist_id)
