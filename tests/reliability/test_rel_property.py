"""Random option values for `create` and `search`: never a traceback, always exit 0, 1 or 2.

Moods and queries mix unicode, quotes and FTS5 syntax (``"``, ``*``, ``OR``, ``NEAR(``, ``:``,
``^``); limits, pools and day counts range from very negative to huge; years and ratings are
random text and floats (inf, nan). The library is a small synced, locally embedded one, set up
once per module; `create` runs with ``--no-plex --provider none``.
"""

from __future__ import annotations

import math
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rel_cli import Template, clean_env, invoke, make_template
from typer.testing import Result

from datafiles import shared_data
from plexmix.devserver.csv_loader import load_library
from plexmix.devserver.server import PlexEmulator

FTS_BITS = ['"', "*", "OR", "AND", "NOT", "NEAR(", "NEAR", ")", "(", ":", "^", "-", "+", "'", "\\", "title:",
            "{", "}", "NEAR(a b, 3)", '"unterminated', "*jazz", "a OR", "AND OR NOT", "%", "_", ";", "--"]
SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

texts = st.one_of(
    st.text(st.characters(min_codepoint=1, blacklist_categories=("Cs",)), max_size=40),
    st.lists(st.one_of(st.sampled_from(FTS_BITS), st.text(max_size=6)), max_size=6).map(" ".join),
    st.sampled_from(["rainy jazz", "ÉTÉ à Paris", "日本の夏", "🎸🔥", "naïve café", "DROP TABLE tracks;"]),
)
ints = st.one_of(
    st.integers(-(10**6), 10**6), st.sampled_from([0, 1, -1, 999, 1000, 1001, 2**31, 2**63, -(2**63)])
)
years = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        ["1994", "1990-1999", "90s", "1990s", "19x", "2000-1990", "-5", "0", "99999999999999999999"]
    ),
    st.integers(-3000, 5000).map(str),
)
ratings = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0.0, 5.0, 10.0, 10.5, -1.0])
)


def options(draw: st.DrawFn, *, create: bool) -> list[str]:
    args: list[str] = []
    if draw(st.booleans()):
        args += ["--limit", str(draw(ints))]
    if draw(st.booleans()):
        args += ["--year", draw(years)]
    for flag in ("--genre", "--artist"):
        for value in draw(st.lists(texts, max_size=2)):
            args += [flag, value]
    if create:
        if draw(st.booleans()):
            value = draw(ratings)
            args += ["--rating", "nan" if math.isnan(value) else repr(value)]
        if draw(st.booleans()):
            args += ["--pool", str(draw(ints))]
        if draw(st.booleans()):
            args += ["--avoid-recent", str(draw(ints))]
    return args


@st.composite
def create_args(draw: st.DrawFn) -> list[str]:
    return ["create", draw(texts), "--no-plex", "--provider", "none", *options(draw, create=True)]


@st.composite
def search_args(draw: st.DrawFn) -> list[str]:
    return ["search", draw(texts), *options(draw, create=False)]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Template]:
    data = shared_data()
    lib = load_library(data / "spotify_114_genres_sample.csv", limit=60, track_genres=True)
    with PlexEmulator(lib) as emu:
        home = tmp_path_factory.mktemp("property")
        yield make_template(home, PLEX_URL=emu.url, PLEX_TOKEN=emu.token, DEFAULT_EMBEDDING_PROVIDER="local")


@pytest.fixture
def env(template: Template, isolated_env: Path) -> dict[str, str | None]:
    home = template.copy_to(isolated_env)
    with socket.socket() as sock:  # `create --no-plex` must not need Plex: point at nothing
        sock.bind(("127.0.0.1", 0))
        nowhere = f"http://127.0.0.1:{sock.getsockname()[1]}"
    return clean_env(home, PLEX_URL=nowhere, PLEX_TOKEN="prop-token-000000", DEFAULT_EMBEDDING_PROVIDER="local",
                     DEFAULT_AI_PROVIDER="none")


def check(result: Result, args: list[str]) -> None:
    shown = f"plexmix {args!r} -> exit {result.exit_code}\n{result.output}"
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{shown}\n{result.exception!r}"
    )
    assert "Traceback" not in result.output and "Unexpected error" not in result.output, shown
    assert result.exit_code in (0, 1, 2), shown
    if result.exit_code:
        assert result.output.count("Error:") >= 1, shown


@SETTINGS
@given(args=create_args())
@example(
    args=["create", "0", "--no-plex", "--provider", "none", "--avoid-recent", "2147483648"]
)  # was a crash
@example(
    args=["create", 'NEAR("x', "--no-plex", "--provider", "none", "--rating", "nan", "--year", "2000-1990"]
)
def test_create_never_crashes(env: dict[str, str | None], args: list[str]) -> None:
    check(invoke(args, env), args)


@SETTINGS
@given(args=search_args())
def test_search_never_crashes(env: dict[str, str | None], args: list[str]) -> None:
    check(invoke(args, env), args)
