"""The FAISS vector index of track embeddings: inner-product search keyed by track id.

``IndexIDMap2(IndexFlatIP(d))`` over L2-normalised vectors, so scores are cosine similarities.
Up to :data:`APPROXIMATE_FROM` vectors every search is exact. From that size on, an approximate
companion (:mod:`plexmix.storage.ann`: IVF with 8-bit codes, trained on the stored vectors)
finds candidates that are re-scored exactly on the stored vectors; ``bench/scale.py`` and
``tests/storage/test_vector_index_ann.py`` measure its recall@50 against the exact search.
A filtered search (``allowed_ids``) always returns ``min(k, matches)`` results: small allowed
sets are scored directly on the stored vectors, larger ones through the approximate index when
it finds enough of them, else through a FAISS id selector (``ann.id_selector``; see
:data:`DIRECT_SCORING_BUDGET`).

File format (one file, replaced atomically): ``MAGIC``, a little-endian uint32 header length,
a JSON header (model_id, dimension, count, checksum of the sorted ids, created_at, and
``approximate`` when the companion follows), then the FAISS index as written by
``faiss.write_index``, then the companion's. Readers that predate the companion ignore it.
faiss is imported on first use.
"""

from __future__ import annotations

import hashlib
import json
import logging
import struct
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from plexmix.errors import EmbeddingError, IndexMismatchError
from plexmix.storage.ann import Approximate, id_selector
from plexmix.storage.id_arrays import sorted_unique
from plexmix.storage.index_header import MAGIC, read_header
from plexmix.utils.files import atomic_file, fsync_dir

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
# A filter of n ids is scored directly (gather + einsum) when n x dimension is at most this;
# above it a FAISS scan with an id selector is faster. Measured at 100k vectors (bench/embeddings.py):
# 384 dims: 200 ids 0.3 vs 1.3 ms, 2,000 ids ~7.5 ms both; 3072 dims: 200 ids 1.4 vs 1.9 ms,
# 1,000 ids 18 vs 10 ms.
DIRECT_SCORING_BUDGET = 640_000
# From this many vectors on, searches go through the approximate companion index (at 200k x 384
# dims an exact scan reads 300 MB per query; at 1M x 768, 3 GB).
APPROXIMATE_FROM = 200_000
ADD_CHUNK = 65_536  # rows normalised at once by add(): bounds its extra memory
GENERATE_HINT = "Run `plexmix embeddings generate`."
EMPTY_HINT = "Run `plexmix sync` or `plexmix embeddings generate`."
REBUILD_HINT = "Run `plexmix embeddings rebuild`."


def _faiss() -> Any:
    import faiss

    return faiss


def ids_checksum(ids: Iterable[int] | np.ndarray) -> str:
    """SHA-256 of the sorted ids as little-endian int64: equal sets give equal checksums."""
    array = np.sort(np.asarray(list(ids) if not isinstance(ids, np.ndarray) else ids, dtype="<i8"))
    return hashlib.sha256(array.tobytes()).hexdigest()


def _as_ids(ids: Iterable[int] | np.ndarray) -> np.ndarray:
    if isinstance(ids, np.ndarray):
        return np.ascontiguousarray(ids.ravel(), dtype=np.int64)
    return np.fromiter((int(i) for i in ids), dtype=np.int64)


