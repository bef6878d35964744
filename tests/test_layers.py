"""Only the storage package runs SQL (docs/architecture.md, "Design rules").

The source is scanned, not run: any call of ``.execute()``, ``.executemany()``,
``.executescript()`` or ``sqlite3.connect()`` outside ``plexmix/storage/`` fails the test. The
import contract "Only storage runs SQL" in pyproject.toml forbids ``import sqlite3`` there too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import plexmix

PACKAGE = Path(plexmix.__file__).resolve().parent
SQL_METHODS = {"execute", "executemany", "executescript"}


def sql_calls(path: Path) -> list[str]:
    """``file:line call`` for every SQL call and ``sqlite3`` import in the module at ``path``."""
    found: list[str] = []
    where = path.relative_to(PACKAGE.parent)
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            name = node.func.attr
            owner = node.func.value
            if name in SQL_METHODS or (
                name == "connect" and isinstance(owner, ast.Name) and owner.id == "sqlite3"
            ):
                found.append(f"{where}:{node.lineno} .{name}()")
        elif isinstance(node, ast.Import) and any(a.name.split(".")[0] == "sqlite3" for a in node.names):
            found.append(f"{where}:{node.lineno} import sqlite3")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "sqlite3":
            found.append(f"{where}:{node.lineno} from sqlite3 import")
    return found


def modules(inside_storage: bool) -> list[Path]:
    storage = PACKAGE / "storage"
    return [p for p in sorted(PACKAGE.rglob("*.py")) if (storage in p.parents) == inside_storage]


def test_no_module_outside_storage_runs_sql() -> None:
    offenders = [call for path in modules(inside_storage=False) for call in sql_calls(path)]
    assert offenders == [], "SQL outside plexmix/storage/ (move it into a storage function):\n" + "\n".join(
        offenders
    )


def test_the_scan_finds_the_sql_storage_runs() -> None:
    """The scan is not blind: it sees the queries, the script runner and the connection in storage."""
    found = "\n".join(call for path in modules(inside_storage=True) for call in sql_calls(path))
    for expected in ("library.py", ".execute()", ".executemany()", ".executescript()", ".connect()",
                     "import sqlite3"):
        assert expected in found
