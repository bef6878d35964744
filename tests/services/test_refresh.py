"""``refresh`` and ``extend`` through the library API against the emulator, read back with the real plexapi.

A refresh re-runs the recipe a playlist keeps and replaces the Plex playlist's tracks in place
(same ratingKey), leaving out what was played since; an edit made in Plex is respected unless
forced; a playlist deleted in Plex is reported or made again; a dry run writes nothing. ``extend``
appends tracks that fit, without duplicates, from the recipe or from the playlist's own tracks.
"""

from __future__ import annotations

import threading
import time

import pytest
from plexapi.server import PlexServer
from radio_world import Here, plain_fixture, song_arg, unique_titles, worlds_fixture  # noqa: F401

from plexmix.devserver.library import EmuTrack
from plexmix.errors import PlexMixError, UsageError
from plexmix.playlist.recipe import Recipe
from plexmix.services.create import CreateResult
from plexmix.services.extend import extend_playlist
from plexmix.services.radio import RadioResult
from plexmix.services.refresh import RefreshOptions, refresh_history, refresh_playlists
from plexmix.utils.lock import run_lock


def _server(here: Here) -> PlexServer:
    return PlexServer(here.emu.url, here.emu.token)


def _plex_keys(here: Here, rating_key: str) -> list[str]:
    return [str(item.ratingKey) for item in _server(here).fetchItem(f"/playlists/{rating_key}").items()]


def _make(here: Here, mood: str = "energetic dance party", limit: int = 12) -> CreateResult:
    result = here.pm.create_playlist(mood, limit=limit, name=f"Mix {mood}", provider="none")
    assert result.plex_error is None and result.published.plex_key
    return result


def _play(here: Here, keys: list[str]) -> None:
    """Plays of these tracks now (on Plex), mirrored by an incremental sync."""
    for key in keys:
        here.library.record_play(int(key), at=int(time.time()) + 5)
    here.pm.sync("incremental", embed=False)


def test_create_keeps_its_recipe_and_refresh_replaces_in_place(plain: Here) -> None:
    made = _make(plain)
    key = made.published.plex_key
    assert key is not None
    saved = plain.pm.playlists()[0]
    recipe = Recipe.from_json(saved.recipe)
    assert recipe is not None and recipe.command == "create" and recipe.mood == "energetic dance party"
    assert recipe.options["limit"] == 12 and recipe.provider == "none"
    assert saved.refreshed_at is None and saved.written_keys == ",".join(_plex_keys(plain, key))
    before = _plex_keys(plain, key)
    played = before[:4]
    _play(plain, played)

    report = refresh_playlists(plain.pm.context, [saved.name])
    change = report.changes[0]
    after = _plex_keys(plain, key)
    assert change.status == "refreshed" and change.plex_key == key  # the same Plex playlist
    assert not set(played) & set(after), "what was played since is left out"
    assert len(after) == 12 and after != before
    assert len(change.removed) >= 4 and len(change.added) == len(change.removed)
    assert change.kept == 12 - len(change.added)
    assert change.command.startswith("plexmix create 'energetic dance party' --limit 12")
    again = plain.pm.playlists()[0]
    assert again.id == saved.id and again.refreshed_at is not None
    assert again.written_keys == ",".join(after)
    assert [e.track.plex_key for e in plain.pm.playlist_tracks(int(again.id or 0))] == after
    run = refresh_history(plain.pm.context)[0]
    assert (run.status, run.trigger, run.refreshed, run.added) == ("completed", "manual", 1, len(change.added))


def test_dry_run_shows_the_change_and_writes_nothing(plain: Here) -> None:
    made = _make(plain)
    key = made.published.plex_key
    assert key is not None
    before = _plex_keys(plain, key)
    _play(plain, before[:3])
    report = refresh_playlists(plain.pm.context, [str(made.published.playlist_id)],
                               options=RefreshOptions(dry_run=True))
    assert report.dry_run and report.run_id is None
    assert report.changes[0].status == "refreshed" and len(report.changes[0].removed) >= 3
    assert _plex_keys(plain, key) == before
    assert plain.pm.playlists()[0].refreshed_at is None
    assert refresh_history(plain.pm.context) == []


def test_an_edit_in_plex_is_respected_unless_forced(plain: Here) -> None:
    made = _make(plain)
    key = made.published.plex_key
    assert key is not None
    playlist = _server(plain).fetchItem(f"/playlists/{key}")
    playlist.removeItems([playlist.items()[0]])  # the user edits it in Plex
    edited = _plex_keys(plain, key)
    report = refresh_playlists(plain.pm.context, [], every=True)
    assert report.changes[0].status == "skipped" and "edited in Plex" in (report.changes[0].reason or "")
    assert _plex_keys(plain, key) == edited
    forced = refresh_playlists(plain.pm.context, [], every=True, options=RefreshOptions(force=True))
    assert forced.changes[0].status in ("refreshed", "unchanged")
    assert len(_plex_keys(plain, key)) == 12 and _plex_keys(plain, key) != edited


def test_a_playlist_deleted_in_plex_is_reported_or_made_again(plain: Here) -> None:
    made = _make(plain)
    key = made.published.plex_key
    assert key is not None
    _server(plain).fetchItem(f"/playlists/{key}").delete()
    report = refresh_playlists(plain.pm.context, [made.published.name])
    assert report.changes[0].status == "skipped" and "--recreate" in (report.changes[0].reason or "")
    again = refresh_playlists(plain.pm.context, [made.published.name], options=RefreshOptions(recreate=True))
    change = again.changes[0]
    assert change.status == "recreated" and change.plex_key not in (None, key)
    assert change.plex_key is not None and len(_plex_keys(plain, change.plex_key)) == 12
    assert plain.pm.playlists()[0].plex_key == change.plex_key
    assert [p.title for p in _server(plain).playlists()].count(made.published.name) == 1


