"""Small pieces of SQL shared by the query modules (storage/queries.py, storage/similar.py)."""

from __future__ import annotations

from collections.abc import Collection

MAX_KEYS = 900  # SQL parameters per statement (SQLite's default limit is 999)

# The ids of the artists called one of the names in {marks}, case folded as Python does (SQLite's
# lower() folds ASCII only); needs the plexmix_fold function (queries.register_functions).
ARTISTS_NAMED = "SELECT id FROM artists WHERE plexmix_fold(name) IN ({marks})"


def marks(values: Collection[object]) -> str:
    """``?,?,?``: one parameter placeholder per value."""
    return ",".join("?" * len(values))
