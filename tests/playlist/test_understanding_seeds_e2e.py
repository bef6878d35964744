"""Seeds, listening history, implied moods and artist eras, end to end on the bundled library: the
real generator (SQL filters, FAISS over the locally embedded tracks, FTS, diversity) with the
``none`` curator.

Every outcome is checked on plain SQL facts (``load_facts`` and :func:`load_plays`), never through
``TrackFilters``. The names are picked from what the library holds (the bundled tracks on a fresh
clone, the ~1,600 tracks of ../shared/data otherwise) and each precondition is asserted, so no
check passes vacuously. The checks are shared with ``test_understanding_shared_more.py``.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pytest
from data_picks import song
from playlist_helpers import Fact, load_facts

from plexmix.playlist.generator import (
    SEED_REASON,
    SEED_TRACKS,
    GeneratedPlaylist,
    PlaylistGenerator,
    PlaylistRequest,
)
from plexmix.providers.ai import NoneCurator
from plexmix.providers.embeddings.local_onnx import LocalOnnxProvider
from plexmix.storage.sqlite_manager import SQLiteManager
from plexmix.storage.vector_index import VectorIndex

PER_ARTIST = 3  # PlexMix's default per-artist cap
Make = Callable[[str, int], GeneratedPlaylist]


# ------------------------------------------------------------------- facts the tests read
@dataclass(frozen=True)
class Plays:
    count: int
    last: int | None


def load_plays(conn: sqlite3.Connection) -> dict[int, Plays]:
    """Each track's play count and last play, read with plain SQL."""
    return {r[0]: Plays(r[1], r[2]) for r in conn.execute("SELECT id, play_count, last_played FROM tracks")}


def song_of(f: Fact) -> tuple[str, str]:
    return (f.artist or "").lower(), song(f.title)


def chosen_facts(playlist: GeneratedPlaylist, facts: dict[int, Fact]) -> list[Fact]:
    return [facts[item.track.id] for item in playlist.tracks]


def midnight_today() -> int:
    return int(dt.datetime.combine(dt.date.today(), dt.time()).timestamp())


# --------------------------------------------------------------------------- the picks
def versions(facts: Iterable[Fact], key: tuple[str, str]) -> list[Fact]:
    return [f for f in facts if song_of(f) == key]


def title_of(facts: Iterable[Fact], key: tuple[str, str]) -> str:
    """The song's title as the library writes it, without version notes."""
    full = min(f.title for f in versions(facts, key))
    return full[: len(key[1])]


def pick_seed_song(facts: dict[int, Fact], artist: str) -> tuple[str, str]:
    """The artist's song with the most versions in the library (then by name), among those whose
    title starts with a capital letter (how the text marks a title without quotes)."""
    counts = Counter(song_of(f) for f in facts.values() if f.artist == artist and f.title[:1].isupper())
    return min(counts, key=lambda k: (-counts[k], k))


def biggest_artist(facts: dict[int, Fact]) -> str:
    counts = Counter(f.artist for f in facts.values() if f.artist)
    return min(counts, key=lambda a: (-counts[a], a))


def widest_artist(facts: dict[int, Fact], min_tracks: int = 10) -> str:
    """The artist with at least ``min_tracks`` tracks whose years span the longest (then by name)."""
    years: dict[str, list[int]] = {}
    for f in facts.values():
        if f.artist and f.year is not None:
            years.setdefault(f.artist, []).append(f.year)
    fit = {a: max(y) - min(y) for a, y in years.items() if len(y) >= min_tracks}
    return min(fit, key=lambda a: (-fit[a], a))


# --------------------------------------------------------------------------- the checks
def check_title_seed(
    make: Make, facts: dict[int, Fact], artist: str | None, key: tuple[str, str], length: int
) -> None:
    """The seed first and once, no other version of it, its artist at most PER_ARTIST times,
    at least 5 artists, most tracks sharing a genre with the seed."""
    title = title_of(facts.values(), key)
    seed_versions = versions(facts.values(), key)
    seed_genres = frozenset().union(*(f.genres for f in seed_versions))
    assert seed_genres, key
    others = [f for f in facts.values() if f.artist != key[0] and f.genres & seed_genres]
    assert len({f.artist for f in others}) >= 10  # enough artists of the seed's genres to fill it
    text = f"songs like {title} by {artist}" if artist else f"songs like {title}"
    playlist = make(text, length)
    expected = {"title": title, "artist": artist} if artist else {"title": title}
    assert playlist.understood_dict.get("seeds") == [expected], playlist.understood_line
    chosen = chosen_facts(playlist, facts)
    assert len(chosen) == length, playlist.notes
    assert song_of(chosen[0]) == key and playlist.tracks[0].reason == SEED_REASON, chosen[0]
    assert [song_of(f) for f in chosen].count(key) == 1, [f.title for f in chosen]
    per_artist = Counter(f.artist for f in chosen)
    assert per_artist[seed_versions[0].artist] <= PER_ARTIST, per_artist
    assert len(per_artist) >= 5, per_artist
    sharing = sum(bool(f.genres & seed_genres) for f in chosen)
    assert sharing > length // 2, (seed_genres, [f.genres for f in chosen])


