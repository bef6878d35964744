"""The embedding provider interface, the table of known models and vector helpers.

Every provider turns texts into L2-normalised float32 vectors of a fixed ``dimension``.
``model_id`` names the vector space (provider, model and dimension); it is the cache key of the
``embeddings`` table and the identity of the FAISS index, so two routes or dimensions never mix.
"""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

import numpy as np

from plexmix.config.embedding_models import (  # noqa: F401  (re-exported)
    DEFAULT_MODELS,
    KNOWN_MODELS,
    PROVIDERS,
    ModelSpec,
    expected_dimension,
    make_model_id,
)
from plexmix.errors import EmbeddingError

log = logging.getLogger(__name__)

def l2_normalize(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (float32); an all-zero row stays zero."""
    matrix = np.asarray(vectors, dtype=np.float32)
    if matrix.ndim == 1:
        norm = float(np.linalg.norm(matrix))
        return matrix / norm if norm > 0 else matrix.copy()
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(matrix / norms, dtype=np.float32)


@dataclass
class BatchResult:
    """One batch of :meth:`EmbeddingProvider.iter_document_batches`.

    ``indices`` are positions in the input sequence; ``vectors`` is ``len(indices) x dimension``
    or ``None`` when the batch failed after its retries (``error`` then says why).
    """

    indices: list[int]
    vectors: np.ndarray | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.vectors is not None


class BatchFailedError(Exception):
    """A batch could not be embedded; the other batches go on (internal to the providers)."""


class EmbeddingProvider(ABC):
    """Turns texts into normalised vectors of one model.

    Subclasses implement :meth:`_embed_batch` (one request / one model run, raw vectors) and may
    override :meth:`_embed_with_retry`; batching, ordering and normalisation live here.
    """

    name: str = ""
    model: str = ""
    dimension: int = 0
    batch_size: int = 64
    max_concurrency: int = 1

    @property
    def model_id(self) -> str:
        return make_model_id(self.name, self.model, self.dimension)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.model_id}>"

    @abstractmethod
    def _embed_batch(self, texts: list[str], *, query: bool) -> np.ndarray:
        """Vectors for ``texts`` (``len(texts) x dimension``, not necessarily normalised)."""

    def _embed_with_retry(self, texts: list[str], *, query: bool) -> np.ndarray:
        return self._embed_batch(texts, query=query)

    def _checked(self, vectors: np.ndarray, count: int) -> np.ndarray:
        matrix = np.asarray(vectors, dtype=np.float32)
        if matrix.ndim != 2 or matrix.shape != (count, self.dimension):
            raise BatchFailedError(
                f"{self.name} returned vectors of shape {matrix.shape}, "
                f"expected ({count}, {self.dimension})"
            )
        if not np.isfinite(matrix).all():
            raise BatchFailedError(f"{self.name} returned non-finite vector values")
        return l2_normalize(matrix)

    def _plan_batches(self, texts: Sequence[str]) -> list[list[int]]:
        # Similar lengths side by side: less padding for the local model, harmless for APIs.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        size = max(1, int(self.batch_size))
        return [order[i : i + size] for i in range(0, len(order), size)]

    def _run_batch(self, texts: Sequence[str], indices: list[int]) -> BatchResult:
        batch = [texts[i] for i in indices]
        try:
            vectors = self._checked(self._embed_with_retry(batch, query=False), len(batch))
        except BatchFailedError as exc:
            log.warning("Skipped a batch of %d texts (%s): %s", len(batch), self.model_id, exc)
            return BatchResult(indices, None, str(exc))
        return BatchResult(indices, vectors)

    def iter_document_batches(self, texts: Sequence[str]) -> Iterator[BatchResult]:
        """Embed ``texts`` batch by batch; yields each batch as it completes (any order).

        Batches run ``max_concurrency`` at a time (in worker threads when more than one). A batch
        that fails after its retries is yielded with ``vectors=None``; errors that doom every
        batch (bad credentials, missing model) raise :class:`EmbeddingError`.
        """
        plan = self._plan_batches(texts)
        if self.max_concurrency <= 1 or len(plan) <= 1:
            for indices in plan:
                yield self._run_batch(texts, indices)
            return
        stop = threading.Event()

        def run(indices: list[int]) -> BatchResult:
            if stop.is_set():
                return BatchResult(indices, None, "cancelled")
            return self._run_batch(texts, indices)

        pool = ThreadPoolExecutor(self.max_concurrency, thread_name_prefix=f"embed-{self.name}")
        pending: set[Future[BatchResult]] = set()
        queue = iter(plan)
        try:
            # Keep at most 2x max_concurrency batches submitted: bounded memory, early stop.
            for indices in queue:
                pending.add(pool.submit(run, indices))
                if len(pending) >= 2 * self.max_concurrency:
                    break
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    yield future.result()  # a fatal EmbeddingError propagates here
                    nxt = next(queue, None)
                    if nxt is not None:
                        pending.add(pool.submit(run, nxt))
        finally:
            stop.set()
            pool.shutdown(wait=False, cancel_futures=True)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        """``len(texts) x dimension`` float32, L2-normalised, in input order.

        Raises :class:`EmbeddingError` if any batch failed (the indexer uses
        :meth:`iter_document_batches` instead, to keep the batches that worked).
        """
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        errors: list[str] = []
        for result in self.iter_document_batches(texts):
            if result.vectors is None:
                errors.append(result.error or "unknown error")
            else:
                out[result.indices] = result.vectors
        if errors:
            raise EmbeddingError(
                f"{len(errors)} batch(es) of texts could not be embedded with {self.model_id}: "
                f"{errors[-1]}",
                hint="Check the network and the provider's status, then try again.",
            )
        return out

    def embed_query(self, text: str) -> np.ndarray:
        """One query vector (``dimension``,), L2-normalised."""
        try:
            vectors = self._checked(self._embed_with_retry([text], query=True), 1)
        except BatchFailedError as exc:
            raise EmbeddingError(
                f"The query could not be embedded with {self.model_id}: {exc}",
                hint="Check the network and the provider's status, then try again.",
            ) from exc
        return vectors[0]
