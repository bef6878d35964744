"""The embedding provider interface, the table of known models and vector helpers.

Every provider turns texts into L2-normalised float32 vectors of a fixed ``dimension``.
``model_id`` names the vector space (provider, model and dimension); it is the cache key of the
``embeddings`` table and the identity of the FAISS index, so two routes or dimensions never mix.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from plexmix.errors import ConfigError, EmbeddingError

log = logging.getLogger(__name__)

PROVIDERS = ("gemini", "openai", "local")


@dataclass(frozen=True)
class ModelSpec:
    """What PlexMix knows about one embedding model."""

    provider: str
    model: str
    dimension: int  # the model's native output size
    flexible: bool  # whether a smaller output dimension may be requested


_SPECS = [
    ModelSpec("gemini", "gemini-embedding-001", 3072, True),
    ModelSpec("gemini", "text-embedding-004", 768, False),
    ModelSpec("openai", "text-embedding-3-small", 1536, True),
    ModelSpec("openai", "text-embedding-3-large", 3072, True),
    ModelSpec("openai", "text-embedding-ada-002", 1536, False),
    # Two routes to all-MiniLM-L6-v2; their vectors are close but not equal: different model ids.
    ModelSpec("local", "all-MiniLM-L6-v2-onnx-int8", 384, False),
    ModelSpec("local", "all-MiniLM-L6-v2", 384, False),
]

#: (provider, model) -> spec.
KNOWN_MODELS: dict[tuple[str, str], ModelSpec] = {(s.provider, s.model): s for s in _SPECS}

DEFAULT_MODELS: dict[str, str] = {
    "gemini": "gemini-embedding-001",
    "openai": "text-embedding-3-small",
    "local": "all-MiniLM-L6-v2-onnx-int8",
}


def _check_provider(provider: str) -> str:
    name = (provider or "").strip().lower()
    if name not in PROVIDERS:
        raise ConfigError(
            f"Unknown embedding provider {provider!r}.",
            hint="Use one of: " + ", ".join(PROVIDERS) + ".",
        )
    return name


def expected_dimension(
    provider: str, model: str | None = None, dimension: int | None = None
) -> int:
    """The vector size that ``provider``/``model`` produces with the requested ``dimension``.

    Raises :class:`ConfigError` when the dimension cannot be produced (e.g. local with 768, or
    ada-002 with anything but 1536), or when an unknown model is named without a dimension.
    """
    name = _check_provider(provider)
    model = model or DEFAULT_MODELS[name]
    spec = KNOWN_MODELS.get((name, model))
    if dimension is not None and (isinstance(dimension, bool) or int(dimension) < 1):
        raise ConfigError(
            f"Invalid embedding dimension {dimension!r}.", hint="Use a positive number."
        )
    if spec is None:
        if name == "local":
            local = [m for (p, m) in KNOWN_MODELS if p == "local"]
            raise ConfigError(
                f"Unknown local embedding model {model!r}.",
                hint="Use one of: " + ", ".join(local) + ".",
            )
        if dimension is None:
            raise ConfigError(
                f"The {name} embedding model {model!r} is unknown, so is its dimension.",
                hint="Set the embedding dimension explicitly in the configuration.",
            )
        return int(dimension)
    if dimension is None or int(dimension) == spec.dimension:
        return spec.dimension
    if not spec.flexible:
        raise ConfigError(
            f"The {name} model {model} makes {spec.dimension}-dimensional vectors, "
            f"not {dimension}.",
            hint=f"Set the embedding dimension to {spec.dimension} or leave it unset.",
        )
    if int(dimension) > spec.dimension:
        raise ConfigError(
            f"The {name} model {model} makes at most {spec.dimension} dimensions, not {dimension}.",
            hint=f"Use a dimension between 1 and {spec.dimension}.",
        )
    return int(dimension)


def make_model_id(provider: str, model: str, dimension: int) -> str:
    """The cache key of a vector space, e.g. ``local:all-MiniLM-L6-v2-onnx-int8:384``."""
    return f"{provider}:{model}:{int(dimension)}"


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

        A batch that fails after its retries is yielded with ``vectors=None``; errors that doom
        every batch (bad credentials, missing model) raise :class:`EmbeddingError`.
        """
        for indices in self._plan_batches(texts):
            yield self._run_batch(texts, indices)

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