def check_artist_seed(make: Make, facts: dict[int, Fact], artist: str, length: int) -> None:
    """"more like X": X at most PER_ARTIST times, not all X, tracks mostly share X's genres."""
    theirs = [f for f in facts.values() if f.artist == artist]
    assert len(theirs) > 2 * PER_ARTIST  # the cap has work to do
    genres = Counter(g for f in theirs for g in f.genres)
    main = {g for g, n in genres.items() if n * 4 >= len(theirs)}  # a quarter of their tracks or more
    others = [f for f in facts.values() if f.artist != artist and f.genres & main]
    assert len(others) >= 2 * length
    playlist = make(f"more like {artist}", length)
    assert playlist.understood_dict.get("seeds") == [{"artist": artist}], playlist.understood_line
    assert "artists" not in playlist.understood_dict  # a seed, not a filter
    chosen = chosen_facts(playlist, facts)
    assert len(chosen) == length, playlist.notes
    per_artist = Counter(f.artist for f in chosen)
    assert per_artist[artist] <= PER_ARTIST, per_artist
    assert len(per_artist) >= 5, per_artist
    sharing = sum(bool(f.genres & main) for f in chosen)
    assert sharing > length // 2, (main, [f.genres for f in chosen])


def check_seed_artist_appears(make: Make, facts: dict[int, Fact], length: int) -> None:
    """"more like X" where all of X's tracks are the seed's (X has at most SEED_TRACKS): X's tracks
    still compete under the artist cap (``_first_seed``: "its tracks compete under the artist
    cap"), so X is in the playlist."""
    counts = Counter(f.artist for f in facts.values() if f.artist)
    fit = [a for a, n in counts.items() if 4 <= n <= SEED_TRACKS]
    assert fit
    artist = min(fit, key=lambda a: (-counts[a], a))
    playlist = make(f"more like {artist}", length)
    assert playlist.understood_dict.get("seeds") == [{"artist": artist}], playlist.understood_line
    per_artist = Counter(f.artist for f in chosen_facts(playlist, facts))
    assert 1 <= per_artist[artist] <= PER_ARTIST, (artist, per_artist)


def check_most_played_first(make: Make, facts: dict[int, Fact], plays: dict[int, Plays], genre: str,
                            length: int) -> None:
    """"most played" reads as "most played first" (the understood line): the playlist comes in order
    of plays."""
    assert len({plays[i].count for i, f in facts.items() if genre in f.genres}) > length
    playlist = make(f"most played {genre}", length)
    assert "most played first" in playlist.understood_line
    counts = [plays[item.track.id].count for item in playlist.tracks]
    assert len(counts) == length and counts == sorted(counts, reverse=True), counts


def check_seed_with_constraint(
    make: Make, facts: dict[int, Fact], artist: str, key: tuple[str, str], year: int, length: int
) -> None:
    """"songs like T by A, nothing before YEAR": every track from YEAR on; the seed appears (first,
    once) exactly when one of its versions is from YEAR on."""
    title = title_of(facts.values(), key)
    seed_versions = versions(facts.values(), key)
    assert [f for f in facts.values() if f.year is not None and f.year < year]  # the bound removes tracks
    playlist = make(f"songs like {title} by {artist}, nothing before {year}", length)
    understood = playlist.understood_dict
    assert understood.get("year_min") == year and understood.get("seeds") == [{"title": title, "artist": artist}]
    chosen = chosen_facts(playlist, facts)
    assert len(chosen) == length, playlist.notes
    assert all(f.year is not None and f.year >= year for f in chosen), [(f.title, f.year) for f in chosen]
    passing = [f for f in seed_versions if f.year is not None and f.year >= year]
    seen = [f for f in chosen if song_of(f) == key]
    if passing:
        assert song_of(chosen[0]) == key and len(seen) == 1, [f.title for f in chosen]
    else:
        assert not seen


