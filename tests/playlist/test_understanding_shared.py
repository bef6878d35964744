"""What people type, end to end on ../shared/data: ~3,700 real tracks (see shared_library.py)
synced from the Plex emulator through plexapi, playlists made by ``PlexMix.create_playlist`` with
the ``none`` curator and keyword search (no embeddings).

Each case states what the mood must be understood as (the ``--json`` ``"understood"`` object).
From it the test derives the constraints and checks them on facts read with plain SQL
(``load_facts``: genres from track_genres, moods from track_tags, artist names, years, lengths,
ratings), never through ``TrackFilters``: every returned track satisfies every constraint, each
excluded name had tracks it had to remove, each named artist is in the playlist, and the playlist
is as full as the library allows. The names were picked from what the data holds; the
preconditions are asserted, so no check passes vacuously.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest
from data_picks import reachable, song
from playlist_helpers import Expect, Fact, load_facts
from shared_library import sync_shared_library

from plexmix import PlexMix
from plexmix.playlist.generator import GeneratedPlaylist
from plexmix.storage.sqlite_manager import SQLiteManager

pytestmark = pytest.mark.needs_shared_data

LENGTH, PER_ARTIST, PER_ALBUM = 20, 3, 2  # the playlist asked for; PlexMix's default diversity caps
MIN = 60_000


@dataclass(frozen=True)
class Case:
    text: str
    understood: dict[str, object]  # what ``--json`` must say it understood
    removed: int = 5  # each exclusion must have had at least this many tracks to remove


GENRE_BUT_NOT_ARTIST = [  # the artist has many tracks in that genre: the exclusion does real work
    Case("rock but no Queen", {"genres": ["rock"], "exclude_artists": ["Queen"]}, removed=100),
    Case("edm without Martin Garrix", {"genres": ["edm"], "exclude_artists": ["Martin Garrix"]}, removed=50),
    Case("latin music except Daddy Yankee", {"genres": ["latin"], "exclude_artists": ["Daddy Yankee"]},
         removed=40),
    Case("rap, nothing by Drake", {"genres": ["rap"], "exclude_artists": ["Drake"]}, removed=20),
    Case("rap but no Eminem or 2Pac", {"genres": ["rap"], "exclude_artists": ["2Pac", "Eminem"]}, removed=30),
    Case("r&b from the 2000s but no Janet Jackson",
         {"genres": ["r&b"], "year_min": 2000, "year_max": 2009, "exclude_artists": ["Janet Jackson"]}, removed=3),
]
SEVERAL_ARTISTS = [
    Case("Coldplay and The Cranberries", {"artists": ["Coldplay", "The Cranberries"]}),
    Case("Drake, Eminem and 2Pac", {"artists": ["2Pac", "Drake", "Eminem"]}),
    Case("Scorpions or Lynyrd Skynyrd", {"artists": ["Lynyrd Skynyrd", "Scorpions"]}),
    Case("Depeche Mode + Janet Jackson", {"artists": ["Depeche Mode", "Janet Jackson"]}),
]
ARTIST_AND_ERA = [
    Case("Queen in the 80s", {"artists": ["Queen"], "year_min": 1980, "year_max": 1989}),
    Case("The Rolling Stones songs from the 70s",
         {"artists": ["The Rolling Stones"], "year_min": 1970, "year_max": 1979}),
    Case("Eminem songs from the 2000s", {"artists": ["Eminem"], "year_min": 2000, "year_max": 2009}),
    Case("Drake in the 2010s", {"artists": ["Drake"], "year_min": 2010, "year_max": 2019}),
]
ERAS = [
    Case("pop, nothing before 2015", {"genres": ["pop"], "year_min": 2015}),
    Case("rock since 2010", {"genres": ["rock"], "year_min": 2010}),
    Case("r&b before 1990", {"genres": ["r&b"], "year_max": 1989}),
    Case("edm, nothing after 2014", {"genres": ["edm"], "year_max": 2014}),
    Case("rock from the 90s", {"genres": ["rock"], "year_min": 1990, "year_max": 1999}),
    Case("pop between 1985 and 1995", {"genres": ["pop"], "year_min": 1985, "year_max": 1995}),
    Case("edm 2012-2016", {"genres": ["edm"], "year_min": 2012, "year_max": 2016}),
]
DURATIONS = [
    Case("rap songs under 3 minutes", {"genres": ["rap"], "duration_max_ms": 3 * MIN}),
    Case("rock songs over 6 minutes", {"genres": ["rock"], "duration_min_ms": 6 * MIN}),
    Case("short pop songs", {"genres": ["pop"], "duration_max_ms": 3 * MIN}),
    Case("long edm tracks", {"genres": ["edm"], "duration_min_ms": 6 * MIN}),
    Case("4-minute rock songs", {"genres": ["rock"], "duration_min_ms": 210_000, "duration_max_ms": 270_000}),
    Case("rap less than 2:30", {"genres": ["rap"], "duration_max_ms": 150_000}),
    Case("pop songs longer than 5 minutes", {"genres": ["pop"], "duration_min_ms": 5 * MIN}),
]
MOODS_AND_RATING = [
    Case("melancholy songs", {"moods": ["melancholy"]}),
    Case("sad songs", {"moods": ["sad"]}),
    Case("calm/peaceful music", {"moods": ["calm/peaceful"]}),
    Case("aggressive rap", {"genres": ["rap"], "moods": ["aggressive"]}),
    Case("highly rated rock", {"genres": ["rock"], "rating_min": 8.0}),
]
EXCLUDED_GENRES_AND_MOODS = [
    Case("dance music, no rap or latin", {"exclude_genres": ["latin", "rap"]}, removed=100),
    Case("party music, nothing melancholy", {"exclude_moods": ["melancholy"]}, removed=100),
    Case("anything but rock or pop, no sad songs",
         {"exclude_genres": ["pop", "rock"], "exclude_moods": ["sad"]}, removed=100),
]
COMBINATIONS = [
    Case("90s rock but no Queen, under 5 minutes",
         {"genres": ["rock"], "year_min": 1990, "year_max": 1999, "exclude_artists": ["Queen"],
          "duration_max_ms": 5 * MIN}, removed=3),
    Case("highly rated latin since 2015 without Daddy Yankee",
         {"genres": ["latin"], "year_min": 2015, "rating_min": 8.0, "exclude_artists": ["Daddy Yankee"]},
         removed=1),
    Case("energetic edm without Avicii",
         {"genres": ["edm"], "moods": ["energetic"], "exclude_artists": ["Avicii"]}),
    Case("intense rock without Guns N' Roses",
         {"genres": ["rock"], "moods": ["intense"], "exclude_artists": ["Guns N' Roses"]}),
    Case("Queen and Guns N' Roses, nothing after 1990",
         {"artists": ["Guns N' Roses", "Queen"], "year_max": 1990}),
    Case("Coldplay or The Weeknd, no pop", {"artists": ["Coldplay", "The Weeknd"], "exclude_genres": ["pop"]}),
]
CASES = [*GENRE_BUT_NOT_ARTIST, *SEVERAL_ARTISTS, *ARTIST_AND_ERA, *ERAS, *DURATIONS, *MOODS_AND_RATING,
         *EXCLUDED_GENRES_AND_MOODS, *COMBINATIONS]

# Moods that must not become filters, each with the library's artists it names (one-word names
# that are ordinary words) and the words of it that are also in real track titles.
NOT_FILTERS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "songs about love": ((), ("love",)),
    "focus while studying": ((), ()),
    "broken heart songs": (("Heart",), ("heart",)),
    "dancing queen vibes": (("Queen",), ("queen",)),
    "a journey through the night": (("Journey",), ("night",)),
    "music for a long drive": ((), ("drive",)),
    "songs like Sweet Dreams": (("Sweet",), ("sweet", "dreams")),  # a seed title, not the band Sweet
    "something like Heart of Glass": (("Heart",), ("heart", "glass")),
}


# ------------------------------------------------------------------------------ the library
@pytest.fixture(scope="module")
def db_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("shared-understanding") / "plexmix.db"
    assert sync_shared_library(path) > 3000
    return path


@pytest.fixture(scope="module")
def facts(db_path: Path) -> dict[int, Fact]:
    with SQLiteManager(db_path) as db:
        return load_facts(db.conn)


@pytest.fixture
def pm(db_path: Path, tmp_path: Path) -> PlexMix:
    """PlexMix on the module's database; no index, so keyword search (after isolated_env)."""
    return PlexMix.open(settings={"database.path": str(db_path),
                                  "database.faiss_index_path": str(tmp_path / "none.index")})


