"""Ranking modes (``--mode``) move the picks in the expected direction on the emulator's data.

The library is radio_world's (~700 real tracks; plays, ratings, skips and history derived by the
emulator and synced through the library API). Each mode makes playlists for the same moods and
the test measures what it picked: plays, ratings, the age of the last play. Plus the blend
itself on a hand-made ranking (a skipped track below an equal unskipped one).
"""

from __future__ import annotations

from statistics import mean

import pytest
from radio_world import Here, plain_fixture, song_arg, unique_titles, worlds_fixture  # noqa: F401 - fixtures

from plexmix.errors import UsageError
from plexmix.playlist.export import playlist_json
from plexmix.playlist.modes import MODES, SKIP_WEIGHT, Signals, blend, check_mode, history_score
from plexmix.services.radio import RadioResult
from plexmix.storage.models import Track

MOODS = ("calm evening", "energetic workout", "happy summer party", "melancholic rainy day", "late night drive")
NOW = 1_750_000_000
DAY = 86400


def _picks(here: Here, mode: str) -> list[Track]:
    tracks: list[Track] = []
    for mood in MOODS:
        result = here.pm.create_playlist(mood, limit=15, mode=mode, write_to_plex=False, name=f"{mode} {mood}")
        assert result.playlist.mode == mode
        tracks += [item.track for item in result.playlist.tracks]
    return tracks


def _rating(t: Track) -> float:
    return t.rating if t.rating is not None else 0.0


def test_modes_move_the_picks_in_the_expected_direction(plain: Here) -> None:
    picks = {mode: _picks(plain, mode) for mode in MODES}
    plays = {mode: mean(t.play_count for t in tracks) for mode, tracks in picks.items()}
    love = {mode: mean(_rating(t) for t in tracks) for mode, tracks in picks.items()}
    assert plays["favourites"] > plays["balanced"] > plays["discover"], plays
    assert love["favourites"] > love["balanced"], love
    # discover: mostly never or rarely played, more so than the balanced picks
    rare = {mode: mean(t.play_count <= 1 for t in tracks) for mode, tracks in picks.items()}
    assert rare["discover"] >= 0.8 and rare["discover"] > rare["balanced"], rare
    # rediscover: loved once, last played longer ago than what balanced picks
    newest = max(t.last_played or 0 for tracks in picks.values() for t in tracks)

    def age(tracks: list[Track]) -> float:
        return mean((newest - t.last_played) / DAY for t in tracks if t.last_played is not None)

    ages = {mode: age(picks[mode]) for mode in ("balanced", "favourites", "rediscover")}
    assert ages["rediscover"] > max(ages["balanced"], ages["favourites"]), ages
    assert mean(t.play_count + _rating(t) for t in picks["rediscover"]) > mean(
        t.play_count + _rating(t) for t in picks["discover"]
    )


def test_radio_takes_the_mode_too(plain: Here) -> None:
    lib = plain.library
    plays: dict[str, list[int]] = {"favourites": [], "discover": []}
    for seed in unique_titles(lib)[:3]:
        for mode in plays:
            result = plain.pm.radio(song_arg(lib, seed), limit=12, mode=mode, write_to_plex=False)
            assert isinstance(result, RadioResult) and result.created.playlist.mode == mode
            plays[mode] += [item.track.play_count for item in result.created.playlist.tracks[1:]]  # not the seed
    assert mean(plays["favourites"]) > mean(plays["discover"]), plays


def test_json_gives_each_tracks_history_signals(plain: Here) -> None:
    result = plain.pm.create_playlist("calm evening", limit=8, mode="favourites", write_to_plex=False)
    data = playlist_json(result.playlist, name="Fav", plex_key=None)
    assert data["mode"] == "favourites"
    for item, out in zip(result.playlist.tracks, data["tracks"], strict=True):
        history = out["history"]
        assert history["plays"] == item.track.play_count and history["skips"] == item.track.skip_count
        assert history["rating"] == item.track.rating
        assert (history["last_played"] is None) == (item.track.last_played is None)
        if history["last_played"] is not None:
            assert history["last_played"].endswith("Z") and history["last_played"][:2] in ("19", "20")
        assert 0.0 <= history["mode_score"] <= 1.0


def test_an_unknown_mode_is_a_usage_error_listing_the_modes(plain: Here) -> None:
    with pytest.raises(UsageError) as err:
        plain.pm.create_playlist("calm evening", limit=5, mode="loudest", write_to_plex=False)
    assert err.value.hint is not None and all(mode in err.value.hint for mode in MODES)
    assert check_mode(None) == "balanced" and check_mode(" Discover ") == "discover"


def _signals(plays: int = 0, skips: int = 0, rating: float | None = None, last: int | None = None) -> Signals:
    return Signals(plays=plays, skips=skips, rating=rating, last_played=last)


def test_balanced_ranks_a_skipped_track_below_an_equal_unskipped_one() -> None:
    ranked = [(1, 0.5), (2, 0.5), (3, 0.4)]
    signals = {1: _signals(plays=2, skips=6), 2: _signals(plays=2), 3: _signals()}
    scores: dict[int, float] = {}
    order = [tid for tid, _ in blend("balanced", ranked, signals, NOW, scores)]
    assert order.index(2) < order.index(1)  # same similarity, the skipped one after
    assert dict(blend("balanced", ranked, signals, NOW))[2] == 0.5  # an unskipped score is unchanged
    assert scores[1] == pytest.approx(1 - SKIP_WEIGHT * 6 / 9, abs=1e-4) and scores[2] == 1.0
    # without skips, balanced is the similarity order itself
    plain = {tid: _signals(plays=tid) for tid, _ in ranked}
    assert blend("balanced", ranked, plain, NOW) == ranked


def test_history_scores_follow_each_modes_meaning() -> None:
    loved_old = _signals(plays=30, rating=10.0, last=NOW - 900 * DAY)
    loved_recent = _signals(plays=30, rating=10.0, last=NOW - 2 * DAY)
    never = _signals()
    assert history_score("favourites", loved_recent, NOW) > history_score("favourites", never, NOW)
    assert history_score("discover", never, NOW) > history_score("discover", loved_recent, NOW)
    assert history_score("rediscover", loved_old, NOW) > history_score("rediscover", loved_recent, NOW)
    assert history_score("rediscover", loved_old, NOW) > history_score("rediscover", never, NOW)
    lately = Signals(plays=30, skips=0, rating=10.0, last_played=NOW - 900 * DAY, recent_plays=3)
    assert history_score("rediscover", lately, NOW) < history_score("rediscover", loved_old, NOW)
    for mode in MODES:
        skipped = _signals(plays=30, skips=40, rating=10.0, last=NOW - 900 * DAY)
        assert history_score(mode, skipped, NOW) < history_score(mode, loved_old, NOW)
