"""``--order`` through the CLI, the recipe and ``refresh``/``extend``, against the emulator (radio_world).

The CLI's ``create`` and ``radio`` take ``--order`` and print the order, its signals and the mean
step distance in ``--json`` and under the table; an unknown order is a clean usage error. The
recipe keeps the order, so a refresh orders the new tracks the same way; ``extend`` appends
without moving the tracks already there.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from playlist_helpers import Cli, assert_clean_error
from plexapi.server import PlexServer
from radio_world import Here, plain_fixture, song_arg, unique_titles, worlds_fixture  # noqa: F401

from plexmix.playlist.energy import estimate_energy
from plexmix.playlist.ordering import ORDERS, unit_vectors
from plexmix.playlist.recipe import Recipe
from plexmix.providers.embeddings.local_onnx import LocalOnnxProvider
from plexmix.services.extend import extend_playlist
from plexmix.services.refresh import refresh_playlists
from plexmix.storage import library
from plexmix.storage.similar import track_ids_by_plex_key
from plexmix.storage.vector_index import VectorIndex


def _plex_keys(here: Here, rating_key: str) -> list[str]:
    server = PlexServer(here.emu.url, here.emu.token)
    return [str(item.ratingKey) for item in server.fetchItem(f"/playlists/{rating_key}").items()]


def _rank_correlation(values: list[float]) -> float:
    ranks = np.argsort(np.argsort(values, kind="stable"), kind="stable")
    return float(np.corrcoef(ranks, np.arange(len(values)))[0, 1])


def _energy_along(here: Here, keys: list[str]) -> list[float]:
    """The energy estimate (moods and the embeddings' axis, as the server has no sonic analysis)
    of the tracks of ``keys``, in that order, computed afresh for this set."""
    with here.pm.context.open_db() as db:
        ids = track_ids_by_plex_key(db.conn, keys)
        tracks = library.get_tracks(db.conn, [ids[k] for k in keys])
    vectors = unit_vectors(VectorIndex.load(Path(here.pm.settings.index_path)), tracks)
    energy = estimate_energy(tracks, vectors, embedder=LocalOnnxProvider())
    return [energy.by_id[t.id or 0] for t in tracks]


def test_cli_create_and_radio_take_order_and_report_it(plain: Here) -> None:
    cli = Cli({})
    data = cli.json("create", "songs for a long drive", "--order", "smooth", "--limit", "15", "--name", "Drive",
                    "--provider", "none")
    assert data["order"] == "smooth" and data["order_signals"][0] == "embeddings"
    assert isinstance(data["mean_step_distance"], float) and 0 < data["mean_step_distance"] < 2
    assert len(data["tracks"]) == 15 and all(t["energy"] is None for t in data["tracks"])
    seed = unique_titles(plain.library)[5]
    radio = cli.json("radio", song_arg(plain.library, seed), "--order", "rising", "--limit", "12", "--no-plex")
    assert radio["order"] == "rising" and radio["tracks"][0]["plex_key"] == str(seed.rating_key)
    assert all(isinstance(t["energy"], float) for t in radio["tracks"]) and "moods" in radio["order_signals"]
    shown = cli("create", "songs for a long drive", "--order", "wind-down", "--limit", "10", "--name", "Down",
                "--provider", "none", "--no-plex")
    assert shown.exit_code == 0, shown.output
    assert "order wind-down by moods, embeddings; mean step" in " ".join(shown.output.split())


def test_cli_unknown_order_is_a_clean_usage_error(plain: Here) -> None:
    result = Cli({})("create", "songs for a long drive", "--order", "zigzag", "--no-plex", "--limit", "5")
    assert_clean_error(result, 2, "Unknown order 'zigzag'.", ", ".join(ORDERS))
    radio = Cli({})("radio", song_arg(plain.library, unique_titles(plain.library)[0]), "--order", "up",
                    "--no-plex", "--yes")
    assert_clean_error(radio, 2, "Unknown order 'up'.")


def test_the_recipe_keeps_the_order_and_a_refresh_applies_it(plain: Here) -> None:
    made = plain.pm.create_playlist("rock and folk", limit=30, order="wind-down", name="Evening", provider="none")
    key = made.published.plex_key
    assert key is not None and made.plex_error is None
    recipe = Recipe.from_json(plain.pm.playlists()[0].recipe)
    assert recipe is not None and recipe.options["order"] == "wind-down"
    assert "--order wind-down" in recipe.command_line()
    for played in _plex_keys(plain, key)[:8]:  # played since: the refresh replaces them
        plain.library.record_play(int(played), at=int(time.time()) + 5)
    plain.pm.sync("incremental", embed=False)
    report = refresh_playlists(plain.pm.context, ["Evening"])
    assert report.changes[0].status == "refreshed" and "--order wind-down" in report.changes[0].command
    after = _plex_keys(plain, key)
    assert len(after) == 30 and len(report.changes[0].added) >= 8
    assert _rank_correlation(_energy_along(plain, after)) < -0.5  # calm last, as the recipe asked


def test_extend_keeps_the_tracks_in_place_and_orders_only_the_new(plain: Here) -> None:
    made = plain.pm.create_playlist("rock and folk", limit=10, order="rising", name="Up", provider="none")
    key = made.published.plex_key
    assert key is not None
    before = _plex_keys(plain, key)
    result = extend_playlist(plain.pm.context, "Up", 8)
    after = _plex_keys(plain, key)
    assert after[:10] == before and len(after) == 18 and len(result.added) == 8
    assert _rank_correlation(_energy_along(plain, after[10:])) > 0.5  # the new ones rise among themselves
