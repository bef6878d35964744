"""``--order``: each order has the property it promises, on ~700 real tracks synced from the emulator
and embedded by the real local model (radio_world), through the library API.

smooth: the mean step between consecutive unit vectors well below a random order's; rising and
wind-down: the energy estimate rises (falls) with the position, and on the server with sonic
analysis the data set's own audio energy does too; shuffle: no same artist back to back, the same
order for the same seed; curator: the order the generator made, unchanged; a radio's seed first.
"""

from __future__ import annotations

import random
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
from radio_world import Here, plain_fixture, song_arg, sonic_fixture, unique_titles, worlds_fixture  # noqa: F401

from plexmix.errors import UsageError
from plexmix.playlist.energy import mood_energy
from plexmix.playlist.ordering import ORDERS, check_order, mean_step, order_tracks, unit_vectors
from plexmix.services.create import CreateResult
from plexmix.services.radio import RadioResult
from plexmix.storage.models import Track
from plexmix.storage.vector_index import VectorIndex

MOOD = "songs for a long drive"


def ranks(values: list[float]) -> np.ndarray:
    """Average ranks (ties share their mean rank)."""
    order = np.argsort(values, kind="stable")
    out = np.empty(len(values))
    sorted_values = np.asarray(values)[order]
    i = 0
    while i < len(values):
        j = i
        while j + 1 < len(values) and sorted_values[j + 1] == sorted_values[i]:
            j += 1
        out[order[i:j + 1]] = (i + j) / 2
        i = j + 1
    return out


def spearman(values: list[float]) -> float:
    """The rank correlation of ``values`` with their position."""
    return float(np.corrcoef(ranks(values), np.arange(len(values)))[0, 1])


def vectors_of(here: Here, tracks: list[Track]) -> dict[int, np.ndarray]:
    return unit_vectors(VectorIndex.load(Path(here.pm.settings.index_path)), tracks)


def made(here: Here, order: str | None, limit: int = 30, mood: str = MOOD, plex: bool = False) -> CreateResult:
    return here.pm.create_playlist(mood, limit=limit, order=order, write_to_plex=plex, provider="none",
                                   name=f"{mood} {order}")


def tracks_of(result: CreateResult) -> list[Track]:
    return [item.track for item in result.playlist.tracks]


def test_smooth_steps_are_well_below_a_random_orders(plain: Here) -> None:
    curator = made(plain, None)
    smooth = made(plain, "smooth")
    tracks = tracks_of(smooth)
    assert {t.id for t in tracks} == {t.id for t in tracks_of(curator)}  # the same tracks, reordered
    vectors = vectors_of(plain, tracks)
    rng = random.Random(3)
    randoms = []
    for _ in range(200):
        shuffled = [t.id for t in tracks]
        rng.shuffle(shuffled)
        randoms.append(mean_step(shuffled, vectors))
    random_mean = float(np.mean([r for r in randoms if r is not None]))
    step = mean_step([t.id for t in tracks], vectors)
    assert step is not None and step == smooth.playlist.ordering.mean_step
    # Unit vectors of track texts are far apart in any order (about 1.0); a smooth path is below
    # every one of 200 random orders of the same tracks, and well below their mean.
    assert step < min(r for r in randoms if r is not None) and step < 0.93 * random_mean, (step, random_mean)
    assert step < (curator.playlist.ordering.mean_step or 0)
    assert smooth.playlist.ordering.signals[0] == "embeddings" and "moods" in smooth.playlist.ordering.signals
    data = smooth.as_dict()
    assert data["order"] == "smooth" and data["mean_step_distance"] == step
    assert data["order_signals"] == smooth.playlist.ordering.signals


def test_curator_order_is_the_generators_order_unchanged(plain: Here) -> None:
    default = made(plain, None)
    named = made(plain, "curator")
    keys = [t.plex_key for t in tracks_of(default)]
    assert keys == [t.plex_key for t in tracks_of(named)]
    # With no order the tracks stay as the generator ranked them: the curator "none" keeps the
    # similarity ranking, so the scores do not rise along the playlist.
    assert default.playlist.ordering.order == "curator" and default.playlist.ordering.signals == ["curator"]
    again = order_tracks(tracks_of(default), "curator", vectors=vectors_of(plain, tracks_of(default)))
    assert again.positions == list(range(len(keys)))
    assert default.as_dict()["order"] == "curator"
    assert all(t["energy"] is None for t in default.as_dict()["tracks"])


@pytest.mark.parametrize(("order", "sign"), [("rising", 1), ("wind-down", -1)])
def test_rising_and_wind_down_follow_the_energy_estimate(plain: Here, order: str, sign: int) -> None:
    result = made(plain, order, limit=40, mood="rock and folk")
    data = result.as_dict()
    energy = [t["energy"] for t in data["tracks"]]
    assert all(isinstance(e, float) and 0.0 <= e <= 1.0 for e in energy), energy
    assert sign * spearman(energy) > 0.5, energy
    assert data["order"] == order and data["order_signals"][0] == "moods" and "embeddings" in data["order_signals"]
    artists = [t["artist"] for t in data["tracks"]]
    assert all(a != b for a, b in pairwise(artists))  # still kept apart


