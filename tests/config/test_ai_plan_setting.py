"""``ai.plan``: whether an LLM curator makes the planning call that reads the mood."""

from __future__ import annotations

from pathlib import Path

import pytest

from plexmix.config.loader import load_settings, save_config_value
from plexmix.errors import ConfigError
from plexmix.services.context import Context
from plexmix.services.create import playlist_request


def test_ai_plan_is_on_by_default_and_set_by_file_then_environment(isolated_env: Path) -> None:
    loaded = load_settings()
    assert loaded.settings.ai.plan is True and loaded.source("ai.plan") == "default"

    config = isolated_env / "config.yaml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("ai:\n  plan: false\n", encoding="utf-8")
    loaded = load_settings()
    assert loaded.settings.ai.plan is False and loaded.source("ai.plan") == "file"

    loaded = load_settings(environ={"PLEXMIX_HOME": str(isolated_env), "PLEXMIX_AI__PLAN": "true"})
    assert loaded.settings.ai.plan is True and loaded.source("ai.plan") == "env:PLEXMIX_AI__PLAN"


def test_config_set_ai_plan_takes_booleans_only(isolated_env: Path) -> None:
    path = isolated_env / "config.yaml"
    assert save_config_value(path, "ai.plan", "false") is False
    assert load_settings().settings.ai.plan is False
    with pytest.raises(ConfigError, match=r"ai\.plan"):
        save_config_value(path, "ai.plan", "sometimes")
    assert load_settings().settings.ai.plan is False  # the bad value was not written


@pytest.mark.parametrize(
    ("setting", "option", "expected"),
    [(True, None, True), (False, None, False), (False, True, True), (True, False, False)],
)
def test_a_request_follows_the_setting_unless_the_option_says_otherwise(
    isolated_env: Path, setting: bool, option: bool | None, expected: bool
) -> None:
    env = {"PLEXMIX_HOME": str(isolated_env), "PLEXMIX_AI__PLAN": str(setting).lower()}
    context = Context(load_settings(environ=env))
    assert playlist_request(context, "calm piano", plan=option).plan is expected
