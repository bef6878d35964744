"""Exclusions (recently played, blocked artists and genres) and diversity (per artist, per album,
neighbours) through `plexmix create` and the generator, with the real retrieval stack."""

from __future__ import annotations

import re
import time
from collections import Counter
from itertools import pairwise

import pytest
from data_picks import artists_in, main_genre, most_playable_artist, reachable, tracks_by
from hypothesis import given, settings
from hypothesis import strategies as st
from playlist_helpers import FAKE_KEY, Cli, Expect, Fact, FakeCurator, Work, assert_clean_error, load_facts

from plexmix.devserver.server import PlexEmulator
from plexmix.playlist.diversity import spread_artists
from plexmix.playlist.generator import GeneratedPlaylist, PlaylistGenerator, PlaylistRequest
from plexmix.providers.ai import NoneCurator, OpenAICurator
from plexmix.providers.ai.base import Curator
from plexmix.providers.embeddings.local_onnx import LocalOnnxProvider
from plexmix.storage.queries import TrackFilters
from plexmix.storage.sqlite_manager import SQLiteManager
from plexmix.storage.vector_index import VectorIndex

DAY = 86400


@pytest.fixture(scope="module")
def facts(shared_db: SQLiteManager) -> dict[int, Fact]:
    return load_facts(shared_db.conn)


def keys(data: dict) -> list[str]:
    return [t["plex_key"] for t in data["tracks"]]


def assert_diverse(
    artists: list[object], albums: list[object], max_artist: int | None, max_album: int
) -> None:
    if max_artist is not None:
        assert max(Counter(artists).values()) <= max_artist, Counter(artists).most_common(3)
    assert max(Counter(albums).values()) <= max_album, Counter(albums).most_common(3)
    top = max(Counter(artists).values())
    if top <= (len(artists) + 1) // 2:  # a spacing without neighbours of one artist exists
        pairs = [(i, a) for i, (a, b) in enumerate(pairwise(artists)) if a == b]
        assert not pairs, pairs


def test_avoid_recent_skips_tracks_played_in_the_last_days(cli: Cli, work: Work) -> None:
    mood = ["create", "calm evening by the sea", "--limit", "15", "--no-plex"]
    baseline = cli.json(*mood, "--name", "before")
    now = int(time.time())
    recent, older = keys(baseline)[:5], keys(baseline)[5:10]
    with work.connect() as conn:
        conn.executemany(
            "UPDATE tracks SET last_played = ? WHERE plex_key = ?", [(now - 2 * DAY, k) for k in recent]
        )
        conn.executemany(
            "UPDATE tracks SET last_played = ? WHERE plex_key = ?", [(now - 30 * DAY, k) for k in older]
        )
        played = dict(conn.execute("SELECT plex_key, last_played FROM tracks").fetchall())

    flagged = cli.json(*mood, "--name", "flag", "--avoid-recent", "7")
    assert not set(recent) & set(keys(flagged))
    assert set(older) & set(keys(flagged)), "tracks played a month ago are still welcome"
    assert all(played[k] is None or played[k] < now - 7 * DAY for k in keys(flagged))
    assert any(line.startswith("not played since") for line in flagged["filters"])
    assert len(keys(flagged)) == 15

    setting = {"PLEXMIX_PLAYLIST__AVOID_RECENT_DAYS": "7"}
    assert keys(cli.json(*mood, "--name", "setting", env=setting)) == keys(flagged)
    # The flag wins over the setting: 0 days means nothing is skipped.
    assert keys(cli.json(*mood, "--name", "zero", "--avoid-recent", "0", env=setting)) == keys(baseline)


@pytest.mark.parametrize("provider", ["none", "openai"])
def test_blocked_artists_and_genres_never_appear(
    cli: Cli, curator: FakeCurator, facts: dict[int, Fact], provider: str
) -> None:
    blocked = {f.id for f in facts.values() if f.artist in ("Queen", "Drake") or f.genres & {"rock", "latin"}}
    # The model insists on blocked tracks, then takes what it is offered.
    curator.respond = lambda ids: curator.answer([*((b, "blocked") for b in sorted(blocked)[:60]),
                                                  *((i, "offered") for i in ids)])  # type: ignore[assignment,misc]
    env = {**curator.cli_env, "PLEXMIX_PLAYLIST__BLOCKED_ARTISTS": '["Queen", "drake"]',
           "PLEXMIX_PLAYLIST__BLOCKED_GENRES": '["Rock", "latin"]'}
    data = cli.json("create", "stadium anthems and party hits", "--limit", "40", "--no-plex",
                    "--provider", provider, env=env)
    by_key = {f.plex_key: f for f in facts.values()}
    expect = Expect(blocked_artists={"queen", "drake"}, blocked_genres={"rock", "latin"})
    assert len(data["tracks"]) == 40
    for key in keys(data):
        assert expect.ok(by_key[key]), by_key[key]
    assert "blocked artists: Queen, drake" in data["filters"]
    assert "blocked genres: Rock, latin" in data["filters"]
    assert data["provider"] == provider and data["fallback"] is False


