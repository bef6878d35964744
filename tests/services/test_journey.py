"""``journey``: tracks moving from one song to another, through the library API and the emulator.

With sonic analysis the path is Plex's ``computePath`` (filled locally when it has fewer steps
than asked); without it, or when Plex fails, the local path through the embeddings. Either way
the path is smoother than a random one with the same ends, and the filters hold on every track.
"""

from __future__ import annotations

import random
import sqlite3

import numpy as np
import pytest
from playlist_helpers import Expect, load_facts
from radio_world import (  # noqa: F401 - fixtures
    COMPUTE_PATH,
    Here,
    plain_fixture,
    song_arg,
    sonic_fixture,
    unique_titles,
    worlds_fixture,
)

from plexmix.devserver.faults import Fault
from plexmix.devserver.sonic import SonicIndex
from plexmix.errors import UsageError
from plexmix.playlist.journey import smoothness
from plexmix.services.journey import JourneyResult
from plexmix.storage.vector_index import VectorIndex


def ends(here: Here, genre: str | None = None) -> tuple[str, str, str, str]:
    """Two songs far apart in sound: (start arg, end arg, start key, end key)."""
    lib = here.library
    with sqlite3.connect(here.home / "plexmix.db") as conn:
        known = {f.plex_key: f for f in load_facts(conn).values()}
    titled = [t for t in unique_titles(lib) if genre is None or genre in known[str(t.rating_key)].genre_tags]
    a = titled[0]
    assert a.sonic is not None
    b = max(titled[1:], key=lambda t: sum((x - y) ** 2 for x, y in zip(a.sonic or (), t.sonic or (), strict=True)))
    return song_arg(lib, a), song_arg(lib, b), str(a.rating_key), str(b.rating_key)


def random_smoothness(here: Here, result: JourneyResult, rounds: int = 20) -> float:
    """The mean smoothness of random paths with the same ends and length."""
    index = VectorIndex.load(here.home / "embeddings.index")
    ids = [item.track.id or 0 for item in result.playlist.tracks]
    pool = [int(i) for i in index.ids() if int(i) not in ids]
    rng = random.Random(3)
    values = []
    for _ in range(rounds):
        middle = rng.sample(pool, len(ids) - 2)
        values.append(smoothness(index, [ids[0], *middle, ids[-1]]) or 0.0)
    return float(np.mean(values))


def test_with_sonic_analysis_the_path_is_plexs(sonic: Here) -> None:
    start, end, start_key, end_key = ends(sonic)
    sonic.emu.reset_counts()
    result = sonic.pm.journey(start, end, steps=10, name="Trip")
    keys = [item.track.plex_key for item in result.playlist.tracks]
    assert sonic.emu.request_counts[COMPUTE_PATH] == 1
    assert result.route.method == "sonic" and len(keys) == 10 and len(set(keys)) == 10
    assert keys[0] == start_key and keys[-1] == end_key
    lib = sonic.library
    plex_path = [str(t.rating_key) for t in SonicIndex(lib).path(lib.tracks[int(start_key)], lib.tracks[int(end_key)])]
    from_plex = [k for k in keys if k in plex_path]
    assert len(from_plex) >= min(10, len(plex_path)) - result.route.filled
    assert from_plex == [k for k in plex_path if k in from_plex]  # in Plex's order
    data = result.as_dict()
    assert data["method"] == "sonic" and data["steps"] == 10 and isinstance(data["smoothness"], float)
    assert [t["plex_key"] for t in data["tracks"]] == keys
    assert [p.track_keys for p in sonic.emu.playlists.find()] == [[int(k) for k in keys]]


def test_without_sonic_analysis_the_embeddings_make_a_smooth_path(plain: Here) -> None:
    start, end, start_key, end_key = ends(plain)
    plain.emu.reset_counts()
    result = plain.pm.journey(start, end, steps=12, write_to_plex=False)
    keys = [item.track.plex_key for item in result.playlist.tracks]
    assert plain.emu.request_counts[COMPUTE_PATH] == 0
    assert result.route.method == "embeddings" and len(keys) == 12 and len(set(keys)) == 12
    assert keys[0] == start_key and keys[-1] == end_key
    assert result.route.smoothness is not None
    assert result.route.smoothness < 0.85 * random_smoothness(plain, result), result.route.smoothness


def test_a_failing_plex_path_falls_back_to_the_embeddings(sonic: Here) -> None:
    start, end, _, _ = ends(sonic)
    fault = Fault(status=500, first_n=50, path_contains="/computePath")
    sonic.emu.hooks.faults.append(fault)
    result = sonic.pm.journey(start, end, steps=8, name="Despite")
    assert fault.fired >= 1 and result.route.method == "embeddings" and len(result.playlist.tracks) == 8
    assert any("sonic path could not be read" in note for note in result.playlist.notes)


@pytest.mark.parametrize("here_name", ["sonic", "plain"])
def test_filters_hold_on_every_step(here_name: str, request: pytest.FixtureRequest) -> None:
    here: Here = request.getfixturevalue(here_name)
    start, end, _, _ = ends(here, genre="rock")
    result = here.pm.journey(start, end, steps=10, genres=["rock"], write_to_plex=False)
    with sqlite3.connect(here.home / "plexmix.db") as conn:
        known = {f.plex_key: f for f in load_facts(conn).values()}
    assert len(result.playlist.tracks) == 10
    for item in result.playlist.tracks:
        assert Expect(genres={"rock"}).ok(known[item.track.plex_key]), known[item.track.plex_key]


def test_bad_journeys_are_clear_errors(plain: Here) -> None:
    start, end, _, _ = ends(plain, genre="rock")
    with pytest.raises(UsageError, match="does not pass the filters"):
        plain.pm.journey(start, end, genres=["latin"], write_to_plex=False)
    with pytest.raises(UsageError, match="at least 2"):
        plain.pm.journey(start, end, steps=1)
    with pytest.raises(UsageError, match="same song"):
        plain.pm.journey(start, start)
    with pytest.raises(UsageError, match="No song matching"):
        plain.pm.journey(start, "zzqxv qqq")


def test_dry_run_writes_nothing(sonic: Here) -> None:
    start, end, start_key, end_key = ends(sonic)
    sonic.emu.reset_counts()
    result = sonic.pm.journey(start, end, steps=6, dry_run=True)
    data = result.as_dict()
    assert data["dry_run"] is True and data["method"] == "embeddings" and data["steps"] == 6
    assert [data["tracks"][0]["plex_key"], data["tracks"][-1]["plex_key"]] == [start_key, end_key]
    assert sonic.emu.total_requests == 0 and sonic.pm.playlists() == []
