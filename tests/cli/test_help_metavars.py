"""Help texts name values the way people read them (GENRE, FORMAT PATH, MOOD), not by Python type."""

from __future__ import annotations

import re
from collections.abc import Iterator

import typer
from typer.testing import CliRunner

from plexmix.cli.main import app

runner = CliRunner()
PYTHON_TYPES = re.compile(r"<(?:str|int|float|bool|list\[[^\]]*\]|[\w ,\[\]]*Path[\w ,]*|int range)>|\{[a-z_]+\}")


def leaf_paths(command: object, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    subcommands = getattr(command, "commands", None)
    if not subcommands:
        yield prefix
        return
    for name, sub in subcommands.items():
        yield from leaf_paths(sub, (*prefix, name))


def test_no_python_types_in_any_help() -> None:
    root = typer.main.get_command(app)
    paths = [(), *leaf_paths(root)]
    assert len(paths) > 15
    for path in paths:
        result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        found = PYTHON_TYPES.findall(result.output)
        assert not found, f"plexmix {' '.join(path)} --help shows {found}:\n{result.output}"


def test_arguments_and_options_have_readable_names() -> None:
    create = runner.invoke(app, ["create", "--help"]).output
    assert re.search(r"Usage: .*create \[OPTIONS\] \[MOOD\]", create)  # optional with --template
    for shown in ("--genre GENRE", "--export FORMAT PATH", "--year YEARS", "--limit N", "--avoid-recent DAYS",
                  "--template NAME", "--added-within DAYS"):
        assert shown in create, shown
    config_set = runner.invoke(app, ["config", "set", "--help"]).output
    assert re.search(r"config set \[OPTIONS\] KEY \[VALUE\]", config_set)
    missing = runner.invoke(app, ["create"])
    assert missing.exit_code == 2 and "Missing argument 'MOOD'." in missing.output
