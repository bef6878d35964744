"""Embedding new or changed tracks after a sync (shared by `sync` and `embeddings generate`)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from plexmix.errors import CredentialError
from plexmix.services.progress import Progress

if TYPE_CHECKING:
    from plexmix.cli.state import AppState
    from plexmix.storage.sqlite_manager import SQLiteManager

log = logging.getLogger(__name__)
STAGE = "Embeddings"


def stage_callback(progress: Progress, stage: str = STAGE) -> Any:
    """Adapt the library's ``progress(done, total)`` callback to a progress bar stage."""
    state = {"done": 0, "started": False}

    def report(done: int, total: int) -> None:
        if not state["started"]:
            progress.start(stage, total)
            state["started"] = True
        progress.advance(stage, done - state["done"])
        state["done"] = done

    return report


def refresh_embeddings_for(
    state: AppState, db: SQLiteManager, progress: Progress, *, full_rebuild: bool = False
) -> dict[str, Any]:
    from plexmix.services.embed import refresh_embeddings
    from plexmix.services.wiring import build_embedder

    embedder, choice = build_embedder(state.loaded, state.credentials)
    if choice.note:
        state.err.print(f"[yellow]Note:[/] {choice.note}")
    report = refresh_embeddings(
        db.conn, embedder, state.settings.index_path, progress=stage_callback(progress),
        full_rebuild=full_rebuild,
    )  # fmt: skip
    progress.finish(STAGE)
    return {
        "provider": choice.name, "model": embedder.model_id, "embedded": report.embedded,
        "unchanged": report.skipped_unchanged, "failed": report.failed,
        "removed_from_index": report.removed_from_index, "seconds": round(report.seconds, 2),
    }  # fmt: skip


def refresh_after_sync(state: AppState, db: SQLiteManager, progress: Progress) -> dict[str, Any] | None:
    """Embed what the sync changed; a missing key skips this step with a warning, never fails."""
    try:
        return refresh_embeddings_for(state, db, progress)
    except CredentialError as exc:
        log.warning("%s %s", exc.message, exc.hint or "")
        return {"skipped": exc.message}
