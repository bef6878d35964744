"""`plexmix list playlists` and `plexmix list tracks ID` after real `create` runs."""

from __future__ import annotations

import json

from playlist_helpers import Cli, assert_clean_error


def test_list_before_anything_was_made(cli: Cli) -> None:
    result = cli("list", "playlists")
    assert result.exit_code == 0 and "No playlists yet" in result.output
    assert json.loads(cli("list", "playlists", "--json").stdout) == []


def test_list_playlists_and_tracks_after_create(cli: Cli) -> None:
    on_plex = cli.json("create", "sunny morning coffee", "--limit", "6", "--name", "Morning")
    local = cli.json("create", "heavy metal workout", "--limit", "5", "--name", "Workout", "--no-plex")

    listed = json.loads(cli("list", "playlists", "--json").stdout)
    assert [p["name"] for p in listed] == ["Workout", "Morning"]  # newest first
    workout, morning = listed
    assert (workout["id"], workout["track_count"], workout["plex_key"]) == (local["playlist_id"], 5, None)
    assert (morning["id"], morning["track_count"], morning["plex_key"]) == (
        on_plex["playlist_id"],
        6,
        on_plex["plex_key"],
    )
    assert morning["mood_query"] == "sunny morning coffee" and morning["provider"] == "none"

    table = cli("list", "playlists")
    assert table.exit_code == 0, table.output
    for text in ("Morning", "Workout", "(local)", on_plex["plex_key"], "sunny morning coffee"):
        assert text in table.output

    tracks = json.loads(cli("list", "tracks", str(on_plex["playlist_id"]), "--json").stdout)
    assert tracks["playlist"]["name"] == "Morning"
    assert [t["position"] for t in tracks["tracks"]] == [1, 2, 3, 4, 5, 6]
    assert [t["plex_key"] for t in tracks["tracks"]] == [t["plex_key"] for t in on_plex["tracks"]]
    assert [t["reason"] for t in tracks["tracks"]] == [t["reason"] for t in on_plex["tracks"]]
    assert [t["title"] for t in tracks["tracks"]] == [t["title"] for t in on_plex["tracks"]]
    assert all(t["duration_ms"] and t["duration_ms"] > 0 for t in tracks["tracks"])

    shown = cli("list", "tracks", str(local["playlist_id"]))
    assert shown.exit_code == 0, shown.output
    assert f"#{local['playlist_id']} Workout" in shown.output
    assert local["tracks"][0]["artist"][:15] in shown.output


def test_unknown_playlist_id_is_a_usage_error(cli: Cli) -> None:
    cli.json("create", "sunny morning coffee", "--limit", "3", "--no-plex")
    assert_clean_error(cli("list", "tracks", "999"), 2, "There is no playlist #999", "plexmix list playlists")
    assert_clean_error(cli("list", "tracks", "999", "--json"), 2, "There is no playlist #999")
    not_a_number = cli("list", "tracks", "abc")
    assert not_a_number.exit_code == 2 and "Traceback" not in not_a_number.output