def make(pm: PlexMix, text: str) -> GeneratedPlaylist:
    result = pm.create_playlist(text, limit=LENGTH, write_to_plex=False, provider="none", replace=True)
    return result.playlist


# ---------------------------------------------------------------------- the test's own terms
_FIELDS = {"genres": "genres", "artists": "artists", "moods": "moods", "exclude_artists": "blocked_artists",
           "exclude_genres": "blocked_genres", "exclude_moods": "blocked_moods"}
_BOUNDS = ("year_min", "year_max", "rating_min", "duration_min_ms", "duration_max_ms")


def expect_of(understood: dict[str, object]) -> Expect:
    """The constraints an understood query states, lower-cased as the facts compare them."""
    expect = Expect()
    for key, value in understood.items():
        if key in _FIELDS:
            assert isinstance(value, list)
            setattr(expect, _FIELDS[key], {str(v).lower() for v in value})
        else:
            assert key in _BOUNDS, f"no independent check for {key!r}"
            setattr(expect, key, value)
    return expect


def positive(expect: Expect) -> Expect:
    """The same constraints without the exclusions."""
    return Expect(**{**expect.__dict__, "blocked_artists": set(), "blocked_genres": set(), "blocked_moods": set()})


def carries(fact: Fact, kind: str, name: str) -> bool:
    return {"blocked_artists": (fact.artist or "").lower() == name,
            "blocked_genres": name in fact.genres, "blocked_moods": name in fact.moods}[kind]


