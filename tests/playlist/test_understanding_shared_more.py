"""Seeds, listening history, styles, implied moods and artist eras, end to end on ../shared/data:
~3,700 real tracks (see shared_library.py) synced from the Plex emulator through plexapi, playlists
made by ``PlexMix.create_playlist`` with the ``none`` curator and keyword search plus tag signals
(the library has no embeddings).

The checks (``test_understanding_seeds_e2e.py``) read plain SQL facts; the names here are the
data's own, with their preconditions asserted.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import test_understanding_shared
from playlist_helpers import Fact
from test_understanding_seeds_e2e import (
    Make,
    Plays,
    check_artist_era,
    check_artist_seed,
    check_implied_moods,
    check_most_played,
    check_most_played_first,
    check_never_played,
    check_not_played_for,
    check_seed_artist_appears,
    check_seed_with_constraint,
    check_title_seed,
    check_unknown_title,
    chosen_facts,
    load_plays,
    pick_seed_song,
    versions,
)

from plexmix import PlexMix
from plexmix.playlist.generator import GeneratedPlaylist
from plexmix.storage.sqlite_manager import SQLiteManager

pytestmark = pytest.mark.needs_shared_data
db_path, facts, pm = (  # its fixtures: the module's synced database, its facts, PlexMix on it
    test_understanding_shared.db_path, test_understanding_shared.facts, test_understanding_shared.pm
)

LENGTH = 20
GNR, SWEET_CHILD = "Guns N' Roses", ("guns n' roses", "sweet child o' mine")


@pytest.fixture(scope="module")
def plays(db_path: Path) -> dict[int, Plays]:
    with SQLiteManager(db_path) as db:
        return load_plays(db.conn)


@pytest.fixture
def run(pm: PlexMix) -> Make:
    """``PlexMix.create_playlist`` on the module's database; no index, so keyword search."""

    def make(text: str, length: int) -> GeneratedPlaylist:
        result = pm.create_playlist(text, limit=length, write_to_plex=False, provider="none", replace=True)
        return result.playlist

    return make


def test_a_title_seed_by_its_artist(run: Make, facts: dict[int, Fact]) -> None:
    assert len(versions(facts.values(), SWEET_CHILD)) >= 3  # other versions it must leave out
    check_title_seed(run, facts, GNR, SWEET_CHILD, LENGTH)


def test_a_title_seed_without_its_artist(run: Make, facts: dict[int, Fact]) -> None:
    key = pick_seed_song(facts, "Queen")
    assert len(versions(facts.values(), key)) >= 2
    check_title_seed(run, facts, None, key, LENGTH)


@pytest.mark.parametrize("artist", ["Queen", "The Cranberries", "Drake"])
def test_an_artist_seed(artist: str, run: Make, facts: dict[int, Fact]) -> None:
    check_artist_seed(run, facts, artist, LENGTH)


def test_a_seed_artist_is_in_the_playlist(run: Make, facts: dict[int, Fact]) -> None:
    check_seed_artist_appears(run, facts, LENGTH)


def test_a_seed_with_a_constraint(run: Make, facts: dict[int, Fact]) -> None:
    years = [f.year or 0 for f in versions(facts.values(), SWEET_CHILD)]
    assert min(years) < 2000 <= max(years), years  # some versions pass, some do not
    check_seed_with_constraint(run, facts, GNR, SWEET_CHILD, 2000, LENGTH)


def test_a_seed_whose_versions_all_fail_the_constraint(run: Make, facts: dict[int, Fact]) -> None:
    assert all(f.year is not None and f.year < 2010 for f in versions(facts.values(), SWEET_CHILD))
    check_seed_with_constraint(run, facts, GNR, SWEET_CHILD, 2010, LENGTH)


def test_an_unknown_title(run: Make, facts: dict[int, Fact]) -> None:
    check_unknown_title(run, facts, LENGTH)


def test_never_played(run: Make, facts: dict[int, Fact], plays: dict[int, Plays]) -> None:
    check_never_played(run, facts, plays, "rock", LENGTH)


def test_most_played(run: Make, facts: dict[int, Fact], plays: dict[int, Plays]) -> None:
    check_most_played(run, facts, plays, "pop", LENGTH)


def test_most_played_come_first(run: Make, facts: dict[int, Fact], plays: dict[int, Plays]) -> None:
    check_most_played_first(run, facts, plays, "pop", 5)


def test_not_played_for_a_while(run: Make, facts: dict[int, Fact], plays: dict[int, Plays]) -> None:
    check_not_played_for(run, facts, plays, LENGTH)


def test_a_style_named(run: Make, facts: dict[int, Fact]) -> None:
    """"reggaeton" is a Plex style of many latin albums (and a genre of a few tracks)."""
    carrying = [f for f in facts.values() if "reggaeton" in f.genres]
    assert len(carrying) >= 3 * LENGTH and len(carrying) < len(facts) // 10
    playlist = run("reggaeton", LENGTH)
    understood = playlist.understood_dict
    named = [name for key in ("genres", "prefer_styles") for name in understood.get(key, [])]
    assert "reggaeton" in named, understood
    chosen = chosen_facts(playlist, facts)
    assert len(chosen) == LENGTH, playlist.notes
    assert sum("reggaeton" in f.genres for f in chosen) >= 0.8 * LENGTH, [f.genres for f in chosen]


def test_implied_moods(run: Make, facts: dict[int, Fact]) -> None:
    check_implied_moods(run, facts, LENGTH)


@pytest.mark.parametrize(("part", "artist"), [("early", "Queen"), ("late", "The Rolling Stones")])
def test_artist_era(part: str, artist: str, run: Make, facts: dict[int, Fact]) -> None:
    check_artist_era(run, facts, artist, part, LENGTH)
