"""Bad input, tried the way a new user would: each gives one clear error and loses nothing.

Every case runs the real CLI against the emulator (127.0.0.1) with a synced, locally embedded
library in PLEXMIX_HOME. A failing case must show exactly one ``Error:`` line and one
``Hint:`` line, exit with the documented code (1 runtime, 2 usage) and no traceback; the
database rows, the vector index bytes and any file named in the error stay as they were.

BAD_INPUTS.md beside this file lists every case with the first line the user sees; it is
checked against the real output. After changing a message, regenerate it with
``PLEXMIX_UPDATE_BAD_INPUTS=1 pytest tests/reliability/test_rel_bad_input.py``.
"""

from __future__ import annotations

import os
import random
import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from rel_cli import (
    Template,
    assert_clean_failure,
    clean_env,
    file_digest,
    fingerprint,
    invoke,
    lines,
    make_template,
)

from datafiles import shared_data
from plexmix.devserver.csv_loader import load_library
from plexmix.devserver.library import MusicLibrary
from plexmix.devserver.server import PlexEmulator

TOKEN = "Bad-Input-Plex-Token-5e7a"
WRONG_TOKEN = "Not-The-Right-Token-9c1d"
OTHER_MODEL = {"PLEXMIX_EMBEDDINGS__MODEL": "all-MiniLM-L6-v2"}  # the sentence-transformers route
EMPTY = {"PLEX_URL": "{empty_url}", "DATABASE_PATH": "{empty_db}"}
GARBAGE = {"DATABASE_PATH": "{garbage_db}"}


@dataclass(frozen=True)
class Case:
    id: str
    what: str  # the mistake, in a user's words
    args: list[str]
    env: dict[str, str | None]
    code: int  # expected exit code
    fragment: str  # must appear in the output


CASES = [
    Case("url-without-scheme", "PLEX_URL without http://", ["sync"], {"PLEX_URL": "nas:32400"}, 1, "must start with http://"),
    Case("url-unreachable", "PLEX_URL pointing at a closed port", ["sync"], {"PLEX_URL": "{closed_url}"}, 1, "Cannot reach the Plex server"),
    Case("no-url", "no Plex server configured", ["sync"], {"PLEX_URL": None}, 1, "plexmix config init"),
    Case("wrong-token", "a wrong Plex token", ["sync"], {"PLEX_TOKEN": WRONG_TOKEN}, 1, "rejected the token"),
    Case("no-token", "no Plex token at all", ["sync"], {"PLEX_TOKEN": None}, 1, "No Plex token"),
    Case("wrong-library-flag", "a library name that does not exist (flag)", ["sync", "--library", "Nope"], {}, 1, "1. Music"),
    Case("wrong-library-env", "a library name that does not exist (PLEX_LIBRARY)", ["sync"], {"PLEX_LIBRARY": "Nope"}, 1, "'Nope'"),
    Case("bad-setting-env", "a setting that is not a number", ["sync"], {"PLEXMIX_PLEX__PAGE_SIZE": "lots"}, 1, "PLEXMIX_PLEX__PAGE_SIZE"),
    Case("unknown-provider-env", "an AI provider name PlexMix does not know (env)", ["create", "rainy jazz"], {"DEFAULT_AI_PROVIDER": "gpt"}, 1, "ai.provider"),
    Case("year-19x", "--year 19x", ["create", "rainy jazz", "--year", "19x"], {}, 2, "--year"),
    Case("limit-0", "--limit 0", ["create", "rainy jazz", "--limit", "0"], {}, 2, "--limit"),
    Case("limit-negative", "--limit -5", ["create", "rainy jazz", "--limit", "-5"], {}, 2, "--limit"),
    Case("limit-not-a-number", "--limit ten", ["create", "rainy jazz", "--limit", "ten"], {}, 2, "--limit"),
    Case("rating-11", "--rating 11", ["create", "rainy jazz", "--rating", "11"], {}, 2, "--rating"),
    Case("empty-mood", "an empty mood", ["create", "   "], {}, 2, "mood is empty"),
    Case("provider-bogus", "--provider bogus", ["create", "rainy jazz", "--provider", "bogus"], {}, 2, "Unknown AI provider"),
    Case("openai-no-key", "--provider openai without OPENAI_API_KEY", ["create", "rainy jazz", "--provider", "openai"], {}, 1, "OPENAI_API_KEY"),
    Case("claude-default-no-key", "DEFAULT_AI_PROVIDER=claude without ANTHROPIC_API_KEY", ["create", "rainy jazz"], {"DEFAULT_AI_PROVIDER": "claude"}, 1, "ANTHROPIC_API_KEY"),
    Case("export-format", "--export xml", ["create", "rainy jazz", "--export", "xml", "out.xml"], {}, 2, "export format"),
    Case("search-limit-0", "search --limit 0", ["search", "jazz", "--limit", "0"], {}, 2, "--limit"),
    Case("unknown-setting", "config set of a setting that does not exist", ["config", "set", "plex.adress", "x"], {}, 2, "not a PlexMix setting"),
    Case("no-such-playlist", "list tracks of a playlist that does not exist", ["list", "tracks", "999"], {}, 2, "no playlist #999"),
    Case("empty-library-sync", "a Plex music library with no tracks: sync", ["sync", "--no-embeddings"], EMPTY, 0, "0 added"),
    Case("empty-library-create", "a Plex music library with no tracks: create", ["create", "rainy jazz", "--no-plex"], EMPTY, 1, "no tracks"),
    Case("corrupt-db-sync", "garbage bytes in the database file: sync", ["sync"], GARBAGE, 1, "cannot be opened"),
    Case("corrupt-db-create", "garbage bytes in the database file: create", ["create", "rainy jazz"], GARBAGE, 1, "cannot be opened"),
    Case("other-model-create", "embeddings of another model: create", ["create", "rainy jazz", "--no-plex"], OTHER_MODEL, 1, "embeddings rebuild"),
    Case("other-model-search", "embeddings of another model: search", ["search", "rainy jazz"], OTHER_MODEL, 1, "embeddings rebuild"),
]
TABLE = Path(__file__).with_name("BAD_INPUTS.md")
UPDATE = bool(os.environ.get("PLEXMIX_UPDATE_BAD_INPUTS"))


