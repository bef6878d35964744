"""Helpers for the playlist tests (fixtures live in conftest.py).

The session library: ~1,600 real tracks (both shared CSVs) with track-level genres and moods.
The local ONNX model is slow on a loaded 2-core machine (~40 tracks/s), so the vectors it made
are remembered in a content-addressed file (like PlexMix's own embedding cache); a cold run embeds
everything for real. The file is keyed by everything that turns a text into a vector: the model
and tokenizer bytes, the source of ``plexmix.providers.embeddings.local_onnx`` (truncation,
padding, the ONNX feeds, mean pooling) and the versions of onnxruntime, tokenizers and numpy; each
entry by the track text. Any change there means a new file, never a stale vector.
Set PLEXMIX_TEST_NO_EMBED_CACHE=1 to bypass it.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import inspect
import itertools
import json
import os
import re
import sqlite3
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

from ai_fakes import FakeLLMServer, OpenAIKit, Received, Reply, _Handler
from typer.testing import CliRunner, Result

from datafiles import shared_data
from plexmix.devserver.csv_loader import SongRow, read_rows
from plexmix.devserver.server import PlexEmulator
from plexmix.providers.ai.plan_prompt import PLAN_SYSTEM, PLAN_TEMPLATE
from plexmix.providers.embeddings import local_onnx
from plexmix.providers.embeddings.local_onnx import TOKENIZER_PATH, default_model_path

SHARED = shared_data()
TIDY = SHARED / "tidytuesday_spotify_songs.csv.gz"
SAMPLE = SHARED / "spotify_114_genres_sample.csv"
PROLIFIC = ("Queen", "Martin Garrix", "Guns N' Roses", "Drake")  # whole discographies: diversity matters
TOKEN = "playlist-test-token"
FAKE_KEY = "sk-fake-playlist-test-0000"


# ------------------------------------------------------------------------------ the library
def library_rows() -> Iterator[SongRow]:
    """Every 5th row of the 114-genre sample, every 40th TidyTuesday row, and four whole artists."""
    seen: set[tuple[str, str]] = set()
    tidy = list(read_rows(TIDY))
    picked = itertools.chain(
        itertools.islice(read_rows(SAMPLE), 0, None, 5),
        tidy[::40],
        (r for r in tidy if r.artists[0] in PROLIFIC),
    )
    for row in picked:
        key = (row.album_id, row.title)
        if key not in seen:
            seen.add(key)
            yield row


# ------------------------------------------------------------------------ embedding cache
RUNTIMES = ("onnxruntime", "tokenizers", "numpy")


def embedding_code() -> str:
    """The source of the whole local ONNX route: ``load_tokenizer`` (truncation at MAX_TOKENS,
    padding), ``OnnxMiniLM.encode`` (the feeds), ``mean_pool`` and whatever helper they grow."""
    return inspect.getsource(local_onnx)


def runtime_versions() -> str:
    return ",".join(f"{name}={importlib.metadata.version(name)}" for name in RUNTIMES)


def embed_cache_key(*, model: bytes, tokenizer: bytes, code: str, runtimes: str) -> str:
    digest = hashlib.sha256()
    for part in (model, tokenizer, code.encode(), runtimes.encode()):
        digest.update(len(part).to_bytes(8, "big"))  # no two different inputs hash alike
        digest.update(part)
    return digest.hexdigest()[:24]


def embed_cache_file() -> Path | None:
    if os.environ.get("PLEXMIX_TEST_NO_EMBED_CACHE"):
        return None
    key = embed_cache_key(
        model=default_model_path().read_bytes(), tokenizer=TOKENIZER_PATH.read_bytes(),
        code=embedding_code(), runtimes=runtime_versions(),
    )
    return Path(tempfile.gettempdir()) / "plexmix-test-cache" / f"minilm-{key}.npz"


# ------------------------------------------------------------------------- files and CLI
@dataclass(frozen=True)
class Built:
    db: Path
    index: Path
    model_id: str
    tracks: int


@dataclass(frozen=True)
class Work:
    """One test's own copy of the database and index, and its PLEXMIX_HOME."""

    home: Path
    db: Path
    index: Path

    def connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.db, isolation_level=None)
        conn.row_factory = sqlite3.Row
        return conn


