"""``refresh``: make saved playlists again from their recipes, in place in Plex.

Each playlist PlexMix made keeps its recipe. A refresh re-runs it, leaves out what was played
since the last refresh (``refresh.avoid_played``), and replaces the Plex playlist's tracks in place
(the same ratingKey, so Plexamp pins and shares survive). Before writing it compares what is in
Plex with what PlexMix last wrote: a playlist edited by hand in Plex is left alone unless
``force``; one deleted in Plex is reported, or made again with ``recreate``. The whole run holds
the run lock of the data folder (a scheduled run and a manual one never overlap) and is logged
in ``refresh_runs`` (``plexmix refresh --history``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from plexmix.errors import PlaylistError, PlexError, UsageError
from plexmix.services.progress import NullProgress, Progress

if TYPE_CHECKING:
    from plexmix.playlist.generator import GeneratedPlaylist, PlaylistGenerator
    from plexmix.playlist.recipe import Recipe
    from plexmix.plex.client import PlexClient
    from plexmix.services.context import Context
    from plexmix.services.sync_run import SyncOutcome
    from plexmix.storage.records import Playlist, RefreshRun
    from plexmix.storage.sqlite_manager import SQLiteManager

REFRESHED, RECREATED, UNCHANGED, SKIPPED, FAILED = "refreshed", "recreated", "unchanged", "skipped", "failed"


@dataclass
class Change:
    """What a refresh did to one playlist (or would do, in a dry run)."""

    playlist_id: int
    name: str
    status: str  # refreshed, recreated, unchanged, skipped or failed
    added: list[str] = field(default_factory=list)  # "Title - Artist"
    removed: list[str] = field(default_factory=list)
    kept: int = 0
    reason: str | None = None  # why it was skipped or failed
    plex_key: str | None = None
    command: str = ""  # the recipe as a command line

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class RefreshReport:
    changes: list[Change]
    dry_run: bool = False
    run_id: int | None = None
    synced: SyncOutcome | None = None

    def count(self, *statuses: str) -> int:
        return sum(1 for c in self.changes if c.status in statuses)

    @property
    def failed(self) -> bool:
        return self.count(FAILED) > 0

    def as_dict(self) -> dict[str, Any]:
        return {"dry_run": self.dry_run, "run_id": self.run_id,
                "playlists": [c.as_dict() for c in self.changes],
                "refreshed": self.count(REFRESHED, RECREATED), "unchanged": self.count(UNCHANGED),
                "skipped": self.count(SKIPPED), "failed": self.count(FAILED)}


@dataclass
class RefreshOptions:
    dry_run: bool = False
    force: bool = False  # overwrite a playlist edited in Plex
    recreate: bool | None = None  # a playlist deleted in Plex (None: the refresh.missing setting)
    avoid_played: bool | None = None  # None: the refresh.avoid_played setting
    sync: bool = False  # sync the library first (a scheduled run)
    trigger: str = "manual"
    wait: float | None = None  # seconds to wait for the run lock (None: refresh.lock_wait)


def chosen(db: SQLiteManager, names: Sequence[str], every: bool) -> list[Playlist]:
    """The playlists named (by id, Plex ratingKey or name), or with ``every`` all that keep a recipe."""
    from plexmix.storage import playlists

    if every == bool(names):
        raise UsageError("Name the playlists to refresh, or use --all (not both).",
                         hint="See `plexmix list playlists` for their ids and names.")
    if every:
        return playlists.with_recipes(db.conn)
    found: dict[int, Playlist] = {}
    for text in names:
        matches = playlists.find_playlists(db.conn, text)
        if not matches:
            raise UsageError(f"PlexMix has no playlist '{text}'.",
                             hint="See `plexmix list playlists` for their ids and names.")
        found.setdefault(int(matches[0].id or 0), matches[0])
    return list(found.values())


def refresh_playlists(
    ctx: Context, names: Sequence[str] = (), *, every: bool = False,
    options: RefreshOptions | None = None, progress: Progress | None = None,
) -> RefreshReport:
    """Refresh the playlists named (or ``every`` one with a recipe); see the module's docstring.
    A playlist that cannot be refreshed is reported in its :class:`Change`; the others go on."""
    from plexmix.utils.lock import run_lock

    options = options or RefreshOptions()
    progress = progress or NullProgress()
    wait = ctx.settings.refresh.lock_wait if options.wait is None else options.wait
    with run_lock(ctx.settings.home, wait=wait):
        synced = None
        if options.sync:
            from plexmix.services.sync_run import sync_library

            synced = sync_library(ctx, "incremental", progress=progress, hold_lock=False)
        with ctx.open_db() as db:
            targets = chosen(db, names, every)
            report = _Refresher(ctx, db, options, progress).run(targets)
    report.synced = synced
    return report


def refresh_history(ctx: Context, limit: int = 10) -> list[RefreshRun]:
    """The latest refresh runs, newest first."""
    from plexmix.storage.refresh_runs import list_runs

    with ctx.open_db() as db:
        return list_runs(db.conn, limit)


class _Refresher:
    def __init__(self, ctx: Context, db: SQLiteManager, options: RefreshOptions, progress: Progress) -> None:
        settings = ctx.settings.refresh
        self.ctx, self.db, self.options, self.progress = ctx, db, options, progress
        self.recreate = settings.missing == "recreate" if options.recreate is None else options.recreate
        self.avoid_played = settings.avoid_played if options.avoid_played is None else options.avoid_played
        self.generators: dict[str | None, PlaylistGenerator] = {}
        self.client: PlexClient | None = None
        self.plex_error: PlexError | None = None

    def run(self, targets: list[Playlist]) -> RefreshReport:
        from plexmix.storage import refresh_runs

        report = RefreshReport([], dry_run=self.options.dry_run)
        if not self.options.dry_run:
            with self.db.transaction() as tx:
                report.run_id = refresh_runs.start_run(tx, self.options.trigger)
        status, message = "failed", None
        try:
            if targets:
                self._connect()
            for playlist in targets:
                self.progress.start(f"Refreshing {playlist.name}")
                try:
                    report.changes.append(self._one(playlist))
                finally:
                    self.progress.finish(f"Refreshing {playlist.name}")
            status = "failed" if report.failed else "completed"
            message = next((f"{c.name}: {c.reason}" for c in report.changes if c.status == FAILED), None)
        except BaseException as exc:
            message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
            raise
        finally:
            if self.client is not None:
                self.client.close()
            if report.run_id is not None:
                with self.db.transaction() as tx:
                    refresh_runs.finish_run(
                        tx, report.run_id, status, refreshed=report.count(REFRESHED, RECREATED, UNCHANGED),
                        skipped=report.count(SKIPPED), failed=report.count(FAILED),
                        added=sum(len(c.added) for c in report.changes),
                        removed=sum(len(c.removed) for c in report.changes), message=message,
                    )
        return report

    def _connect(self) -> None:
        """Before any generator is made (they take Plex's sonic neighbours from the client)."""
        try:
            self.client = self.ctx.plex()
        except PlexError as exc:  # refreshed locally; each playlist says Plex was not written
            self.plex_error = exc

    def _generator(self, provider: str | None) -> PlaylistGenerator:
        from plexmix.services.create import make_generator

        if provider not in self.generators:
            self.generators[provider] = make_generator(self.ctx, self.db, provider, self.client)[0]
        return self.generators[provider]

    def _one(self, playlist: Playlist) -> Change:
        from plexmix.playlist.recipe import Recipe

        change = Change(int(playlist.id or 0), playlist.name, SKIPPED, plex_key=playlist.plex_key)
        recipe = Recipe.from_json(playlist.recipe)
        if recipe is None:
            change.reason = "it has no recipe (made before PlexMix kept recipes); make it again with create."
            return change
        change.command = recipe.command_line()
        try:
            in_plex = self._plex_state(playlist, change)
            if change.reason is not None:
                return change
            made = self._make(playlist, recipe)
            self._diff(playlist, made, change)
            if not self.options.dry_run:
                self._write(playlist, made, recipe, in_plex, change)
        except (PlexError, PlaylistError, UsageError) as exc:
            change.status, change.reason = FAILED, exc.message + (f" {exc.hint}" if exc.hint else "")
        return change

    def _plex_state(self, playlist: Playlist, change: Change) -> bool:
        """Whether the playlist is in Plex to be replaced in place; sets ``change.reason`` to skip it."""
        if self.client is None:
            if self.plex_error is not None and playlist.plex_key:
                change.status, change.reason = FAILED, f"Plex could not be reached: {self.plex_error.message}"
            return False
        if not playlist.plex_key:
            if not self.recreate:
                change.reason = "it was never written to Plex; --recreate writes it there."
            return False
        if self.client.get_playlist(playlist.plex_key) is None:
            if not self.recreate:
                change.reason = "it is not in Plex any more (deleted there?); --recreate makes it again."
            return False
        current = self.client.playlist_track_keys(playlist.plex_key)
        written = playlist.written_keys.split(",") if playlist.written_keys else None
        if written is not None and current != written and not self.options.force:
            change.reason = "it was edited in Plex since PlexMix wrote it; --force replaces it anyway."
        return True

    def _make(self, playlist: Playlist, recipe: Recipe) -> GeneratedPlaylist:
        from plexmix.services.libraries import library_scope
        from plexmix.services.recipes import remake

        request, make = remake(self.ctx, self.db.conn, recipe)
        request.flag_filters.source_ids = library_scope(self.ctx.settings, self.db.conn, request.libraries)
        if self.avoid_played and recipe.command != "journey":  # a journey keeps its two songs
            since = playlist.refreshed_at or playlist.created_at
            current = request.flag_filters.exclude_played_since
            request.flag_filters.exclude_played_since = max(since, current or since)
        generator = self._generator("none" if recipe.command == "journey" else recipe.provider)
        return generator.generate(request) if make is None else make(generator, self.client)

    def _diff(self, playlist: Playlist, made: GeneratedPlaylist, change: Change) -> None:
        from plexmix.storage.library import get_tracks
        from plexmix.storage.playlists import playlist_track_ids

        before = playlist_track_ids(self.db.conn, int(playlist.id or 0))
        after = [item.track.id for item in made.tracks if item.track.id is not None]
        gone = [tid for tid in before if tid not in set(after)]
        labels = {t.id: f"{t.title} - {t.artist_name or 'Unknown'}" for t in get_tracks(self.db.conn, gone)}
        labels.update({item.track.id: f"{item.track.title} - {item.track.artist_name or 'Unknown'}"
                       for item in made.tracks})
        change.added = [labels[tid] for tid in after if tid not in set(before)]
        change.removed = [labels[tid] for tid in gone if tid in labels]
        change.kept = len(after) - len(change.added)
        change.status = REFRESHED if (change.added or change.removed or before != after) else UNCHANGED

    def _write(self, playlist: Playlist, made: GeneratedPlaylist, recipe: Recipe, in_plex: bool,
               change: Change) -> None:
        from plexmix.playlist.publish import summary_for
        from plexmix.storage.playlists import save_playlist

        keys = [item.track.plex_key for item in made.tracks]
        summary = summary_for(made)
        plex_key, written = playlist.plex_key, None
        if self.client is not None and (in_plex or self.recreate):
            if in_plex and playlist.plex_key:
                info = self.client.replace_playlist(playlist.plex_key, keys, summary=summary)
            else:
                info = self.client.create_playlist(playlist.name, keys, summary=summary)
                change.status = RECREATED
            plex_key, written = info.rating_key, keys
        change.plex_key = plex_key
        ids = [item.track.id for item in made.tracks if item.track.id is not None]
        with self.db.transaction() as tx:
            save_playlist(
                tx, playlist_id=playlist.id, name=playlist.name, track_ids=ids,
                reasons={item.track.id: item.reason for item in made.tracks if item.track.id is not None},
                plex_key=plex_key, mood_query=made.mood, description=summary, provider=made.provider,
                model=made.model, created_by_ai=not made.fallback, written_keys=written, refreshed=True,
            )