def test_radio_and_journey_recipes_keep_their_seeds(plain: Here) -> None:
    lib = plain.library
    seed, end = unique_titles(lib)[:2]
    radio = plain.pm.radio(song_arg(lib, seed), limit=10, name="Seed radio")
    assert isinstance(radio, RadioResult)
    plain.pm.journey(song_arg(lib, seed), song_arg(lib, end), steps=6, name="A journey")
    recipes = {p.name: Recipe.from_json(p.recipe) for p in plain.pm.playlists()}
    radio_recipe, journey_recipe = recipes["Seed radio"], recipes["A journey"]
    assert radio_recipe is not None and radio_recipe.command == "radio"
    assert radio_recipe.seed["keys"][0] == str(seed.rating_key)
    assert journey_recipe is not None and journey_recipe.options["steps"] == 6
    assert journey_recipe.seed["start"]["keys"][0] == str(seed.rating_key)
    report = refresh_playlists(plain.pm.context, [], every=True)
    assert [c.status for c in report.changes] in (["unchanged", "unchanged"], ["refreshed", "unchanged"],
                                                   ["unchanged", "refreshed"], ["refreshed", "refreshed"])
    by_name = {c.name: c for c in report.changes}
    journey_keys = _plex_keys(plain, str(by_name["A journey"].plex_key))
    assert journey_keys[0] == str(seed.rating_key) and journey_keys[-1] == str(end.rating_key)
    assert _plex_keys(plain, str(by_name["Seed radio"].plex_key))[0] == str(seed.rating_key)


def test_refreshes_are_serialized_by_the_run_lock(plain: Here) -> None:
    _make(plain)
    home = plain.pm.settings.home
    with run_lock(home, wait=0), pytest.raises(PlexMixError) as busy:
        refresh_playlists(plain.pm.context, [], every=True, options=RefreshOptions(wait=0))
    assert "pid" in busy.value.message
    released: list[float] = []
    holding = threading.Event()

    def hold() -> None:
        with run_lock(home, wait=0):
            holding.set()
            time.sleep(1.0)
            released.append(time.time())

    worker = threading.Thread(target=hold)
    worker.start()
    holding.wait(5)
    report = refresh_playlists(plain.pm.context, [], every=True, options=RefreshOptions(wait=30))
    worker.join()
    run = refresh_history(plain.pm.context)[0]
    assert report.changes and run.id == report.run_id
    assert run.started_at >= int(released[0]), "the refresh started only once the other run let go"


def test_extend_appends_from_the_recipe_without_duplicates(plain: Here) -> None:
    made = _make(plain, limit=8)
    key = made.published.plex_key
    assert key is not None
    before = _plex_keys(plain, key)
    result = extend_playlist(plain.pm.context, made.published.name, 5)
    after = _plex_keys(plain, key)
    assert result.based_on == "its recipe" and len(result.added) == 5 and result.total == 13
    assert after[:8] == before and len(after) == 13 and len(set(after)) == 13
    saved = plain.pm.playlists()[0]
    assert saved.track_count == 13 and saved.written_keys == ",".join(after)


def test_extend_grows_a_plex_playlist_from_its_tracks(plain: Here) -> None:
    server = _server(plain)
    lib = plain.library
    def rocks(t: EmuTrack) -> bool:
        return "rock" in {g.casefold() for g in t.genres}

    rock = [t for t in lib.tracks.values() if rocks(t)][:6]
    assert len(rock) == 6
    items = [server.fetchItem(t.rating_key) for t in rock]
    playlist = server.createPlaylist("Made in Plex", items=items)
    dry = extend_playlist(plain.pm.context, "Made in Plex", 6, dry_run=True)
    assert dry.dry_run and len(dry.added) == 6 and len(playlist.items()) == 6
    result = extend_playlist(plain.pm.context, "Made in Plex", 6)
    keys = _plex_keys(plain, str(playlist.ratingKey))
    assert result.based_on == "its tracks" and result.playlist_id is None
    assert keys[:6] == [str(t.rating_key) for t in rock] and len(set(keys)) == 12
    added = [lib.tracks[int(k)] for k in keys[6:]]
    share = sum(rocks(t) for t in added) / len(added)
    everywhere = sum(rocks(t) for t in lib.tracks.values()) / len(lib.tracks)
    assert share > everywhere, "the added tracks lean to the playlist's genre"


def test_unknown_playlists_are_clear_errors(plain: Here) -> None:
    with pytest.raises(UsageError, match="no playlist 'nope'"):
        refresh_playlists(plain.pm.context, ["nope"])
    with pytest.raises(UsageError, match="--all"):
        refresh_playlists(plain.pm.context, [])
    with pytest.raises(UsageError, match="No playlist 'nope'"):
        extend_playlist(plain.pm.context, "nope", 3)


def test_plex_unreachable_fails_each_playlist_and_keeps_the_copy(plain: Here) -> None:
    from plexmix import PlexMix

    made = _make(plain)
    before = [e.track.plex_key for e in plain.pm.playlist_tracks(made.published.playlist_id)]
    offline = PlexMix.open(settings={"home": str(plain.home), "plex.url": "http://127.0.0.1:9"})
    report = offline.refresh(every=True)
    change = report.changes[0]
    assert report.failed and change.status == "failed" and "Plex could not be reached" in (change.reason or "")
    assert [e.track.plex_key for e in plain.pm.playlist_tracks(made.published.playlist_id)] == before
    run = offline.refresh_history()[0]
    assert (run.status, run.failed, run.refreshed) == ("failed", 1, 0)