@dataclass
class Cli:
    """``cli("create", "mood", ...)`` runs ``plexmix`` in-process against one test's files."""

    env: dict[str, str]
    runner: CliRunner = field(default_factory=CliRunner)

    def __call__(self, *args: str, env: dict[str, str] | None = None) -> Result:
        from plexmix.cli.main import app

        return self.runner.invoke(app, list(args), env={**self.env, **(env or {})})

    def json(self, *args: str, env: dict[str, str] | None = None) -> Any:
        result = self(*args, "--json", env=env)
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)


def assert_clean_error(result: Result, exit_code: int, *needles: str) -> None:
    """One ``Error:`` line and a ``Hint:`` line, the expected exit code, no traceback."""
    assert result.exit_code == exit_code, result.output
    out = result.output
    assert "Traceback" not in out and "Unexpected error" not in out, out
    assert out.count("Error:") == 1 and "Hint:" in out, out
    for needle in needles:
        assert needle in out, out


@dataclass
class Seen:
    method: str
    path: str  # with the query
    status: int


def spy_statuses(emu: PlexEmulator) -> list[Seen]:
    """Record the status of every answer the emulator gives from now on."""
    seen: list[Seen] = []
    handle = emu.handle

    def recording(method: str, raw_path: str, headers: dict[str, str]) -> Any:
        response = handle(method, raw_path, headers)
        seen.append(Seen(method, raw_path, response.status))
        return response

    emu.handle = recording  # type: ignore[method-assign]
    return seen


