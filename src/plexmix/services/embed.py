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

from plexmix.errors import EmbeddingError, IndexMismatchError
from plexmix.providers.embeddings import EmbeddingProvider
from plexmix.services.progress import Eta, Progress, report_eta
from plexmix.storage.embedding_store import (
    EmbeddingRow,
    PendingTrack,
    content_checksum,
    embedded_ids,
    load_vectors,
    models_present,
    pending_tracks,
    save_embeddings,
    stored_stamp,
)
from plexmix.storage.mirror import track_count
from plexmix.storage.sqlite_manager import Connection
from plexmix.storage.vector_index import (
    GENERATE_HINT,
    VectorIndex,
    ids_checksum,
    read_index_metadata,
)

if TYPE_CHECKING:
    from plexmix.services.context import Context
    from plexmix.storage.sqlite_manager import SQLiteManager

log = logging.getLogger(__name__)

STAGE = "Embeddings"  # the progress stage of an embedding run
TEXT_OVERHEAD = 8  # the cost of a text beyond its characters, in characters (2 special tokens)
REBUILD_HINT = "Run `plexmix embeddings rebuild` to re-embed the library with the configured model."


@dataclass
class EmbedReport:
    """What one :func:`refresh_embeddings` run did."""

    embedded: int = 0  # vectors made and stored by this run
    skipped_unchanged: int = 0  # tracks whose stored vector was still current
    failed: int = 0  # tracks in batches that failed after retries (retried next run)
    removed_from_index: int = 0  # ids dropped from the index (tracks gone)
    seconds: float = 0.0
    model_id: str = ""
    index_size: int = 0
    index_rebuilt: bool = False  # rebuilt from stored vectors instead of updated in place
    errors: list[str] = field(default_factory=list)  # one line per failed batch


def _dimension_of(model_id: str) -> int:
    try:
        return max(1, int(model_id.rsplit(":", 1)[-1]))
    except ValueError:
        return 1


def _check_model(conn: Connection, index_path: Path, model_id: str) -> None:
    """IndexMismatchError when the index file or the stored vectors belong to another model."""
    meta = read_index_metadata(index_path)
    if meta is not None and str(meta.get("model_id")) != model_id:
        raise IndexMismatchError(
            f"The vector index was built with {meta.get('model_id')}, "
            f"but the configured embedding model is {model_id}.",
            hint=REBUILD_HINT,
        )
    if meta is None:
        present = models_present(conn)
        others = {m: c for m, c in present.items() if m != model_id}
        if others and not present.get(model_id):
            raise IndexMismatchError(
                f"The stored embeddings were made with {', '.join(sorted(others))}, "
                f"but the configured embedding model is {model_id}.",
                hint=REBUILD_HINT,
            )


def _is_current(index: VectorIndex, conn: Connection, model_id: str) -> bool:
    if index.model_id != model_id:
        return False
    if index.source_checksum is not None:
        return index.source_checksum == content_checksum(conn, model_id)
    return index.checksum() == ids_checksum(embedded_ids(conn, model_id))


def _load_or_none(index_path: Path) -> VectorIndex | None:
    if not index_path.exists():
        return None
    try:
        return VectorIndex.load(index_path)
    except EmbeddingError as exc:
        log.warning("Ignoring the vector index: %s", exc)
        return None


def rebuild_index(conn: Connection, model_id: str) -> VectorIndex:
    """A new index of every vector stored for ``model_id`` (no provider calls)."""
    ids, vectors = load_vectors(conn, model_id)
    dimension = vectors.shape[1] if len(ids) else _dimension_of(model_id)
    index = VectorIndex(dimension, model_id)
    if len(ids):
        index.add(ids, vectors)
    index.source_checksum = content_checksum(conn, model_id)
    return index


