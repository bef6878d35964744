"""Playlist templates in config.yaml: what loads, the errors that name the template and the field,
the built-in ones and a user's of the same name, the shipped example file and the docs."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from plexmix.config.loader import load_settings
from plexmix.config.templates import BUILT_IN, PlaylistTemplate
from plexmix.errors import ConfigError
from plexmix.services.templates import list_templates

REPO = Path(__file__).resolve().parents[2]


def _load(tmp_path: Path, templates: Any) -> Any:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"templates": templates}), encoding="utf-8")
    return load_settings(path, environ={"PLEXMIX_HOME": str(tmp_path)}, dotenv_path=tmp_path / "none.env")


def test_a_template_loads_with_its_options(tmp_path: Path) -> None:
    loaded = _load(tmp_path, {"evening": {
        "mood": " calm evening ", "genres": "jazz, blues", "year": 1994, "rating": 4, "added_within": 10,
        "mode": "discover", "provider": "none", "libraries": ["Music"],
    }})
    template = loaded.settings.templates["evening"]
    assert template.mood == "calm evening" and template.year == "1994"
    assert template.options() == {"genres": ["jazz", "blues"], "year": "1994", "rating": 4.0,
                                  "added_within": 10, "libraries": ["Music"], "mode": "discover"}
    assert loaded.source("templates.evening.mood") == "file"


@pytest.mark.parametrize("templates,key,words", [
    ({"daily": {"mood": "x", "limit": 0}}, "templates.daily.limit", "greater than or equal to 1"),
    ({"daily": {"limit": 5}}, "templates.daily.mood", "Field required"),
    ({"daily": {"mood": "   "}}, "templates.daily.mood", "the mood is empty"),
    ({"daily": {"mood": "x", "name": "Mix {day}"}}, "templates.daily.name", "unknown placeholder {day}"),
    ({"daily": {"mood": "x", "name": "Mix {date"}}, "templates.daily.name", "stray brace"),
    ({"daily": {"mood": "x", "provider": "gpt"}}, "templates.daily.provider", "unknown provider 'gpt'"),
    ({"daily": {"mood": "x", "mode": "loud"}}, "templates.daily.mode", "'favourites'"),
    ({"daily": {"mood": "x", "added_within": 0}}, "templates.daily.added_within", "greater than or equal"),
    ({"my mix": {"mood": "x"}}, "templates", "'my mix' cannot name a template"),
])
def test_errors_name_the_template_and_the_field(tmp_path: Path, templates: Any, key: str, words: str) -> None:
    with pytest.raises(ConfigError) as error:
        _load(tmp_path, templates)
    assert f"Invalid setting {key}" in error.value.message and words in error.value.message, error.value.message
    assert error.value.hint is not None and "config.yaml" in error.value.hint


def test_an_unknown_field_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as error:
        _load(tmp_path, {"daily": {"mood": "x", "colour": "blue"}})
    assert "'templates.daily.colour' is not a PlexMix setting" in error.value.message


def test_the_name_placeholders_are_filled() -> None:
    template = PlaylistTemplate(mood="x", name="{weekday} mix, {date} ({month} {year})")
    when = dt.datetime(2026, 11, 30, 8, 0)
    assert template.playlist_name("daily", when) == "Monday mix, 2026-11-30 (November 2026)"
    assert PlaylistTemplate(mood="x").playlist_name("daily", when) == "daily"


def test_a_template_in_config_replaces_the_built_in_one(tmp_path: Path) -> None:
    loaded = _load(tmp_path, {"daily-mix": {"mood": "my own daily"}, "zz-mine": {"mood": "mine"}})
    found = {info.name: info for info in list_templates(loaded.settings)}
    assert set(BUILT_IN) < set(found) and "zz-mine" in found
    assert found["daily-mix"].source == "config" and found["daily-mix"].template.mood == "my own daily"
    assert found["never-played"].source == "built-in" and found["never-played"].template == BUILT_IN["never-played"]
    assert list(found) == sorted(found)


def test_the_example_file_loads_and_holds_the_built_in_templates(tmp_path: Path) -> None:
    text = (REPO / "examples" / "templates.yaml").read_text(encoding="utf-8")
    loaded = _load(tmp_path, yaml.safe_load(text)["templates"])
    examples = loaded.settings.templates
    assert {name: examples[name] for name in BUILT_IN} == BUILT_IN, "examples/templates.yaml is the built-ins"
    assert len(examples) > len(BUILT_IN)
    assert {"new-this-month", "forgotten-favourites", "daily-mix", "never-played"} <= set(BUILT_IN)
    assert BUILT_IN["daily-mix"].genres == ["top"] and BUILT_IN["new-this-month"].added_within == 30
    assert BUILT_IN["forgotten-favourites"].mode == "rediscover"


@pytest.mark.parametrize("field", list(PlaylistTemplate.model_fields))
def test_every_template_field_is_documented(field: str) -> None:
    reference = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert f"`templates.NAME.{field}`" in reference, f"docs/configuration.md does not describe {field}"
    example = (REPO / "examples" / "config.yaml.example").read_text(encoding="utf-8")
    block = re.search(r"^# templates:\n((?:#.*\n)*)", example, re.M)
    assert block and re.search(rf"^#\s+{field}:", block.group(1), re.M), f"{field} missing from the example config"


def test_the_example_config_template_loads_when_uncommented(tmp_path: Path) -> None:
    example = (REPO / "examples" / "config.yaml.example").read_text(encoding="utf-8")
    block = re.search(r"^# templates:\n((?:#.*\n)*)", example, re.M)
    assert block is not None
    text = "templates:\n" + "".join(line[2:] + "\n" for line in block.group(1).splitlines())
    loaded = _load(tmp_path, yaml.safe_load(text)["templates"])
    template = loaded.settings.templates["new-jazz"]
    assert set(template.model_fields_set) == set(PlaylistTemplate.model_fields), "every field is shown"


def test_the_template_modes_are_the_ranking_modes() -> None:
    from typing import get_args

    from plexmix.config.templates import Mode
    from plexmix.playlist.modes import MODES

    assert set(get_args(Mode)) == set(MODES), "config/templates.Mode mirrors playlist/modes.MODES"


def test_the_template_orders_are_the_ordering_modes() -> None:
    from typing import get_args

    from plexmix.config.templates import Order
    from plexmix.playlist.ordering import ORDERS

    assert set(get_args(Order)) == set(ORDERS), "config/templates.Order mirrors playlist/ordering.ORDERS"