_LEADING_NOTE = re.compile(r"^\s*[(\[][^)\]]*[)\]]\s*")


def song_of(f: Fact) -> tuple[str, str]:
    """Artist and song: "(I Can't Get No) Satisfaction - Mono Version" is "satisfaction"."""
    return (f.artist or "").lower(), song(_LEADING_NOTE.sub("", f.title)) or f.title.lower()


def fillable(matching: Iterable[Fact], named_artists: bool) -> int:
    """How many tracks one playlist can hold: distinct songs, each artist at most PER_ARTIST and
    each album at most PER_ALBUM (named artists lift both caps once their songs run short)."""
    songs: dict[tuple[str, str], Fact] = {}
    for f in matching:
        songs.setdefault(song_of(f), f)
    if named_artists:
        return len(songs)
    by_artist: dict[str | None, list[Fact]] = {}
    for f in songs.values():
        by_artist.setdefault(f.artist, []).append(f)
    return sum(min(PER_ARTIST, reachable(tracks, PER_ALBUM)) for tracks in by_artist.values())


SOFT = ("seeds", "rank_by", "prefer_moods", "prefer_styles")  # shape the ranking, constrain nothing


def hard(understood: dict[str, object]) -> dict[str, object]:
    """The constraints of an understood query (what every track must satisfy)."""
    return {key: value for key, value in understood.items() if key not in SOFT}


