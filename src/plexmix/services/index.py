"""The vector index the search side uses, kept in step with the stored vectors.

:func:`ensure_index` gives a search an index that matches the database, rebuilding it from the
stored vectors (never calling a provider) when it does not; :func:`rebuild_index` builds one.
:mod:`plexmix.services.embed` makes the vectors.
"""

from __future__ import annotations

import logging
from pathlib import Path

from plexmix.errors import EmbeddingError, IndexMismatchError
from plexmix.storage.embedding_store import (
    content_checksum,
    embedded_ids,
    load_vectors,
    models_present,
    stored_stamp,
)
from plexmix.storage.index_header import read_index_metadata
from plexmix.storage.sqlite_manager import Connection
from plexmix.storage.vector_index import GENERATE_HINT, VectorIndex, ids_checksum

log = logging.getLogger(__name__)

REBUILD_HINT = "Run `plexmix embeddings rebuild` to re-embed the library with the configured model."


def _dimension_of(model_id: str) -> int:
    try:
        return max(1, int(model_id.rsplit(":", 1)[-1]))
    except ValueError:
        return 1


def check_model(conn: Connection, index_path: Path, model_id: str) -> None:
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


def is_current(index: VectorIndex, conn: Connection, model_id: str) -> bool:
    if index.model_id != model_id:
        return False
    if index.source_checksum is not None:
        return index.source_checksum == content_checksum(conn, model_id)
    return index.checksum() == ids_checksum(embedded_ids(conn, model_id))


def load_or_none(index_path: Path) -> VectorIndex | None:
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
    index = load_or_none(path)
    if index is not None and is_current(index, conn, model_id):
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