@dataclass
class World:
    emu: PlexEmulator
    empty: PlexEmulator
    template: Template
    closed_url: str


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    data = shared_data()
    lib = load_library(data / "spotify_114_genres_sample.csv", limit=40, track_genres=True)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    with PlexEmulator(lib, token=TOKEN) as emu, PlexEmulator(MusicLibrary(), token=TOKEN) as empty:
        home = tmp_path_factory.mktemp("template")
        template = make_template(home, PLEX_URL=emu.url, PLEX_TOKEN=TOKEN, DEFAULT_EMBEDDING_PROVIDER="local")
        yield World(emu, empty, template, closed)


@pytest.fixture(scope="module")
def seen() -> Iterator[dict[str, tuple[str, str, str]]]:
    """case id -> (exit code, first line, hint line) as shown (normalised); written in update mode."""
    found: dict[str, tuple[str, str, str]] = {}
    yield found
    if UPDATE and found:
        write_table(found)


def normalise(text: str, home: Path) -> str:
    text = text.replace(str(home), "$PLEXMIX_HOME")
    return re.sub(r"http://127\.0\.0\.1:\d+", "http://127.0.0.1:PORT", text)


def described(case: Case) -> tuple[str, str]:
    command = "plexmix " + " ".join(a if a.strip() and " " not in a else f'"{a}"' for a in case.args)
    names = {"{empty_url}": "(an empty music library)", "{empty_db}": "(synced from it)",
             "{garbage_db}": "$PLEXMIX_HOME/library-backup.db (garbage)", "{closed_url}": "http://127.0.0.1:PORT"}
    env = ", ".join(
        f"{k}={names.get(v, v)}" if v is not None else f"{k} unset" for k, v in case.env.items()
    )
    return command, env or "—"


def write_table(found: dict[str, tuple[str, str, str]]) -> None:
    rows = [
        "# Bad input a new user might try, and what PlexMix answers",
        "",
        "Generated from the cases in `test_rel_bad_input.py` by running them (real CLI, emulator on",
        "127.0.0.1, a synced library). Regenerate: `PLEXMIX_UPDATE_BAD_INPUTS=1 pytest "
        "tests/reliability/test_rel_bad_input.py`.",
        "Exit codes: 0 success, 1 runtime error, 2 usage error. In every failing case nothing stored is",
        "changed: database rows, the vector index and the named file stay as they were.",
        "",
        "| Case | Bad input | Command | Environment | Exit | First line the user sees | Hint |",
        "|---|---|---|---|---|---|---|",
    ]
    for case in CASES:
        if case.id not in found:
            continue
        code, first, hint = found[case.id]
        command, env = described(case)
        cells = [case.id, case.what, f"`{command}`", env, code, first, hint]
        rows.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    TABLE.write_text("\n".join(rows) + "\n", encoding="utf-8")


