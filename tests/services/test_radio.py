"""``radio``: songs like a seed, through the library API against the emulator with the real plexapi.

With sonic analysis the seed's sonically similar tracks (``/nearest``) join the fusion and the
result says so; without it (the emulator's switch), or when Plex fails, the embeddings and the
shared tags alone rank the songs. Seeds: a song ("Title - Artist", a ratingKey, a search), an
artist, an album, a playlist; ambiguous and unknown seeds are clear errors.
"""

from __future__ import annotations

import sqlite3
from collections import Counter

import pytest
from playlist_helpers import Expect, load_facts
from radio_world import (  # noqa: F401 - fixtures
    NEAREST,
    Here,
    plain_fixture,
    rms,
    song_arg,
    sonic_fixture,
    unique_titles,
    worlds_fixture,
)

from plexmix.devserver.faults import Fault
from plexmix.errors import UsageError
from plexmix.playlist.radio import AmbiguousSeedError
from plexmix.services.radio import RadioPlan, RadioResult


def facts(here: Here) -> dict[str, object]:
    with sqlite3.connect(here.home / "plexmix.db") as conn:
        return {f.plex_key: f for f in load_facts(conn).values()}


def made(result: RadioResult | RadioPlan) -> RadioResult:
    assert isinstance(result, RadioResult)
    return result


def test_with_sonic_analysis_plex_neighbours_join_the_ranking(sonic: Here) -> None:
    lib = sonic.library
    seed = unique_titles(lib)[0]
    sonic.emu.reset_counts()
    result = made(sonic.pm.radio(song_arg(lib, seed), limit=15, name="Radio"))
    keys = [item.track.plex_key for item in result.created.playlist.tracks]
    assert sonic.emu.request_counts[NEAREST] == 1
    assert result.signals[:2] == ["sonic", "embeddings"] and "tags" in result.signals
    assert result.as_dict()["signals"] == result.signals and result.as_dict()["seed"]["kind"] == "track"
    assert keys[0] == str(seed.rating_key) and keys.count(str(seed.rating_key)) == 1
    assert len(keys) == 15 and len(set(keys)) == 15
    # Plex's neighbours pull the radio closer to the seed's sound than the local signals alone.
    local = made(sonic.pm.radio(song_arg(lib, seed), limit=15, write_to_plex=False))
    assert "sonic" not in local.signals

    def mean_distance(r: RadioResult) -> float:
        rest = [lib.tracks[int(item.track.plex_key)] for item in r.created.playlist.tracks[1:]]
        return sum(rms(seed, t) for t in rest) / len(rest)

    library_mean = sum(rms(seed, t) for t in lib.tracks.values()) / len(lib.tracks)
    assert mean_distance(result) < 0.8 * mean_distance(local), (mean_distance(result), mean_distance(local))
    assert mean_distance(result) < 0.6 * library_mean
    assert result.created.published.plex_key is not None  # written to the server
    assert [p.track_keys for p in sonic.emu.playlists.find()] == [[int(k) for k in keys]]


def test_without_sonic_analysis_the_local_signals_alone(plain: Here) -> None:
    lib = plain.library
    seed = unique_titles(lib)[1]
    plain.emu.reset_counts()
    result = made(plain.pm.radio(song_arg(lib, seed), limit=20, name="Local radio"))
    assert plain.emu.request_counts[NEAREST] == 0  # nothing analysed: Plex is not asked
    assert "sonic" not in result.signals and result.signals[:2] == ["embeddings", "tags"]
    tracks = result.created.playlist.tracks
    assert len(tracks) == 20 and tracks[0].track.plex_key == str(seed.rating_key)
    known = facts(plain)
    top = Counter(g for g in known[str(seed.rating_key)].genre_tags).most_common(1)[0][0]
    sharing = sum(top in known[t.track.plex_key].genre_tags for t in tracks[1:]) / (len(tracks) - 1)
    library_share = sum(top in f.genre_tags for f in known.values()) / len(known)
    assert sharing >= 0.7 and sharing > library_share + 0.2, (top, sharing, library_share)


def test_a_failing_sonic_answer_leaves_a_note_and_the_local_signals(sonic: Here) -> None:
    lib = sonic.library
    fault = Fault(status=500, first_n=50, path_contains="/nearest")
    sonic.emu.hooks.faults.append(fault)
    result = made(sonic.pm.radio(song_arg(lib, unique_titles(lib)[2]), limit=10, name="Despite"))
    assert fault.fired >= 1 and "sonic" not in result.signals
    assert any("sonically similar tracks could not be read" in n for n in result.created.playlist.notes)
    assert len(result.created.playlist.tracks) == 10


@pytest.mark.parametrize("here_name", ["sonic", "plain"])
def test_filters_hold_on_every_track(here_name: str, request: pytest.FixtureRequest) -> None:
    here: Here = request.getfixturevalue(here_name)
    lib = here.library
    known = facts(here)
    seed = next(t for t in unique_titles(lib) if "pop" in known[str(t.rating_key)].genre_tags
                and (known[str(t.rating_key)].year or 0) >= 2010)
    result = made(here.pm.radio(song_arg(lib, seed), limit=12, genres=["pop"], year="2010-2020",
                                name="Filtered", write_to_plex=here_name == "sonic"))
    expect = Expect(genres={"pop"}, year_min=2010, year_max=2020)
    tracks = result.created.playlist.tracks
    assert len(tracks) == 12
    for item in tracks:
        assert expect.ok(known[item.track.plex_key]), known[item.track.plex_key]


