"""The sync engine: mirror a Plex music library into the local database, exactly.

* **full**: list artists, albums and tracks (paged, no request per item), upsert them in batches,
  hard-delete what Plex no longer has.
* **incremental**: only what changed since the last successful sync started (``updatedAt``, plus
  tracks played or rated since, each from Plex's clock at that sync's first answer, inclusive: see
  :mod:`plexmix.services.sync_marks`), the tracks of changed albums/artists, and deletions, which
  are looked for only when the counts say some happened. Once after an upgrade from a
  schema before 7, it first lists every album and artist to learn their tags (see
  ``_learn_unknown_tags``); once after an upgrade from a schema before 8, it lists the tracks to
  learn their sonic analysis versions.

Both also read Plex's per-play history since the newest play stored (:mod:`.sync_plays`).

Every batch is its own transaction, so a sync killed at any point leaves a consistent database;
its history row stays ``running`` and is marked ``interrupted`` by the next sync, which then
completes exactly (an incremental sync starts from the last *successful* one).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from plexmix.errors import PlexMixError
from plexmix.services.progress import NullProgress, Progress
from plexmix.services.sync_marks import SAFETY_MARGIN_S, Since, SyncMarks, since_last_sync
from plexmix.services.sync_plays import history_start, play_pages, store_plays
from plexmix.services.sync_rows import Inherited, track_rows, write_albums, write_artists
from plexmix.storage import history, library, mirror
from plexmix.storage.history import SyncCounts
from plexmix.storage.library import Row, TagCache, album_row, artist_row
from plexmix.storage.tags import TagTexts, raw_text
from plexmix.utils.batches import batched, flatten
from plexmix.utils.prefetch import prefetch

if TYPE_CHECKING:
    from plexmix.plex.client import PlexClient
    from plexmix.plex.models import PlexAlbum, PlexArtist, PlexTrack
    from plexmix.storage.sqlite_manager import Connection, SQLiteManager

log = logging.getLogger(__name__)
T = TypeVar("T")

BATCH_SIZE = 1000


@dataclass(kw_only=True)
class SyncReport(SyncCounts):
    """A sync's counts (added, updated, unchanged, removed, tracks_seen, artists, albums), its
    history row and outcome, and the keys of the tracks it wrote."""

    mode: str
    status: str = history.RUNNING
    sync_id: int = 0
    duration_s: float = 0.0
    changed_keys: list[str] = field(default_factory=list)
    plays: int = 0  # new rows of Plex's per-play history

    def as_dict(self) -> dict[str, object]:
        return {
            "mode": self.mode, "status": self.status, "sync_id": self.sync_id, "added": self.added,
            "updated": self.updated, "unchanged": self.unchanged, "removed": self.removed,
            "artists": self.artists, "albums": self.albums, "tracks_seen": self.tracks_seen,
            "duration_s": round(self.duration_s, 3),
        }


class SyncEngine:
    def __init__(
        self,
        client: PlexClient,
        db: SQLiteManager,
        *,
        progress: Progress | None = None,
        batch_size: int = BATCH_SIZE,
        safety_margin_s: int = SAFETY_MARGIN_S,
        source_id: int = 1,
    ) -> None:
        self.client = client  # with the music library to mirror selected
        self.db = db
        self.source_id = source_id  # that library's source (storage.sources): rows say so
        self.progress: Progress = progress or NullProgress()
        self.batch_size = batch_size
        self.safety_margin_s = safety_margin_s
        self.marks = SyncMarks()

    # -- entry points --------------------------------------------------------------------------
    def sync(self, mode: str = "incremental") -> SyncReport:
        if mode == "full":
            return self.full_sync()
        return self.incremental_sync()

    def full_sync(self) -> SyncReport:
        return self._run("full", self._full)

    def incremental_sync(self) -> SyncReport:
        since = since_last_sync(self.db.conn, self.safety_margin_s, self.source_id)
        if since is None:
            log.info("No earlier successful sync: running a full sync.")
            return self.full_sync()
        return self._run("incremental", lambda report: self._incremental(report, since))

    # -- the two modes -------------------------------------------------------------------------
    def _full(self, report: SyncReport) -> None:
        totals = {kind: self.client.count(kind) for kind in ("artist", "album", "track")}
        self.marks.note_start(self.client.server_clock())  # before any listing is read
        newest_play = history_start(self.db.conn, self.source_id, self.client.server_clock())
        # All three listings are fetched ahead in background threads while batches are written.
        # Closing them when the block ends, however it ends, stops those threads there and then.
        with contextlib.ExitStack() as listings:
            artists, albums, tracks = (
                listings.enter_context(
                    contextlib.closing(prefetch(self.client.iter_pages(kind), depth=4, name=f"plex-{kind}s"))
                )
                for kind in ("artist", "album", "track")
            )
            plays_read = listings.enter_context(contextlib.closing(
                prefetch(play_pages(self.client, newest_play), depth=64, name="plex-history")))
            seen: set[str] = set()
            with self.db.bulk_inserts():
                artist_tags = self._sync_artists(report, flatten(artists), totals["artist"])
                album_tags, album_years = self._sync_albums(report, flatten(albums), totals["album"])
                inherited = Inherited(album_tags, artist_tags, album_years,  # and every row id, once
                                      artist_ids=library.key_map(self.db.conn, "artists"),
                                      album_ids=library.key_map(self.db.conn, "albums"))
                self.progress.start("Tracks", totals["track"])
                tag_cache = TagCache(self.db.conn)
                for batch in batched(flatten(tracks), self.batch_size):
                    self._write_tracks(report, batch, inherited, tag_cache)
                    seen.update(t.rating_key for t in batch)
                    self.progress.advance("Tracks", len(batch))
                self.progress.finish("Tracks")
            report.plays = store_plays(self.db, plays_read)
        report.tracks_seen = len(seen)
        gone = mirror.all_track_keys(self.db.conn, self.source_id) - seen
        self._delete(report, gone)
        with self.db.transaction() as tx:  # every track was derived from tags just read
            mirror.mark_tags_synced(tx)
            mirror.mark_analysis_known(tx)

    def _incremental(self, report: SyncReport, since: Since) -> None:
        conn = self.db.conn
        plex_count = self.client.count("track")  # for the deletions, and the clock: first
        self.marks.note_start(self.client.server_clock())  # before any listing is read
        # A database from before schema 7 may hold albums/artists whose tags were never read.
        unknown_tags = mirror.has_unknown_tags(conn)
        stale = self._learn_unknown_tags(report) if unknown_tags else []
        changed_artists = list(self.client.iter_artists(updated_since=since.metadata))
        changed_albums = list(self.client.iter_albums(updated_since=since.metadata))
        self._sync_artists(report, changed_artists, len(changed_artists))
        self._sync_albums(report, changed_albums, len(changed_albums))
        inherited = Inherited(from_db=True)  # read for the tracks written, once each
        tag_cache = TagCache(conn)
        # A database from before schema 8 (or 13) holds tracks whose sonic analysis (or skips) was
        # never read: list them once (only rows that differ are written; they do not count as seen).
        unknown_analysis = not mirror.analysis_known(conn)
        if unknown_analysis:
            log.info("Reading every track once for what an older PlexMix did not store (analysis, skips).")
            for page in self.client.iter_pages("track"):
                self._write_tracks(report, page, inherited, tag_cache)

        fetched: dict[str, PlexTrack] = {}
        for track in self.client.iter_tracks(updated_since=since.metadata):
            fetched[track.rating_key] = track
        # Plays and ratings do not move ``updatedAt`` on a real server: ask for them separately,
        # each from its own watermark.
        for track in self.client.iter_tracks_activity(since.plays, since.ratings):
            fetched.setdefault(track.rating_key, track)
        # Tracks inherit tags and year from their album/artist: re-read those of changed ones.
        of_changed = mirror.track_keys_of(
            conn, [a.rating_key for a in changed_albums], [a.rating_key for a in changed_artists]
        )
        missing = [k for k in dict.fromkeys([*of_changed, *stale]) if k not in fetched]
        for track in self.client.fetch_tracks(missing) if missing else []:
            fetched[track.rating_key] = track

        self.progress.start("Tracks", len(fetched))
        for batch in batched(list(fetched.values()), self.batch_size):
            self._write_tracks(report, batch, inherited, tag_cache)
            self.progress.advance("Tracks", len(batch))
        self.progress.finish("Tracks")
        report.tracks_seen = len(fetched)
        self._reconcile_deletions(report, inherited, plex_count)
        newest_play = history_start(conn, self.source_id, self.client.server_clock())
        report.plays = store_plays(self.db, play_pages(self.client, newest_play))
        if unknown_tags or unknown_analysis:
            with self.db.transaction() as tx:  # only now: a sync killed before this redoes the step
                if unknown_tags:
                    mirror.mark_tags_synced(tx)
                if unknown_analysis:
                    mirror.mark_analysis_known(tx)

    def _learn_unknown_tags(self, report: SyncReport) -> list[str]:
        """Read the tags of albums/artists stored before they were kept (an upgraded database).

        Lists every artist and album once (no tracks), stores their tags, and returns the stored
        tracks that may have inherited wrong (empty) tags from them, to be read again. The rows
        are marked known only at the end of the sync, after those tracks were written.
        """
        log.info("Reading album and artist tags once: this database was made by an older PlexMix.")
        artists = list(self.client.iter_artists())
        self._sync_artists(report, artists, len(artists))
        albums = list(self.client.iter_albums())
        self._sync_albums(report, albums, len(albums))
        stale = mirror.tracks_with_stale_tags(self.db.conn)
        log.info("Reading %d tracks again whose tags may have come from those albums.", len(stale))
        return stale

    def _reconcile_deletions(self, report: SyncReport, inherited: Inherited, plex_count: int) -> None:
        """Compare Plex's track count at the sync's start with ours; list keys only when they
        disagree (then also fetch anything missed). A track deleted after that count is the next
        sync's to notice.

        Albums and artists left without tracks are removed when this sync wrote or deleted any
        row, or when the sync before it stopped early (it may have written without removing them).
        """
        conn = self.db.conn
        local_count = mirror.track_count(conn, self.source_id)
        if plex_count == local_count:
            log.debug("Track counts agree (%d): no deletions to look for.", plex_count)
        else:
            log.debug("Track counts differ (Plex %d, local %d): comparing keys.", plex_count, local_count)
            plex_keys = self.client.track_keys()
            local_keys = mirror.all_track_keys(conn, self.source_id)
            self._delete(report, local_keys - plex_keys)
            missed = sorted(plex_keys - local_keys)
            if missed:
                log.info("Fetching %d tracks the change filters did not report.", len(missed))
                tag_cache = TagCache(conn)
                for batch in batched(self.client.fetch_tracks(missed), self.batch_size):
                    self._write_tracks(report, batch, inherited, tag_cache)
        wrote = report.added or report.updated or report.removed or report.artists or report.albums
        if wrote or mirror.orphans_may_remain(conn, report.sync_id):
            with self.db.transaction() as tx:
                mirror.delete_orphans(tx)

    # -- pieces --------------------------------------------------------------------------------
    def _written_batches(
        self, stage: str, items: Iterable[T], total: int, write: Callable[[Connection, list[T]], object]
    ) -> Iterator[list[T]]:
        """Write ``items`` in batches, one transaction each; yield each batch once stored."""
        self.progress.start(stage, total)
        for batch in batched(items, self.batch_size):
            with self.db.transaction() as tx:
                write(tx, batch)
            yield batch
            self.progress.advance(stage, len(batch))
        self.progress.finish(stage)

    def _sync_artists(
        self, report: SyncReport, artists: Iterable[PlexArtist], total: int
    ) -> dict[str, TagTexts]:
        tags: dict[str, TagTexts] = {}

        def row(a: PlexArtist) -> Row:
            triple = tags[a.rating_key] = (raw_text(a.genres), raw_text(a.moods), raw_text(a.styles))
            return artist_row(a.rating_key, name=a.title, sort_name=a.sort_title, summary=a.summary,
                              added_at=a.added_at, updated_at=a.updated_at, tags=triple,
                              source_id=self.source_id)

        for batch in self._written_batches("Artists", map(row, artists), total, write_artists):
            report.artists += len(batch)
        return tags

    def _sync_albums(
        self, report: SyncReport, albums: Iterable[PlexAlbum], total: int
    ) -> tuple[dict[str, TagTexts], dict[str, int | None]]:
        tags: dict[str, TagTexts] = {}
        years: dict[str, int | None] = {}
        artist_ids: dict[str, int] | None = None  # every artist's row id, read with the first album

        def row(a: PlexAlbum) -> Row:
            nonlocal artist_ids
            if artist_ids is None:
                artist_ids = library.key_map(self.db.conn, "artists")
            triple = tags[a.rating_key] = (raw_text(a.genres), raw_text(a.moods), raw_text(a.styles))
            years[a.rating_key] = a.year
            artist_id = artist_ids.get(a.artist_key) if a.artist_key else None
            return album_row(a.rating_key, artist_id, title=a.title, year=a.year,
                             added_at=a.added_at, updated_at=a.updated_at, tags=triple,
                             source_id=self.source_id)

        for batch in self._written_batches("Albums", map(row, albums), total, write_albums):
            report.albums += len(batch)
        return tags, years

    def _write_tracks(
        self,
        report: SyncReport,
        batch: Sequence[PlexTrack],
        inherited: Inherited,
        tag_cache: TagCache,
    ) -> None:
        self.marks.note_ratings(max((t.last_rated_at or 0 for t in batch), default=0))
        try:
            with self.db.transaction() as tx:
                artist_ids, album_ids = inherited.ids(tx, batch)
                inherited.load(tx, batch)
                rows = track_rows(batch, inherited, artist_ids, album_ids, self.source_id)
                counts, written = library.upsert_tracks(tx, rows, artist_ids, album_ids, tag_cache)
        except BaseException:
            tag_cache.reload()
            raise
        report += counts
        report.changed_keys.extend(written)
        if counts.updated:
            log.info("Updated %d tracks whose metadata changed in Plex.", counts.updated)

    def _delete(self, report: SyncReport, keys: Iterable[str]) -> None:
        keys = sorted(keys)
        if keys:
            with self.db.transaction() as tx:
                report.removed += library.delete_tracks(tx, keys)
            log.info("Removed %d tracks that are no longer in Plex.", len(keys))
        with self.db.transaction() as tx:
            mirror.delete_orphans(tx)

    def _run(self, mode: str, body: Callable[[SyncReport], None]) -> SyncReport:
        report = SyncReport(mode=mode)
        started = time.monotonic()
        previous = history.last_watermarks(self.db.conn, self.source_id)
        self.marks = SyncMarks(previous_ratings=previous.ratings if previous is not None else None)
        report.sync_id = history.start_sync(self.db.conn, mode, source_id=self.source_id)
        status, error = history.FAILED, None
        try:
            body(report)
            status = history.SUCCESS
        except KeyboardInterrupt:
            status, error = history.INTERRUPTED, "Interrupted by the user."
            raise
        except PlexMixError as exc:
            error = exc.message
            raise
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            raise
        finally:
            report.status = status
            report.duration_s = time.monotonic() - started
            history.finish_sync(
                self.db.conn, report.sync_id, status, report, duration_s=report.duration_s, error=error
            )
            if status == history.SUCCESS:
                self.marks.save(self.db.conn, report.sync_id)
        return report
