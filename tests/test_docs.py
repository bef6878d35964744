"""Commands in the docs are run by a test so they stay true.

Every ``plexmix ...`` line inside a shell code block (```bash, ```sh, ```shell, ```console or a
bare fence) of README.md, docs/*.md and examples/*.md is

1. parsed by the real command tree (unknown commands or options, missing arguments and bad
   option values fail), and
2. run for real through Typer's CliRunner against a Plex emulator holding a small library of
   real tracks (already synced and embedded, with one playlist), offline and without any API
   key. It must exit 0. Each command gets its own copy of that data folder.
3. checked: what it printed and what it changed must agree with the data (tests/doc_checks.py
   holds one checker per command: JSON fields, tables, the database, the config files, the
   playlists on the emulator). A command without a checker fails.

An HTML comment on the line before a code block changes step 2 for the commands in that block:

* ``<!-- docs-test: help-only -->``: the command is only parsed and its ``--help`` is run (for
  the setup wizard, the full demo, commands that need a real API key or an AI server).

Inside a block, ``VAR=value plexmix ...`` sets environment variables for that command (an
absolute path is moved into the test's temporary folder), and ``... | plexmix ...`` feeds a
dummy line on standard input (as a piped secret would). ``plexmix config unset KEY`` runs after
the documented ``plexmix config set KEY ...``, so that there is something to remove.

The rest of the file checks that every command's help has an example, that the README opens
with exactly the two commands ``make demo`` and ``make test``, and that every setting is
documented in docs/configuration.md and examples/config.yaml.example (which must load).
"""

from __future__ import annotations

import csv
import functools
import gzip
import io
import os
import re
import shlex
import shutil
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import typer
from pydantic import BaseModel
from typer.testing import CliRunner

import doc_checks_fresh  # noqa: F401 - registers the refresh and extend checkers
import doc_checks_templates  # noqa: F401 - registers the templates and create --template checkers
import doc_checks_travel  # registers the import checker; PREPARE: the files it reads
from doc_checks import CHECKS, SECRET_SETTINGS, Parsed, Ran
from plexmix.cli.main import app
from plexmix.config.credentials import SECRETS
from plexmix.config.loader import ENV_SETTINGS, load_settings
from plexmix.config.settings import Settings
from plexmix.devserver.csv_loader import DEMO_PATH, load_library
from plexmix.devserver.server import PlexEmulator

try:  # Typer 0.2x ships its own copy of click; older Typer uses the click package
    from typer import _click as click_api
except ImportError:  # pragma: no cover
    import click as click_api  # type: ignore[no-redef]

REPO = Path(__file__).resolve().parents[1]
DOC_FILES = [
    REPO / "README.md",
    *sorted((REPO / "docs").glob("*.md")),
    *sorted((REPO / "examples").glob("*.md")),
]
SHELL_LANGUAGES = {"", "bash", "sh", "shell", "console"}
MODES = {"run", "help-only"}
MARKER = re.compile(r"^\s*<!--\s*docs-test:\s*([\w-]+)\s*-->\s*$")
FENCE = re.compile(r"^\s*(```|~~~)\s*([\w+-]*)\s*$")
ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
PIPED_INPUT = "docs-test-dummy-secret-0000\n"

runner = CliRunner()


# -- extracting the commands -----------------------------------------------------------------------
@dataclass(frozen=True)
class DocCommand:
    where: str  # "docs/commands.md:42"
    argv: tuple[str, ...]  # the arguments after `plexmix`
    env: tuple[tuple[str, str], ...] = ()
    stdin: str | None = None
    mode: str = "run"

    @property
    def text(self) -> str:
        return "plexmix " + shlex.join(self.argv)


@dataclass
class _Block:
    language: str
    mode: str
    start: int
    lines: list[tuple[int, str]] = field(default_factory=list)


def _blocks(path: Path) -> Iterator[_Block]:
    block: _Block | None = None
    marker: str | None = None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        fence = FENCE.match(line)
        if block is None:
            if fence:
                block = _Block(fence.group(2).lower(), marker or "run", number)
                marker = None
            elif m := MARKER.match(line):
                marker = m.group(1)
                assert marker in MODES, f"{path.name}:{number}: unknown docs-test mode '{marker}'"
            elif line.strip():
                marker = None
            continue
        if fence and not fence.group(2):
            yield block
            block = None
            continue
        block.lines.append((number, line))
    assert block is None, f"{path.name}: the code block opened on line {block.start} is not closed"


