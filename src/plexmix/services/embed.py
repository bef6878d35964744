"""Keep the stored embeddings and the FAISS index in step with the library.

:func:`refresh_embeddings` embeds the tracks whose text changed since their vector was made
(committing as it goes, so an interrupted run keeps what it paid for) and then brings the index
file up to date. :func:`ensure_index` gives the search side an index that matches the database,
rebuilding it from the stored vectors (never calling a provider) when it does not.
"""

from __future__ import annotations

import logging
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from plexmix.providers.embeddings import EmbeddingProvider
from plexmix.services.index import (
    REBUILD_HINT,
    check_model,
    ensure_index,
    is_current,
    load_or_none,
    rebuild_index,
)
from plexmix.services.progress import Eta, Progress, report_eta
from plexmix.storage.embedding_store import (
    EmbeddingRow,
    PendingTrack,
    content_checksum,
    embedded_ids,
    load_vectors,
    pending_tracks,
    reuse_vectors,
    save_embeddings,
)
from plexmix.storage.mirror import track_count
from plexmix.storage.sqlite_manager import Connection
from plexmix.storage.vector_index import ids_checksum

__all__ = ["REBUILD_HINT", "embed_library", "ensure_index", "rebuild_index", "refresh_embeddings"]

if TYPE_CHECKING:
    from plexmix.services.context import Context
    from plexmix.storage.sqlite_manager import SQLiteManager

log = logging.getLogger(__name__)

STAGE = "Embeddings"  # the progress stage of an embedding run
TEXT_OVERHEAD = 8  # the cost of a text beyond its characters, in characters (2 special tokens)


@dataclass
class EmbedReport:
    """What one :func:`refresh_embeddings` run did."""

    embedded: int = 0  # vectors made and stored by this run
    reused: int = 0  # tracks given the vector of another track with the same text (no provider call)
    skipped_unchanged: int = 0  # tracks whose stored vector was still current
    failed: int = 0  # tracks in batches that failed after retries (retried next run)
    removed_from_index: int = 0  # ids dropped from the index (tracks gone)
    seconds: float = 0.0
    model_id: str = ""
    index_size: int = 0
    index_rebuilt: bool = False  # rebuilt from stored vectors instead of updated in place
    errors: list[str] = field(default_factory=list)  # one line per failed batch


def refresh_embeddings(
    conn: Connection,
    provider: EmbeddingProvider,
    index_path: str | Path,
    *,
    progress: Progress | None = None,
    full_rebuild: bool = False,
    commit_every: int = 1024,
    commit_seconds: float = 2.0,
    donor: Path | None = None,
) -> EmbedReport:
    """Embed new and changed tracks with ``provider`` and update the index at ``index_path``.

    Raises :class:`IndexMismatchError` when the index (or the stored vectors) belong to another
    model, unless ``full_rebuild``: then every track without a current vector of this model is
    embedded and the index is rebuilt from scratch. Failed batches are counted and reported,
    not raised; the next run retries them. ``donor``: another database whose vectors of the same
    texts are copied first (a Plex Home user's mirror takes the server's).
    """
    started = time.perf_counter()
    path = Path(index_path)
    model_id = provider.model_id
    report = EmbedReport(model_id=model_id)
    if not full_rebuild:
        check_model(conn, path, model_id)
    old = None if full_rebuild else load_or_none(path)
    current = old is not None and is_current(old, conn, model_id)

    pending = pending_tracks(conn, model_id)
    total_tracks = track_count(conn)
    report.skipped_unchanged = max(0, total_tracks - len(pending))
    # The same text (a recording in two libraries) is embedded once: reuse what is stored, send
    # each new text once, then copy its vector to the tracks that share it.
    reused = set(reuse_vectors(conn, model_id, pending, donor)) if donor is not None else set()
    reused |= set(reuse_vectors(conn, model_id, [p for p in pending if p.track_id not in reused]))
    first: dict[str, PendingTrack] = {}
    for track in pending:
        if track.track_id not in reused:
            first.setdefault(track.text_hash, track)
    changed = _embed_pending(
        conn, provider, list(first.values()), report, progress, commit_every, commit_seconds
    )
    sharing = [p for p in pending if p.track_id not in reused and first[p.text_hash] is not p]
    copied = reuse_vectors(conn, model_id, sharing)
    report.reused = len(reused) + len(copied)
    changed += [*reused, *copied]

    db_ids = embedded_ids(conn, model_id)
    if old is not None and current:
        index = old
        gone = np.setdiff1d(index.ids(), db_ids, assume_unique=True)
        report.removed_from_index = index.remove(gone)
        if changed:
            ids, vectors = load_vectors(conn, model_id, changed)
            if len(ids):
                index.add(ids, vectors)
        index.source_checksum = content_checksum(conn, model_id)
        if index.checksum() != ids_checksum(db_ids):  # a concurrent writer: start over
            log.info("The vector index drifted from the database; rebuilding it")
            index, current = rebuild_index(conn, model_id), False
        modified = bool(report.removed_from_index or changed) or not current
    else:
        index = rebuild_index(conn, model_id)
        if old is not None:
            report.removed_from_index = len(np.setdiff1d(old.ids(), index.ids()))
        report.index_rebuilt = modified = True
    if modified or not path.exists():
        index.save(path)
    report.index_size = len(index)
    report.seconds = time.perf_counter() - started
    return report