def refresh_embeddings(
    conn: Connection,
    provider: EmbeddingProvider,
    index_path: str | Path,
    *,
    progress: Progress | None = None,
    full_rebuild: bool = False,
    commit_every: int = 1024,
    commit_seconds: float = 2.0,
) -> EmbedReport:
    """Embed new and changed tracks with ``provider`` and update the index at ``index_path``.

    Raises :class:`IndexMismatchError` when the index (or the stored vectors) belong to another
    model, unless ``full_rebuild``: then every track without a current vector of this model is
    embedded and the index is rebuilt from scratch. Failed batches are counted and reported,
    not raised; the next run retries them.
    """
    started = time.perf_counter()
    path = Path(index_path)
    model_id = provider.model_id
    report = EmbedReport(model_id=model_id)
    if not full_rebuild:
        _check_model(conn, path, model_id)
    old = None if full_rebuild else _load_or_none(path)
    current = old is not None and _is_current(old, conn, model_id)

    pending = pending_tracks(conn, model_id)
    total_tracks = track_count(conn)
    report.skipped_unchanged = max(0, total_tracks - len(pending))
    changed = _embed_pending(
        conn, provider, pending, report, progress, commit_every, commit_seconds
    )

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


def ensure_index(conn: Connection, index_path: str | Path, model_id: str) -> VectorIndex:
    """The index at ``index_path`` if it matches the stored vectors of ``model_id``.

    Otherwise (missing, damaged, another model, other ids or vectors) it is rebuilt from the
    stored vectors and saved. When nothing is stored for ``model_id`` but vectors of another
    model are, raises :class:`IndexMismatchError`; when nothing is stored at all, the returned
    index is empty (its ``search`` says how to fill it).
    """
    path = Path(index_path)
    stamp = _stamp(conn, path, model_id)
    if stamp is not None and (known := _CHECKED.get(stamp)) is not None:
        return known  # loaded and checked before in this process; neither file nor table changed
    index = _load_or_none(path)
    if index is not None and _is_current(index, conn, model_id):
        _remember(stamp, index)
        return index
    present = models_present(conn)
    if not present.get(model_id):
        others = sorted(m for m in present if m != model_id)
        if others:
            raise IndexMismatchError(
                f"The stored embeddings were made with {', '.join(others)}, "
                f"but the configured embedding model is {model_id}.",
                hint=REBUILD_HINT,
            )
        log.info("No embeddings are stored yet (%s)", GENERATE_HINT)
        return VectorIndex(_dimension_of(model_id), model_id)
    log.info("Rebuilding the vector index at %s from stored vectors", path)
    rebuilt = rebuild_index(conn, model_id)
    rebuilt.save(path)
    _remember(_stamp(conn, path, model_id), rebuilt)
    return rebuilt


# Indexes this process loaded and checked against the stored vectors, by what would show a change
# (the file's path, size and time; the embeddings table's change counter): a long-lived process
# (the library API, a web page) searches a million vectors without reloading and re-hashing.
_CHECKED: dict[tuple[object, ...], VectorIndex] = {}


def _stamp(conn: Connection, path: Path, model_id: str) -> tuple[object, ...] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return (str(path.resolve()), stat.st_mtime_ns, stat.st_size, model_id, stored_stamp(conn))


def _remember(stamp: tuple[object, ...] | None, index: VectorIndex) -> None:
    if stamp is None:
        return
    for key in [k for k in _CHECKED if k[0] == stamp[0]]:
        del _CHECKED[key]  # one index per file
    _CHECKED[stamp] = index


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

    def as_dict(self) -> dict[str, Any]:
        return {
            "provider": self.provider, "model": self.model, "embedded": self.embedded,
            "unchanged": self.unchanged, "failed": self.failed,
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
        report = refresh_embeddings(
            db.conn, embedder, ctx.settings.index_path, progress=progress, full_rebuild=full_rebuild
        )
    return EmbedResult(
        provider=choice.name, model=embedder.model_id, embedded=report.embedded,
        unchanged=report.skipped_unchanged, failed=report.failed,
        removed_from_index=report.removed_from_index, seconds=report.seconds, note=choice.note,
        errors=report.errors,
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
    from plexmix.storage.vector_index import read_index_metadata

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