def recorded() -> dict[str, tuple[str, str]]:
    """case id -> (exit code, first line) from BAD_INPUTS.md."""
    out: dict[str, tuple[str, str]] = {}
    if not TABLE.exists():
        return out
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        if len(cells) == 7 and cells[0] not in ("Case", "---"):
            out[cells[0]] = (cells[4], cells[5])
    return out


def resolve(case: Case, world: World, home: Path) -> dict[str, str | None]:
    env: dict[str, str | None] = {
        "PLEX_URL": world.emu.url, "PLEX_TOKEN": TOKEN, "PLEX_LIBRARY": "Music",
        "DEFAULT_EMBEDDING_PROVIDER": "local", "DEFAULT_AI_PROVIDER": "none",
    }
    for key, value in case.env.items():
        if value == "{empty_url}":
            value = world.empty.url
        elif value == "{closed_url}":
            value = world.closed_url
        elif value == "{garbage_db}":
            path = home / "library-backup.db"
            path.write_bytes(random.Random(7).randbytes(8192))
            value = str(path)
        elif value == "{empty_db}":
            value = str(home / "empty-library.db")
            if case.args[0] != "sync":  # the user synced the empty library first
                result = invoke(["sync", "--no-embeddings"], clean_env(home, **{**env, "PLEX_URL": world.empty.url,
                                                                                    "DATABASE_PATH": value}))
                assert result.exit_code == 0, result.output
        env[key] = value
    return clean_env(home, **env)


# The "other model" cases configure the sentence-transformers route, which needs the [local] extra.
PARAMS = [pytest.param(c, id=c.id, marks=[pytest.mark.local_model] if c.env is OTHER_MODEL else []) for c in CASES]


@pytest.mark.parametrize("case", PARAMS)
def test_bad_input(
    case: Case, world: World, isolated_env: Path, seen: dict[str, tuple[str, str, str]]
) -> None:
    home = world.template.copy_to(isolated_env)
    env = resolve(case, world, home)
    named = Path(env["DATABASE_PATH"]) if env.get("DATABASE_PATH") else None
    before = (fingerprint(home / "plexmix.db"), file_digest(home / "embeddings.index"))
    named_before = file_digest(named) if named is not None and named.exists() else None

    result = invoke(case.args, env)

    out = lines(result)
    if case.code == 0:
        assert result.exit_code == 0 and "Error:" not in result.output, result.output
        assert case.fragment in result.output, result.output
        hint = ""
    else:
        error = assert_clean_failure(result, case.code, case.fragment)
        hint = next(line for line in out if line.startswith("Hint:"))
        for secret in (TOKEN, WRONG_TOKEN):
            assert secret not in result.output
        assert error == out[0], f"noise before the error:\n{result.output}"
    # Nothing lost: the synced library, its index, and a file named in the error are untouched.
    assert (fingerprint(home / "plexmix.db"), file_digest(home / "embeddings.index")) == before
    if named_before is not None:
        assert named is not None and named.exists() and file_digest(named) == named_before

    first = normalise(out[0] if out else "", home)
    seen[case.id] = (str(result.exit_code), first, normalise(hint, home))
    if not UPDATE:
        table = recorded()
        assert table.get(case.id) == (str(case.code), first), (
            f"BAD_INPUTS.md is out of date for {case.id}: it says {table.get(case.id)}, the user sees "
            f"{(str(case.code), first)}. Regenerate: PLEXMIX_UPDATE_BAD_INPUTS=1 pytest {Path(__file__).name}"
        )


@pytest.mark.skipif(UPDATE, reason="BAD_INPUTS.md is being regenerated")
def test_the_table_lists_every_case() -> None:
    assert set(recorded()) == {c.id for c in CASES}, "regenerate BAD_INPUTS.md (see the module docstring)"
