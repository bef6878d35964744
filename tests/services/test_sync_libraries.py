"""Several music libraries (issue 13): each synced exactly into its own source, kept apart by
search and create, removed when dropped from the set; a movie section is never read."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from plexmix.cli.main import app
from plexmix.devserver.csv_loader import DEMO_PATH, load_library
from plexmix.devserver.library import ManualClock, MusicLibrary
from plexmix.devserver.sections import DEMO_MOVIES, split_library
from plexmix.devserver.server import PlexEmulator
from plexmix.storage.sources import all_sources
from plexmix.storage.sqlite_manager import SQLiteManager

runner = CliRunner()


def _split() -> tuple[MusicLibrary, MusicLibrary]:
    music = load_library(DEMO_PATH, limit=400, clock=ManualClock())
    counts = Counter(g for album in music.albums.values() for g in album.genres[:1])
    genre = counts.most_common(2)[1][0]  # the second most common album genre: a real split
    return music, split_library(music, "Second", [genre], section_key=2)


@pytest.fixture
def two(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[PlexEmulator, MusicLibrary, MusicLibrary]]:
    music, second = _split()
    with PlexEmulator([music, second], extra_sections=[("movie", "Movies", DEMO_MOVIES)]) as emu:
        monkeypatch.setenv("PLEX_URL", emu.url)
        monkeypatch.setenv("PLEX_TOKEN", emu.token)
        monkeypatch.setenv("DEFAULT_AI_PROVIDER", "none")
        yield emu, music, second


def sync(*args: str) -> dict[str, Any]:
    result = runner.invoke(app, ["sync", *args, "--no-embeddings", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def keys_by_library(home: Path) -> dict[str, set[str]]:
    with SQLiteManager(home / "plexmix.db") as db:
        titles = {s.id: s.title for s in all_sources(db.conn)}
        out: dict[str, set[str]] = {title: set() for title in titles.values()}
        for key, source in db.conn.execute("SELECT plex_key, source_id FROM tracks"):
            out[titles[source]].add(key)
    return out


def test_each_library_is_synced_exactly_into_its_own_source(two: Any, isolated_env: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    emu, music, second = two
    monkeypatch.setenv("PLEX_LIBRARIES", "Music, Second")
    data = sync("full")
    assert set(data["libraries"]) == {"Music", "Second"}
    assert data["libraries"]["Second"]["added"] == len(second.tracks)
    assert data["added"] == len(music.tracks) + len(second.tracks)
    stored = keys_by_library(isolated_env)
    assert stored == {"Music": {str(k) for k in music.tracks}, "Second": {str(k) for k in second.tracks}}
    with SQLiteManager(isolated_env / "plexmix.db") as db:  # albums and artists are kept apart too
        rows = db.conn.execute("SELECT s.title, COUNT(*) FROM albums a JOIN sources s ON s.id = a.source_id "
                               "GROUP BY s.title").fetchall()
        assert dict(rows) == {"Music": len(music.albums), "Second": len(second.albums)}
        assert {s.server_id for s in all_sources(db.conn)} == {emu.machine_identifier}
    # An edit in one library: the next incremental sync of both finds it, from that library's watermark.
    key = sorted(second.tracks)[0]
    second.clock.advance(60)
    second.update_track(key, title="Renamed in Second")
    again = sync()
    assert again["libraries"]["Second"]["updated"] == 1 and again["libraries"]["Music"]["updated"] == 0
    assert keys_by_library(isolated_env) == stored


def test_search_and_create_keep_to_the_library_asked_for(two: Any, isolated_env: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    second = two[2]
    monkeypatch.setenv("PLEX_LIBRARIES", "all")
    sync("full")
    second_keys = {str(k) for k in second.tracks}
    word = next(iter(second.tracks.values())).title.split()[0]  # a word found in Second for sure
    both = runner.invoke(app, ["search", word, "--limit", "200", "--json"])
    assert both.exit_code == 0, both.output
    hits = {h["plex_key"] for h in json.loads(both.stdout)["results"]}
    assert hits & second_keys  # without --library: every configured library
    only = runner.invoke(app, ["search", word, "--limit", "200", "--library", "Music", "--json"])
    assert only.exit_code == 0, only.output
    found = {h["plex_key"] for h in json.loads(only.stdout)["results"]}
    assert found and not found & second_keys
    from plexmix import PlexMix

    playlist = PlexMix.open().create_playlist("anything good", limit=30, libraries=["Second"], write_to_plex=False)
    assert playlist.playlist.tracks and {t.track.plex_key for t in playlist.playlist.tracks} <= second_keys
    unknown = runner.invoke(app, ["search", word, "--library", "Kids"])
    assert unknown.exit_code != 0
    assert "No library called 'Kids' has been synced" in unknown.output and "Traceback" not in unknown.output


def test_a_library_dropped_from_the_set_is_removed_only_when_agreed(two: Any, isolated_env: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    _, music, _ = two
    monkeypatch.setenv("PLEX_LIBRARIES", "Music, Second")
    sync("full")
    monkeypatch.setenv("PLEX_LIBRARIES", "Music")
    kept = runner.invoke(app, ["sync", "--no-embeddings"])  # not interactive, no --yes: kept
    assert kept.exit_code == 0, kept.output
    assert "Kept 'Second'" in kept.output
    assert set(keys_by_library(isolated_env)) == {"Music", "Second"}
    once = sync("--library", "Music")  # a one-off sync of one library never removes the others
    assert "removed_libraries" not in once
    removed = sync("--yes")
    assert removed["removed_libraries"] == {"Second": len(two[2].tracks)}
    assert keys_by_library(isolated_env) == {"Music": {str(k) for k in music.tracks}}
