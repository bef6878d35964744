"""The seed and path logic of radio and journey (playlist/radio.py, playlist/journey.py)."""

from __future__ import annotations

import numpy as np
import pytest
from radio_world import Here, plain_fixture, unique_titles, worlds_fixture  # noqa: F401 - fixtures

from plexmix.errors import UsageError
from plexmix.playlist import radio
from plexmix.playlist.journey import JourneyPlanner, smoothness
from plexmix.storage import library


class Vectors:
    """A tiny vector index: ids -> rows (only ``vectors`` and ``in`` are used by smoothness)."""

    def __init__(self, rows: dict[int, list[float]]) -> None:
        self.rows = rows

    def vectors(self, ids: list[int]) -> np.ndarray:
        return np.array([self.rows[i] for i in ids], dtype=np.float32)

    def search(self, query: object, k: int, *, allowed_ids: object = None) -> list[tuple[int, float]]:
        raise AssertionError("not used")

    def __contains__(self, track_id: object) -> bool:
        return track_id in self.rows


def test_smoothness_is_the_mean_step_between_unit_vectors() -> None:
    index = Vectors({1: [1, 0], 2: [2, 0], 3: [0, 5], 4: [0, 1]})
    assert smoothness(index, [1, 2]) == 0.0  # same direction: no step
    assert smoothness(index, [1, 3, 4]) == pytest.approx(np.sqrt(2) / 2, abs=1e-4)  # one right angle, one none
    assert smoothness(index, [1]) is None and smoothness(None, [1, 2]) is None
    assert smoothness(index, [1, 99, 3]) == pytest.approx(np.sqrt(2), abs=1e-4)  # unknown ids are skipped


def test_plexs_steps_are_thinned_evenly() -> None:
    fit = JourneyPlanner._fit
    assert fit([1, 2, 3], 5) == [1, 2, 3]
    assert fit(list(range(10)), 4) == [0, 3, 6, 9]
    assert fit(list(range(10)), 1) == [4] and fit([1, 2], 0) == []


def test_a_title_with_a_dash_is_read_right(plain: Here) -> None:
    """ "Title - Artist" is split at the last " - " that names a song by that artist."""
    db = plain.pm.context.open_db()
    try:
        seed = unique_titles(plain.library)[0]
        track = library.get_track_by_plex_key(db.conn, str(seed.rating_key))
        assert track is not None
        found = radio.find_song(db.conn, f"{track.title} - {track.artist_name}")
        assert found.track_ids[0] == track.id and found.kind == "track"
        assert radio._splits("A - B - C") == [("A - B", "C"), ("A", "B - C")]
        with pytest.raises(UsageError, match="empty"):
            radio.find_song(db.conn, "   ")
        with pytest.raises(UsageError, match="No artist matching"):
            radio.find_artist(db.conn, "Nobody At All 123")
    finally:
        db.close()