def test_an_impossible_filter_is_one_clear_error(cli: Cli, emu: PlexEmulator, facts: dict[int, Fact]) -> None:
    assert not [f for f in facts.values() if f.artist == "Queen" and "jazz" in f.genres]
    result = cli("create", "late night", "--artist", "Queen", "--genre", "jazz")
    assert_clean_error(
        result, 1, "No track in your library matches", "artist: Queen", "genre: jazz", "Loosen"
    )
    # A mood naming a blocked artist asks for nothing that may be played.
    result = cli("create", "Queen", env={"PLEXMIX_PLAYLIST__BLOCKED_ARTISTS": '["Queen"]'})
    assert_clean_error(result, 1, "No track in your library matches", "blocked artists: Queen")
    assert emu.playlists.find() == []


@pytest.fixture
def generator_for(
    shared_db: SQLiteManager,
    shared_index: VectorIndex,
    query_embedder: LocalOnnxProvider,
    curator: FakeCurator,
) -> dict[str, PlaylistGenerator]:
    llm = OpenAICurator(api_key=FAKE_KEY, base_url=curator.base_url, timeout=10, retry_backoff=0.01)
    providers: dict[str, Curator] = {"none": NoneCurator(), "openai": llm}
    return {n: PlaylistGenerator(shared_db.conn, p, index=shared_index, embedder=query_embedder)
            for n, p in providers.items()}


def facts_of(playlist: GeneratedPlaylist, facts: dict[int, Fact]) -> list[Fact]:
    return [facts[item.track.id] for item in playlist.tracks if item.track.id is not None]


@pytest.mark.needs_shared_data
@pytest.mark.parametrize(("max_artist", "max_album"), [(3, 2), (1, 1), (2, 1)])
def test_diversity_limits_hold_even_when_the_curator_wants_one_artist(
    generator_for: dict[str, PlaylistGenerator], curator: FakeCurator, facts: dict[int, Fact],
    max_artist: int, max_album: int,
) -> None:
    queen = [f.id for f in facts.values() if f.artist == "Queen"]
    # 90% of the answer is Queen (offered or not), the rest what was offered.
    curator.respond = lambda ids: curator.answer(
        [(i, "Queen again") for i in [*[c for c in ids if c in set(queen)], *queen][:90]] + [(i, "other") for i in ids[:10]]
    )  # type: ignore[assignment,misc]
    request = PlaylistRequest(mood="we will rock you, stadium rock", length=30, pool=120,
                              flag_filters=TrackFilters(genres=["rock"]),
                              max_per_artist=max_artist, max_per_album=max_album)
    for name, generator in generator_for.items():
        playlist = generator.generate(request)
        chosen = facts_of(playlist, facts)
        assert chosen and all("rock" in f.genres for f in chosen)
        assert_diverse([f.artist_id for f in chosen], [f.album_id for f in chosen], max_artist, max_album)
        if name == "openai":
            assert sum(f.artist == "Queen" for f in chosen) == max_artist
            assert any("replaced to respect the diversity limits" in n for n in playlist.notes)


@pytest.mark.needs_shared_data
def test_an_artist_filter_lifts_the_per_artist_limit_but_not_the_album_limit(
    generator_for: dict[str, PlaylistGenerator], facts: dict[int, Fact]
) -> None:
    request = PlaylistRequest(
        mood="greatest hits by queen", length=25, pool=100, max_per_artist=3, max_per_album=2
    )
    playlist = generator_for["none"].generate(request)
    chosen = facts_of(playlist, facts)
    assert playlist.filter_lines == ["artist: Queen"] and len(chosen) == 25
    assert {f.artist for f in chosen} == {"Queen"}
    assert_diverse([f.artist_id for f in chosen], [f.album_id for f in chosen], None, 2)


@pytest.mark.needs_shared_data
def test_diversity_settings_reach_create(cli: Cli, facts: dict[int, Fact]) -> None:
    env = {"PLEXMIX_PLAYLIST__MAX_PER_ARTIST": "1", "PLEXMIX_PLAYLIST__MAX_PER_ALBUM": "1"}
    data = cli.json("create", "rock and roll", "--limit", "30", "--no-plex", env=env)
    by_key = {f.plex_key: f for f in facts.values()}
    chosen = [by_key[k] for k in keys(data)]
    assert len(chosen) == 30 and len({f.artist_id for f in chosen}) == 30


