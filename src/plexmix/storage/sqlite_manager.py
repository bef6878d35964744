"""The SQLite connection: opening, pragmas, migrations and transactions."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from types import TracebackType

from plexmix.errors import DatabaseError
from plexmix.storage.migrations import LATEST_VERSION, current_version, migrate
from plexmix.storage.queries import register_functions

log = logging.getLogger(__name__)

Connection = sqlite3.Connection  # what other layers annotate with: only storage imports sqlite3


@contextmanager
def transaction(conn: Connection) -> Iterator[Connection]:
    """Run a block of writes atomically (BEGIN IMMEDIATE ... COMMIT, ROLLBACK on error).

    Inside a transaction already open, the block joins it: the outer block owns it.
    """
    if conn.in_transaction:
        yield conn
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


@contextmanager
def read_only(path: Path) -> Iterator[Connection]:
    """A read-only connection to the database at ``path`` (no migration, no writes), closed after.

    Raises :class:`DatabaseError` when the file cannot be opened or read.
    """
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            yield conn
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise DatabaseError(
            f"The database {path} cannot be read: {exc}.", hint="Run `plexmix sync verify` to check it."
        ) from exc


class SQLiteManager:
    """Owns one connection to the PlexMix database.

    The connection is in autocommit mode; group writes with :meth:`transaction`, which rolls the
    whole batch back when anything inside it fails.
    """

    def __init__(self, path: str | Path, *, migrate_schema: bool = True) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.conn = sqlite3.connect(
                str(path), isolation_level=None, timeout=30.0, check_same_thread=False
            )
            self.conn.row_factory = sqlite3.Row
            self.conn.execute("PRAGMA foreign_keys = ON")
            self.conn.execute("PRAGMA journal_mode = WAL")
            self.conn.execute("PRAGMA synchronous = NORMAL")
            self.conn.execute("PRAGMA temp_store = MEMORY")
            self.conn.execute("PRAGMA cache_size = -65536")
            register_functions(self.conn)
            version = current_version(self.conn)
        except sqlite3.DatabaseError as exc:
            raise DatabaseError(
                f"The database file {self.path} cannot be opened: {exc}.",
                hint="Move the file aside and run `plexmix sync full` to rebuild it.",
            ) from exc
        if version > LATEST_VERSION:
            raise DatabaseError(
                f"The database {self.path} was written by a newer PlexMix "
                f"(schema {version}, this version knows {LATEST_VERSION}).",
                hint="Upgrade PlexMix (pip install -U plexmix).",
            )
        if migrate_schema and version < LATEST_VERSION:
            applied = migrate(self.conn)
            log.debug("Applied database migrations %s to %s", applied, self.path)

    @property
    def schema_version(self) -> int:
        return current_version(self.conn)

    def transaction(self) -> AbstractContextManager[Connection]:
        """Run a block of writes atomically (see :func:`transaction`)."""
        return transaction(self.conn)

    @contextmanager
    def bulk_inserts(self) -> Iterator[None]:
        """Insert-only bulk writes without per-row foreign-key lookups, checked once at the end.

        The writer resolves every reference itself; ``PRAGMA foreign_key_check`` afterwards
        proves it did (a violation is a bug and raises). Deletes must happen outside this block,
        where the cascades run.
        """
        self.conn.execute("PRAGMA foreign_keys = OFF")
        try:
            yield
        finally:
            self.conn.execute("PRAGMA foreign_keys = ON")
        problems = self.conn.execute("PRAGMA foreign_key_check").fetchmany(5)
        if problems:
            raise DatabaseError(
                f"Internal check failed: {len(problems)}+ rows point at missing rows ({problems[0][0]}).",
                hint="Run `plexmix sync verify --repair` and please report this.",
            )

    def integrity_check(self) -> list[str]:
        """Problems reported by SQLite's integrity and foreign-key checks (empty when healthy)."""
        problems = [row[0] for row in self.conn.execute("PRAGMA integrity_check")]
        problems = [p for p in problems if p != "ok"]
        for row in self.conn.execute("PRAGMA foreign_key_check"):
            problems.append(f"foreign key: {row[0]} row {row[1]} -> {row[2]}")
        return problems

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> SQLiteManager:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
