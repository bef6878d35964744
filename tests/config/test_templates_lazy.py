"""Settings build the template model only when a config has templates, and check them exactly as a
``dict[str, PlaylistTemplate]`` field would: same errors, same places, at load."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from plexmix.config.settings import Settings
from plexmix.config.templates import PlaylistTemplate, check_template_names


class Strict(BaseModel):
    """The templates field as Settings declared it before: the reference for the errors."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)
    templates: dict[str, PlaylistTemplate] = {}

    @field_validator("templates")
    @classmethod
    def _names(cls, value: dict[str, PlaylistTemplate]) -> dict[str, PlaylistTemplate]:
        return check_template_names(value)


def _errors(model: type[BaseModel], templates: Any) -> list[tuple[Any, ...]]:
    with pytest.raises(ValidationError) as error:
        model(templates=templates)
    return [(e["loc"], e["type"], e["msg"]) for e in error.value.errors()]


@pytest.mark.parametrize("templates", [
    None, 5, "daily", [], {"daily": None}, {"daily": "calm"}, {"daily": {}},
    {"daily": {"mood": "x", "limit": 0, "colour": "blue"}},
    {"daily": {"mood": "  "}, "other": {"mood": "x", "provider": "gpt"}},
    {"my mix": {"mood": "x"}}, {"ok": {"mood": "x"}, "bad name!": {"mood": "y"}},
])
def test_template_errors_are_those_of_the_typed_field(templates: Any) -> None:
    assert _errors(Settings, templates) == _errors(Strict, templates)


def test_templates_still_load_as_models_and_on_assignment() -> None:
    settings = Settings(templates={"daily": {"mood": "calm", "genres": "jazz, blues"}})
    assert settings.templates == Strict(templates={"daily": {"mood": "calm", "genres": "jazz, blues"}}).templates
    assert isinstance(settings.templates["daily"], PlaylistTemplate)
    with pytest.raises(ValidationError):
        settings.templates = {"daily": {"mood": ""}}
    assert Settings().templates == {}


def test_settings_without_templates_do_not_build_the_template_model(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from plexmix.config.loader import load_settings\n"
        "loaded = load_settings()\n"
        "print(loaded.settings.templates, 'plexmix.config.templates' in sys.modules)\n"
    )
    env = {**os.environ, "PLEXMIX_HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["{}", "False"]