def test_artist_album_and_playlist_seeds(plain: Here) -> None:
    lib = plain.library
    artist = Counter(lib.artists[t.artist_key].title for t in lib.tracks.values()).most_common(1)[0][0]
    by_artist = made(plain.pm.radio(artist=artist.upper(), limit=10, write_to_plex=False))
    assert by_artist.seed.kind == "artist" and by_artist.seed.label == artist
    assert len(by_artist.created.playlist.tracks) == 10

    album = next(a for a in lib.albums.values() if sum(b.title == a.title for b in lib.albums.values()) == 1
                 and a.title.isascii() and len(a.title) > 5)
    album_artist = lib.artists[album.artist_key].title
    album_keys = {str(t.rating_key) for t in lib.tracks.values() if t.album_key == album.rating_key}
    for text in (album.title, f"{album.title} - {album_artist}"):
        by_album = made(plain.pm.radio(album=text, limit=10, write_to_plex=False))
        assert by_album.seed.kind == "album" and by_album.seed.label == f"{album.title} by {album_artist}"
        assert len(by_album.seed.track_ids) == len(album_keys)
        assert len(by_album.created.playlist.tracks) == 10

    first = plain.pm.create_playlist("calm evening", limit=5, name="Evening", write_to_plex=False)
    by_playlist = made(plain.pm.radio(playlist="evening", limit=8, write_to_plex=False))
    assert by_playlist.seed.kind == "playlist" and len(by_playlist.seed.track_ids) == 5
    assert by_playlist.seed.label == "playlist Evening" and first.published.playlist_id is not None
    assert len(by_playlist.created.playlist.tracks) == 8


def test_a_plex_playlist_is_a_seed_too(sonic: Here) -> None:
    lib = sonic.library
    from plexapi.server import PlexServer

    server = PlexServer(sonic.emu.url, sonic.emu.token, timeout=10)
    server.createPlaylist("Made in Plex", items=server.fetchItems(sorted(lib.tracks)[:4]))
    result = made(sonic.pm.radio(playlist="Made in Plex", limit=6))
    assert result.seed.kind == "playlist" and len(result.seed.track_ids) == 4


def test_a_ratingkey_and_an_exact_title_are_seeds(plain: Here) -> None:
    lib = plain.library
    seed = unique_titles(lib)[3]
    by_key = made(plain.pm.radio(str(seed.rating_key), limit=5, write_to_plex=False))
    by_title = made(plain.pm.radio(seed.title.lower(), limit=5, write_to_plex=False))
    assert by_key.seed.track_ids[0] == by_title.seed.track_ids[0]
    assert by_key.created.playlist.tracks[0].track.plex_key == str(seed.rating_key)


def test_ambiguous_and_unknown_seeds_are_clear_errors(plain: Here) -> None:
    lib = plain.library
    words = Counter(w for t in lib.tracks.values() for w in t.title.lower().split() if len(w) > 3)
    word = next(w for w, n in words.most_common() if n >= 3)
    with pytest.raises(AmbiguousSeedError) as caught:
        plain.pm.radio(word, limit=5, write_to_plex=False)
    error = caught.value
    assert len(error.choices) >= 2 and error.exit_code == 2 and error.hint
    assert all(c.label in error.message for c in error.choices)
    with pytest.raises(UsageError, match="No song matching 'zzqxv nothing'"):
        plain.pm.radio("zzqxv nothing", limit=5, write_to_plex=False)
    with pytest.raises(UsageError, match="Give one seed"):
        plain.pm.radio("a song", artist="someone")


def test_an_interactive_pick_resolves_an_ambiguous_seed(plain: Here) -> None:
    from plexmix.services.radio import RadioSeed, make_radio

    lib = plain.library
    words = Counter(w for t in lib.tracks.values() for w in t.title.lower().split() if len(w) > 3)
    word = next(w for w, n in words.most_common() if n >= 3)
    offered: list[int] = []

    def choose(choices: list) -> object:  # type: ignore[type-arg]
        offered.append(len(choices))
        return choices[1]

    result = make_radio(plain.pm.context, RadioSeed(song=word), limit=5, write_to_plex=False, choose=choose)
    assert offered and offered[0] >= 2
    assert result.created.playlist.tracks[0].track.id == result.seed.track_ids[0]


def test_dry_run_writes_nothing(sonic: Here) -> None:
    lib = sonic.library
    sonic.emu.reset_counts()
    plan = sonic.pm.radio(song_arg(lib, unique_titles(lib)[0]), limit=10, dry_run=True)
    assert isinstance(plan, RadioPlan)
    data = plan.as_dict()
    assert data["seed"]["kind"] == "track" and data["signals"][:2] == ["embeddings", "tags"]
    assert data["candidates"] >= 10 and sonic.emu.total_requests == 0
    assert sonic.pm.playlists() == []
