"""The header of a vector index file: ``MAGIC``, a little-endian uint32 length, then JSON
(model_id, dimension, count, checksum of the ids, ...). Read alone, it tells what an index file
holds without loading its vectors (:mod:`plexmix.storage.vector_index` writes and reads it)."""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

MAGIC = b"PLXVIDX1"


def read_header(handle: Any) -> dict[str, Any]:
    prefix = handle.read(len(MAGIC) + 4)
    if len(prefix) < len(MAGIC) + 4 or prefix[: len(MAGIC)] != MAGIC:
        raise ValueError("not a PlexMix vector index")
    (length,) = struct.unpack("<I", prefix[len(MAGIC) :])
    if length > 1_000_000:
        raise ValueError("header too large")
    meta = json.loads(handle.read(length).decode("utf-8"))
    required = {"model_id", "dimension", "count", "checksum"}
    if not isinstance(meta, dict) or not required <= set(meta):
        raise ValueError("incomplete header")
    return meta


def read_index_metadata(path: str | Path) -> dict[str, Any] | None:
    """The JSON header of an index file without loading the vectors; None if absent or damaged."""
    try:
        with open(path, "rb") as handle:
            return read_header(handle)
    except (OSError, ValueError, UnicodeDecodeError):
        return None