# -------------------------------------------------------------------------------- the tests
def test_the_library_is_the_real_data(facts: dict[int, Fact]) -> None:
    """The preconditions the table counts on: thousands of tracks, real genres and Plex moods."""
    assert len(facts) > 3000
    genres = Counter(g for f in facts.values() for g in f.genres)
    assert all(genres[g] > 400 for g in ("rock", "pop", "rap", "edm", "r&b", "latin")), genres
    moods = Counter(m for f in facts.values() for m in f.moods)
    assert all(moods[m] > 100 for m in ("melancholy", "sad", "energetic", "calm/peaceful")), moods


@pytest.mark.parametrize("case", CASES, ids=[c.text for c in CASES])
def test_every_track_satisfies_every_understood_constraint(
    case: Case, pm: PlexMix, facts: dict[int, Fact]
) -> None:
    playlist = make(pm, case.text)
    assert hard(playlist.understood_dict) == case.understood, playlist.understood_line
    expect = expect_of(case.understood)
    chosen = [facts[item.track.id] for item in playlist.tracks]
    assert chosen, case.text
    broken = [f for f in chosen if not expect.ok(f)]
    assert not broken, broken
    matching = [f for f in facts.values() if expect.ok(f)]
    assert playlist.matching == len(matching)
    # every exclusion removed tracks that would otherwise qualify (the check can fail)
    wanted = positive(expect)
    for kind in ("blocked_artists", "blocked_genres", "blocked_moods"):
        for name in getattr(expect, kind):
            removed = sum(wanted.ok(f) and carries(f, kind, name) for f in facts.values())
            assert removed >= case.removed, (name, removed)
            assert not any(carries(f, kind, name) for f in chosen), name
    # each named artist is in the playlist
    artists = Counter((f.artist or "").lower() for f in chosen)
    assert all(artists[name] for name in expect.artists), artists
    # as full as the library allows
    room = fillable(matching, bool(expect.artists))
    if room >= LENGTH:
        assert len(chosen) == LENGTH, playlist.notes
    else:
        assert any(re.match(rf"Only {len(chosen)} of {LENGTH} ", note) for note in playlist.notes), playlist.notes
        songs = len({song_of(f) for f in chosen})
        assert songs <= room
        if expect.artists:  # the caps are lifted: every distinct song is there
            assert songs == room


@pytest.mark.parametrize("text", sorted(NOT_FILTERS))
def test_ordinary_words_do_not_become_filters(text: str, pm: PlexMix, facts: dict[int, Fact]) -> None:
    """Artist names that are ordinary words ("Heart", "Queen", "Journey") stay words, and so do
    topics and activities: no filter at all, and a playlist of many artists."""
    artists, title_words = NOT_FILTERS[text]
    for name in artists:
        assert any(f.artist == name for f in facts.values()), name  # the artist is in the library
    for word in title_words:
        found = re.compile(rf"\b{re.escape(word)}\b", re.I)
        assert any(found.search(f.title) for f in facts.values()), word  # and the word in titles
    playlist = make(pm, text)
    assert hard(playlist.understood_dict) == {}, playlist.understood_line
    seeds = playlist.understood_dict.get("seeds", [])
    assert all("title" in seed and seed.get("artist") not in artists for seed in seeds), seeds  # type: ignore[union-attr]
    chosen = [facts[item.track.id] for item in playlist.tracks]
    assert len(chosen) == LENGTH
    per_artist = Counter(f.artist for f in chosen)
    assert len(per_artist) >= 5 and max(per_artist.values()) <= PER_ARTIST, per_artist


@pytest.mark.parametrize("case", CASES, ids=[c.text for c in CASES])
def test_no_song_twice(case: Case, pm: PlexMix, facts: dict[int, Fact]) -> None:
    """One version of each song, also when a title starts with a parenthesis."""
    chosen = [facts[item.track.id] for item in make(pm, case.text).tracks]
    twice = [key for key, n in Counter(map(song_of, chosen)).items() if n > 1]
    assert not twice, [f.title for f in chosen if song_of(f) in twice]
