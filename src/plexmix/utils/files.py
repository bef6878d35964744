"""Small file helpers: atomic writes and private (0600) files."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO


@contextmanager
def atomic_file(path: Path, mode: int | None = None) -> Iterator[BinaryIO]:
    """A binary file whose contents replace ``path`` only once the block completes.

    It is a temp file in the same folder, synced to disk and renamed over ``path``; if the block
    fails it is removed and ``path`` is untouched. ``mode`` sets its permissions (else 0600).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        if mode is not None:
            os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_bytes(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Write ``data`` to ``path`` via a temp file in the same folder and a rename."""
    with atomic_file(path, mode) as handle:
        handle.write(data)


def write_private_file(path: Path, text: str) -> None:
    """Write a text file only its owner can read (mode 0600), atomically."""
    atomic_write_bytes(path, text.encode("utf-8"), mode=0o600)
    os.chmod(path, 0o600)


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries (a rename into it) to disk, where the system allows it."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