def _logical_lines(lines: list[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    """Lines with backslash continuations joined, ``$ `` prompts removed."""
    pending: tuple[int, str] | None = None
    for number, raw in lines:
        text = raw.rstrip()
        if pending is not None:
            number, text = pending[0], pending[1] + " " + text.strip()
            pending = None
        if text.endswith("\\"):
            pending = (number, text[:-1])
            continue
        stripped = text.strip()
        if stripped.startswith("$ "):
            stripped = stripped[2:]
        yield number, stripped
    if pending is not None:
        yield pending


def _command(where: str, line: str, mode: str) -> DocCommand | None:
    if "plexmix" not in line or line.startswith("#"):
        return None
    try:
        tokens = shlex.split(line, comments=True)
    except ValueError as exc:  # unbalanced quotes
        raise AssertionError(f"{where}: cannot split '{line}': {exc}") from None
    stdin = None
    if "|" in tokens:
        tokens = tokens[len(tokens) - tokens[::-1].index("|") :]
        stdin = PIPED_INPUT
    env: list[tuple[str, str]] = []
    while tokens and ASSIGNMENT.match(tokens[0]):
        name, _, value = tokens.pop(0).partition("=")
        env.append((name, value))
    if not tokens or tokens[0] != "plexmix":
        return None
    for separator in ("&&", ";", "||", ">", ">>"):
        assert separator not in tokens, f"{where}: keep one plexmix command per line: {line}"
    return DocCommand(where, tuple(tokens[1:]), tuple(env), stdin, mode)


def doc_commands() -> list[DocCommand]:
    found: list[DocCommand] = []
    for path in DOC_FILES:
        name = path.relative_to(REPO).as_posix()
        for block in _blocks(path):
            if block.language not in SHELL_LANGUAGES:
                continue
            for number, line in _logical_lines(block.lines):
                command = _command(f"{name}:{number}", line, block.mode)
                if command is not None:
                    found.append(command)
    return found


DOC_COMMANDS = doc_commands()


def unique_commands(commands: list[DocCommand]) -> list[DocCommand]:
    """One entry per distinct command (the docs repeat some); ``where`` lists every place."""
    places: dict[tuple[object, ...], list[DocCommand]] = {}
    for command in commands:
        places.setdefault((command.argv, command.env, command.stdin, command.mode), []).append(command)
    return [
        DocCommand(", ".join(c.where for c in same), same[0].argv, same[0].env, same[0].stdin, same[0].mode)
        for same in places.values()
    ]


UNIQUE_COMMANDS = unique_commands(DOC_COMMANDS)


# -- parsing a command line without running it -----------------------------------------------------
@functools.cache
def _cli() -> Any:
    """The click command tree behind ``app`` (built once)."""
    return typer.main.get_command(app)


@pytest.fixture
def cli_runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A CliRunner that reuses the command tree instead of rebuilding it for every call."""
    monkeypatch.setattr("typer.testing._get_command", lambda _app: _cli(), raising=False)
    return runner


def _is_group(command: Any) -> bool:
    return hasattr(command, "commands") and hasattr(command, "resolve_command")


def parse_command(argv: list[str] | tuple[str, ...]) -> Parsed:
    """``plexmix ARGV`` as click understands it, without running it (click errors propagate).

    Every level (global options, group, subcommand) is parsed with ``make_context``, which
    converts and checks all parameters but calls no command.
    """
    command: Any = _cli()
    name: str | None = "plexmix"
    args = list(argv)
    parent: Any = None
    path: list[str] = []
    root: dict[str, Any] = {}
    try:
        while True:
            with redirect_stdout(io.StringIO()):  # eager options such as --version print
                ctx = command.make_context(name, args, parent=parent)
            root = root or dict(ctx.params)
            rest = [*getattr(ctx, "_protected_args", []), *ctx.args] if _is_group(command) else []
            if not rest:
                return Parsed(tuple(path), dict(ctx.params), root)
            name, command, args = command.resolve_command(ctx, rest)
            path.append(str(name))
            parent = ctx
    except typer.Exit:  # --version and --help stop the parse
        return Parsed(tuple(path), {}, root or {"version": "--version" in argv})


def parse_error(argv: list[str] | tuple[str, ...]) -> str | None:
    """What click says is wrong with ``plexmix ARGV`` (None when it parses)."""
    try:
        parse_command(argv)
    except click_api.exceptions.NoArgsIsHelpError:
        return None
    except click_api.ClickException as exc:
        return str(exc.format_message())
    return None


def _walk(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    yield path, command
    if _is_group(command):
        for sub_name, sub in sorted(command.commands.items()):
            yield from _walk(sub, (*path, sub_name))


LEAF_COMMANDS = [(path, cmd) for path, cmd in _walk(_cli()) if not _is_group(cmd)]
GROUPS = [(path, cmd) for path, cmd in _walk(_cli()) if _is_group(cmd)]


# -- the world the commands run in -----------------------------------------------------------------
KEEP_GENRES = {"jazz", "folk", "classical", "piano", "country", "blues"}
PER_GENRE_AND_DECADE = 2
PER_KEPT_GENRE = 3
TOKEN = "docs-test-plex-token-7f3e"  # long enough that `config show` shows its last four characters
PLAYER = "Living Room"  # the one player the server sees (`plexmix players`, `plexmix play`)


def _small_library_csv(target: Path) -> Path:
    """A slice of the bundled demo data: a few real tracks per genre and decade."""
    taken: Counter[tuple[str, str]] = Counter()
    with gzip.open(DEMO_PATH, "rt", encoding="utf-8", newline="") as src:
        reader = csv.DictReader(src)
        assert reader.fieldnames is not None
        rows = []
        for row in reader:
            genre, date = row["genre"], row["release_date"]
            if date:
                key, cap = (genre, date[:3]), PER_GENRE_AND_DECADE
            elif genre in KEEP_GENRES:
                key, cap = (genre, ""), PER_KEPT_GENRE
            else:
                continue
            if taken[key] < cap:
                taken[key] += 1
                rows.append(row)
    with target.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=reader.fieldnames)
        writer.writeheader()
        writer.writerows(rows)
    return target


def _blank_environment() -> dict[str, str | None]:
    """Environment changes that hide the developer's own PlexMix settings and keys."""
    env: dict[str, str | None] = {var: None for var in ENV_SETTINGS}
    env.update({spec.env_var: None for spec in SECRETS.values()})
    env.update({var: None for var in os.environ if var.startswith("PLEXMIX_")})
    env.update({"GEMINI_API_KEY": None, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
                "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"})
    return env


@contextmanager
def _inside(folder: Path) -> Iterator[None]:
    """Run with ``folder`` as the working directory (PlexMix reads ./.env)."""
    before = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


@dataclass
class World:
    emulator: PlexEmulator
    template: Path  # a synced and embedded PLEXMIX_HOME with playlist #1
    env: dict[str, str | None]
    playlist_keys: set[int]
    playlist_entries: dict[int, list[tuple[int, int]]] = field(default_factory=dict)

    def reset_playlists(self) -> None:
        """Only the template's playlists, each with its tracks as made (a refresh rewrites them)."""
        for playlist in self.emulator.playlists.find():
            if playlist.rating_key not in self.playlist_keys:
                self.emulator.playlists.delete(playlist.rating_key)
            else:
                playlist.entries = list(self.playlist_entries[playlist.rating_key])


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    base = tmp_path_factory.mktemp("docs-world")
    library = load_library(_small_library_csv(base / "tracks.csv"), track_genres=True)
    with PlexEmulator(library, token=TOKEN, players=[PLAYER]) as emulator:
        env = {**_blank_environment(), "PLEX_URL": emulator.url, "PLEX_TOKEN": emulator.token,
               "PLEX_LIBRARY": "Music", "HOME": str(base / "user"), "COLUMNS": "250"}
        template = base / "home"
        with _inside(base):
            for argv in (["sync"], ["create", "calm evening", "--limit", "5", "--name", "Docs test"]):
                result = runner.invoke(app, argv, env={**env, "PLEXMIX_HOME": str(template)})
                assert result.exit_code == 0, result.output
        made = {p.rating_key: list(p.entries) for p in emulator.playlists.find()}
        yield World(emulator, template, env, set(made), made)


# -- the tests -------------------------------------------------------------------------------------
def test_docs_contain_commands() -> None:
    assert len(DOC_COMMANDS) >= 30, [c.text for c in DOC_COMMANDS]
    used = {c.argv[0] for c in DOC_COMMANDS if c.argv and not c.argv[0].startswith("-")}
    assert {p[0] for p, _ in LEAF_COMMANDS} <= used


def test_every_command_is_in_the_docs() -> None:
    """Each leaf command (e.g. `sync verify`) appears at least once in the docs."""
    documented = {c.argv for c in DOC_COMMANDS}
    for path, _ in LEAF_COMMANDS:
        assert any(_strip_globals(argv)[: len(path)] == path for argv in documented), " ".join(path)


def _strip_globals(argv: tuple[str, ...]) -> tuple[str, ...]:
    """argv without the global options in front (``-c FILE``, ``-v`` ...)."""
    rest = list(argv)
    while rest and rest[0].startswith("-"):
        option = rest.pop(0)
        if option in ("-c", "--config") and rest:
            rest.pop(0)
    return tuple(rest)


@pytest.mark.parametrize(
    "command", UNIQUE_COMMANDS, ids=[f"{c.where.split(',')[0]} {c.text}" for c in UNIQUE_COMMANDS]
)
def test_doc_command(
    command: DocCommand, request: pytest.FixtureRequest, tmp_path: Path, cli_runner: CliRunner
) -> None:
    error = parse_error(command.argv)
    assert error is None, f"{command.where}: `{command.text}` does not parse: {error}"
    if command.mode == "help-only":
        result = cli_runner.invoke(app, [*command.argv, "--help"])
        assert result.exit_code == 0, f"{command.where}: {result.output}"
        assert "Usage:" in result.output
        return
    world: World = request.getfixturevalue("world")
    world.reset_playlists()
    parsed = parse_command(command.argv)
    check = CHECKS.get(parsed.path)
    assert check is not None, f"{command.where}: no output check for `plexmix {' '.join(parsed.path)}`"
    home = tmp_path / "plexmix-home"
    shutil.copytree(world.template, home)
    if (prepare := doc_checks_travel.PREPARE.get(parsed.path)) is not None:
        prepare(tmp_path, home)  # the files the command reads (import)
    env = {**world.env, "PLEXMIX_HOME": str(home), "HOME": str(tmp_path / "user"),
           **{name: _sandboxed(value, tmp_path) for name, value in command.env}}
    for before in _setup_for(command, parsed):
        done = cli_runner.invoke(app, list(before.argv), env=env, input=before.stdin)
        assert done.exit_code == 0, f"`{before.text}` (run before `{command.text}`): {done.output}"
    result = cli_runner.invoke(app, list(command.argv), env=env, input=command.stdin)
    assert "Traceback" not in result.output, result.output
    assert result.exit_code == 0, (
        f"{command.where}: `{command.text}` exited {result.exit_code}:\n{result.output}"
    )
    ran_env = {k: v for k, v in {**os.environ, **env}.items() if v is not None}
    check(Ran(text=command.text, parsed=parsed, result=result, cwd=tmp_path, env=ran_env, stdin=command.stdin,
              emulator=world.emulator, template_playlists=world.playlist_keys))


def _sandboxed(value: str, tmp_path: Path) -> str:
    """A path in a documented variable, kept inside tmp_path: ``~`` is the command's HOME (as a
    shell expands it), and an absolute path (``PLEXMIX_HOME=/srv/plexmix``) moves under it."""
    if value == "~" or value.startswith("~/"):
        return str(tmp_path / "user") + value[1:]
    return str(tmp_path / "sandbox" / value.lstrip("/")) if value.startswith("/") else value


def _setup_for(command: DocCommand, parsed: Parsed) -> list[DocCommand]:
    """What must run first: ``config unset KEY`` needs KEY set, by the docs' own ``config set KEY``."""
    if parsed.path != ("config", "unset"):
        return []
    key = parsed.params["key"]
    for other in UNIQUE_COMMANDS:
        if other.mode == "run" and other.argv[:3] == ("config", "set", key):
            return [other]
    if key in SECRET_SETTINGS:  # a secret is stored the documented way: piped in
        return [DocCommand(command.where, ("config", "set", key), stdin=PIPED_INPUT)]
    raise AssertionError(
        f"{command.where}: document a `plexmix config set {key} ...` to go with `{command.text}`"
    )


@pytest.mark.parametrize("path,command", LEAF_COMMANDS, ids=[" ".join(p) for p, _ in LEAF_COMMANDS])
def test_every_command_has_an_example_that_parses(path: tuple[str, ...], command: Any) -> None:
    text = command.help or ""
    found = re.search(r"\bExamples?:\s*(.+)", text, re.S)
    assert found, f"`plexmix {' '.join(path)}` has no 'Example:' in its help"
    examples = [e.strip() for e in found.group(1).split(";") if e.strip().startswith("plexmix")]
    assert examples, f"`plexmix {' '.join(path)}`: the example is not a plexmix command line"
    for example in examples:
        argv = shlex.split(" ".join(example.split()))[1:]
        assert _strip_globals(tuple(argv))[: len(path)] == path, example
        assert parse_error(argv) is None, f"{example}: {parse_error(argv)}"


@pytest.mark.parametrize("path,command", GROUPS, ids=[" ".join(("plexmix", *p)) for p, _ in GROUPS])
def test_every_group_has_an_example(path: tuple[str, ...], command: Any) -> None:
    assert re.search(r"\bExamples?:\s*plexmix", command.help or ""), f"plexmix {' '.join(path)} --help"


def test_readme_opens_with_demo_and_test() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    first = re.search(r"```(?:bash|sh|console|shell)?\n(.*?)```", text, re.S)
    assert first is not None
    commands = [line.strip().lstrip("$ ").strip() for line in first.group(1).splitlines()]
    assert [c for c in commands if c and not c.startswith("#")] == ["make demo", "make test"]
    assert text.index("```") < text.index("## "), "the two commands come before the first section"


def _setting_keys() -> list[str]:
    keys = []
    for section, info in Settings.model_fields.items():
        model = info.annotation
        if isinstance(model, type) and issubclass(model, BaseModel):
            keys += [f"{section}.{name}" for name in model.model_fields]
    return keys


SETTING_KEYS = _setting_keys()


def test_settings_are_known() -> None:
    assert len(SETTING_KEYS) >= 25 and "ai.provider" in SETTING_KEYS


@pytest.mark.parametrize("key", SETTING_KEYS)
def test_setting_is_documented(key: str) -> None:
    reference = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert f"`{key}`" in reference, f"docs/configuration.md does not describe `{key}`"
    example = (REPO / "examples" / "config.yaml.example").read_text(encoding="utf-8")
    section, name = key.split(".")
    block = re.search(rf"^(?:# )?{section}:\n((?:[ #].*\n|\n)*)", example, re.M)
    assert block, f"examples/config.yaml.example has no '{section}:' section (or '# {section}:')"
    assert re.search(rf"^\s*#?\s*{name}:", block.group(1), re.M), f"{key} missing from the example config"


def test_environment_variables_are_documented() -> None:
    reference = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
    for var in [
        *ENV_SETTINGS,
        *(spec.env_var for spec in SECRETS.values()),
        "PLEXMIX_HOME",
        "PLEXMIX_CONFIG",
    ]:
        assert var in reference, var
    for spec in SECRETS.values():
        assert f"`{spec.setting}`" in reference, spec.setting


def test_example_config_loads(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    shutil.copy(REPO / "examples" / "config.yaml.example", path)
    loaded = load_settings(path, environ={"PLEXMIX_HOME": str(tmp_path)}, dotenv_path=tmp_path / "none.env")
    from_file = {key for key, source in loaded.sources.items() if source == "file"}
    assert len(from_file) >= 10, from_file
    assert loaded.settings.plex.url and loaded.settings.playlist.default_length >= 1
    secrets = re.findall(r"^\s*\w*(?:token|api_key)\s*:", path.read_text(encoding="utf-8"), re.M)
    assert not secrets, f"secrets do not belong in config.yaml: {secrets}"


def test_schema_doc_describes_every_table_and_migration(tmp_path: Path) -> None:
    from plexmix.storage.migrations import MIGRATIONS
    from plexmix.storage.sqlite_manager import SQLiteManager

    text = (REPO / "docs" / "database-schema.md").read_text(encoding="utf-8")
    with SQLiteManager(tmp_path / "schema.db") as db:
        tables = [
            row[0]
            for row in db.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            if not row[0].startswith("sqlite_") and not row[0].startswith("tracks_fts_")
        ]
    assert "tracks" in tables and "tracks_fts" in tables
    for table in tables:
        assert f"`{table}`" in text, f"docs/database-schema.md does not describe the table {table}"
    for number, name, _ in MIGRATIONS:
        assert f"| {number} | {name} |" in text, f"migration {number} ({name}) is missing from the table"
