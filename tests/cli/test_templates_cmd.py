"""``plexmix templates list|show`` and ``plexmix create --template`` as a user runs them: the table,
the ``--json`` shapes, a template of config.yaml beside the built-in ones, a playlist made from a
template on the emulator, and errors with one sentence, a hint, exit 2 and no traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from cli_run import as_json, run
from playlist_helpers import assert_clean_error
from radio_world import Here, plain_fixture, worlds_fixture  # noqa: F401 - fixtures

from plexmix.config.templates import BUILT_IN


def _config(home: Path, templates: dict[str, Any]) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.yaml").write_text(yaml.safe_dump({"templates": templates}), encoding="utf-8")


def test_list_shows_built_in_and_config_templates(isolated_env: Path) -> None:
    _config(isolated_env, {"daily-mix": {"mood": "my daily", "description": "Mine now"},
                           "road-trip": {"mood": "road trip", "limit": 20}})
    result = run("templates", "list")
    assert result.exit_code == 0, result.output
    lines = {line.split("│")[1].strip(): line for line in result.output.splitlines() if line.startswith("│")}
    assert set(lines) == {*BUILT_IN, "road-trip"}
    assert "Mine now" in lines["daily-mix"] and "config" in lines["daily-mix"]
    assert "built-in" in lines["new-this-month"] and "Tracks added to Plex in the last 30 days" in lines["new-this-month"]
    data = as_json("templates", "list")
    assert [t["name"] for t in data] == sorted({*BUILT_IN, "road-trip"})
    by_name = {t["name"]: t for t in data}
    assert by_name["road-trip"]["source"] == "config" and by_name["road-trip"]["limit"] == 20
    assert by_name["never-played"]["mode"] == "discover" and by_name["never-played"]["source"] == "built-in"


def test_show_prints_every_option_and_the_command(isolated_env: Path) -> None:
    _config(isolated_env, {"evening": {"mood": "calm evening", "name": "Evening {date}", "genres": ["jazz"],
                                       "added_within": 14, "provider": "none"}})
    result = run("templates", "show", "evening")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "evening (config)" in out and "playlist_name: Evening {date}" in out
    assert "genres: jazz" in out and "added_within: 14" in out and "limit" not in out
    assert "runs as: plexmix create 'calm evening' --genre jazz --added-within 14 --provider none" in out
    data = as_json("templates", "show", "daily-mix")
    assert data["source"] == "built-in" and data["genres"] == ["top"] and data["playlist_name"] == "Daily mix"
    assert data["command"] == "plexmix create 'a varied daily mix' --limit 50 --genre top --avoid-recent 2"


def test_unknown_templates_are_usage_errors() -> None:
    assert_clean_error(run("templates", "show", "Daily-Mix"), 2, "There is no template called 'Daily-Mix'",
                       "did you mean 'daily-mix'?", "Known templates: daily-mix, forgotten-favourites")
    assert_clean_error(run("create", "--template", "weekly"), 2, "no template called 'weekly'",
                       "never-played, new-this-month")
    assert_clean_error(run("create"), 2, "Missing argument 'MOOD'.", "plexmix create --template daily-mix")


def test_bad_options_with_a_template_are_usage_errors() -> None:
    assert_clean_error(run("create", "--template", "daily-mix", "--added-within", "0"), 2,
                       "Bad --added-within value '0'.", "number of days")
    assert_clean_error(run("create", "--template", "daily-mix", "--limit", "0"), 2, "--limit must be")


def test_a_bad_template_in_config_names_it_and_the_field(isolated_env: Path) -> None:
    _config(isolated_env, {"evening": {"mood": "calm", "name": "Evening {day}"}})
    assert_clean_error(run("templates", "list"), 1, "Invalid setting templates.evening.name",
                       "unknown placeholder {day}", "Fix the template in")


def test_create_from_a_template_on_the_emulator(plain: Here) -> None:
    _config(plain.home, {"quick": {"mood": "energetic dance party", "name": "Quick {year}", "limit": 12,
                                   "pool": 80, "provider": "none"}})
    data = as_json("create", "--template", "quick", "--limit", "6")
    assert data["name"].startswith("Quick 20") and len(data["tracks"]) == 6 and data["plex_key"]
    assert data["provider"] == "none"
    saved = as_json("list", "playlists")[0]
    recipe = json.loads(saved["recipe"])
    assert recipe["template"] == "quick" and recipe["mood"] == "energetic dance party"
    assert recipe["options"] == {"limit": 6, "pool": 80}, "the flag won, the template's pool was kept"
    refresh = as_json("refresh", data["name"], "--dry-run")
    assert refresh["playlists"][0]["command"] == (
        "plexmix create --template quick 'energetic dance party' --limit 6 --pool 80 --provider none")
