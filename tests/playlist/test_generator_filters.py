"""Every filter is honoured by every track, whoever curates: many generated mood/flag combinations.

The generator runs for real (SQL filters, FAISS over the locally embedded library, FTS, diversity)
with the ``none`` curator and with the real OpenAI SDK pointed at a fake endpoint that answers
adversarially: invented ids, ids of tracks that break the filters, repeats, then real candidates.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from data_picks import most_playable_artist, song, tracks_by
from hypothesis import HealthCheck, Phase, assume, event, given, settings
from hypothesis import strategies as st
from playlist_helpers import FAKE_KEY, Expect, Fact, FakeCurator, load_facts, mentions, phrase_pattern

from plexmix.errors import PlaylistError
from plexmix.playlist.generator import GeneratedPlaylist, PlaylistGenerator, PlaylistRequest
from plexmix.providers.ai import NoneCurator, OpenAICurator
from plexmix.providers.ai.base import Curator
from plexmix.providers.embeddings.local_onnx import LocalOnnxProvider
from plexmix.storage.queries import TrackFilters
from plexmix.storage.sqlite_manager import SQLiteManager
from plexmix.storage.vector_index import VectorIndex

INVENTED = 10**9
# Mood text -> the years it implies (the documented meaning, not PlexMix's code).
YEAR_WORDS = {"90s": (1990, 1999), "80s": (1980, 1989), "2010s": (2010, 2019), "from 2018": (2018, 2018),
              "2005-2012": (2005, 2012), "since 2015": (2015, None), "before 1990": (None, 1989),
              "after 2016": (2017, None)}
YEAR_FLAGS = [(1970, 1989), (2000, 2009), (2019, 2019), (1995, 2016)]
RATING_WORDS = {"highly rated": 8.0, "4 stars": 8.0, "3 stars": 6.0, "my favourite": 8.0}
RATING_FLAGS = [6.0, 9.0, 10.0]
FILLERS = ["calm evening", "energetic workout", "rainy afternoon", "late night drive", "sunday morning coffee",
           "something to dance to", "melancholy", "summer road trip", "focus and study"]
MOODY = re.compile(r"\d|rated|stars?\b|favou?rite", re.I)


@dataclass
class World:
    facts: dict[int, Fact]
    genres: list[str]
    artists: list[str]  # names that imply nothing but themselves when written in a mood
    moods: list[str]  # Plex mood tags (lower case), e.g. "calm/peaceful"
    generator_for: dict[str, PlaylistGenerator]


@pytest.fixture(scope="module")
def world(
    shared_db: SQLiteManager, shared_index: VectorIndex, query_embedder: LocalOnnxProvider
) -> Iterator[World]:
    facts = load_facts(shared_db.conn)
    # Genre names only (facts' genres hold styles too): a style in the mood is preferred, not required.
    genres = sorted(row[0] for row in shared_db.conn.execute("SELECT name FROM genres"))
    names = sorted({f.artist for f in facts.values() if f.artist})
    counts: dict[str, int] = {}
    for f in facts.values():
        if f.artist:
            counts[f.artist] = counts.get(f.artist, 0) + 1
    # Prolific artists first, so that artist filters usually leave something to choose; only names
    # that contain no digit, rating word, genre or other artist's name (they would imply more).
    ranked = sorted((a for a in names if len(a) >= 3 and not MOODY.search(a)), key=lambda a: (-counts[a], a))
    pool = ranked[:60] + ranked[60::20]
    inner = [(name, phrase_pattern(name)) for name in [*genres, *names] if len(name) >= 3]
    clean = [a for a in pool if not any(n != a and p.search(a) for n, p in inner)]
    moods = sorted({m for f in facts.values() for m in f.moods})
    yield World(facts, genres, clean, moods, {})


@pytest.fixture
def generators(
    world: World,
    shared_db: SQLiteManager,
    shared_index: VectorIndex,
    query_embedder: LocalOnnxProvider,
    curator: FakeCurator,
) -> dict[str, PlaylistGenerator]:
    llm = OpenAICurator(api_key=FAKE_KEY, base_url=curator.base_url, timeout=10, retry_backoff=0.01)
    providers: dict[str, Curator] = {"none": NoneCurator(), "openai": llm}
    return {
        name: PlaylistGenerator(shared_db.conn, p, index=shared_index, embedder=query_embedder)
        for name, p in providers.items()
    }


def adversary(curator: FakeCurator, violators: list[int]) -> None:
    """Answer with invented ids, filter-breaking ids and repeats before the real (reversed) candidates."""

    def respond(ids: list[int]) -> object:
        picks = [(INVENTED + i, "made up") for i in range(3)]
        picks += [(v, "breaks the filters") for v in violators]
        picks += [(i, "again") for i in ids[:3]] * 2
        picks += [(i, f"LLM pick {i}") for i in reversed(ids)]
        return curator.answer(picks)

    curator.respond = respond  # type: ignore[assignment]


def check(playlist: GeneratedPlaylist, expect: Expect, world: World, length: int) -> None:
    ids = [item.track.id for item in playlist.tracks]
    assert ids and len(ids) <= length and len(set(ids)) == len(ids)
    for track_id in ids:
        fact = world.facts[track_id]  # an invented id would raise KeyError here
        assert expect.ok(fact), (fact, expect, playlist.filter_lines)
    if len(ids) < length:
        assert any(note.startswith(f"Only {len(ids)} of {length}") for note in playlist.notes)


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          phases=[Phase.explicit, Phase.generate],  # no shrinking: each example runs the real pipeline
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_every_track_honours_every_filter(
    data: st.DataObject, world: World, generators: dict[str, PlaylistGenerator], curator: FakeCurator
) -> None:
    words: list[str] = [data.draw(st.sampled_from(FILLERS), label="filler")]
    flags, expect = TrackFilters(), Expect()

    def maybe(values: list[Any], label: str) -> Any:
        """A value one time in four: most examples combine two or three constraints."""
        return data.draw(st.sampled_from(values), label=label) if data.draw(st.integers(0, 3)) == 0 else None

    mood_genre = maybe(world.genres, "genre in mood")
    flag_genre = maybe(world.genres, "--genre")
    mood_artist = maybe(world.artists, "artist in mood")
    flag_artist = maybe(world.artists, "--artist")
    mood_years = maybe(sorted(YEAR_WORDS), "years in mood")
    flag_years = maybe(YEAR_FLAGS, "--year")
    mood_rating = maybe(sorted(RATING_WORDS), "rating in mood")
    flag_rating = maybe(RATING_FLAGS, "--rating")
    for word in (mood_rating, mood_years, mood_genre):
        if word:
            words.append(word)
    if mood_artist:
        words.append(f"by {mood_artist}")
    mood = " ".join(words)
    # The mood must say exactly what the test means, nothing more.
    assume([g for g in world.genres if mentions(mood, g)] == ([mood_genre] if mood_genre else []))
    assume(not any(mentions(mood, a) for a in world.artists if a != mood_artist))
    # Flags win over the mood, field by field.
    if flag_genre:
        flags.genres, expect.genres = [flag_genre.title()], {flag_genre}
    elif mood_genre:
        expect.genres = {mood_genre}
    # A Plex mood named in the text ("melancholy", "energetic") is a filter.
    expect.moods = {m for m in world.moods if mentions(mood, m)}
    if flag_artist:
        flags.artists, expect.artists = [flag_artist.upper()], {flag_artist.lower()}
    elif mood_artist:
        expect.artists = {mood_artist.lower()}
    if flag_years:
        flags.year_min, flags.year_max = flag_years
    years = flag_years or (YEAR_WORDS[mood_years] if mood_years else (None, None))
    expect.year_min, expect.year_max = years
    if flag_rating is not None:
        flags.rating_min = flag_rating
    expect.rating_min = flag_rating if flag_rating is not None else RATING_WORDS.get(mood_rating or "")
    length = data.draw(st.integers(1, 40), label="length")
    pool = data.draw(st.integers(1, 150), label="pool")
    request = PlaylistRequest(mood=mood, length=length, pool=pool, flag_filters=flags)

    matching = [f.id for f in world.facts.values() if expect.ok(f)]
    violators = [f.id for f in world.facts.values() if not expect.ok(f)][:: max(1, len(world.facts) // 12)]
    adversary(curator, violators)
    event("some tracks match" if matching else "nothing matches")
    for name, generator in generators.items():
        if not matching:
            with pytest.raises(PlaylistError, match="No track in your library matches"):
                generator.generate(request)
            continue
        playlist = generator.generate(request)
        check(playlist, expect, world, length)
        assert playlist.provider == name and playlist.fallback is False
        assert playlist.matching == len(matching) or (
            playlist.matching is None and len(matching) == len(world.facts)
        )


@pytest.mark.needs_shared_data
def test_llm_naming_ninety_wrong_artist_tracks_still_yields_only_that_artist(
    world: World, generators: dict[str, PlaylistGenerator], curator: FakeCurator
) -> None:
    """The classic failure: asked for Queen, the model answers mostly with other artists' tracks."""
    queen = [f.id for f in world.facts.values() if f.artist == "Queen"]
    others = [f.id for f in world.facts.values() if f.artist != "Queen"]
    picked: list[int] = []

    def respond(ids: list[int]) -> object:
        assert set(ids) <= set(queen)  # only Queen is offered
        picked.extend(ids[-10:])
        wrong = [(i, "sounds similar") for i in others[:: len(others) // 90][:90]]
        mixed = wrong[:45] + [(i, f"Queen pick {i}") for i in ids[-10:]] + wrong[45:]
        return curator.answer(mixed)

    curator.respond = respond  # type: ignore[assignment]
    length = 40
    request = PlaylistRequest(mood="stadium anthems", length=length, pool=100, max_per_album=10,
                              flag_filters=TrackFilters(artists=["queen"]))
    playlist = generators["openai"].generate(request)
    check(playlist, Expect(artists={"queen"}), world, length)
    assert len(curator.received) == 1 and playlist.fallback is False
    ids = [item.track.id for item in playlist.tracks]
    kept = [i for i in picked if i in ids]
    assert kept, "the model's valid picks are used"
    # The model's valid picks come first, in its order, with its reasons; the rest is filled.
    assert ids[: len(kept)] == kept
    for item in playlist.tracks[: len(kept)]:
        assert item.reason == f"Queen pick {item.track.id}"
    # Full, except that several versions of one song (live, remastered) count once.
    songs = {re.split(r"\s+-\s+|\s*[(\[]", world.facts[i].title.lower(), maxsplit=1)[0].strip() for i in queen}
    assert len(ids) == min(length, len(songs))
    titles = [re.split(r"\s+-\s+|\s*[(\[]", item.track.title.lower(), maxsplit=1)[0].strip() for item in playlist.tracks]
    assert len(titles) == len(set(titles)), "no song twice"


def test_llm_naming_ninety_wrong_artist_tracks_on_any_library(
    world: World, generators: dict[str, PlaylistGenerator], curator: FakeCurator
) -> None:
    """The test above for the library at hand: its artist with the most tracks stands for Queen."""
    facts = world.facts.values()
    artist = most_playable_artist(facts, max_per_album=10**6)
    mine = [f.id for f in tracks_by(facts, artist)]
    album_limit = max(Counter(f.album_id for f in tracks_by(facts, artist)).values())  # it never binds
    others = [f.id for f in facts if f.artist != artist]
    picked: list[int] = []

    def respond(ids: list[int]) -> object:
        assert set(ids) <= set(mine)  # only the artist is offered
        picked.extend(ids[-10:])
        wrong = [(i, "sounds similar") for i in others[:: max(1, len(others) // 90)][:90]]
        return curator.answer(wrong[:45] + [(i, f"Pick {i}") for i in ids[-10:]] + wrong[45:])

    curator.respond = respond  # type: ignore[assignment]
    length = 40
    request = PlaylistRequest(mood="stadium anthems", length=length, pool=100, max_per_album=album_limit,
                              flag_filters=TrackFilters(artists=[artist.upper()]))
    playlist = generators["openai"].generate(request)
    check(playlist, Expect(artists={artist.lower()}), world, length)
    assert len(curator.received) == 1 and playlist.fallback is False
    ids = [item.track.id for item in playlist.tracks]
    kept = [i for i in picked if i in ids]
    assert kept and ids[: len(kept)] == kept  # the model's valid picks first, in its order
    assert all(item.reason == f"Pick {item.track.id}" for item in playlist.tracks[: len(kept)])
    songs = {song(world.facts[i].title) for i in mine}
    assert len(ids) == min(length, len(songs))
    assert len({song(item.track.title) for item in playlist.tracks}) == len(ids), "no song twice"


NAMES = ["rock", "hip hop", "r&b", "Guns N' Roses", "P!nk", "!!!", "AC/DC", "Sigur Rós", "Beyoncé", "jazz",
         "Queen", "The The", "pop", "k-pop", "a", "Ed"]


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(parts=st.lists(st.sampled_from([*NAMES, " ", ", ", "-", "'", "x", "é", "ß", "90s", "poprock"]), max_size=12))
def test_names_in_the_mood_are_found_as_whole_words_only(parts: list[str]) -> None:
    """The one-pass phrase finder agrees with a whole-word, case-insensitive regex search."""
    from plexmix.playlist.understanding import filters_from_mood

    text = "".join(parts)
    for variant in (text, text.upper(), text.lower()):
        expected = sorted({n for n in NAMES if len(n) >= 3 and mentions(variant, n)})
        found = filters_from_mood(variant, genres=NAMES, artists=NAMES)
        assert found.genres == expected, variant
        # Artists: the same matches, except one-word names that read as ordinary words.
        assert set(found.artists) <= set(expected), variant
        assert {n for n in expected if len(n.removeprefix("The ").split()) >= 2} <= set(found.artists)


def test_artist_filter_matches_names_with_non_ascii_capitals(
    world: World, generators: dict[str, PlaylistGenerator]
) -> None:
    name = next(a for a in sorted({f.artist for f in world.facts.values() if f.artist})
                if any(c.isupper() and not c.isascii() for c in a))
    request = PlaylistRequest(mood="party", length=5, flag_filters=TrackFilters(artists=[name]))
    playlist = generators["none"].generate(request)
    assert playlist.tracks and {item.track.artist_name for item in playlist.tracks} == {name}


def test_stopwords_stay_out_of_the_keyword_search() -> None:
    from plexmix.playlist.retrieval import keywords

    assert keywords("Late night drive through the city, with you") == "Late night drive through city,"
    assert keywords("the and of") == ""


def test_artists_named_in_the_mood_are_found_in_any_case(world: World, generators: dict[str, PlaylistGenerator]) -> None:
    """The generator's SQL lookup finds what a scan of every name finds, also for non-ASCII capitals."""
    from plexmix.playlist.understanding import filters_from_mood

    names = sorted({f.artist for f in world.facts.values() if f.artist})
    odd = [n for n in names if any(not c.isascii() and c.isalpha() for c in n)]
    assert any(any(c.isupper() and not c.isascii() for c in n) for n in odd)
    generator = generators["none"]
    for name in [*odd, *world.artists[:20]]:
        for spelled in (name, name.lower(), name.upper(), name.title()):
            mood = f"rainy evening, songs by {spelled}"
            found = generator.resolve_filters(PlaylistRequest(mood=mood)).artists
            assert found == filters_from_mood(mood, world.genres, names).artists, mood
            if spelled.lower() == name.lower():
                assert name in found, mood
