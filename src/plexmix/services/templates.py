"""Playlist templates: the ones PlexMix ships and those in ``config.yaml``, and a request made from one.

``plexmix create --template NAME`` takes the template's mood and options; options given with it
win, field by field. The request's recipe keeps the template's name and the merged options, so
``plexmix refresh`` makes the same playlist again, with ``--genre top`` and ``--added-within``
worked out afresh each time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, cast

from plexmix.errors import UsageError

if TYPE_CHECKING:
    from plexmix.config.settings import Settings
    from plexmix.config.templates import PlaylistTemplate
    from plexmix.playlist.generator import PlaylistRequest
    from plexmix.services.context import Context
    from plexmix.services.create import RequestOptions

BUILT_IN, CONFIG = "built-in", "config"


@dataclass(frozen=True)
class TemplateInfo:
    """A template by name, and where it comes from: ``built-in`` or ``config`` (config.yaml,
    which replaces a built-in one of the same name)."""

    name: str
    source: str
    template: PlaylistTemplate

    @property
    def command(self) -> str:
        """The ``create`` command line it stands for (without the template)."""
        from plexmix.playlist.recipe import Recipe

        return Recipe("create", self.template.mood, self.template.options(),
                      provider=self.template.provider).command_line()

    def as_dict(self) -> dict[str, Any]:
        """The documented ``--json`` object: the name, where it comes from, every field (the
        playlist's ``name`` as ``playlist_name``, its placeholders unfilled) and the command."""
        fields = self.template.model_dump()
        fields["name"] = self.template.name or self.name
        return {"name": self.name, "source": self.source,
                **{"playlist_name" if key == "name" else key: value for key, value in fields.items()},
                "command": self.command}


def list_templates(settings: Settings) -> list[TemplateInfo]:
    """Every template, by name: the built-in ones, replaced or joined by those in config.yaml."""
    from plexmix.config.templates import BUILT_IN as SHIPPED

    found = {name: TemplateInfo(name, BUILT_IN, template) for name, template in SHIPPED.items()}
    found.update({name: TemplateInfo(name, CONFIG, t) for name, t in settings.templates.items()})
    return [found[name] for name in sorted(found)]


def get_template(settings: Settings, name: str) -> TemplateInfo:
    """The template called ``name``, or a :class:`UsageError` listing the known ones."""
    known = list_templates(settings)
    for info in known:
        if info.name == name:
            return info
    close = [info.name for info in known if info.name.casefold() == name.casefold()]
    raise UsageError(
        f"There is no template called '{name}'" + (f" (did you mean '{close[0]}'?)." if close else "."),
        hint=f"Known templates: {', '.join(info.name for info in known)}. "
        "Add your own under `templates:` in config.yaml.",
    )


@dataclass
class TemplateRequest:
    """What ``create --template`` makes: the request (its recipe names the template), the
    playlist's name and the curator."""

    request: PlaylistRequest
    name: str
    provider: str | None


def template_request(
    ctx: Context, template: str, mood: str | None = None, *, name: str | None = None,
    provider: str | None = None, **options: Any,
) -> TemplateRequest:
    """The request template ``template`` makes, ``mood``, ``name``, ``provider`` and ``options``
    (``services.create.RequestOptions``) given winning over the template's own."""
    from plexmix.services.create import playlist_request

    info = get_template(ctx.settings, template)
    merged = merge_options(info.template.options(), options)
    chosen_mood = mood if mood is not None and mood.strip() else info.template.mood
    request = playlist_request(ctx, chosen_mood, **cast("RequestOptions", merged))
    if request.recipe is not None:
        request = replace(request, recipe=replace(request.recipe, template=template))
    return TemplateRequest(request, name or info.template.playlist_name(template),
                           provider or info.template.provider)


def merge_options(base: Mapping[str, Any], given: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with each option of ``given`` that is set (not None, not an empty list) in its place."""
    merged = dict(base)
    merged.update({key: value for key, value in given.items() if value is not None and value not in ([], ())})
    return merged