def check_unknown_title(make: Make, facts: dict[int, Fact], length: int) -> None:
    title = "Zyxwv Quantum Marmalade"
    assert not any(w in f.title.lower() for f in facts.values() for w in ("zyxwv", "marmalade"))
    playlist = make(f"songs like {title}", length)
    assert f"No song or artist '{title}' in the library; read as words." in playlist.notes, playlist.notes
    assert "seeds" not in playlist.understood_dict
    assert len(playlist.tracks) == length


def check_never_played(
    make: Make, facts: dict[int, Fact], plays: dict[int, Plays], genre: str, length: int
) -> None:
    genre_ids = [i for i, f in facts.items() if genre in f.genres]
    played = [i for i in genre_ids if plays[i].count > 0]
    unplayed = [i for i in genre_ids if plays[i].count == 0]
    assert len(played) >= 5 and len({facts[i].artist for i in unplayed}) >= length  # both kinds, enough
    playlist = make(f"never played {genre}", length)
    assert playlist.understood_dict == {"genres": [genre], "play_count_max": 0}, playlist.understood_line
    chosen = [item.track.id for item in playlist.tracks]
    assert len(chosen) == length, playlist.notes
    assert all(plays[i].count == 0 and genre in facts[i].genres for i in chosen), chosen


def check_most_played(
    make: Make, facts: dict[int, Fact], plays: dict[int, Plays], genre: str, length: int
) -> None:
    matching = sorted(plays[i].count for i, f in facts.items() if genre in f.genres and plays[i].count >= 1)
    assert len(matching) >= 2 * length and matching[0] < matching[-1]  # plays differ: ranking them matters
    playlist = make(f"most played {genre}", length)
    understood = playlist.understood_dict
    assert understood.get("rank_by") == "plays" and understood.get("play_count_min") == 1, understood
    assert understood.get("genres") == [genre], understood
    chosen = [item.track.id for item in playlist.tracks]
    assert len(chosen) == length, playlist.notes
    assert all(plays[i].count >= 1 and genre in facts[i].genres for i in chosen)
    q3 = matching[(3 * len(matching)) // 4]
    assert plays[chosen[0]].count >= q3, ([plays[i].count for i in chosen], q3, matching)
    median = matching[len(matching) // 2]
    assert all(plays[i].count >= median for i in chosen[: length // 2]), [plays[i].count for i in chosen]
    mean = sum(matching) / len(matching)
    assert sum(plays[i].count for i in chosen) / length > mean


def period_that_splits(plays: dict[int, Plays], now: int) -> int:
    """The fewest whole years N for which "not played in N years" keeps some played tracks and
    removes others: the emulator's plays are all before its fixed clock (mid-2025), so "a year"
    may remove nothing on the test's clock."""
    played = [p.last for p in plays.values() if p.last is not None]
    for years in range(1, 30):
        cutoff = now - years * 365 * 86400
        older, newer = sum(t < cutoff for t in played), sum(t >= cutoff for t in played)
        if older >= 10 and newer >= 10:
            return years
    raise AssertionError("no period splits the played tracks")


def check_not_played_for(make: Make, facts: dict[int, Fact], plays: dict[int, Plays], length: int) -> None:
    now = midnight_today()
    years = period_that_splits(plays, now)
    cutoff = now - years * 365 * 86400
    playlist = make(f"songs I have not played in {years} years", length)
    assert playlist.understood_dict.get("exclude_played_since") == cutoff, playlist.understood_dict
    chosen = [item.track.id for item in playlist.tracks]
    assert len(chosen) == length, playlist.notes
    late = [(facts[i].title, plays[i].last) for i in chosen if (plays[i].last or 0) >= cutoff]
    assert not late, late


def check_implied_moods(make: Make, facts: dict[int, Fact], length: int) -> None:
    playlist = make("music to fall asleep to", length)
    preferred = playlist.understood_dict.get("prefer_moods", [])
    assert isinstance(preferred, list)
    moods = {str(m).lower() for m in preferred}
    assert moods and "moods" not in playlist.understood_dict, playlist.understood_dict  # preferred, not required
    assert all(any(w in m for w in ("calm", "peace", "sleep", "dream", "sooth", "gentle", "tender", "quiet"))
               for m in moods), moods
    carrying = [f for f in facts.values() if f.moods & moods]
    share = len(carrying) / len(facts)
    assert len(carrying) >= 3 * length and share < 0.5  # enough of them, and not most of the library
    chosen = chosen_facts(playlist, facts)
    assert len(chosen) == length, playlist.notes
    mine = sum(bool(f.moods & moods) for f in chosen) / length
    assert mine > 0.5 and mine > share, (mine, share)


def artist_window(facts: dict[int, Fact], artist: str, part: str) -> tuple[int, int]:
    """The artist's first (or last) years as the issue means them: a third of their span, at least 4 years."""
    years = [f.year for f in facts.values() if f.artist == artist and f.year is not None]
    first, last = min(years), max(years)
    span = max(4, (last - first) // 3)
    return (first, first + span) if part == "early" else (last - span, last)


def check_artist_era(make: Make, facts: dict[int, Fact], artist: str, part: str, length: int) -> None:
    low, high = artist_window(facts, artist, part)
    theirs = [f for f in facts.values() if f.artist == artist]
    inside = [f for f in theirs if f.year is not None and low <= f.year <= high]
    assert inside and len(inside) < len(theirs)  # the window leaves some of their tracks out
    playlist = make(f"{part} {artist}", length)
    understood = playlist.understood_dict
    assert (understood.get("year_min"), understood.get("year_max")) == (low, high), understood
    assert understood.get("artists") == [artist], understood
    chosen = chosen_facts(playlist, facts)
    assert chosen and all(f.artist == artist and f.year is not None and low <= f.year <= high for f in chosen)
    assert len(chosen) == min(length, len({song_of(f) for f in inside})) or any(
        note.startswith("Only ") for note in playlist.notes), playlist.notes


# ------------------------------------------------------------------------ the fixtures
LENGTH = 15


@pytest.fixture(scope="module")
def facts(shared_db: SQLiteManager) -> dict[int, Fact]:
    return load_facts(shared_db.conn)


@pytest.fixture(scope="module")
def plays(shared_db: SQLiteManager) -> dict[int, Plays]:
    return load_plays(shared_db.conn)


@pytest.fixture(scope="module")
def make(shared_db: SQLiteManager, shared_index: VectorIndex, query_embedder: LocalOnnxProvider) -> Make:
    generator = PlaylistGenerator(shared_db.conn, NoneCurator(), index=shared_index, embedder=query_embedder)

    def run(text: str, length: int) -> GeneratedPlaylist:
        playlist = generator.generate(PlaylistRequest(mood=text, length=length))
        assert playlist.used_vectors  # the seed's vector drives the search
        return playlist

    return run


# --------------------------------------------------------------------------- the tests
def test_a_title_seed_by_its_artist(make: Make, facts: dict[int, Fact]) -> None:
    artist = biggest_artist(facts)
    check_title_seed(make, facts, artist, pick_seed_song(facts, artist), LENGTH)


def test_a_title_seed_without_its_artist(make: Make, facts: dict[int, Fact]) -> None:
    artist = biggest_artist(facts)
    key = pick_seed_song(facts, artist)
    assert {f.artist for f in facts.values() if song(f.title) == key[1]} == {artist}  # one artist's song
    check_title_seed(make, facts, None, key, LENGTH)


def test_an_artist_seed(make: Make, facts: dict[int, Fact]) -> None:
    check_artist_seed(make, facts, biggest_artist(facts), LENGTH)


def test_a_seed_with_a_constraint(make: Make, facts: dict[int, Fact]) -> None:
    artist = biggest_artist(facts)
    check_seed_with_constraint(make, facts, artist, pick_seed_song(facts, artist), 2000, LENGTH)


def test_an_unknown_title(make: Make, facts: dict[int, Fact]) -> None:
    check_unknown_title(make, facts, LENGTH)


def test_never_played(make: Make, facts: dict[int, Fact], plays: dict[int, Plays]) -> None:
    check_never_played(make, facts, plays, "rock", 10)




def test_most_played(make: Make, facts: dict[int, Fact], plays: dict[int, Plays]) -> None:
    check_most_played(make, facts, plays, "rock", 5)


def test_most_played_come_first(make: Make, facts: dict[int, Fact], plays: dict[int, Plays]) -> None:
    check_most_played_first(make, facts, plays, "rock", 5)




def test_a_seed_artist_is_in_the_playlist(make: Make, facts: dict[int, Fact]) -> None:
    check_seed_artist_appears(make, facts, LENGTH)


def test_not_played_for_a_while(make: Make, facts: dict[int, Fact], plays: dict[int, Plays]) -> None:
    check_not_played_for(make, facts, plays, LENGTH)


def test_implied_moods(make: Make, facts: dict[int, Fact]) -> None:
    check_implied_moods(make, facts, LENGTH)


def test_early_artist(make: Make, facts: dict[int, Fact]) -> None:
    check_artist_era(make, facts, widest_artist(facts), "early", LENGTH)
