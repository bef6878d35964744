"""A playlist's recipe: what made it, kept with it so ``plexmix refresh`` and ``extend`` can make it again.

A recipe is the command (``create``, ``radio`` or ``journey``), its query (the mood, or the seed
songs as Plex ratingKeys so a refresh never asks again which song was meant), the request options
as the user gave them (``services.create.RequestOptions``) and the curator. It is stored as JSON
in ``playlists.recipe``; :meth:`Recipe.command_line` shows it as the command that made it.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field
from typing import Any

COMMANDS = ("create", "radio", "journey")

# Options a recipe keeps, with the flag each is shown as (a list value repeats its flag).
_FLAGS = {
    "limit": "--limit", "genres": "--genre", "year": "--year", "rating": "--rating", "artists": "--artist",
    "pool": "--pool", "avoid_recent": "--avoid-recent", "libraries": "--library", "mode": "--mode",
    "steps": "--steps", "added_within": "--added-within", "order": "--order",
}


@dataclass
class Recipe:
    """How a playlist was made. ``seed_keys`` are the Plex ratingKeys of the seed tracks (radio:
    the seed's tracks; journey: the start then the end) and ``seed`` what the user named."""

    command: str = "create"
    mood: str = ""  # create: the mood; radio and journey: the label ("more like X", "from X to Y")
    options: dict[str, Any] = field(default_factory=dict)
    seed: dict[str, Any] = field(default_factory=dict)  # radio: {"kind", "name", "keys"}; journey: start/end
    provider: str | None = None
    template: str | None = None  # the template it came from (``plexmix create --template NAME``)

    def __post_init__(self) -> None:
        self.options = {k: v for k, v in self.options.items() if k in _FLAGS and v not in (None, [], ())}
        self.options = {k: list(v) if isinstance(v, tuple) else v for k, v in self.options.items()}

    def to_json(self) -> str:
        data: dict[str, Any] = {"command": self.command, "mood": self.mood, "options": self.options}
        if self.seed:
            data["seed"] = self.seed
        if self.provider:
            data["provider"] = self.provider
        if self.template:
            data["template"] = self.template
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | None) -> Recipe | None:
        """The stored recipe (None: none stored, or not one this version can read)."""
        if not text:
            return None
        try:
            data = json.loads(text)
        except ValueError:
            return None
        if not isinstance(data, dict) or data.get("command") not in COMMANDS:
            return None
        return cls(
            command=data["command"], mood=str(data.get("mood") or ""),
            options=dict(data.get("options") or {}), seed=dict(data.get("seed") or {}),
            provider=data.get("provider"), template=data.get("template"),
        )

    def command_line(self) -> str:
        """The command that made it, e.g. ``plexmix create "rainy jazz" --limit 30 --genre jazz``."""
        if self.template:  # the mood too: it may differ from the template's
            words = ["plexmix", "create", "--template", self.template, self.mood]
        elif self.command == "create":
            words = ["plexmix", "create", self.mood]
        elif self.command == "journey":
            words = ["plexmix", "journey", str(self.seed.get("start_name", "")),
                     str(self.seed.get("end_name", ""))]
        else:
            kind = self.seed.get("kind", "track")
            label = str(self.seed.get("name", ""))
            words = ["plexmix", "radio", *([label] if kind == "track" else [f"--{kind}", label])]
        for key, flag in _FLAGS.items():
            value = self.options.get(key)
            values = value if isinstance(value, list) else [value]
            words += [part for v in values if v is not None for part in (flag, str(v))]
        if self.provider:
            words += ["--provider", self.provider]
        return shlex.join(words)
