"""``plexmix templates list|show``: the playlist templates ``create --template NAME`` can start from."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import typer

from plexmix.cli.errors import PlexMixCommand
from plexmix.cli.output import print_json
from plexmix.cli.state import get_state

if TYPE_CHECKING:
    from plexmix.cli.state import AppState
    from plexmix.services.templates import TemplateInfo

app = typer.Typer(
    help="Playlist templates: named moods and options for `plexmix create --template NAME` "
    "(built in, or under `templates:` in config.yaml).\n\nExample: plexmix templates list",
    no_args_is_help=True,
    rich_markup_mode=None,
)
JSON = typer.Option(False, "--json", help="Print as JSON.")


def _emit(state: AppState, as_json: bool, data: Any, render: Callable[[], None]) -> None:
    """``data`` as JSON (``--json``), else what ``render`` prints."""
    if as_json:
        print_json(data)
    else:
        render()


@app.command("list", cls=PlexMixCommand)
def list_templates(ctx: typer.Context, as_json: bool = JSON) -> None:
    """Every template: its name, what it makes, its mood and where it comes from (built-in or config).

    Example: plexmix templates list
    """
    from plexmix.services.templates import list_templates as templates

    state = get_state(ctx)
    found = templates(state.settings)
    _emit(state, as_json, [info.as_dict() for info in found], lambda: _table(state, found))


@app.command("show", cls=PlexMixCommand)
def show_template(
    ctx: typer.Context,
    name: str = typer.Argument(..., metavar="NAME", help="A template's name (see `plexmix templates list`)."),
    as_json: bool = JSON,
) -> None:
    """One template in full: every option it sets and the create command it stands for.

    Example: plexmix templates show daily-mix
    """
    from plexmix.services.templates import get_template

    state = get_state(ctx)
    info = get_template(state.settings, name)
    _emit(state, as_json, info.as_dict(), lambda: _details(state, info))


def _details(state: AppState, info: TemplateInfo) -> None:
    from rich.markup import escape

    state.out.print(f"[bold]{escape(info.name)}[/] ({info.source})")
    for key, value in info.as_dict().items():
        if key in ("name", "source", "command") or value in (None, [], ""):
            continue
        shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        state.out.print(f"  {key}: {escape(shown)}")
    state.out.print(f"  runs as: {escape(info.command)}")
    state.out.print(f"Make it with: plexmix create --template {escape(info.name)}", markup=False)


def _table(state: AppState, found: list[TemplateInfo]) -> None:
    from rich.table import Table

    table = Table(title="Playlist templates", caption="plexmix create --template NAME")
    for column in ("Name", "Description", "Mood", "From"):
        table.add_column(column)
    for info in found:
        table.add_row(info.name, info.template.description, info.template.mood, info.source)
    state.out.print(table)
