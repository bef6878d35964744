"""Verify the local mirror against Plex, and optionally repair what differs."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field, fields
from typing import TYPE_CHECKING

from plexmix.storage import library, mirror
from plexmix.storage.mirror import LibraryHealth

if TYPE_CHECKING:
    from collections.abc import Callable

    from plexmix.plex.client import PlexClient
    from plexmix.services.context import Context
    from plexmix.services.sync import SyncEngine
    from plexmix.storage.sqlite_manager import SQLiteManager

log = logging.getLogger(__name__)
SAMPLE = 10  # keys listed in a report


@dataclass(kw_only=True)
class VerifyReport(LibraryHealth):
    """The health counts of the database, compared with what Plex has."""

    plex_counts: dict[str, int]
    local_counts: dict[str, int]
    missing_keys: list[str] = field(default_factory=list)  # in Plex, not here
    extra_keys: list[str] = field(default_factory=list)  # here, gone from Plex
    integrity_problems: list[str] = field(default_factory=list)
    repaired: bool = False
    stored_tracks: int = 0  # of every library (the search index holds them all)

    @property
    def ok(self) -> bool:
        return not (
            self.missing_keys or self.extra_keys or self.tracks_without_album
            or self.tracks_without_artist or self.orphan_albums or self.orphan_artists
            or self.integrity_problems or self.fts_rows != self.stored_tracks
            or self.plex_counts.get("tracks") != self.local_counts.get("tracks")
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "plex_counts": self.plex_counts, "local_counts": self.local_counts,
            "missing_keys": self.missing_keys[:SAMPLE], "extra_keys": self.extra_keys[:SAMPLE],
            **{f.name: getattr(self, f.name) for f in fields(LibraryHealth)},
            "integrity_problems": self.integrity_problems, "repaired": self.repaired,
            "stored_tracks": self.stored_tracks,
            "missing_count": len(self.missing_keys), "extra_count": len(self.extra_keys), "ok": self.ok,
        }


def inspect(client: PlexClient, db: SQLiteManager, source_id: int = 1) -> VerifyReport:
    """The selected library in Plex against its rows here (``source_id``)."""
    conn = db.conn
    counts = mirror.source_counts(conn, source_id)
    plex_keys = client.track_keys()
    local_keys = mirror.all_track_keys(conn, source_id)
    return VerifyReport(
        **asdict(mirror.health(conn)),
        plex_counts={
            "artists": client.count("artist"), "albums": client.count("album"), "tracks": len(plex_keys)
        },
        local_counts={k: counts[k] for k in ("artists", "albums", "tracks")},
        missing_keys=sorted(plex_keys - local_keys),
        extra_keys=sorted(local_keys - plex_keys),
        integrity_problems=db.integrity_check(),
        stored_tracks=mirror.track_count(conn),
    )


def verify(engine: SyncEngine, *, repair: bool = False) -> VerifyReport:
    """Compare with Plex; with ``repair``, fix differences with a full sync and an FTS rebuild."""
    report = inspect(engine.client, engine.db, engine.source_id)
    if not repair or report.ok:
        return report
    log.info("Repairing: running a full sync and rebuilding the search index.")
    engine.full_sync()
    with engine.db.transaction() as tx:
        library.rebuild_fts(tx)
    after = inspect(engine.client, engine.db, engine.source_id)
    after.repaired = True
    return after


def verify_library(
    ctx: Context,
    *,
    repair: bool = False,
    confirm_repair: Callable[[VerifyReport], bool] | None = None,
    library_name: str | None = None,
) -> VerifyReport:
    """Compare the database with Plex; repair what differs when ``repair`` is set and
    ``confirm_repair(report)`` (if given) agrees."""
    from plexmix.services.libraries import targets
    from plexmix.services.sync import SyncEngine

    with ctx.plex() as client, ctx.open_db() as db:
        with db.transaction() as tx:
            target = targets(tx, client, ctx.settings, [library_name] if library_name else ())[0]
        client.select_library(target.library.title)
        engine = SyncEngine(client, db, source_id=target.source.id)
        report = verify(engine, repair=False)
        if repair and not report.ok and (confirm_repair is None or confirm_repair(report)):
            report = verify(engine, repair=True)
    return report
