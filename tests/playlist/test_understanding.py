"""What the mood text is understood as: phrasing -> structured query, against a small fixed vocabulary.

Every row states the documented meaning (docs/commands.md, examples/mood-queries.md) as the
``TrackFilters`` fields that must be set, nothing more; ``search`` rows also say what the keyword
and vector search may and may not see.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from plexmix.playlist.filters import merge_filters, understood_dict, understood_line
from plexmix.playlist.understanding import Vocabulary, filters_from_mood, understand_mood
from plexmix.playlist.years_lengths import LONG_MS, SHORT_MS
from plexmix.storage.queries import TrackFilters

GENRES = ["rock", "punk rock", "jazz", "hip hop", "rap", "pop", "metal", "country", "classical", "r&b", "ballad"]
MOODS = ["melancholy", "aggressive", "calm/peaceful", "ballad", "sad", "mellow"]
ARTISTS = ["Miles Davis", "Queen", "Nirvana", "Metallica", "Focus", "Rain", "Love", "Beyoncé", "The Cure",
           "Daft Punk", "Toto", "Sigur Rós", "AC/DC", "Simon & Garfunkel"]
NEWEST = 2024  # the library's newest year; the machine clock below says 2030 and must not matter
CLOCK = dt.date(2030, 6, 1)
MIN = 60_000


STYLES = ["reggaeton", "hard rock", "rock", "chill-out"]
DAY = 86_400
MIDNIGHT = int(dt.datetime.combine(CLOCK, dt.time()).timestamp())  # "not played in ..." counts from it


def understood(text: str) -> dict[str, Any]:
    """The structured query, plus seeds, ranking wish, implied moods and artist era when read."""
    read = understand_mood(text, Vocabulary(GENRES, ARTISTS, MOODS, NEWEST, styles=STYLES), CLOCK)
    result = understood_dict(read.filters)
    extras = {
        "seeds": [(seed.title, seed.artist) for seed in read.seeds],
        "rank_by": read.rank_by,
        "implied_moods": read.implied_moods,
        "artist_era": read.artist_era,
        "prefer_styles": read.prefer_styles,
    }
    return result | {key: value for key, value in extras.items() if value}


CASES: list[tuple[str, dict[str, Any]]] = [
    # exclusions: artists
    ("rock without Nirvana", {"genres": ["rock"], "exclude_artists": ["Nirvana"]}),
    ("rock but no Queen", {"genres": ["rock"], "exclude_artists": ["Queen"]}),
    ("jazz except Miles Davis", {"genres": ["jazz"], "exclude_artists": ["Miles Davis"]}),
    ("rap, not Daft Punk", {"genres": ["rap"], "exclude_artists": ["Daft Punk"]}),
    ("metal but nothing by Metallica", {"genres": ["metal"], "exclude_artists": ["Metallica"]}),
    ("anything but Toto", {"exclude_artists": ["Toto"]}),
    ("pop without Beyonce", {"genres": ["pop"], "exclude_artists": ["Beyoncé"]}),
    ("pop without BEYONCÉ", {"genres": ["pop"], "exclude_artists": ["Beyoncé"]}),
    ("rock, no Queen or Toto", {"genres": ["rock"], "exclude_artists": ["Queen", "Toto"]}),
    ("rock without Queen, Toto and Nirvana", {"genres": ["rock"], "exclude_artists": ["Nirvana", "Queen", "Toto"]}),
    ("no songs by Queen", {"exclude_artists": ["Queen"]}),
    ("no country, rock please", {"exclude_genres": ["country"], "genres": ["rock"]}),  # the comma ends it
    ("no metal, rap or country", {"exclude_genres": ["country", "metal", "rap"]}),
    ("rock excluding AC/DC", {"genres": ["rock"], "exclude_artists": ["AC/DC"]}),
    ("post-rock but no sigur ros", {"genres": ["rock"], "exclude_artists": ["Sigur Rós"]}),  # whole words
    ("folk without Simon & Garfunkel", {"exclude_artists": ["Simon & Garfunkel"]}),
    ("nothing by The Cure", {"exclude_artists": ["The Cure"]}),
    # exclusions: genres and moods
    ("no country", {"exclude_genres": ["country"]}),
    ("anything but rap", {"exclude_genres": ["rap"]}),
    ("rock but not punk rock", {"genres": ["rock"], "exclude_genres": ["punk rock"]}),
    ("party music without hip hop or r&b", {"exclude_genres": ["hip hop", "r&b"]}),
    ("jazz, no melancholy", {"genres": ["jazz"], "exclude_moods": ["melancholy"]}),
    ("workout, nothing aggressive", {"exclude_moods": ["aggressive"]}),
    ("nothing but jazz", {"genres": ["jazz"]}),
    ("workout without aggressive songs", {"exclude_moods": ["aggressive"]}),
    ("no ballads", {"exclude_genres": ["ballad"], "exclude_moods": ["ballad"]}),
    ("rock except sad songs", {"genres": ["rock"], "exclude_moods": ["sad"]}),
    ("classical except metal", {"genres": ["classical"], "exclude_genres": ["metal"]}),
    # several artists
    ("Nirvana and Metallica", {"artists": ["Metallica", "Nirvana"]}),
    ("Queen, Toto and Nirvana", {"artists": ["Nirvana", "Queen", "Toto"]}),
    ("Queen or Toto", {"artists": ["Queen", "Toto"]}),
    ("Queen + Toto", {"artists": ["Queen", "Toto"]}),
    ("songs by Queen and Toto", {"artists": ["Queen", "Toto"]}),
    ("Miles Davis and Daft Punk", {"artists": ["Daft Punk", "Miles Davis"]}),
    ("best of Nirvana or Metallica", {"artists": ["Metallica", "Nirvana"]}),
    ("songs by Toto, Queen or AC/DC", {"artists": ["AC/DC", "Queen", "Toto"]}),
    ("Simon & Garfunkel", {"artists": ["Simon & Garfunkel"]}),
    ("beyonce", {"artists": ["Beyoncé"]}),
    ("Queen in the 80s", {"artists": ["Queen"], "year_min": 1980, "year_max": 1989}),
    ("Miles Davis from the 50s", {"artists": ["Miles Davis"], "year_min": 1950, "year_max": 1959}),
    ("Queen songs from the 70s", {"artists": ["Queen"], "year_min": 1970, "year_max": 1979}),
    ("Nirvana tracks in the 90s", {"artists": ["Nirvana"], "year_min": 1990, "year_max": 1999}),
    ("Metallica hits from the '80s", {"artists": ["Metallica"], "year_min": 1980, "year_max": 1989}),
    # eras
    ("90s rock", {"genres": ["rock"], "year_min": 1990, "year_max": 1999}),
    ("rock from the '80s", {"genres": ["rock"], "year_min": 1980, "year_max": 1989}),
    ("2010s pop", {"genres": ["pop"], "year_min": 2010, "year_max": 2019}),
    ("hits from 1994", {"year_min": 1994, "year_max": 1994}),
    ("songs 1990-1995", {"year_min": 1990, "year_max": 1995}),
    ("between 1970 and 1979", {"year_min": 1970, "year_max": 1979}),
    ("since 2015", {"year_min": 2015}),
    ("after 2016", {"year_min": 2017}),
    ("before 1990", {"year_max": 1989}),
    ("jazz, nothing before 1990", {"genres": ["jazz"], "year_min": 1990}),
    ("rock, nothing after 1979", {"genres": ["rock"], "year_max": 1979}),
    ("nothing before 1990 and nothing after 1999", {"year_min": 1990, "year_max": 1999}),
    ("recent hip hop", {"genres": ["hip hop"], "year_min": NEWEST - 2, "year_max": NEWEST}),
    ("this year's pop", {"genres": ["pop"], "year_min": NEWEST, "year_max": NEWEST}),
    ("best of last year", {"year_min": NEWEST - 1, "year_max": NEWEST - 1}),
    ("up to 1985", {"year_max": 1985}),
    ("since 2000 onwards", {"year_min": 2000}),
    # duration
    ("rock under 3 minutes", {"genres": ["rock"], "duration_max_ms": 3 * MIN}),
    ("songs less than 4 min", {"duration_max_ms": 4 * MIN}),
    ("tracks shorter than 2.5 minutes", {"duration_max_ms": 150_000}),
    ("over 6 minutes", {"duration_min_ms": 6 * MIN}),
    ("jazz longer than 8 min", {"genres": ["jazz"], "duration_min_ms": 8 * MIN}),
    ("at least 5 minutes long", {"duration_min_ms": 5 * MIN}),
    ("under 3:30", {"duration_max_ms": 210_000}),
    ("10-minute songs", {"duration_min_ms": 10 * MIN - 30_000, "duration_max_ms": 10 * MIN + 30_000}),
    ("short songs", {"duration_max_ms": SHORT_MS}),
    ("long tracks", {"duration_min_ms": LONG_MS}),
    ("short punk rock songs", {"genres": ["punk rock", "rock"], "duration_max_ms": SHORT_MS}),
    ("long jazz jams, nothing before 1960", {"genres": ["jazz"], "year_min": 1960, "duration_min_ms": LONG_MS}),
    ("long drive songs", {}),  # only genre or mood names may stand between "long" and "songs"
    ("long drive", {}),
    ("short on time", {}),
    ("a long day", {}),
    # moods named as filters
    ("melancholy songs", {"moods": ["melancholy"]}),
    ("sad jazz", {"genres": ["jazz"], "moods": ["sad"]}),
    ("mellow evening", {"moods": ["mellow"]}),
    ("aggressive metal", {"genres": ["metal"], "moods": ["aggressive"]}),
    ("calm/peaceful piano", {"moods": ["calm/peaceful"]}),
    ("ballads", {"genres": ["ballad"]}),  # a genre and a mood: the genre only
    # rating
    ("highly rated 90s rock", {"genres": ["rock"], "year_min": 1990, "year_max": 1999, "rating_min": 8.0}),
    ("my favourites", {"rating_min": 8.0}),
    ("3 stars and up", {"rating_min": 6.0}),
    # combinations
    ("rap but no Daft Punk from the 90s under 3 minutes",
     {"genres": ["rap"], "exclude_artists": ["Daft Punk"], "year_min": 1990, "year_max": 1999,
      "duration_max_ms": 3 * MIN}),
    ("Queen and Toto, nothing after 1985, no ballads",
     {"artists": ["Queen", "Toto"], "year_max": 1985, "exclude_genres": ["ballad"], "exclude_moods": ["ballad"]}),
    ("long melancholy songs without Rain",
     {"duration_min_ms": LONG_MS, "moods": ["melancholy"], "exclude_artists": ["Rain"]}),
    ("songs under 2000", {}),  # a number without a unit is no length
    ("melancholy jazz without Miles Davis since 2000",
     {"genres": ["jazz"], "moods": ["melancholy"], "exclude_artists": ["Miles Davis"], "year_min": 2000}),
    # must NOT become filters
    ("focus while studying", {}),
    ("songs about love", {}),
    ("love songs for a rainy day", {}),
    ("rain", {"artists": ["Rain"]}),  # the whole mood is the name: the artist
    ("the sound of rain on the window", {}),
    ("rainy sunday", {}),
    ("queen of the night", {}),
    ("the cure for a bad day", {}),
    ("not too loud", {}),
    ("no lyrics, just instrumentals", {}),
    ("popular poprock", {}),
    ("songs about rock and roll", {}),
    ("5 songs for a run", {"implied_moods": ["aggressive"]}),  # a purpose implies moods, softly
    ("music to fall asleep to", {"implied_moods": ["calm/peaceful"]}),
    ("I like Queen", {"artists": ["Queen"]}),  # liking is not "sounds like"
    # seeds: the playlist should sound like them; they are not filters
    ("songs like Bohemian Rhapsody by Queen", {"seeds": [("Bohemian Rhapsody", "Queen")]}),
    ("songs like \"Enter Sandman\" by Metallica, nothing before 1990",
     {"seeds": [("Enter Sandman", "Metallica")], "year_min": 1990}),
    ("songs like Smells Like Teen Spirit", {"seeds": [("Smells Like Teen Spirit", None)]}),
    ("more like Nirvana", {"seeds": [(None, "Nirvana")]}),
    ("sounds like Daft Punk", {"seeds": [(None, "Daft Punk")]}),
    ("something similar to Metallica", {"seeds": [(None, "Metallica")]}),
    ("songs that sound like the cure", {"seeds": [(None, "The Cure")]}),
    ("like Queen, Toto or AC/DC", {"seeds": [(None, "Queen"), (None, "Toto"), (None, "AC/DC")]}),
    ("rock in the style of Queen but not Queen", {"genres": ["rock"], "seeds": [(None, "Queen")],
                                                  "exclude_artists": ["Queen"]}),
    ("songs like the ones on the radio", {}),
    ("something like Queen of the Night", {"seeds": [("Queen of the Night", None)]}),  # a title, not Queen
    ("more like Queen please", {"seeds": [(None, "Queen")]}),  # no title written as one, no artist
    # listening history
    ("never played jazz", {"genres": ["jazz"], "play_count_max": 0}),
    ("songs I haven't heard yet", {"play_count_max": 0}),
    ("unplayed rock", {"genres": ["rock"], "play_count_max": 0}),
    ("rock I have not played in a year", {"genres": ["rock"], "exclude_played_since": MIDNIGHT - 365 * DAY}),
    ("stuff not played in 6 months", {"exclude_played_since": MIDNIGHT - 180 * DAY}),
    ("most played rock", {"genres": ["rock"], "play_count_min": 1, "rank_by": "plays"}),
    ("my forgotten favourites", {"rating_min": 8.0, "play_count_min": 1,
                                 "exclude_played_since": MIDNIGHT - 180 * DAY}),
    # Plex styles (sub-genres), and a genre before a style of the same name
    ("reggaeton", {"prefer_styles": ["reggaeton"]}),
    ("hard rock without Queen", {"genres": ["rock"], "prefer_styles": ["hard rock"], "exclude_artists": ["Queen"]}),
    ("pop, no reggaeton", {"genres": ["pop"], "exclude_styles": ["reggaeton"]}),
    # intents, moods named by a part of a Plex mood ("calm" of "Calm/Peaceful"), parts of decades
    ("something to relax", {"implied_moods": ["calm/peaceful", "mellow"]}),
    ("calm piano", {"implied_moods": ["calm/peaceful"]}),
    ("early 90s rock", {"genres": ["rock"], "year_min": 1990, "year_max": 1993}),
    ("late 80s pop", {"genres": ["pop"], "year_min": 1986, "year_max": 1989}),
    ("early Queen", {"artists": ["Queen"], "artist_era": ("early", "Queen")}),
]


def test_the_table_is_large_enough() -> None:
    assert len(CASES) >= 80 and len({text for text, _ in CASES}) == len(CASES)


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[text for text, _ in CASES])
def test_phrasing_is_understood_as(text: str, expected: dict[str, Any]) -> None:
    assert understood(text) == expected


@pytest.mark.parametrize(
    ("text", "kept", "gone"),
    [("rock without Nirvana", ["rock"], ["nirvana", "without"]),
     ("rainy jazz but no Miles Davis", ["rainy", "jazz"], ["miles", "davis", "but no"]),
     ("anything but country", [], ["country"]),
     ("chill songs under 3 minutes", ["chill", "songs"], ["3", "minutes"]),
     ("jazz, nothing before 1990", ["jazz"], ["1990", "nothing"]),
     ("party without hip hop or r&b", ["party"], ["hip", "hop", "r&b"])],
)
def test_excluded_names_are_not_searched_for(text: str, kept: list[str], gone: list[str]) -> None:
    search = understand_mood(text, Vocabulary(GENRES, ARTISTS, MOODS, NEWEST), CLOCK).search_text.lower()
    assert all(word in search for word in kept), search
    assert not any(word in search.split() or word in search for word in gone), search
    assert search.strip()  # something is always searched for


def test_an_excluded_name_never_becomes_a_wanted_one() -> None:
    f = filters_from_mood("Queen songs, but no Queen", GENRES, ARTISTS, moods=MOODS)
    assert f.exclude_artists == ["Queen"] and f.artists == []
    f = filters_from_mood("rock and more rock, no rock", GENRES, ARTISTS, moods=MOODS)
    assert f.exclude_genres == ["rock"] and f.genres == []


def test_without_a_library_year_the_clock_gives_this_year() -> None:
    f = filters_from_mood("this year", now=dt.date(2026, 3, 1))
    assert (f.year_min, f.year_max) == (2026, 2026)


def test_flags_win_field_by_field_also_for_new_fields() -> None:
    implied = filters_from_mood("short rock songs without Queen, nothing before 1990", GENRES, ARTISTS,
                                moods=MOODS, newest_year=NEWEST)
    flags = TrackFilters(exclude_artists=["Toto"], year_min=1970, year_max=1979)
    merged = merge_filters(flags, implied)
    assert merged.exclude_artists == ["Toto"] and (merged.year_min, merged.year_max) == (1970, 1979)
    assert merged.genres == ["rock"] and merged.duration_max_ms == SHORT_MS
    assert merge_filters(TrackFilters(duration_min_ms=MIN), implied).duration_max_ms is None


def test_the_understood_line_reads_like_the_issue() -> None:
    f = TrackFilters(genres=["rap"], exclude_artists=["X"], year_min=1990, year_max=1999, duration_max_ms=180_000)
    assert understood_line(f) == "genre rap; not artist X; 1990–1999; under 3:00"
    assert understood_line(TrackFilters(year_min=2015, duration_min_ms=LONG_MS, moods=["sad"])) == (
        "mood sad; 2015 or later; over 6:00"
    )
    assert understood_line(TrackFilters()) == ""
