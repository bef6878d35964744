"""The tracks that carry some of a few mood or style tags, those with most of them first, then
best loved: a ranking ``create`` fuses with the others (the moods a purpose implies, the styles
a mood names).

A common tag may sit on a third of a million-track library, and grouping and sorting all its
rows takes a second. Past :data:`GROUPED_ROWS` tag rows the same order is reached in steps: the
tracks' tag counts from each tag's carriers (storage/tag_carriers.py; NumPy), the tiers of equal
counts from the highest down, and in each tier the best loved first, from the loved-order index
of migration 11 when the tier is large.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

import numpy as np

from plexmix.storage import tag_carriers
from plexmix.storage.models import normalize_tag
from plexmix.storage.queries import TrackFilters, filter_sql, register_functions, track_ids
from plexmix.storage.sql_helpers import MAX_KEYS, marks

GROUPED_ROWS = 50_000  # up to this many tag rows, one GROUP BY ranks them
LISTED_TIER = 5_000  # a tier up to this size is read by id; a larger one in loved order
_LOVED = "COALESCE(t.rating, 0) DESC, t.play_count DESC, t.id"  # idx_tracks_loved's order


def tracks_with_tags(
    conn: sqlite3.Connection, kind: str, names: Sequence[str], filters: TrackFilters, limit: int
) -> list[int]:
    """Ids of the tracks that pass ``filters`` and carry any of the ``kind`` ("mood" or "style")
    tags ``names``: those with most of them first, then best loved (rating, plays, id)."""
    if not names or limit <= 0:
        return []
    register_functions(conn)
    tag_ids = tag_carriers.tag_ids(conn, kind, [normalize_tag(n) for n in names])
    if not tag_ids:
        return []
    count = f"SELECT COUNT(*) FROM (SELECT 1 FROM track_tags WHERE tag_id IN ({marks(tag_ids)}) LIMIT ?)"
    if conn.execute(count, [*tag_ids, GROUPED_ROWS + 1]).fetchone()[0] <= GROUPED_ROWS:
        return _grouped(conn, tag_ids, filters, limit)
    return _by_tiers(conn, tag_ids, filters, limit)


def _grouped(conn: sqlite3.Connection, tag_ids: list[int], filters: TrackFilters, limit: int) -> list[int]:
    where, params = filter_sql(filters, probe=True)  # at most GROUPED_ROWS rows to check
    sql = (
        "SELECT t.id FROM track_tags tt JOIN tracks t ON t.id = tt.track_id"
        f" WHERE tt.tag_id IN ({marks(tag_ids)}) AND {where} GROUP BY t.id"
        f" ORDER BY COUNT(*) DESC, {_LOVED} LIMIT ?"
    )
    return [row[0] for row in conn.execute(sql, [*tag_ids, *params, limit])]


def _by_tiers(conn: sqlite3.Connection, tag_ids: list[int], filters: TrackFilters, limit: int) -> list[int]:
    carriers = [tag_carriers.carriers(conn, tag) for tag in tag_ids]  # ascending, unique
    if not filters.is_empty():
        allowed = track_ids(conn, filters)
        carriers = [np.intersect1d(ids, allowed, assume_unique=True) for ids in carriers]
    every = np.concatenate(carriers)
    if not len(every):
        return []
    counts = np.bincount(every)
    present = np.flatnonzero(counts)
    per_track = counts[present]
    chosen: list[int] = []
    for tags_carried in sorted(set(per_track.tolist()), reverse=True):
        tier = present[per_track == tags_carried]
        wanted = limit - len(chosen)
        if len(tier) <= LISTED_TIER:
            chosen += _loved_first(conn, tier)[:wanted]
        else:
            chosen += _loved_scan(conn, tag_ids, tags_carried, filters, wanted)
        if len(chosen) >= limit:
            break
    return chosen[:limit]


def _loved_first(conn: sqlite3.Connection, ids: np.ndarray) -> list[int]:
    """``ids`` best loved first (rating, plays, id), read by id."""
    keys: list[tuple[float, int, int]] = []
    listed = ids.tolist()
    for i in range(0, len(listed), MAX_KEYS):
        chunk = listed[i : i + MAX_KEYS]
        sql = f"SELECT COALESCE(rating, 0), play_count, id FROM tracks WHERE id IN ({marks(chunk)})"
        keys += [(-float(r[0]), -int(r[1]), int(r[2])) for r in conn.execute(sql, chunk)]
    return [track_id for *_, track_id in sorted(keys)]


def _loved_scan(
    conn: sqlite3.Connection, tag_ids: list[int], tags_carried: int, filters: TrackFilters, limit: int
) -> list[int]:
    """The best loved ``limit`` tracks that pass ``filters`` and carry exactly ``tags_carried`` of
    ``tag_ids``: read in loved order until found (the tier is large, so that is soon)."""
    where, params = filter_sql(filters, probe=True)
    carried = (f"SELECT COUNT(*) FROM track_tags tt"
               f" WHERE tt.track_id = t.id AND tt.tag_id IN ({marks(tag_ids)})")
    sql = (
        f"SELECT t.id FROM tracks t INDEXED BY idx_tracks_loved WHERE ({carried}) = ? AND {where}"
        f" ORDER BY {_LOVED} LIMIT ?"
    )
    return [row[0] for row in conn.execute(sql, [*tag_ids, tags_carried, *params, limit])]
