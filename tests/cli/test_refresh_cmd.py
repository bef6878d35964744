"""``plexmix refresh`` and ``plexmix extend`` as a user runs them: what changed (added / kept /
removed), ``--dry-run``, ``--history``, ``--json``, ``list playlists``' refreshed column, and
errors with one sentence, a hint and no traceback."""

from __future__ import annotations

import json
import time
from typing import Any

from cli_run import as_json, run
from playlist_helpers import assert_clean_error
from radio_world import Here, plain_fixture, worlds_fixture  # noqa: F401 - fixtures


def _made(mood: str, name: str) -> dict[str, Any]:
    return as_json("create", mood, "--limit", "10", "--name", name, "--provider", "none")  # type: ignore[no-any-return]


def test_refresh_prints_what_changed_and_list_shows_when(plain: Here) -> None:
    made = _made("chill acoustic evening", "Evening")
    for track in made["tracks"][:3]:
        plain.library.record_play(int(track["plex_key"]), at=int(time.time()) + 5)
    assert run("sync", "--no-embeddings").exit_code == 0
    listed = run("list", "playlists")
    assert "Refreshed" in listed.output and "never" in listed.output
    dry = run("refresh", "Evening", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "would be refreshed" in dry.output and "dry run: nothing written" in dry.output
    result = run("refresh", "Evening")
    assert result.exit_code == 0, result.output
    assert "#1 Evening was refreshed: +" in result.output and "kept" in result.output
    for track in made["tracks"][:3]:
        assert f"- {track['title']} - {track['artist']}" in result.output
    assert "1 refreshed, 0 unchanged, 0 skipped, 0 failed." in result.output
    data = json.loads(run("list", "playlists", "--json").stdout)[0]
    assert data["refreshed_at"] and json.loads(data["recipe"])["mood"] == "chill acoustic evening"
    history = as_json("refresh", "--history")
    assert history[0]["status"] == "completed" and history[0]["refreshed"] == 1 and history[0]["removed"] >= 3


def test_refresh_all_json_and_a_skipped_playlist(plain: Here) -> None:
    _made("chill acoustic evening", "Evening")
    _made("loud rock workout", "Workout")
    plain.emu.playlists.delete(plain.emu.playlists.find("Workout")[0].rating_key)  # deleted in Plex
    result = run("refresh", "--all", "--json")
    data = json.loads(result.stdout)
    assert result.exit_code == 0 and [p["name"] for p in data["playlists"]] == ["Evening", "Workout"]
    assert data["unchanged"] == 1 and data["skipped"] == 1 and data["failed"] == 0
    skipped = data["playlists"][1]
    assert skipped["status"] == "skipped" and "--recreate" in skipped["reason"]
    assert skipped["command"] == "plexmix create 'loud rock workout' --limit 10 --provider none"


def test_extend_appends_and_prints_the_tracks(plain: Here) -> None:
    _made("chill acoustic evening", "Evening")
    result = run("extend", "Evening", "--add", "4")
    assert result.exit_code == 0, result.output
    assert "Added 4 tracks to Evening (from its recipe); it has 14." in result.output
    assert result.output.count("  + ") == 4
    data = json.loads(run("list", "playlists", "--json").stdout)[0]
    assert data["track_count"] == 14


def test_refresh_errors_are_one_sentence_and_a_hint(plain: Here) -> None:
    assert_clean_error(run("refresh"), 2, "Name the playlists to refresh, or use --all")
    assert_clean_error(run("refresh", "nope"), 2, "PlexMix has no playlist 'nope'.")
    assert_clean_error(run("extend", "Evening", "--add", "0"), 2, "--add must be between 1 and 1000")
    empty = run("refresh", "--all")
    assert empty.exit_code == 0 and "No playlist keeps a recipe yet" in empty.output
