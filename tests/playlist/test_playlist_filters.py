from __future__ import annotations

import datetime as dt

import pytest

from plexmix.errors import UsageError
from plexmix.playlist.diversity import pick_diverse, spread_artists
from plexmix.playlist.filters import (
    describe_filters,
    merge_filters,
    parse_rating,
    parse_year,
    with_exclusions,
)
from plexmix.playlist.understanding import filters_from_mood
from plexmix.storage.queries import TrackFilters


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1994", (1994, 1994)), ("1990-1999", (1990, 1999)), ("1990 to 1995", (1990, 1995)),
     ("90s", (1990, 1999)), ("1990s", (1990, 1999)), ("'80s", (1980, 1989)), ("00s", (2000, 2009)),
     ("2010s", (2010, 2019))],
)
def test_parse_year_accepts_years_ranges_and_decades(text: str, expected: tuple[int, int]) -> None:
    assert parse_year(text) == expected


@pytest.mark.parametrize("text", ["19x", "", "nineties", "1999-1990", "12345", "95", "0", "-5"])
def test_parse_year_rejects_garbage_with_a_hint(text: str) -> None:
    with pytest.raises(UsageError) as info:
        parse_year(text)
    assert "--year" in info.value.message and info.value.hint and "90s" in info.value.hint


def test_rating_accepts_stars_and_plex_scale() -> None:
    assert parse_rating(4) == 8 and parse_rating(8) == 8 and parse_rating(0) == 0
    with pytest.raises(UsageError):
        parse_rating(11)
    with pytest.raises(UsageError):
        parse_rating(-1)


def test_mood_text_implies_years_ratings_genres_and_artists() -> None:
    genres = ["jazz", "rock", "hip hop", "pop"]
    artists = ["Miles Davis", "Queen", "U2"]
    now = dt.date(2026, 1, 1)
    f = filters_from_mood("highly rated 90s rock by Queen", genres, artists, now=now)
    assert (f.year_min, f.year_max, f.rating_min) == (1990, 1999, 8.0)
    assert f.genres == ["rock"] and f.artists == ["Queen"]
    f = filters_from_mood("highly rated 90s rock like Queen", genres, artists, now=now)
    assert f.genres == ["rock"] and f.artists == []  # "like Queen": a seed to sound like, not a filter
    f = filters_from_mood("hip hop from 2020", genres, artists, now=now)
    assert (f.year_min, f.year_max, f.genres) == (2020, 2020, ["hip hop"])
    f = filters_from_mood("rainy sunday jazz", genres, artists, now=now)
    assert f.genres == ["jazz"] and f.year_min is None and f.rating_min is None
    f = filters_from_mood("songs since 2015, 4 stars", genres, artists, now=now)
    assert (f.year_min, f.year_max, f.rating_min) == (2015, None, 8.0)
    f = filters_from_mood("popular poprock", genres, artists, now=now)
    assert f.genres == []  # whole words only
    assert filters_from_mood("music before 1970", now=now).year_max == 1969


def test_flags_win_over_the_mood_field_by_field() -> None:
    implied = TrackFilters(genres=["jazz"], year_min=1990, year_max=1999, rating_min=8)
    flags = TrackFilters(year_min=1960, year_max=1969)
    merged = merge_filters(flags, implied)
    assert (merged.genres, merged.year_min, merged.year_max, merged.rating_min) == (["jazz"], 1960, 1969, 8)
    merged = merge_filters(TrackFilters(genres=["rock"]), implied)
    assert merged.genres == ["rock"] and merged.year_min == 1990
    assert describe_filters(merged)[0] == "genre: rock"


def test_exclusions_add_recent_plays_and_blocked_names_without_changing_the_input() -> None:
    given = TrackFilters(genres=["jazz"], exclude_artists=["Kenny G"], exclude_genres=["smooth jazz"])
    now = 1_700_000_000
    result = with_exclusions(given, avoid_recent_days=7, blocked_artists=["Creed", "Kenny G"],
                             blocked_genres=["polka"], now=now)
    assert result.exclude_played_since == now - 7 * 86400
    assert result.exclude_artists == ["Creed", "Kenny G"] and result.exclude_genres == ["polka", "smooth jazz"]
    assert result.genres == ["jazz"]
    assert (given.exclude_played_since, given.exclude_artists) == (None, ["Kenny G"])
    # Nothing to add: the filters stay as they were; a huge day count means "ever played".
    assert with_exclusions(given) == given
    assert with_exclusions(given, avoid_recent_days=10**9, now=now).exclude_played_since == 0
    assert "blocked artists: Creed, Kenny G" in describe_filters(result)


def test_pick_diverse_respects_limits_and_order() -> None:
    items = [("a", "x"), ("a", "x"), ("a", "y"), ("a", "z"), ("b", "q"), ("a", "w"), ("c", "r")]
    chosen = pick_diverse(items, 10, artist_of=lambda i: i[0], album_of=lambda i: i[1],
                          max_per_artist=3, max_per_album=1)
    assert chosen == [("a", "x"), ("a", "y"), ("a", "z"), ("b", "q"), ("c", "r")]
    assert pick_diverse(items, 2, lambda i: i[0], lambda i: i[1], None, None) == items[:2]


def test_spread_artists_keeps_neighbours_apart_where_possible() -> None:
    items = ["a1", "a2", "a3", "b1", "c1", "b2"]
    spread = spread_artists(items, artist_of=lambda s: s[0])
    assert sorted(spread) == sorted(items)
    assert all(spread[i][0] != spread[i + 1][0] for i in range(len(spread) - 1))
    assert spread_artists(["a1", "a2"], artist_of=lambda s: s[0]) == ["a1", "a2"]  # impossible: kept


def test_one_word_artist_names_need_a_cue_to_become_a_filter() -> None:
    artists = ["Focus", "Queen", "Miles Davis", "The Cure"]
    assert filters_from_mood("focus while studying", artists=artists).artists == []
    assert filters_from_mood("greatest hits by queen", artists=artists).artists == ["Queen"]
    assert filters_from_mood("Queen", artists=artists).artists == ["Queen"]
    assert filters_from_mood("stadium rock with queen", artists=artists).artists == []
    assert filters_from_mood("stadium rock from queen", artists=artists).artists == ["Queen"]
    assert filters_from_mood("the cure for a bad day", artists=artists).artists == []
    assert filters_from_mood("late night miles davis", artists=artists).artists == ["Miles Davis"]
    assert filters_from_mood("songs by The Cure", artists=artists).artists == ["The Cure"]
