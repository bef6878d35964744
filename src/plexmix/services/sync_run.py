"""The sync use cases: mirror the configured music libraries, embed what changed, and report.

:class:`~plexmix.services.sync.SyncEngine` mirrors one library; this module runs it for each
library asked for (:mod:`plexmix.services.libraries`), removes the libraries dropped from the
configured set when the caller agrees, and then runs the embedding step.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from plexmix.services.progress import NullProgress, Progress
from plexmix.services.sync import SyncEngine, SyncReport
from plexmix.storage import artist_names, history, mirror, tag_carriers

if TYPE_CHECKING:
    from plexmix.services.context import Context
    from plexmix.services.embed import EmbedResult
    from plexmix.storage.records import SyncRecord
    from plexmix.storage.sources import Source

log = logging.getLogger(__name__)


# -- the use cases -----------------------------------------------------------------------------
@dataclass
class SyncOutcome:
    """A sync of one or more music libraries and, unless skipped, the embedding run after it."""

    report: SyncReport  # all libraries together
    libraries: dict[str, SyncReport] = field(default_factory=dict)  # each library's, by name
    removed_libraries: dict[str, int] = field(default_factory=dict)  # dropped from the set: tracks
    embeddings: EmbedResult | None = None
    embeddings_skipped: str | None = None  # why the embedding step did not run (no key, ...)

    def as_dict(self) -> dict[str, object]:
        data = self.report.as_dict()
        data["libraries"] = {name: r.as_dict() for name, r in self.libraries.items()}
        if self.removed_libraries:
            data["removed_libraries"] = self.removed_libraries
        if self.embeddings is not None:
            data["embeddings"] = self.embeddings.as_dict()
        elif self.embeddings_skipped is not None:
            data["embeddings"] = {"skipped": self.embeddings_skipped}
        return data


def _total(mode: str, reports: Sequence[SyncReport]) -> SyncReport:
    total = SyncReport(mode=mode, status=history.SUCCESS)
    for r in reports:
        total += r
        total.duration_s += r.duration_s
        total.changed_keys.extend(r.changed_keys)
        total.sync_id = r.sync_id
        total.mode = r.mode if r.mode == "full" else total.mode  # a new library syncs in full
    return total


def sync_library(
    ctx: Context,
    mode: str = "incremental",
    *,
    libraries: Sequence[str] = (),
    embed: bool = True,
    progress: Progress | None = None,
    confirm_removal: Callable[[list[Source]], bool] | None = None,
    hold_lock: bool = True,
) -> SyncOutcome:
    """Mirror the music libraries (``full`` or ``incremental``), then embed what changed.

    ``libraries`` names them for this run; without it, the configured set (``plex.libraries``),
    and a library synced before but no longer in that set is removed with its rows when
    ``confirm_removal(sources)`` agrees (kept otherwise). The run lock of the data folder is held
    throughout (``hold_lock=False``: the caller holds it). A missing key for the embedding
    provider skips that step with a warning; the sync stands.
    """
    from plexmix.errors import CredentialError
    from plexmix.services import libraries as libs
    from plexmix.storage.sources import remove_source
    from plexmix.utils.lock import run_lock

    progress = progress or NullProgress()
    lock: AbstractContextManager[object] = (
        run_lock(ctx.settings.home, wait=ctx.settings.refresh.lock_wait) if hold_lock else nullcontext()
    )
    with lock, ctx.plex() as client, ctx.open_db() as db:
        with db.transaction() as tx:
            chosen = libs.targets(tx, client, ctx.settings, libraries)
        reports: dict[str, SyncReport] = {}
        for target in chosen:
            client.select_library(target.library.title)
            engine = SyncEngine(client, db, progress=progress, source_id=target.source.id)
            reports[target.library.title] = engine.sync(mode)
        outcome = SyncOutcome(_total(mode, list(reports.values())), reports)
        gone = [] if libraries else libs.dropped(db.conn, client, chosen)
        if gone and confirm_removal is not None and confirm_removal(gone):
            for source in gone:
                with db.transaction() as tx:
                    outcome.removed_libraries[source.title] = remove_source(tx, source.id)["tracks"]
            outcome.report.removed += sum(outcome.removed_libraries.values())
        artist_names.fold_pending(db.conn)  # the first `create` after a sync need not do it
        tag_carriers.refresh(db.conn)  # nor, in a large library, read common tags from the index
        if embed:
            from plexmix.services.embed import embed_library  # numpy and the model runtime: only here

            try:
                outcome.embeddings = embed_library(ctx, db, progress=progress)
            except CredentialError as exc:
                log.warning("%s %s", exc.message, exc.hint or "")
                outcome.embeddings_skipped = exc.message
    return outcome


def sync_status(ctx: Context, limit: int = 10) -> tuple[list[SyncRecord], dict[str, int]]:
    """The last ``limit`` syncs, newest first, and what the database holds."""
    with ctx.open_db() as db:
        return history.recent_syncs(db.conn, limit), mirror.counts(db.conn)
