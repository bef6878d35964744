"""Arrays of track ids (int64) as the filters and the vector index pass them around."""

from __future__ import annotations

import numpy as np


def sorted_unique(ids: np.ndarray) -> np.ndarray:
    """``ids`` ascending, each once. An array already so is returned as it is; otherwise a sort,
    which for int64 is far faster than ``np.unique`` (NumPy 2 hashes: ~60 ms for 300k ids)."""
    if len(ids) < 2 or bool(np.all(ids[1:] > ids[:-1])):
        return ids
    ordered = np.sort(ids)
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))]
