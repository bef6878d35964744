"""The quick test for an item's own date or number after/before one value (what incremental syncs
send) keeps the listings exactly as the general filter code answers them."""

from __future__ import annotations

import pytest

from plexmix.devserver import query
from plexmix.devserver.library import ManualClock, MusicLibrary

FIELDS = ["addedAt", "updatedAt", "lastViewedAt", "lastRatedAt", "lastSkippedAt", "viewCount", "year",
          "userRating", "skipCount", "duration", "id"]


@pytest.mark.parametrize("kind", ["track", "album", "artist"])
def test_quick_comparisons_select_what_the_general_filters_select(
    small_library: MusicLibrary, clock: ManualClock, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    keys = sorted(small_library.tracks)
    for i, key in enumerate(keys[:40]):  # some plays, ratings and skips, at different times
        clock.advance(60)
        if i % 3 == 0:
            small_library.record_play(key)
        if i % 4 == 0:
            small_library.update_track(key, user_rating=float(i % 10))
        if i % 5 == 0:
            small_library.record_skip(key)
    items = small_library.items(kind)
    checked = 0
    for field in FIELDS:
        values = sorted({v for v in (query._FIELDS[field][1](i) for i in items) if v is not None})
        if not values:
            continue
        for bound in {values[0], values[len(values) // 2], values[-1]}:
            for op in (">>", "<<"):
                params = [("type", str(query.TYPE_BY_KIND[kind])), (f"{kind}.{field}{op}", str(bound))]
                quick = [i.rating_key for i in query.select(small_library, kind, params)]
                with monkeypatch.context() as m:
                    m.setattr(query, "_comparison", lambda kind, flt: None)
                    general = [i.rating_key for i in query.select(small_library, kind, params)]
                assert quick == general, (field, op, bound)
                checked += bool(general)
    assert checked >= 10  # the comparisons selected something, not only empty lists


def test_other_filters_take_the_general_path(small_library: MusicLibrary) -> None:
    equal = query.Filter("track", "year", "==", (1999,))
    parent = query.Filter("album", "addedAt", ">>", (0,))
    two = query.Filter("track", "year", ">>", (1990, 2000))
    text = query.Filter("track", "title", ">>", ("a",))
    assert all(query._comparison("track", flt) is None for flt in (equal, parent, two, text))
    assert query._comparison("track", query.Filter("track", "updatedAt", ">>", (5,))) is not None
