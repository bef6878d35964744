"""Artists named in a text are found by index, case and accents aside (migration 11), and the
foldings of non-ASCII names are stored once, cleared by a rename, and never waited for."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from plexmix.storage.artist_names import artists_named, fold_pending
from plexmix.storage.sqlite_manager import SQLiteManager

NAMES = ["Beyoncé", "Beyonce", "DJ Ötzi", "Queen", "Sigur Rós", "Mœnia", "Zayde Wølf", "オメガトライブ"]
UNFOLDED = "SELECT COUNT(*) FROM artists WHERE name_unaccented IS NULL AND name GLOB '*[^ -~]*'"


@pytest.fixture
def db(tmp_path: Path) -> Iterator[SQLiteManager]:
    manager = SQLiteManager(tmp_path / "lib.db")
    with manager.transaction() as conn:
        conn.executemany("INSERT INTO artists (plex_key, name) VALUES (?, ?)",
                         [(f"a{i}", name) for i, name in enumerate(NAMES)])
    yield manager
    manager.close()


@pytest.mark.parametrize(
    ("phrases", "expected"),
    [
        ({"beyonce"}, ["Beyonce", "Beyoncé"]),  # both spellings, as the mood reader folds them
        ({"BEYONCÉ", "party"}, ["Beyonce", "Beyoncé"]),
        ({"dj otzi"}, ["DJ Ötzi"]),
        ({"dj ötzi"}, ["DJ Ötzi"]),
        ({"sigur ros", "queen"}, ["Queen", "Sigur Rós"]),
        ({"mœnia"}, ["Mœnia"]),  # letters without an accent-free form stay as they are
        ({"zayde wølf"}, ["Zayde Wølf"]),
        ({"オメガトライブ"}, ["オメガトライブ"]),
        ({"queens", "sigur"}, []),  # whole names only
        (set(), []),
    ],
)
def test_names_are_found_whatever_their_case_and_accents(
    db: SQLiteManager, phrases: set[str], expected: list[str]
) -> None:
    assert artists_named(db.conn, phrases) == expected


def test_the_foldings_are_stored_once_and_a_rename_clears_its_own(db: SQLiteManager) -> None:
    assert db.conn.execute(UNFOLDED).fetchone()[0] == 6
    assert artists_named(db.conn, {"sigur ros"}) == ["Sigur Rós"]
    assert db.conn.execute(UNFOLDED).fetchone()[0] == 0
    assert fold_pending(db.conn) == []  # nothing left to fold: the next lookups only read indexes

    with db.transaction() as conn:
        conn.execute("UPDATE artists SET name = 'Rosalía' WHERE name = 'Beyoncé'")
        conn.execute("UPDATE artists SET name = 'Queen' WHERE name = 'Queen'")  # unchanged: kept
    assert fold_pending(db.conn) == [("Rosalía", "rosalia")]
    assert artists_named(db.conn, {"beyonce"}) == ["Beyonce"]
    assert artists_named(db.conn, {"rosalia"}) == ["Rosalía"]


def test_a_busy_database_is_not_waited_for_and_the_foldings_are_stored_later(db: SQLiteManager) -> None:
    writer = sqlite3.connect(db.path, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")  # a sync holding the write lock
        started = time.perf_counter()
        assert artists_named(db.conn, {"dj otzi"}) == ["DJ Ötzi"]
        assert time.perf_counter() - started < 5  # the connection would wait 30 s for the lock
        assert db.conn.execute(UNFOLDED).fetchone()[0] == 6  # folded for this call only
        writer.execute("COMMIT")
    finally:
        writer.close()
    assert db.conn.execute("PRAGMA busy_timeout").fetchone()[0] == 30_000  # put back
    assert artists_named(db.conn, {"dj otzi"}) == ["DJ Ötzi"]
    assert db.conn.execute(UNFOLDED).fetchone()[0] == 0


def test_lookups_read_indexes_not_every_artist(db: SQLiteManager) -> None:
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    artists_named(db.conn, {"beyonce", "dj ötzi", "queen"})
    db.conn.set_trace_callback(None)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 3
    for sql in selects:
        plan = " ".join(row[3] for row in db.conn.execute(f"EXPLAIN QUERY PLAN {sql}"))
        assert "USING INDEX idx_artists_" in plan, (sql, plan)
