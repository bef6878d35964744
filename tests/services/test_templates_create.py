"""``create --template`` through the library API against the emulator, read back from the database.

A template's playlist follows its dynamic options each time it is made: ``genres: [top]`` is the
most played genre (from the plays synced), ``added_within`` the tracks added to Plex in the last N
days; the recipe keeps the template's name and the options unresolved, so a refresh follows the
plays and additions made since. The library here is built afresh per test (the same data and keys
as the template home), so the plays and dates changed here never reach another test.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from radio_world import Here, World, _here, _library, worlds_fixture  # noqa: F401

from plexmix import PlexMix
from plexmix.devserver.library import MusicLibrary
from plexmix.errors import UsageError
from plexmix.playlist.recipe import Recipe
from plexmix.services.refresh import refresh_playlists
from plexmix.storage.models import normalize_tag

DAY = 86400


@pytest.fixture(name="fresh")
def fresh_fixture(worlds: dict[bool, World], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Here]:
    """The plain world's synced home, served from a new copy of its library."""
    yield from _here(World(_library(sonic=False), worlds[False].template), tmp_path, monkeypatch)


def _plays_by_genre(library: MusicLibrary) -> Counter[str]:
    """Plays per genre, from the emulator's own data (each track's viewCount, under each genre)."""
    plays: Counter[str] = Counter()
    for track in library.tracks.values():
        for genre in track.genres:
            plays[normalize_tag(genre)] += track.view_count
    return plays


def _genres_of(here: Here, playlist_id: int) -> list[set[str]]:
    return [set(entry.track.genres) for entry in here.pm.playlist_tracks(playlist_id)]


def _recipe(here: Here, playlist_id: int) -> Recipe:
    saved = next(p for p in here.pm.playlists() if p.id == playlist_id)
    recipe = Recipe.from_json(saved.recipe)
    assert recipe is not None
    return recipe


def test_daily_mix_follows_the_most_played_genre_on_refresh(fresh: Here) -> None:
    plays = _plays_by_genre(fresh.library)
    top, _ = plays.most_common(1)[0]
    made = fresh.pm.create_from_template("daily-mix", limit=10, provider="none")
    playlist_id = int(made.published.playlist_id or 0)
    assert made.published.name == "Daily mix" and made.plex_error is None
    genres = _genres_of(fresh, playlist_id)
    assert len(genres) == 10 and all(top in g for g in genres), (top, genres)
    recipe = _recipe(fresh, playlist_id)
    assert recipe.template == "daily-mix" and recipe.options["genres"] == ["top"]
    assert recipe.options["limit"] == 10 and recipe.options["avoid_recent"] == 2  # the flag won, the rest kept
    assert recipe.command_line().startswith("plexmix create --template daily-mix 'a varied daily mix' --limit 10")

    # Another genre is played a lot more; a sync mirrors the plays and the refresh follows them.
    other = next(g for g, _ in plays.most_common() if g != top)
    tracks = [t for t in fresh.library.tracks.values() if other in map(normalize_tag, t.genres)][:5]
    needed = plays[top] - plays[other] + 1
    for i in range(needed):
        fresh.library.record_play(tracks[i % len(tracks)].rating_key, at=int(time.time()) + 5)
    assert _plays_by_genre(fresh.library).most_common(1)[0][0] == other
    fresh.pm.sync("incremental", embed=False)
    report = refresh_playlists(fresh.pm.context, [str(playlist_id)])
    assert report.changes[0].status == "refreshed", report.changes[0]
    after = _genres_of(fresh, playlist_id)
    assert len(after) == 10 and all(other in g for g in after), (other, after)
    assert _recipe(fresh, playlist_id).options["genres"] == ["top"], "the recipe keeps `top`, not the genre"


def _set_added(library: MusicLibrary, keys: list[int], added_at: int) -> None:
    for key in keys:
        library.update_track(key, added_at=added_at)  # metadata: Plex moves updatedAt too


def _apart(library: MusicLibrary, keys: list[int], count: int) -> list[int]:
    """``count`` of ``keys`` by different artists, from different albums, with different titles:
    the diversity rules keep them all (the data's first tracks may share an album)."""
    chosen: list[int] = []
    seen: set[object] = set()
    for key in keys:
        track = library.tracks[key]
        marks = {("artist", track.artist_key), ("album", track.album_key), ("title", track.title.casefold())}
        if not marks & seen:
            chosen.append(key)
            seen |= marks
        if len(chosen) == count:
            return sorted(chosen)
    raise AssertionError(f"fewer than {count} tracks apart")


def test_new_this_month_follows_what_was_added(fresh: Here) -> None:
    now = int(time.time())
    keys = sorted(fresh.library.tracks)
    first, later = _apart(fresh.library, keys, 3), _apart(fresh.library, keys[::-1], 4)
    _set_added(fresh.library, first, now - 3 * DAY)
    fresh.pm.sync("incremental", embed=False)
    made = fresh.pm.create_from_template("new-this-month", provider="none")
    playlist_id = int(made.published.playlist_id or 0)
    assert made.published.name == "New this month"
    assert sorted(int(e.track.plex_key) for e in fresh.pm.playlist_tracks(playlist_id)) == first
    assert any(line.startswith("added since") for line in made.playlist.filter_lines), made.playlist.filter_lines
    recipe = _recipe(fresh, playlist_id)
    assert recipe.options["added_within"] == 30 and recipe.template == "new-this-month"

    # A month later, as far as the dates go: those three are old, four others are new.
    _set_added(fresh.library, first, now - 90 * DAY)
    _set_added(fresh.library, later, now - DAY)
    fresh.pm.sync("incremental", embed=False)
    change = refresh_playlists(fresh.pm.context, ["New this month"]).changes[0]
    assert change.status == "refreshed" and len(change.removed) == 3 and len(change.added) == 4
    assert sorted(int(e.track.plex_key) for e in fresh.pm.playlist_tracks(playlist_id)) == later


def test_a_template_in_config_replaces_the_built_in_and_flags_win(fresh: Here) -> None:
    config = {"templates": {
        "daily-mix": {"mood": "quiet acoustic morning", "limit": 6, "name": "Morning {weekday}",
                      "description": "Mine"},
        "workout": {"mood": "energetic workout", "limit": 8, "pool": 60, "provider": "none"},
    }}
    (fresh.home / "config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    pm = PlexMix.open(settings={"home": str(fresh.home)})
    sources = {t.name: t.source for t in pm.templates()}
    assert sources["daily-mix"] == "config" and sources["workout"] == "config"
    assert sources["new-this-month"] == "built-in"
    made = pm.create_from_template("daily-mix", provider="none")
    assert made.published.name == time.strftime("Morning %A") and len(made.playlist.tracks) == 6
    recipe = _recipe(fresh, int(made.published.playlist_id or 0))
    assert recipe.mood == "quiet acoustic morning" and "genres" not in recipe.options

    other = pm.create_from_template("workout", "calm piano", limit=4, name="Not a workout")
    recipe = _recipe(fresh, int(other.published.playlist_id or 0))
    assert (recipe.mood, recipe.options["limit"], recipe.options["pool"]) == ("calm piano", 4, 60)
    assert recipe.provider == "none" and other.published.name == "Not a workout"


def test_an_unknown_template_lists_the_known_ones(fresh: Here) -> None:
    with pytest.raises(UsageError) as error:
        fresh.pm.create_from_template("dialy-mix")
    assert "'dialy-mix'" in error.value.message
    assert error.value.hint is not None and "daily-mix, forgotten-favourites" in error.value.hint
    assert fresh.pm.playlists() == []