def _embed_pending(
    conn: Connection,
    provider: EmbeddingProvider,
    pending: list[PendingTrack],
    report: EmbedReport,
    progress: Progress | None,
    commit_every: int,
    commit_seconds: float,
) -> list[int]:
    """Embed ``pending`` batch by batch, storing as it goes; returns the stored track ids.

    The provider runs length-sorted batches (less padding), possibly several at once; each
    result carries the positions of its texts in ``pending``, so vectors are stored against the
    right tracks whatever the order. The ETA weighs texts by length for the same reason.
    """
    model_id = provider.model_id
    stored: list[int] = []
    buffer: list[EmbeddingRow] = []
    last_commit = time.monotonic()

    def flush() -> None:
        nonlocal last_commit
        if buffer:
            report.embedded += save_embeddings(conn, buffer)
            stored.extend(row.track_id for row in buffer)
            buffer.clear()
        last_commit = time.monotonic()

    total = len(pending)
    if progress is not None:
        progress.start(STAGE, total)
    texts = [p.text for p in pending]
    weights = [len(text) + TEXT_OVERHEAD for text in texts]
    eta = Eta(sum(weights))
    try:
        for result in provider.iter_document_batches(texts):
            if result.vectors is None:
                report.failed += len(result.indices)
                report.errors.append(f"{len(result.indices)} tracks: {result.error}")
            else:
                for position, vector in zip(result.indices, result.vectors, strict=True):
                    track = pending[position]
                    buffer.append(EmbeddingRow(track.track_id, model_id, track.text_hash, vector))
            if len(buffer) >= commit_every or time.monotonic() - last_commit >= commit_seconds:
                flush()
            if progress is not None:
                progress.advance(STAGE, len(result.indices))
                report_eta(progress, STAGE, eta.add(sum(weights[i] for i in result.indices)))
    finally:
        flush()  # also on Ctrl-C or a fatal error: keep what was already paid for
        if progress is not None:
            progress.finish(STAGE)
    return stored


@dataclass
class EmbedResult:
    """What ``plexmix embeddings generate`` (or the embedding step of a sync) did."""

    provider: str
    model: str
    embedded: int
    unchanged: int
    failed: int
    removed_from_index: int
    seconds: float
    note: str | None = None  # why another provider than the configured one was used
    errors: list[str] = field(default_factory=list)
    reused: int = 0  # given the stored vector of the same text (no provider call)

    def as_dict(self) -> dict[str, Any]:
        return {
            "provider": self.provider, "model": self.model, "embedded": self.embedded,
            "reused": self.reused, "unchanged": self.unchanged, "failed": self.failed,
            "removed_from_index": self.removed_from_index, "seconds": round(self.seconds, 2),
        }

    def summary(self) -> str:
        """One line for people: what was embedded, with which model, in how long."""
        return (
            f"{self.embedded:,} embedded, {self.unchanged:,} unchanged, {self.failed:,} failed, "
            f"{self.removed_from_index:,} removed from the index ({self.model}, {self.seconds:.1f} s)"
        )


def embed_library(
    ctx: Context,
    db: SQLiteManager | None = None,
    *,
    progress: Progress | None = None,
    full_rebuild: bool = False,
    wipe: bool = False,
) -> EmbedResult:
    """Embed new and changed tracks with the configured provider and update the index.

    ``wipe`` deletes every stored vector first (a rebuild with another model); ``full_rebuild``
    re-embeds what has no current vector and rebuilds the index from scratch.
    """
    from plexmix.services.wiring import build_embedder
    from plexmix.storage.embedding_store import delete_embeddings

    with ExitStack() as stack:
        if db is None:
            db = stack.enter_context(ctx.open_db())
        embedder, choice = build_embedder(ctx.loaded, ctx.credentials)
        if wipe:
            delete_embeddings(db.conn)
        settings = ctx.settings
        donor = settings.server_db_path if settings.plex.user else None  # a Home user's mirror
        report = refresh_embeddings(
            db.conn, embedder, settings.index_path, progress=progress, full_rebuild=full_rebuild,
            donor=donor,
        )
    return EmbedResult(
        provider=choice.name, model=embedder.model_id, embedded=report.embedded,
        unchanged=report.skipped_unchanged, failed=report.failed,
        removed_from_index=report.removed_from_index, seconds=report.seconds, note=choice.note,
        errors=report.errors, reused=report.reused,
    )


def rebuild_size(ctx: Context) -> int:
    """How many tracks a rebuild re-embeds (to ask before doing it)."""
    with ctx.open_db() as db:
        return track_count(db.conn)


@dataclass
class EmbeddingStatus:
    """Stored vectors, the configured model and whether the index file agrees with them."""

    stats: dict[str, Any]
    configured_model: str
    provider: str
    dimension: int
    note: str | None
    index_file: Path
    index_exists: bool
    index_count: int | None
    index_model: str | None
    consistent: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.stats, "configured_model": self.configured_model, "provider": self.provider,
            "note": self.note, "index_file": str(self.index_file), "index_exists": self.index_exists,
            "index_count": self.index_count, "index_model": self.index_model, "consistent": self.consistent,
        }


def embedding_status(ctx: Context) -> EmbeddingStatus:
    from plexmix.services.wiring import build_embedder
    from plexmix.storage.embedding_store import embedding_stats
    from plexmix.storage.index_header import read_index_metadata

    embedder, choice = build_embedder(ctx.loaded, ctx.credentials)
    path = ctx.settings.index_path
    with ctx.open_db() as db:
        stats = embedding_stats(db.conn, embedder.model_id)
        ids = embedded_ids(db.conn, embedder.model_id)
    header = read_index_metadata(path) or {}
    consistent = header.get("model_id") == embedder.model_id and header.get("checksum") == ids_checksum(ids)
    return EmbeddingStatus(
        stats=stats, configured_model=embedder.model_id, provider=choice.name,
        dimension=embedder.dimension, note=choice.note, index_file=path, index_exists=path.exists(),
        index_count=header.get("count"), index_model=header.get("model_id"), consistent=consistent,
    )