def test_rising_follows_the_data_sets_audio_energy_with_sonic_analysis(sonic: Here) -> None:
    """On the server with sonic analysis the estimate also reads Plex's sonic neighbours; the
    resulting order rises with the real audio energy of the data set (not seen by PlexMix)."""
    result = made(sonic, "rising", limit=40, mood="rock and folk", plex=True)
    assert "sonic" in result.playlist.ordering.signals
    truth = [sonic.library.tracks[int(t.plex_key)].sonic for t in tracks_of(result)]
    assert all(s is not None for s in truth)
    assert spearman([s[1] for s in truth if s is not None]) > 0.5
    down = made(sonic, "wind-down", limit=40, mood="rock and folk", plex=True)
    truth = [sonic.library.tracks[int(t.plex_key)].sonic for t in tracks_of(down)]
    assert spearman([s[1] for s in truth if s is not None]) < -0.5


def test_energy_from_the_embeddings_alone_without_moods(plain: Here) -> None:
    """Tracks without mood tags: their projection on the energetic-calm axis (two anchor texts
    embedded by the local model) orders them, and that order agrees with what their moods say."""
    from plexmix.providers.embeddings.local_onnx import LocalOnnxProvider
    from plexmix.storage import library

    with plain.pm.context.open_db() as db:
        tracks = library.get_tracks(db.conn, [int(i) for i in VectorIndex.load(
            Path(plain.pm.settings.index_path)).ids()])
    bare = [Track(id=t.id, plex_key=t.plex_key, title=t.title, artist_id=t.artist_id, artist_name=t.artist_name,
                  genres=t.genres) for t in tracks]
    done = order_tracks(bare, "rising", vectors=vectors_of(plain, bare), embedder=LocalOnnxProvider())
    assert done.ordering.signals == ["embeddings"] and len(tracks) > 600
    energy = [done.ordering.energy[bare[i].id or 0] for i in done.positions]
    assert spearman(energy) > 0.9 and min(energy) == 0.0 and max(energy) == 1.0
    said = [e for i in done.positions if (e := mood_energy(tracks[i].moods)) is not None]
    assert len(said) > 300 and spearman(said) > 0.3  # the moods (hidden from it) rise too


def test_shuffle_keeps_artists_and_albums_apart_and_a_seed_repeats_it(plain: Here) -> None:
    tracks = tracks_of(made(plain, None, limit=40))
    vectors = vectors_of(plain, tracks)
    first = order_tracks(tracks, "shuffle", vectors=vectors, seed=7)
    again = order_tracks(tracks, "shuffle", vectors=vectors, seed=7)
    other = order_tracks(tracks, "shuffle", vectors=vectors, seed=8)
    assert first.positions == again.positions != other.positions
    assert sorted(first.positions) == list(range(len(tracks)))
    for done in (first, other):
        line = [tracks[i] for i in done.positions]
        assert all(a.artist_id != b.artist_id and a.album_id != b.album_id for a, b in pairwise(line))
    # Even a list that is half one artist is spaced out (every other slot).
    half = [t for t in tracks if t.artist_id != tracks[0].artist_id][:10]
    crowd = [Track(id=10_000 + n, plex_key=str(n), title=f"t{n}", artist_id=-1, album_id=-n) for n in range(9)]
    done = order_tracks([*half, *crowd], "shuffle", vectors={}, seed=1)
    line = [[*half, *crowd][i].artist_id for i in done.positions]
    assert all(a != b for a, b in pairwise(line))
    assert done.ordering.mean_step is None  # no vectors: no step distance
    shuffled = made(plain, "shuffle", limit=20)
    assert shuffled.as_dict()["order"] == "shuffle"


def test_a_radio_keeps_its_seed_first_in_every_order(sonic: Here) -> None:
    seed = unique_titles(sonic.library)[3]
    for order in ORDERS:
        result = sonic.pm.radio(song_arg(sonic.library, seed), limit=15, order=order, write_to_plex=False)
        assert isinstance(result, RadioResult)
        keys = [item.track.plex_key for item in result.created.playlist.tracks]
        assert keys[0] == str(seed.rating_key), order
        assert result.as_dict()["order"] == order


def test_an_unknown_order_is_a_usage_error_listing_the_orders(plain: Here) -> None:
    with pytest.raises(UsageError) as raised:
        made(plain, "zigzag")
    assert raised.value.message == "Unknown order 'zigzag'."
    assert raised.value.hint is not None and all(name in raised.value.hint for name in ORDERS)
    assert check_order("Wind_Down") == "wind-down" and check_order(None) == "curator"


def test_mood_words_read_as_energy() -> None:
    assert mood_energy(["Energetic", "Aggressive"]) == 1.0
    assert mood_energy(["Calm/Peaceful"]) == 0.0 and mood_energy(["mellow"]) == 0.0
    assert mood_energy(["Sophisticated", "Literate"]) is None  # no word PlexMix knows: no estimate
    calm, mixed, lively = mood_energy(["Reflective"]), mood_energy(["Romantic", "Cheerful"]), mood_energy(["Playful"])
    assert calm is not None and mixed is not None and lively is not None
    assert 0.0 < calm < mixed < lively < 1.0