# -- the three tests above, for the library at hand (artists and sizes from its data) ---------------
@pytest.mark.parametrize(("max_artist", "max_album"), [(3, 2), (1, 1), (2, 1)])
def test_diversity_limits_hold_for_the_top_artist_of_any_library(
    generator_for: dict[str, PlaylistGenerator], curator: FakeCurator, facts: dict[int, Fact],
    max_artist: int, max_album: int,
) -> None:
    top = most_playable_artist(facts.values(), max_album)
    genre = main_genre(facts.values(), top)
    mine = [f.id for f in tracks_by(facts.values(), top, genre)]
    assert len(mine) > max_artist, "the curator asks for more than the limit allows"
    offered: list[int] = []

    def respond(ids: list[int]) -> object:
        offered[:] = [i for i in ids if i in set(mine)]
        return curator.answer([(i, "again") for i in [*offered, *mine][:90]] + [(i, "other") for i in ids[:10]])

    curator.respond = respond  # type: ignore[assignment]
    request = PlaylistRequest(mood="stadium anthems", length=30, pool=120,
                              flag_filters=TrackFilters(genres=[genre]),
                              max_per_artist=max_artist, max_per_album=max_album)
    for name, generator in generator_for.items():
        playlist = generator.generate(request)
        chosen = facts_of(playlist, facts)
        assert chosen and all(genre in f.genres for f in chosen)
        assert_diverse([f.artist_id for f in chosen], [f.album_id for f in chosen], max_artist, max_album)
        if name == "openai":
            fits = min(max_artist, reachable([facts[i] for i in offered], max_album))
            assert fits <= sum(f.artist == top for f in chosen) <= max_artist
            assert any("replaced to respect the diversity limits" in n for n in playlist.notes)


def test_an_artist_filter_lifts_the_per_artist_limit_on_any_library(
    generator_for: dict[str, PlaylistGenerator], facts: dict[int, Fact]
) -> None:
    top = most_playable_artist(facts.values(), max_per_album=2)
    fits = reachable(tracks_by(facts.values(), top), 2)
    assert fits > 3, "enough albums to go past the per-artist limit of 3"
    request = PlaylistRequest(mood=f"greatest hits by {top.lower()}", length=25, pool=100, max_per_artist=3,
                              max_per_album=2)
    playlist = generator_for["none"].generate(request)
    chosen = facts_of(playlist, facts)
    assert playlist.filter_lines == [f"artist: {top}"] and {f.artist for f in chosen} == {top}
    songs = {re.split(r"\s+-\s+|\s*[(\[]", f.title.lower(), maxsplit=1)[0].strip()
             for f in tracks_by(facts.values(), top)}
    # The named artist's songs fill the playlist; the album limit holds as far as it can: the
    # tracks within it are as many as the artist's albums allow, the rest only fill the length.
    assert len(chosen) == min(25, len(songs))
    assert reachable(chosen, 2) == min(25, fits)
    if fits >= 25:
        assert_diverse([f.artist_id for f in chosen], [f.album_id for f in chosen], None, 2)


def test_diversity_settings_reach_create_on_any_library(cli: Cli, facts: dict[int, Fact]) -> None:
    genre = min({g for f in facts.values() for g in f.genres},
                key=lambda g: (-len(artists_in(facts.values(), g)), g))
    env = {"PLEXMIX_PLAYLIST__MAX_PER_ARTIST": "1", "PLEXMIX_PLAYLIST__MAX_PER_ALBUM": "1"}
    data = cli.json("create", f"{genre} all night", "--limit", "30", "--no-plex", env=env)
    by_key = {f.plex_key: f for f in facts.values()}
    chosen = [by_key[k] for k in keys(data)]
    assert data["filters"] == [f"genre: {genre}"] and all(genre in f.genres for f in chosen)
    assert len(chosen) == min(30, len(artists_in(facts.values(), genre)))
    assert len({f.artist_id for f in chosen}) == len(chosen)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(artists=st.lists(st.sampled_from("ABCDE"), max_size=14))
def test_spread_artists_keeps_neighbours_apart_whenever_possible(artists: list[str]) -> None:
    items = list(enumerate(artists))  # (position, artist): every item distinct
    spread = spread_artists(items, artist_of=lambda item: item[1])
    assert sorted(spread) == items  # a reordering, nothing lost or added
    order = [a for _, a in spread]
    if artists and max(Counter(artists).values()) <= (len(artists) + 1) // 2:
        assert all(a != b for a, b in pairwise(order)), (artists, order)
    if all(a != b for a, b in pairwise(artists)):
        assert spread == items  # already spaced: left as it is