class VectorIndex:
    """Normalised vectors keyed by track id, with exact (optionally filtered) search."""

    def __init__(self, dimension: int, model_id: str, *, _index: Any = None) -> None:
        if int(dimension) < 1:
            raise ValueError(f"dimension must be positive, not {dimension}")
        self.dimension = int(dimension)
        self.model_id = model_id
        self.created_at = int(time.time())
        #: Free-form digest of the data the index was built from (set by the indexer).
        self.source_checksum: str | None = None
        faiss = _faiss()
        self._index = _index if _index is not None else faiss.IndexIDMap2(
            faiss.IndexFlatIP(self.dimension)
        )
        self._lookup: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._approx: Approximate | None = None

    # -- contents -------------------------------------------------------------------------

    def __len__(self) -> int:
        return int(self._index.ntotal)

    @property
    def is_empty(self) -> bool:
        return len(self) == 0

    def ids(self) -> np.ndarray:
        """The track ids in the index (int64, internal order)."""
        return _faiss().vector_to_array(self._index.id_map).astype(np.int64, copy=False)

    def checksum(self) -> str:
        return ids_checksum(self.ids())

    def __contains__(self, track_id: object) -> bool:
        if not isinstance(track_id, (int, np.integer)):
            return False
        sorted_ids, _, _ = self._positions()
        pos = int(np.searchsorted(sorted_ids, track_id))
        return pos < len(sorted_ids) and int(sorted_ids[pos]) == int(track_id)

    def vectors(self, ids: Iterable[int] | np.ndarray) -> np.ndarray:
        """Stored vectors of ``ids`` (all must be present)."""
        wanted = _as_ids(ids)
        if len(wanted) == 0:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.asarray(self._index.reconstruct_batch(wanted), dtype=np.float32)

    def _positions(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(sorted ids, their positions in the flat storage, the storage as an array view)."""
        if self._lookup is None:
            faiss = _faiss()
            ids = self.ids()
            order = np.argsort(ids, kind="stable")
            flat = faiss.downcast_index(self._index.index)
            count = int(flat.ntotal)
            if count:
                storage = faiss.rev_swig_ptr(flat.get_xb(), count * self.dimension)
                storage = storage.reshape(count, self.dimension)
            else:
                storage = np.zeros((0, self.dimension), dtype=np.float32)
            self._lookup = (ids[order], order, storage)
        return self._lookup

    # -- changes ----------------------------------------------------------------------------

    def add(self, ids: Iterable[int] | np.ndarray, vectors: np.ndarray) -> None:
        """Add vectors under ``ids``; an id already present is replaced (last one wins)."""
        id_array = _as_ids(ids)
        matrix = np.asarray(vectors, dtype=np.float32)
        if matrix.ndim == 1 and len(id_array) == 1:
            matrix = matrix.reshape(1, -1)
        if matrix.ndim != 2 or matrix.shape[0] != len(id_array):
            raise ValueError(f"{len(id_array)} ids but vectors of shape {matrix.shape}")
        if matrix.shape[1] != self.dimension:
            raise IndexMismatchError(
                f"Vectors of {matrix.shape[1]} dimensions cannot go into the "
                f"{self.dimension}-dimensional index of {self.model_id}.",
                hint=REBUILD_HINT,
            )
        if len(id_array) == 0:
            return
        _, last = np.unique(id_array[::-1], return_index=True)
        if len(last) != len(id_array):  # duplicates: keep the last occurrence of each id
            keep = np.sort(len(id_array) - 1 - last)
            id_array, matrix = id_array[keep], matrix[keep]
        self.remove(id_array)
        for start in range(0, len(id_array), ADD_CHUNK):  # normalised copies of a chunk at a time
            part = matrix[start : start + ADD_CHUNK]
            norms = np.linalg.norm(part, axis=1, keepdims=True)
            norms[norms == 0] = 1.0
            part = np.ascontiguousarray(part / norms, dtype=np.float32)
            part_ids = np.ascontiguousarray(id_array[start : start + ADD_CHUNK])
            self._index.add_with_ids(part, part_ids)
            if self._approx is not None:
                self._approx.add(part_ids, part)
        self._lookup = None

    def remove(self, ids: Iterable[int] | np.ndarray) -> int:
        """Remove ``ids`` (absent ones are ignored); returns how many were removed."""
        id_array = _as_ids(ids)
        if len(id_array) == 0 or self.is_empty:
            return 0
        removed = int(self._index.remove_ids(_faiss().IDSelectorBatch(id_array)))
        if removed:
            self._lookup = None
            if self._approx is not None:
                self._approx.remove(id_array)
        return removed

    # -- the approximate companion ----------------------------------------------------------

    @property
    def approximate(self) -> Approximate | None:
        """The approximate companion index, built from the stored vectors when the index is
        large enough (:data:`APPROXIMATE_FROM`); None below that size."""
        if len(self) < APPROXIMATE_FROM:
            return None
        if self._approx is None:
            storage = self._positions()[2]  # rows in FAISS order, like ids()
            self._approx = Approximate.build(self.ids(), storage)
        return self._approx

    def search_exact(
        self, query_vec: np.ndarray, k: int, *, allowed_ids: np.ndarray | Iterable[int] | None = None
    ) -> list[tuple[int, float]]:
        """Like :meth:`search`, never approximate (the reference the recall is measured on)."""
        return self.search(query_vec, k, allowed_ids=allowed_ids, exact=True)

    def recall(self, queries: np.ndarray, k: int = 50) -> float:
        """Mean share of the exact top ``k`` that :meth:`search` returns (1.0 when exact)."""
        found = 0
        wanted = 0
        for query in np.asarray(queries, dtype=np.float32):
            truth = {i for i, _ in self.search_exact(query, k)}
            found += len(truth & {i for i, _ in self.search(query, k)})
            wanted += len(truth)
        return found / wanted if wanted else 1.0

    # -- search -----------------------------------------------------------------------------

    def search(
        self,
        query_vec: np.ndarray,
        k: int,
        *,
        allowed_ids: np.ndarray | Iterable[int] | None = None,
        exact: bool = False,
    ) -> list[tuple[int, float]]:
        """The ``k`` most similar tracks as ``(track_id, cosine score)``, best first.

        With ``allowed_ids`` only those tracks are candidates, and the result is never short:
        ``min(k, number of allowed ids in the index)`` pairs. Past :data:`APPROXIMATE_FROM`
        vectors the candidates come from the approximate companion unless ``exact``.
        """
        if self.is_empty:
            raise EmbeddingError("The vector index is empty.", hint=EMPTY_HINT)
        query = np.asarray(query_vec, dtype=np.float32).reshape(-1)
        if query.shape[0] != self.dimension:
            raise IndexMismatchError(
                f"The query vector has {query.shape[0]} dimensions, the index of "
                f"{self.model_id} has {self.dimension}.",
                hint=REBUILD_HINT,
            )
        if k <= 0:
            return []
        norm = float(np.linalg.norm(query))
        if norm > 0:
            query = query / norm
        faiss = _faiss()
        faiss.omp_set_num_threads(1)  # one query: threads cost more than they give
        approx = None if exact else self.approximate
        allowed = None if allowed_ids is None else sorted_unique(_as_ids(allowed_ids))
        if allowed is not None and len(allowed) == 0:
            return []
        if allowed is not None and len(allowed) * self.dimension <= DIRECT_SCORING_BUDGET:
            return self._search_direct(query, int(k), allowed)
        if approx is not None:
            limit = min(int(k), len(self) if allowed is None else len(allowed))
            candidates = approx.candidates(query, int(k), allowed, len(self))
            if len(candidates) >= limit:  # else the filter is too selective: exact below
                return self._search_direct(query, int(k), candidates)
        if allowed is None:
            scores, labels = self._index.search(query.reshape(1, -1), min(int(k), len(self)))
            return _pairs(labels[0], scores[0])
        params = faiss.SearchParameters(sel=id_selector(allowed))
        limit = min(int(k), len(allowed), len(self))
        scores, labels = self._index.search(query.reshape(1, -1), limit, params=params)
        return _pairs(labels[0], scores[0])

    def _search_direct(
        self, query: np.ndarray, k: int, allowed: np.ndarray
    ) -> list[tuple[int, float]]:
        sorted_ids, order, storage = self._positions()
        slots = np.searchsorted(sorted_ids, allowed)
        slots = np.minimum(slots, max(0, len(sorted_ids) - 1))
        present = sorted_ids[slots] == allowed
        track_ids = allowed[present]
        if len(track_ids) == 0:
            return []
        # einsum, not BLAS: a threaded gemv costs milliseconds on a busy machine for this size.
        scores = np.einsum("ij,j->i", storage[order[slots[present]]], query)
        count = min(k, len(scores))
        top = np.argpartition(-scores, count - 1)[:count] if count < len(scores) else None
        if top is None:
            top = np.arange(len(scores))
        top = top[np.lexsort((track_ids[top], -scores[top]))]
        return [(int(track_ids[i]), float(scores[i])) for i in top]

    # -- files ------------------------------------------------------------------------------

    def metadata(self) -> dict[str, Any]:
        return {
            "format": FORMAT_VERSION,
            "model_id": self.model_id,
            "dimension": self.dimension,
            "count": len(self),
            "checksum": self.checksum(),
            "source_checksum": self.source_checksum,
            "created_at": self.created_at,
            "saved_at": int(time.time()),
        }

    def save(self, path: str | Path) -> None:
        """Write the index and its metadata to ``path`` atomically (temp file + rename)."""
        target = Path(path)
        approx = self.approximate
        meta = self.metadata()
        if approx is not None:
            meta["approximate"] = approx.describe()
        header = json.dumps(meta, sort_keys=True).encode("utf-8")
        faiss = _faiss()
        with atomic_file(target) as handle:
            handle.write(MAGIC + struct.pack("<I", len(header)) + header)
            writer = faiss.PyCallbackIOWriter(handle.write)
            faiss.write_index(self._index, writer)
            if approx is not None:
                approx.write(writer)
            del writer
        fsync_dir(target.parent)

    @classmethod
    def load(cls, path: str | Path) -> VectorIndex:
        """Read an index written by :meth:`save`; raises EmbeddingError if missing or damaged."""
        source = Path(path)
        if not source.is_file():
            raise EmbeddingError(f"No vector index found at {source}.", hint=GENERATE_HINT)
        faiss = _faiss()
        try:
            with open(source, "rb") as handle:
                meta = read_header(handle)
                reader = faiss.PyCallbackIOReader(handle.read)
                # read_index returns the owning, already downcast object: keep that one (a
                # second proxy from downcast_index would not own the index).
                index = faiss.read_index(reader)
                approx = Approximate.read(reader, meta["approximate"]) if meta.get("approximate") else None
                del reader
            if not isinstance(index, faiss.IndexIDMap2):
                raise ValueError(f"unexpected index type {type(index).__name__}")
            dimension = int(meta["dimension"])
            if int(index.d) != dimension or int(index.ntotal) != int(meta["count"]):
                raise ValueError("the header does not match the index")
            loaded = cls(dimension, str(meta["model_id"]), _index=index)
            if loaded.checksum() != meta["checksum"]:
                raise ValueError("the id checksum does not match")
            if approx is not None and (approx.count != len(loaded) or approx.dimension != dimension):
                raise ValueError("the approximate index does not match the vectors")
            loaded._approx = approx
        except EmbeddingError:
            raise
        except Exception as exc:
            raise EmbeddingError(
                f"The vector index file {source} is damaged or unreadable ({exc}).",
                hint=GENERATE_HINT,
            ) from exc
        loaded.created_at = int(meta.get("created_at") or loaded.created_at)
        loaded.source_checksum = meta.get("source_checksum")
        return loaded

    @classmethod
    def from_arrays(cls, ids: np.ndarray, vectors: np.ndarray, model_id: str) -> VectorIndex:
        matrix = np.asarray(vectors, dtype=np.float32)
        if matrix.ndim != 2:
            raise ValueError("vectors must be a 2-D array")
        index = cls(matrix.shape[1], model_id)
        index.add(ids, matrix)
        return index


def _pairs(labels: np.ndarray, scores: np.ndarray) -> list[tuple[int, float]]:
    return [(int(i), float(s)) for i, s in zip(labels, scores, strict=True) if i >= 0]
