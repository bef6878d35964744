"""Playlist templates: named recipes for ``plexmix create --template NAME``.

A template is a mood and the request options of ``create`` (``services.create.RequestOptions``)
under a name, in ``config.yaml`` (``templates.NAME``). PlexMix ships a few (:data:`BUILT_IN`);
one of the same name in ``config.yaml`` replaces it. ``examples/templates.yaml`` holds them to copy.
"""

from __future__ import annotations

import datetime as _dt
import re
import string
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator

Mode = Literal["favourites", "discover", "rediscover", "balanced"]
Order = Literal["curator", "smooth", "rising", "wind-down", "shuffle"]  # mirrors playlist/ordering.ORDERS
TOP_GENRE = "top"  # in `genres`: the most played genre, found again each time the playlist is made
PLACEHOLDERS = ("date", "weekday", "month", "year")  # what a template's `name` may hold, e.g. {date}
_TEMPLATE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,59}")
_MINIMUM_RATING_HINT = "0-5 stars or Plex's 0-10"


def _names(value: object) -> object:
    """``"jazz, blues"`` -> ``["jazz", "blues"]``; a list stays as it is."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class PlaylistTemplate(BaseModel):
    """One template (``templates.NAME`` in config.yaml). Options left out take the ``playlist``
    settings, as they do for ``create``; a flag given with ``--template`` wins over them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mood: str = Field(min_length=1)  # what the playlist is for, as `plexmix create MOOD` takes it
    description: str = ""  # one line for `plexmix templates list`
    name: str | None = None  # the playlist's name (placeholders {date} {weekday} {month} {year})
    limit: int | None = Field(default=None, ge=1, le=1000)
    genres: list[str] = Field(default_factory=list)  # `top`: the most played genre
    year: str | None = None  # 1994, 1990-1999 or 90s
    rating: float | None = Field(default=None, ge=0, le=10)  # minimum: 0-5 stars or Plex's 0-10
    artists: list[str] = Field(default_factory=list)
    pool: int | None = Field(default=None, ge=1, le=2000)
    avoid_recent: int | None = Field(default=None, ge=0)  # days
    added_within: int | None = Field(default=None, ge=1)  # days: only tracks added to Plex since
    libraries: list[str] = Field(default_factory=list)
    mode: Mode | None = None
    order: Order | None = None  # the playlist's order (--order)
    provider: str | None = None  # the curator (default: ai.provider)

    @field_validator("mood")
    @classmethod
    def _mood(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the mood is empty; describe the playlist, e.g. mood: calm piano evening")
        return value.strip()

    @field_validator("genres", "artists", "libraries", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        return _names(value)

    @field_validator("year", mode="before")
    @classmethod
    def _year(cls, value: object) -> object:
        return str(value) if isinstance(value, int) else value

    @field_validator("name")
    @classmethod
    def _placeholders(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.strip():
            raise ValueError("the playlist name is empty")
        try:
            used = [field for _, field, _, _ in string.Formatter().parse(value) if field is not None]
        except ValueError as exc:
            raise ValueError(f"the name has a stray brace ({exc}); write {{{{ for a literal brace") from None
        unknown = [field for field in used if field not in PLACEHOLDERS]
        if unknown:
            known = ", ".join(f"{{{p}}}" for p in PLACEHOLDERS)
            raise ValueError(f"unknown placeholder {{{unknown[0]}}} in the name; use {known}")
        return value

    @field_validator("provider")
    @classmethod
    def _provider(cls, value: str | None) -> str | None:
        from plexmix.config.settings import AI_PROVIDERS  # the settings module imports this one

        if value is not None and value not in AI_PROVIDERS:
            raise ValueError(f"unknown provider '{value}'; use one of {', '.join(AI_PROVIDERS)}")
        return value

    def options(self) -> dict[str, Any]:
        """The request options it sets (``services.create.RequestOptions``), without the unset ones."""
        skipped = {"mood", "description", "name", "provider"}
        return {key: value for key, value in self.model_dump(exclude=skipped).items()
                if value is not None and value != []}

    def playlist_name(self, template: str, now: _dt.datetime | None = None) -> str:
        """The playlist's name, placeholders filled for ``now`` (default: the template's name)."""
        now = now or _dt.datetime.now()
        values = {"date": now.strftime("%Y-%m-%d"), "weekday": now.strftime("%A"),
                  "month": now.strftime("%B"), "year": now.strftime("%Y")}
        return (self.name or template).format(**values)


def check_template_names(templates: dict[str, PlaylistTemplate]) -> dict[str, PlaylistTemplate]:
    """The names of ``templates`` checked: each must be typed after ``--template``."""
    for name in templates:
        if not _TEMPLATE_NAME.fullmatch(name):
            raise ValueError(
                f"'{name}' cannot name a template; use letters, digits, '-' and '_' (e.g. daily-mix)"
            )
    return templates


@cache
def _templates_adapter() -> TypeAdapter[dict[str, PlaylistTemplate]]:
    return TypeAdapter(dict[str, PlaylistTemplate])


def validate_templates(value: object) -> dict[str, PlaylistTemplate]:
    """``templates:`` of a config: each a :class:`PlaylistTemplate`, under a name ``--template``
    takes (a :class:`pydantic.ValidationError` or ``ValueError`` otherwise, for ``Settings``)."""
    return check_template_names(_templates_adapter().validate_python(value))


def _built_in(**fields: Any) -> PlaylistTemplate:
    return PlaylistTemplate.model_validate(fields)


# Shipped with PlexMix; `templates.NAME` in config.yaml replaces the one of the same name. Kept
# in step with examples/templates.yaml (a test compares them).
BUILT_IN: dict[str, PlaylistTemplate] = {
    "new-this-month": _built_in(
        mood="new additions to the library", description="Tracks added to Plex in the last 30 days.",
        name="New this month", added_within=30, limit=40,
    ),
    "forgotten-favourites": _built_in(
        mood="old favourites worth hearing again",
        description="Well-rated tracks you loved once and have not played for a long time.",
        name="Forgotten favourites", mode="rediscover", rating=4, limit=40,
    ),
    "daily-mix": _built_in(
        mood="a varied daily mix", description="A daily mix of your most played genre.",
        name="Daily mix", genres=[TOP_GENRE], avoid_recent=2, limit=50,
    ),
    "never-played": _built_in(
        mood="discoveries from my own library",
        description="Tracks you have rarely or never played, to discover what you own.",
        name="Discovery mix", mode="discover", limit=40,
    ),
}
