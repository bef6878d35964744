"""Split lists of ratingKeys so that every request URL stays under a length budget."""

from __future__ import annotations

from collections.abc import Iterator, Sequence


def key_chunks(
    keys: Sequence[str], *, fixed: int, sep_len: int, max_length: int, max_keys: int | None = None
) -> Iterator[list[str]]:
    """Chunks of ``keys`` whose ``fixed + len(k1) + sep_len + len(k2) + ...`` fits ``max_length``.

    ``max_keys`` additionally caps the keys per chunk. A single key longer than the budget
    still gets its own chunk (the server decides).
    """
    chunk: list[str] = []
    length = fixed
    for key in keys:
        extra = len(key) + (sep_len if chunk else 0)
        full = length + extra > max_length or (max_keys is not None and len(chunk) >= max_keys)
        if chunk and full:
            yield chunk
            chunk, length, extra = [], fixed, len(key)
        chunk.append(key)
        length += extra
    if chunk:
        yield chunk
