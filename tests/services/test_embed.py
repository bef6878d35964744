"""Embedding store + indexer: caching per changed field, model switches, interrupted runs, and
keeping the FAISS index file consistent with the stored vectors."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest
from embedding_db_fakes import HashProvider, add_track, open_library

from plexmix.errors import IndexMismatchError
from plexmix.services.embed import ensure_index, refresh_embeddings
from plexmix.storage.embedding_store import (
    content_checksum,
    embedding_stats,
    load_vectors,
    pending_tracks,
    save_embeddings,
)
from plexmix.storage.index_header import read_index_metadata
from plexmix.storage.track_text import text_hash, track_text
from plexmix.storage.vector_index import VectorIndex


@pytest.fixture
def conn(tmp_path: Path) -> sqlite3.Connection:
    db = open_library(tmp_path / "library.db")
    add_track(db, "Creep", "Radiohead", "Pablo Honey", year=1993, genres="Alternative",
              moods="Melancholy, Brooding", styles="Britpop")
    add_track(db, "Karma Police", "Radiohead", "OK Computer", year=1997, genres="Alternative")
    add_track(db, "Happy", "Pharrell Williams", "G I R L", year=2013, genres="Pop", moods="Cheerful")
    for i in range(7):
        add_track(db, f"Song {i}", f"Band {i % 2}", f"Record {i % 3}", year=2000 + i)
    return db


@pytest.fixture
def index_path(tmp_path: Path) -> Path:
    return tmp_path / "embeddings.index"


def track_id(conn: sqlite3.Connection, title: str) -> int:
    return int(conn.execute("SELECT id FROM tracks WHERE title = ?", (title,)).fetchone()[0])


def test_first_run_embeds_everything_and_second_run_nothing(
    conn: sqlite3.Connection, index_path: Path
) -> None:
    provider = HashProvider()
    calls: list[tuple[str, int | None]] = []

    class Recorder:
        def start(self, stage: str, total: int | None = None) -> None:
            calls.append(("start", total))

        def advance(self, stage: str, amount: int = 1) -> None:
            calls.append(("advance", amount))

        def finish(self, stage: str) -> None:
            calls.append(("finish", None))

    report = refresh_embeddings(conn, provider, index_path, progress=Recorder())
    assert (report.embedded, report.skipped_unchanged, report.failed) == (10, 0, 0)
    assert report.index_size == 10 and report.model_id == "test:hash-v1:16"
    assert calls[0] == ("start", 10) and calls[-1] == ("finish", None)
    assert sum(n or 0 for kind, n in calls if kind == "advance") == 10
    index = VectorIndex.load(index_path)
    assert len(index) == 10 and index.model_id == provider.model_id
    mtime = index_path.stat().st_mtime_ns

    second = refresh_embeddings(conn, provider, index_path)
    assert (second.embedded, second.skipped_unchanged, second.removed_from_index) == (0, 10, 0)
    assert len(provider.embedded) == 10  # no new provider calls
    assert index_path.stat().st_mtime_ns == mtime  # nothing to save


def test_vectors_are_float32_blobs(conn: sqlite3.Connection, index_path: Path) -> None:
    refresh_embeddings(conn, HashProvider(dimension=16), index_path)
    row = conn.execute("SELECT model, dimension, text_hash, vector, typeof(vector) FROM embeddings").fetchone()
    assert row[0] == "test:hash-v1:16" and row[1] == 16 and row[4] == "blob"
    vector = np.frombuffer(row[3], dtype="<f4")
    assert len(row[3]) == 16 * 4 and abs(float(np.linalg.norm(vector)) - 1.0) < 1e-5
    assert len(row[2]) == 64


def test_pending_texts_and_hashes(conn: sqlite3.Connection) -> None:
    pending = pending_tracks(conn, "test:hash-v1:16")
    assert len(pending) == 10
    creep = next(p for p in pending if p.track_id == track_id(conn, "Creep"))
    tid, text, digest = creep  # unpacks like a tuple
    assert text == track_text("Creep", "Radiohead", "Pablo Honey", "Alternative", 1993,
                              "Melancholy, Brooding", "Britpop")
    assert digest == text_hash(text) and tid == creep.track_id


@pytest.mark.parametrize(
    ("sql", "params", "expected"),
    [
        ("UPDATE tracks SET title = ? WHERE title = 'Creep'", ("Creep (Acoustic)",), ["Creep (Acoustic)"]),
        ("UPDATE tracks SET genres_text = ? WHERE title = 'Creep'", ("Alternative, Grunge",), ["Creep"]),
        ("UPDATE tracks SET moods_text = ? WHERE title = 'Creep'", ("Melancholy",), ["Creep"]),
        ("UPDATE tracks SET styles_text = ? WHERE title = 'Happy'", ("Neo-Soul",), ["Happy"]),
        ("UPDATE tracks SET year = ? WHERE title = 'Karma Police'", (1998,), ["Karma Police"]),
        ("UPDATE artists SET name = ? WHERE name = 'Radiohead'", ("RADIOHEAD",), ["Creep", "Karma Police"]),
        ("UPDATE albums SET title = ? WHERE title = 'G I R L'", ("GIRL",), ["Happy"]),
        ("UPDATE tracks SET play_count = ?, rating = 9.0, last_played = 1 WHERE title = 'Creep'", (12,), []),
        ("UPDATE tracks SET duration_ms = ?, file_path = '/x.flac'", (1000,), []),
    ],
)
def test_only_tracks_whose_text_changed_are_re_embedded(
    conn: sqlite3.Connection, index_path: Path, sql: str, params: tuple, expected: list[str]
) -> None:
    provider = HashProvider()
    refresh_embeddings(conn, provider, index_path)
    provider.embedded.clear()
    conn.execute(sql, params)
    report = refresh_embeddings(conn, provider, index_path)
    assert report.embedded == len(expected) and report.skipped_unchanged == 10 - len(expected)
    titles = sorted(t.split(" by ")[0].split(" from ")[0] for t in provider.embedded)
    assert titles == sorted(expected)
    # The index now holds the new vectors: each changed track finds itself.
    index = VectorIndex.load(index_path)
    for title in expected:
        text = next(t for t in provider.embedded if t.startswith(title))
        assert index.search(provider.embed_query(text), 1)[0][0] == track_id(conn, title)
    assert index.source_checksum == content_checksum(conn, provider.model_id)


def test_deleted_tracks_leave_the_index(conn: sqlite3.Connection, index_path: Path) -> None:
    provider = HashProvider()
    refresh_embeddings(conn, provider, index_path)
    gone = [track_id(conn, "Song 1"), track_id(conn, "Song 2")]
    conn.execute("DELETE FROM tracks WHERE id IN (?, ?)", gone)
    report = refresh_embeddings(conn, provider, index_path)
    assert report.removed_from_index == 2 and report.embedded == 0
    index = VectorIndex.load(index_path)
    assert len(index) == 8 and not (set(gone) & set(index.ids().tolist()))


def test_model_switch_is_detected_and_full_rebuild_switches(
    conn: sqlite3.Connection, index_path: Path
) -> None:
    refresh_embeddings(conn, HashProvider("hash-v1", 16), index_path)
    other = HashProvider("hash-v2", 24)
    with pytest.raises(IndexMismatchError) as info:
        refresh_embeddings(conn, other, index_path)
    assert "test:hash-v1:16" in str(info.value) and "test:hash-v2:24" in str(info.value)
    assert "plexmix embeddings rebuild" in (info.value.hint or "")
    assert other.embedded == []  # nothing was spent

    report = refresh_embeddings(conn, other, index_path, full_rebuild=True)
    assert report.embedded == 10 and report.index_rebuilt
    index = VectorIndex.load(index_path)
    assert (index.model_id, index.dimension, len(index)) == ("test:hash-v2:24", 24, 10)
    stats = embedding_stats(conn, other.model_id)
    assert stats["embedded"] == 10 and stats["other_models"] == {} and stats["dimension"] == 24


def test_model_switch_without_index_file_is_detected(
    conn: sqlite3.Connection, index_path: Path
) -> None:
    refresh_embeddings(conn, HashProvider("hash-v1", 16), index_path)
    index_path.unlink()
    with pytest.raises(IndexMismatchError):
        refresh_embeddings(conn, HashProvider("hash-v2", 16), index_path)


def test_same_model_other_dimension_is_another_space(
    conn: sqlite3.Connection, index_path: Path
) -> None:
    refresh_embeddings(conn, HashProvider("hash-v1", 16), index_path)
    with pytest.raises(IndexMismatchError):
        refresh_embeddings(conn, HashProvider("hash-v1", 8), index_path)


def test_interrupted_run_keeps_committed_batches(conn: sqlite3.Connection, index_path: Path) -> None:
    first = HashProvider(batch_size=2, interrupt_after=3)
    with pytest.raises(KeyboardInterrupt):
        refresh_embeddings(conn, first, index_path, commit_every=1)
    assert conn.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0] == 6
    assert not conn.in_transaction

    resumed = HashProvider(batch_size=2)
    report = refresh_embeddings(conn, resumed, index_path)
    assert (report.embedded, report.skipped_unchanged) == (4, 6)
    assert len(resumed.embedded) == 4 and len(VectorIndex.load(index_path)) == 10


def test_failed_batches_are_reported_and_retried_next_time(
    conn: sqlite3.Connection, index_path: Path
) -> None:
    flaky = HashProvider(batch_size=3, fail_when=lambda texts: any("Happy" in t for t in texts))
    report = refresh_embeddings(conn, flaky, index_path)
    assert report.failed == 3 and report.embedded == 7 and report.errors
    assert len(VectorIndex.load(index_path)) == 7
    healthy = HashProvider(batch_size=3)
    again = refresh_embeddings(conn, healthy, index_path)
    assert (again.embedded, again.failed) == (3, 0)
    assert len(VectorIndex.load(index_path)) == 10


def test_save_skips_tracks_deleted_meanwhile(conn: sqlite3.Connection) -> None:
    tid = track_id(conn, "Song 3")
    vector = np.ones(4, dtype=np.float32) / 2
    conn.execute("DELETE FROM tracks WHERE id = ?", (tid,))
    assert save_embeddings(conn, [(tid, "m:x:4", "h", vector), (tid - 1, "m:x:4", "h", vector)]) == 1
    ids, matrix = load_vectors(conn, "m:x:4")
    assert ids.tolist() == [tid - 1] and matrix.shape == (1, 4)


def test_load_vectors_subset(conn: sqlite3.Connection, index_path: Path) -> None:
    provider = HashProvider()
    refresh_embeddings(conn, provider, index_path)
    all_ids, matrix = load_vectors(conn, provider.model_id)
    assert all_ids.dtype == np.int64 and matrix.dtype == np.float32 and matrix.shape == (10, 16)
    assert list(all_ids) == sorted(all_ids)
    some, part = load_vectors(conn, provider.model_id, [int(all_ids[3]), int(all_ids[1]), 10**6])
    assert some.tolist() == [int(all_ids[1]), int(all_ids[3])]
    np.testing.assert_array_equal(part, matrix[[1, 3]])
    empty_ids, empty = load_vectors(conn, "nothing:here:3")
    assert len(empty_ids) == 0 and empty.shape[0] == 0


def test_ensure_index_returns_a_current_index_untouched(
    conn: sqlite3.Connection, index_path: Path
) -> None:
    provider = HashProvider()
    refresh_embeddings(conn, provider, index_path)
    mtime = index_path.stat().st_mtime_ns
    index = ensure_index(conn, index_path, provider.model_id)
    assert len(index) == 10 and index_path.stat().st_mtime_ns == mtime


@pytest.mark.parametrize("damage", ["deleted", "corrupt", "vector_changed", "row_deleted", "other_model"])
def test_ensure_index_rebuilds_from_stored_vectors(
    conn: sqlite3.Connection, index_path: Path, damage: str
) -> None:
    provider = HashProvider()
    refresh_embeddings(conn, provider, index_path)
    calls = len(provider.embedded)
    expected = 10
    if damage == "deleted":
        index_path.unlink()
    elif damage == "corrupt":
        index_path.write_bytes(b"PLXVIDX1 nonsense")
    elif damage == "vector_changed":  # e.g. an interrupted run stored a new vector
        new = provider.embed_query("a completely different text")
        conn.execute(
            "UPDATE embeddings SET vector = ?, text_hash = 'x' WHERE track_id = ?",
            (np.asarray(new, "<f4").tobytes(), track_id(conn, "Song 4")),
        )
    elif damage == "row_deleted":
        conn.execute("DELETE FROM tracks WHERE title = 'Song 5'")
        expected = 9
    else:
        VectorIndex.from_arrays(np.array([1]), np.ones((1, 16)), "test:old:16").save(index_path)
    index = ensure_index(conn, index_path, provider.model_id)
    assert len(index) == expected and index.model_id == provider.model_id
    assert len(provider.embedded) == calls  # rebuilt without calling the provider
    ids, vectors = load_vectors(conn, provider.model_id)
    for tid, vector in zip(ids[:3], vectors[:3], strict=True):
        assert index.search(vector, 1)[0][0] == int(tid)
    reloaded = VectorIndex.load(index_path)  # and saved
    assert len(reloaded) == expected
    assert reloaded.source_checksum == content_checksum(conn, provider.model_id)


def test_ensure_index_with_nothing_embedded(conn: sqlite3.Connection, index_path: Path) -> None:
    index = ensure_index(conn, index_path, "test:hash-v1:16")
    assert index.is_empty and index.dimension == 16


def test_ensure_index_with_only_another_model(conn: sqlite3.Connection, index_path: Path) -> None:
    refresh_embeddings(conn, HashProvider("hash-v1", 16), index_path)
    with pytest.raises(IndexMismatchError) as info:
        ensure_index(conn, index_path, "test:hash-v2:16")
    assert "plexmix embeddings rebuild" in (info.value.hint or "")


def test_refresh_repairs_an_index_that_drifted(conn: sqlite3.Connection, index_path: Path) -> None:
    provider = HashProvider()
    refresh_embeddings(conn, provider, index_path)
    index = VectorIndex.load(index_path)
    index.remove(index.ids()[:4])
    index.save(index_path)  # stale: its source checksum still claims all 10
    report = refresh_embeddings(conn, provider, index_path)
    assert report.embedded == 0
    assert len(VectorIndex.load(index_path)) == 10


def test_embedding_stats(conn: sqlite3.Connection, index_path: Path) -> None:
    stats = embedding_stats(conn)
    assert stats == {"tracks": 10, "model_id": None, "embedded": 0, "missing": 10,
                     "dimension": None, "other_models": {}}
    provider = HashProvider(batch_size=3, fail_when=lambda texts: any("Creep" in t for t in texts))
    report = refresh_embeddings(conn, provider, index_path)
    done = 10 - report.failed
    assert report.failed > 0 and report.embedded == done
    stats = embedding_stats(conn)
    assert stats["model_id"] == provider.model_id and stats["embedded"] == done
    assert stats["missing"] == report.failed and stats["dimension"] == 16
    assert embedding_stats(conn, "test:other:16")["other_models"] == {provider.model_id: done}
    meta = read_index_metadata(index_path)
    assert meta is not None and meta["count"] == done


def test_real_local_model_end_to_end(conn: sqlite3.Connection, index_path: Path) -> None:
    from plexmix.providers.embeddings import get_embedding_provider

    provider = get_embedding_provider("local")
    report = refresh_embeddings(conn, provider, index_path)
    assert report.embedded == 10 and report.failed == 0
    index = ensure_index(conn, index_path, provider.model_id)
    assert index.dimension == 384 and len(index) == 10
    hits = index.search(provider.embed_query("cheerful happy pop song"), 3)
    assert hits[0][0] == track_id(conn, "Happy")
    allowed = [track_id(conn, "Creep"), track_id(conn, "Karma Police")]
    hits = index.search(provider.embed_query("melancholy brooding britpop"), 5, allowed_ids=allowed)
    assert [h[0] for h in hits] == [allowed[0], allowed[1]]


def test_works_on_the_sqlite_manager_connection(tmp_path: Path, index_path: Path) -> None:
    from plexmix.storage.sqlite_manager import SQLiteManager

    with SQLiteManager(tmp_path / "managed.db") as db:
        with db.transaction():
            for i in range(5):
                add_track(db.conn, f"Managed {i}", "Band", "Record")
        provider = HashProvider()
        report = refresh_embeddings(db.conn, provider, index_path)
        assert report.embedded == 5 and not db.conn.in_transaction
        with db.transaction():  # save_embeddings joins an open transaction
            save_embeddings(db.conn, [(1, provider.model_id, "h", np.ones(16))])
            assert db.conn.in_transaction
        assert ensure_index(db.conn, index_path, provider.model_id).search(np.ones(16), 1)[0][0] == 1


def test_ensure_index_reuses_what_it_checked_until_the_table_or_file_changes(
    conn: sqlite3.Connection, index_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A long-lived process loads and checks the index once; any write to the embeddings (raw SQL
    too: the change counter is kept by triggers) or a new index file makes it look again."""
    import plexmix.services.embed as embed

    provider = HashProvider()
    refresh_embeddings(conn, provider, index_path)
    loads: list[Path] = []
    real_load = VectorIndex.load.__func__  # type: ignore[attr-defined]
    monkeypatch.setattr(VectorIndex, "load", classmethod(lambda cls, p: (loads.append(p), real_load(cls, p))[1]))
    first = ensure_index(conn, index_path, provider.model_id)
    assert ensure_index(conn, index_path, provider.model_id) is first and len(loads) == 1
    monkeypatch.setattr(embed, "content_checksum", lambda *a: pytest.fail("re-hashed a checked index"))
    assert ensure_index(conn, index_path, provider.model_id) is first
    monkeypatch.undo()

    new = provider.embed_query("a completely different text")
    conn.execute(
        "UPDATE embeddings SET vector = ?, text_hash = 'x' WHERE track_id = ?",
        (np.asarray(new, "<f4").tobytes(), track_id(conn, "Song 4")),
    )
    again = ensure_index(conn, index_path, provider.model_id)
    assert again is not first  # looked again, found it stale, rebuilt it
    assert again.source_checksum == content_checksum(conn, provider.model_id)
    assert again.search(np.asarray(new, np.float32), 1)[0][0] == track_id(conn, "Song 4")