def saved_playlists(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Every saved playlist with its tracks' plex keys and reasons in position order."""
    out = []
    for row in conn.execute("SELECT * FROM playlists ORDER BY id").fetchall():
        entries = conn.execute(
            "SELECT pt.position, t.plex_key, pt.reason FROM playlist_tracks pt JOIN tracks t ON t.id = pt.track_id"
            " WHERE pt.playlist_id = ? ORDER BY pt.position",
            (row["id"],),
        ).fetchall()
        out.append({**dict(row), "positions": [e[0] for e in entries], "keys": [e[1] for e in entries],
                    "reasons": [e[2] for e in entries]})
    return out


# ------------------------------------------------------------------------ fake LLM endpoint
CANDIDATE_LINE = re.compile(r"^(\d+)\|", re.MULTILINE)
Responder = Callable[[list[int]], Reply]


class FakeCurator(FakeLLMServer):
    """The fake OpenAI endpoint of tests/ai, answering from the candidate ids in each prompt.

    Planning calls (which read the mood before retrieval) are moved from ``received`` to
    ``plans`` and answered with ``plan_reply``: by default the empty plan, a model that finds
    nothing the rules did not already read."""

    kit = OpenAIKit()
    respond: Responder | None = None
    plan_reply: Reply | None = None

    @property
    def plans(self) -> list[Received]:
        return self.__dict__.setdefault("_plans", [])

    def _next(self) -> Reply:
        with self.lock:
            if PLAN_SYSTEM in self.kit.prompt_text(self.received[-1].json):
                self.plans.append(self.received.pop())
                return self.plan_reply or Reply(200, self.kit.ok(PLAN_TEMPLATE))
            if self.replies:
                return self.replies.pop(0)
            received = self.received[-1]
        if self.respond is None:
            return self.default or Reply(500, {"error": {"message": "no responder"}})
        return self.respond(self.candidate_ids(received))

    @staticmethod
    def candidate_ids(received: Received) -> list[int]:
        text = OpenAIKit().prompt_text(received.json)
        return [int(m) for m in CANDIDATE_LINE.findall(text)]

    def answer(self, picks: Iterable[tuple[int, str]]) -> Reply:
        body = json.dumps({"tracks": [{"id": i, "reason": r} for i, r in picks]})
        return Reply(200, self.kit.ok(body))

    def broken(self) -> Reply:
        return Reply(200, self.kit.ok('Sure! {"tracks": [{"id": 1, "reason": "cut off'))

    @property
    def base_url(self) -> str:
        return self.url + "/v1"

    @property
    def cli_env(self) -> dict[str, str]:
        return {"OPENAI_API_KEY": FAKE_KEY, "OPENAI_BASE_URL": self.base_url}


def start_curator() -> tuple[FakeCurator, ThreadingHTTPServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    fake = FakeCurator(url=f"http://127.0.0.1:{httpd.server_address[1]}")
    httpd.fake = fake  # type: ignore[attr-defined]
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    return fake, httpd


# ------------------------------------------------------------- an independent view of the DB
@dataclass(frozen=True)
class Fact:
    """One track as the tests see it, read with plain SQL (not through PlexMix's query layer)."""

    id: int
    plex_key: str
    title: str
    artist: str | None
    artist_id: int | None
    album_id: int | None
    year: int | None
    rating: float | None
    last_played: int | None
    duration_ms: int | None
    genres: frozenset[str]  # its genres and its styles (a genre filter is met by either)
    moods: frozenset[str] = frozenset()
    genre_tags: frozenset[str] = frozenset()  # its genres only (what a test may name as a genre)


def load_facts(conn: sqlite3.Connection) -> dict[int, Fact]:
    """Each track as plain SQL reads it. ``genres`` holds its genres and its Plex styles: a genre
    named in a filter is met by either (a style such as "reggaeton" or "edm" is a sub-genre)."""
    genres: dict[int, set[str]] = {}
    genre_tags: dict[int, set[str]] = {}
    for track_id, name in conn.execute(
        "SELECT tg.track_id, g.name FROM track_genres tg JOIN genres g ON g.id = tg.genre_id"
    ):
        genres.setdefault(track_id, set()).add(name)
        genre_tags.setdefault(track_id, set()).add(name)
    for track_id, name in conn.execute(
        "SELECT tt.track_id, x.name FROM track_tags tt JOIN tags x ON x.id = tt.tag_id WHERE x.kind = 'style'"
    ):
        genres.setdefault(track_id, set()).add(name)
    moods: dict[int, set[str]] = {}
    for track_id, name in conn.execute(
        "SELECT tt.track_id, x.name FROM track_tags tt JOIN tags x ON x.id = tt.tag_id WHERE x.kind = 'mood'"
    ):
        moods.setdefault(track_id, set()).add(name)
    rows = conn.execute(
        "SELECT t.id, t.plex_key, t.title, a.name, t.artist_id, t.album_id, t.year, t.rating, t.last_played,"
        " t.duration_ms FROM tracks t LEFT JOIN artists a ON a.id = t.artist_id"
    ).fetchall()
    return {
        r[0]: Fact(*tuple(r), genres=frozenset(genres.get(r[0], ())), moods=frozenset(moods.get(r[0], ())),
                   genre_tags=frozenset(genre_tags.get(r[0], ())))
        for r in rows
    }


@dataclass
class Expect:
    """The constraints a playlist must honour, stated by the test."""

    genres: set[str] = field(default_factory=set)  # any of (lower case)
    year_min: int | None = None
    year_max: int | None = None
    rating_min: float | None = None
    artists: set[str] = field(default_factory=set)  # any of (lower case)
    blocked_artists: set[str] = field(default_factory=set)
    blocked_genres: set[str] = field(default_factory=set)
    played_before: int | None = None  # last_played must be older than this (or never)
    moods: set[str] = field(default_factory=set)  # any of (lower case)
    blocked_moods: set[str] = field(default_factory=set)
    duration_min_ms: int | None = None
    duration_max_ms: int | None = None

    def ok(self, f: Fact) -> bool:
        artist = (f.artist or "").lower()
        return (
            (not self.genres or bool(f.genres & self.genres))
            and (not self.moods or bool(f.moods & self.moods))
            and not f.moods & self.blocked_moods
            and (self.duration_min_ms is None or (f.duration_ms or -1) >= self.duration_min_ms)
            and (self.duration_max_ms is None or (f.duration_ms is not None and f.duration_ms <= self.duration_max_ms))
            and (self.year_min is None or (f.year is not None and f.year >= self.year_min))
            and (self.year_max is None or (f.year is not None and f.year <= self.year_max))
            and (self.rating_min is None or (f.rating is not None and f.rating >= self.rating_min))
            and (not self.artists or artist in self.artists)
            and artist not in self.blocked_artists
            and not f.genres & self.blocked_genres
            and (self.played_before is None or f.last_played is None or f.last_played < self.played_before)
        )


def phrase_pattern(phrase: str) -> re.Pattern[str]:
    """Matches ``phrase`` as whole words, case-insensitively."""
    return re.compile(rf"(?<!\w){re.escape(phrase)}(?!\w)", re.I)


def mentions(text: str, phrase: str) -> bool:
    """``phrase`` appears in ``text`` as whole words (case-insensitive)."""
    return phrase_pattern(phrase).search(text) is not None
