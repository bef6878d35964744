"""The ``embeddings`` table: which tracks need (re-)embedding, and the stored vectors.

A vector is cached under (track, model id, hash of the track's text): a track is embedded again
only when it has no vector, its vector belongs to another model, or its text changed (title,
artist, album, genres, year, moods or styles). Vectors are little-endian float32 BLOBs.

Functions take a ``sqlite3.Connection`` in autocommit mode (``isolation_level=None``), such as
``SQLiteManager.conn``; rows may be tuples or ``sqlite3.Row``.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from plexmix.storage.library import chunks
from plexmix.storage.mirror import track_count
from plexmix.storage.sqlite_manager import transaction
from plexmix.storage.track_text import text_hash, track_text

_ID_CHUNK = 500  # ids per IN (...) list, below SQLite's parameter limit

_TRACKS_SQL = """
    SELECT t.id, t.title, ar.name, al.title, t.genres_text, COALESCE(t.year, al.year),
           t.moods_text, t.styles_text, e.model, e.text_hash
    FROM tracks t
    LEFT JOIN artists ar ON ar.id = t.artist_id
    LEFT JOIN albums al ON al.id = t.album_id
    LEFT JOIN embeddings e ON e.track_id = t.id
    ORDER BY t.id
"""

_UPSERT_SQL = """
    INSERT INTO embeddings (track_id, model, dimension, text_hash, vector, created_at, updated_at)
    SELECT ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM tracks WHERE id = ?)
    ON CONFLICT (track_id) DO UPDATE SET
        model = excluded.model,
        dimension = excluded.dimension,
        text_hash = excluded.text_hash,
        vector = excluded.vector,
        updated_at = excluded.updated_at
"""


class PendingTrack(NamedTuple):
    """A track whose stored vector is missing or stale, with the text to embed."""

    track_id: int
    text: str
    text_hash: str


class EmbeddingRow(NamedTuple):
    """One vector to store (``vector`` is normalised float32 of ``dimension`` values)."""

    track_id: int
    model: str
    text_hash: str
    vector: np.ndarray


def vector_to_blob(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype="<f4").ravel().tobytes()


def blob_to_vector(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype="<f4").astype(np.float32)


def iter_track_texts(
    conn: sqlite3.Connection,
) -> Iterator[tuple[int, str, str, str | None, str | None]]:
    """(track id, text, text hash, stored model, stored hash) for every track, by id."""
    for row in conn.execute(_TRACKS_SQL):
        text = track_text(row[1], row[2], row[3], row[4], row[5], row[6], row[7])
        yield int(row[0]), text, text_hash(text), row[8], row[9]


def pending_tracks(conn: sqlite3.Connection, model_id: str) -> list[PendingTrack]:
    """Tracks that need embedding with ``model_id``, as ``(track_id, text, hash)``, by id."""
    return [
        PendingTrack(track_id, text, digest)
        for track_id, text, digest, model, stored_hash in iter_track_texts(conn)
        if model != model_id or stored_hash != digest
    ]


def reuse_vectors(
    conn: sqlite3.Connection, model_id: str, pending: Sequence[PendingTrack], donor: Path | None = None
) -> list[int]:
    """Give the tracks of ``pending`` whose text is already embedded with ``model_id`` (another
    track's: the same recording in two libraries) a copy of that vector. Returns their ids.

    ``donor``: another PlexMix database to copy from instead (a Home user's mirror takes the
    vectors of the server's), attached for the copy."""
    if not pending:
        return []
    if donor is not None:
        if not donor.exists() or conn.in_transaction:
            return []
        conn.execute("ATTACH DATABASE ? AS donor", (str(donor),))  # only read from
        try:
            return _copy_vectors(conn, model_id, pending, "donor.embeddings")
        finally:
            conn.execute("DETACH DATABASE donor")
    return _copy_vectors(conn, model_id, pending, "main.embeddings")


def _copy_vectors(
    conn: sqlite3.Connection, model_id: str, pending: Sequence[PendingTrack], source: str
) -> list[int]:
    now = int(time.time())
    with transaction(conn):
        conn.execute(
            "CREATE TEMP TABLE IF NOT EXISTS reuse_wanted (track_id INTEGER PRIMARY KEY, text_hash TEXT)"
        )
        conn.execute("DELETE FROM reuse_wanted")
        rows = [(p.track_id, p.text_hash) for p in pending]
        conn.executemany("INSERT INTO reuse_wanted VALUES (?, ?)", rows)
        conn.execute(
            "INSERT OR REPLACE INTO embeddings"
            " (track_id, model, dimension, text_hash, vector, created_at, updated_at)"
            " SELECT w.track_id, e.model, e.dimension, e.text_hash, e.vector, ?, ?"
            f" FROM reuse_wanted w JOIN {source} e ON e.model = ? AND e.text_hash = w.text_hash"
            " AND (e.track_id != w.track_id OR ? != 'main.embeddings') GROUP BY w.track_id",
            (now, now, model_id, source),
        )
        reused = [row[0] for row in conn.execute(
            "SELECT w.track_id FROM reuse_wanted w JOIN embeddings e ON e.track_id = w.track_id"
            " AND e.model = ? AND e.text_hash = w.text_hash", (model_id,)
        )]
        conn.execute("DELETE FROM reuse_wanted")
    return reused


def save_embeddings(
    conn: sqlite3.Connection,
    rows: Iterable[EmbeddingRow | tuple[int, str, str, np.ndarray]],
) -> int:
    """Insert or replace vectors in one transaction; returns how many were written.

    ``rows`` are :class:`EmbeddingRow` or ``(track_id, model_id, text_hash, vector)``. A row
    whose track was deleted meanwhile is skipped instead of failing the batch.
    """
    now = int(time.time())
    params = []
    for row in rows:
        track_id, model, digest, vector = row
        array = np.asarray(vector, dtype="<f4").ravel()
        if not np.isfinite(array).all():
            raise ValueError(f"the vector of track {track_id} has non-finite values")
        params.append(
            (int(track_id), model, int(array.shape[0]), digest, array.tobytes(), now, now,
             int(track_id))
        )
    if not params:
        return 0
    with transaction(conn):
        # rowcount counts the rows written, not the change counter's trigger updates
        return max(0, conn.executemany(_UPSERT_SQL, params).rowcount)


def load_vectors(
    conn: sqlite3.Connection, model_id: str, track_ids: Sequence[int] | np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(track ids int64, n x dimension float32) stored for ``model_id``, ordered by track id.

    With ``track_ids`` only those (when stored for this model). Rows whose BLOB size does not
    match their dimension are skipped.
    """
    if track_ids is None:
        rows: list[Any] = conn.execute(
            "SELECT track_id, dimension, vector FROM embeddings WHERE model = ? ORDER BY track_id",
            (model_id,),
        ).fetchall()
    else:
        rows = []
        for chunk in chunks(sorted({int(i) for i in track_ids}), _ID_CHUNK):
            marks = ",".join("?" * len(chunk))
            rows.extend(
                conn.execute(
                    "SELECT track_id, dimension, vector FROM embeddings "
                    f"WHERE model = ? AND track_id IN ({marks}) ORDER BY track_id",
                    (model_id, *chunk),
                )
            )
    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.float32)
    dimension = int(rows[0][1])
    good = [r for r in rows if int(r[1]) == dimension and len(r[2]) == 4 * dimension]
    ids = np.fromiter((int(r[0]) for r in good), dtype=np.int64, count=len(good))
    matrix = np.frombuffer(b"".join(r[2] for r in good), dtype="<f4").astype(np.float32)
    return ids, matrix.reshape(len(good), dimension)


def content_checksum(conn: sqlite3.Connection, model_id: str) -> str:
    """Digest of the (track id, text hash) pairs stored for ``model_id``.

    It changes whenever a vector of that model is added, replaced or deleted, so an index
    built from the table can tell whether it is still current.
    """
    digest = hashlib.sha256(model_id.encode("utf-8"))
    for track_id, stored_hash in conn.execute(
        "SELECT track_id, text_hash FROM embeddings WHERE model = ? ORDER BY track_id",
        (model_id,),
    ):
        digest.update(f"{track_id}:{stored_hash}\n".encode())
    return digest.hexdigest()


def stored_stamp(conn: sqlite3.Connection) -> int:
    """The embeddings table's change counter (migration 10: every insert, update or delete moves
    it). Cheap, unlike :func:`content_checksum`; with the index file's size and time it says that
    nothing changed since an index was checked."""
    row = conn.execute("SELECT changes FROM embedding_state WHERE id = 1").fetchone()
    return int(row[0]) if row else -1


def embedded_ids(conn: sqlite3.Connection, model_id: str) -> np.ndarray:
    """The ids of the tracks with a stored vector of ``model_id``, ascending."""
    rows = conn.execute(
        "SELECT track_id FROM embeddings WHERE model = ? ORDER BY track_id", (model_id,)
    ).fetchall()
    return np.fromiter((int(r[0]) for r in rows), dtype=np.int64, count=len(rows))


def vector_groups(conn: sqlite3.Connection) -> list[tuple[str, int, int]]:
    """(model id, dimension, stored vectors) for every model and dimension in the table."""
    sql = "SELECT model, dimension, COUNT(*) FROM embeddings GROUP BY model, dimension"
    return [(str(model), int(dim), int(count)) for model, dim, count in conn.execute(sql)]


def models_present(conn: sqlite3.Connection) -> dict[str, int]:
    """{model id: stored vectors} for every model with vectors in the table (counted by the
    triggers of migration 11: no scan of the vectors)."""
    sql = "SELECT model, vectors FROM embedding_models WHERE vectors > 0"
    return {str(r[0]): int(r[1]) for r in conn.execute(sql)}


def embedding_stats(conn: sqlite3.Connection, model_id: str | None = None) -> dict[str, Any]:
    """Counts for status output.

    ``tracks``, ``embedded`` (vectors of ``model_id``), ``missing`` (tracks without one),
    ``other_models`` ({model id: count}), ``dimension`` (of ``model_id``'s vectors, or None) and
    ``model_id`` (the one asked for, or else the most common one in the table).
    """
    tracks = track_count(conn)
    per_model = {
        str(row[0]): (int(row[1]), int(row[2]))
        for row in conn.execute(
            "SELECT model, COUNT(*), MAX(dimension) FROM embeddings GROUP BY model"
        )
    }
    if model_id is None and per_model:
        model_id = max(per_model, key=lambda m: per_model[m][0])
    embedded, dimension = per_model.get(model_id or "", (0, None))
    return {
        "tracks": tracks,
        "model_id": model_id,
        "embedded": embedded,
        "missing": tracks - embedded,
        "dimension": dimension,
        "other_models": {m: c for m, (c, _) in per_model.items() if m != model_id},
    }


def delete_embeddings(conn: sqlite3.Connection, *, except_model: str | None = None) -> int:
    """Delete stored vectors (all, or those of every model but ``except_model``)."""
    with transaction(conn):
        if except_model is None:
            cursor = conn.execute("DELETE FROM embeddings")
        else:
            cursor = conn.execute("DELETE FROM embeddings WHERE model <> ?", (except_model,))
        return int(cursor.rowcount)
