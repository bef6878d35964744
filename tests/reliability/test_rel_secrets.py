"""No secret ever reaches a log file, a config file or the terminal.

A whole session runs with known fake secrets: the Plex token of the emulator, and an OpenAI key
used for embeddings and curation through a fake OpenAI endpoint on 127.0.0.1 (OPENAI_BASE_URL).
It covers sync, embeddings, search, create, config show/validate/set, --debug and --verbose,
a rejected Plex token, and an OpenAI 401 whose error message repeats the key. Afterwards every
file under PLEXMIX_HOME except credentials.yaml (the 0600 secret store) and every byte of
output — including what --debug would print as a traceback — is searched for the raw values.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import stat
import threading
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from rel_cli import clean_env, invoke
from typer.testing import Result

from datafiles import shared_data
from plexmix.devserver.csv_loader import load_library
from plexmix.devserver.server import PlexEmulator

PLEX_TOKEN = "PlexTok-SECRET-7Hx2Qw9Lm4Zp"
WRONG_PLEX_TOKEN = "PlexTok-WRONG-3Bv8Nc1Rt6Yk"
OPENAI_KEY = "sk-test-SECRET123456789abcdef"
STORED_KEY = "sk-test-STORED987654321fedcba"  # saved with `config set`, read back from the file
SECRETS = (PLEX_TOKEN, WRONG_PLEX_TOKEN, OPENAI_KEY, STORED_KEY)
SECRET_SETTINGS = ("plex.token", "ai.google_api_key", "ai.openai_api_key", "ai.anthropic_api_key")
CANDIDATE = re.compile(r"^(\d+)\|", re.MULTILINE)


# ------------------------------------------------------------------ a fake OpenAI endpoint
@dataclass
class FakeOpenAI:
    url: str = ""
    reject: bool = False  # answer 401 with a message that repeats the key it was given
    keys_seen: list[str] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Any

    def log_message(self, *args: Any) -> None:
        pass

    def _send(self, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _start(self) -> tuple[FakeOpenAI, dict[str, Any], str] | None:
        fake: FakeOpenAI = self.server.fake
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        key = self.headers.get("Authorization", "").removeprefix("Bearer ")
        with fake.lock:
            fake.keys_seen.append(key)
            fake.calls.append(f"{self.command} {self.path}")
        if fake.reject:  # like a careless proxy: the whole key in the error message
            self._send(401, {"error": {"message": f"Incorrect API key provided: {key}", "code": "invalid_api_key",
                                       "type": "invalid_request_error"}})
            return None
        return fake, body, key

    def do_GET(self) -> None:
        if self._start() is not None:
            self._send(
                200, {"object": "list", "data": [{"id": "gpt-4o-mini", "object": "model", "owned_by": "x"}]}
            )

    def do_POST(self) -> None:
        started = self._start()
        if started is None:
            return
        _, body, _ = started
        if self.path.endswith("/embeddings"):
            texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
            size = int(body.get("dimensions") or 1536)
            data = []
            for i, text in enumerate(texts):
                seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
                vector = np.random.default_rng(seed).standard_normal(size).astype("<f4")
                value: Any = [float(x) for x in vector]
                if body.get("encoding_format") == "base64":
                    value = base64.b64encode(vector.tobytes()).decode()
                data.append({"object": "embedding", "index": i, "embedding": value})
            self._send(200, {"object": "list", "data": data, "model": body["model"],
                             "usage": {"prompt_tokens": len(texts), "total_tokens": len(texts)}})
            return
        prompt = "\n".join(str(m.get("content", "")) for m in body.get("messages", []))
        picks = [{"id": int(i), "reason": "fits the mood"} for i in CANDIDATE.findall(prompt)[:10]]
        message = {"role": "assistant", "content": json.dumps({"tracks": picks})}
        self._send(200, {
            "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": body.get("model", "gpt-4o-mini"),
            "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
        })


@pytest.fixture
def openai_fake() -> Iterator[FakeOpenAI]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    fake = FakeOpenAI(url=f"http://127.0.0.1:{httpd.server_address[1]}/v1")
    httpd.fake = fake  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def emu() -> Iterator[PlexEmulator]:
    data = shared_data()
    lib = load_library(data / "spotify_114_genres_sample.csv", limit=50, track_genres=True)
    with PlexEmulator(lib, token=PLEX_TOKEN) as emulator:
        yield emulator


# ------------------------------------------------------------------------------- the session
@dataclass
class Session:
    home: Path
    base: dict[str, str | None]
    shown: list[str] = field(default_factory=list)  # everything the user could have seen

    def run(self, *args: str, code: int | None = 0, stdin: str | None = None, **env: str | None) -> Result:
        result = invoke(list(args), clean_env(self.home, **{**self.base, **env}), stdin=stdin)
        self.shown.append(f"$ plexmix {' '.join(args)}\n{result.output}")
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            # --debug lets the exception through: this is the traceback the terminal would show.
            self.shown.append("".join(traceback.format_exception(result.exception)))
        if code is not None:
            assert result.exit_code == code, (
                f"plexmix {' '.join(args)}: exit {result.exit_code}\n{result.output}"
            )
        return result


def test_no_secret_in_logs_files_or_output(
    emu: PlexEmulator, openai_fake: FakeOpenAI, isolated_env: Path
) -> None:
    s = Session(isolated_env, {
        "PLEX_URL": emu.url, "PLEX_TOKEN": PLEX_TOKEN, "PLEX_LIBRARY": "Music", "OPENAI_API_KEY": OPENAI_KEY,
        "OPENAI_BASE_URL": openai_fake.url, "DEFAULT_EMBEDDING_PROVIDER": "openai",
        "PLEXMIX_EMBEDDINGS__DIMENSION": "64", "DEFAULT_AI_PROVIDER": "openai", "LOG_LEVEL": "DEBUG",
    })

    s.run("sync")
    s.run("--debug", "sync", "full")
    s.run("--verbose", "embeddings", "generate")
    s.run("embeddings", "status", "--json")
    s.run("search", "late night jazz")
    s.run("--debug", "search", "rainy day", "--json")
    plain = s.run("create", "rainy sunday jazz", "--limit", "8", "--name", "Secret Test")
    assert "HTTP Request:" not in plain.output  # the SDK's per-request INFO lines stay out of the terminal
    s.run(
        "--verbose", "create", "upbeat summer", "--limit", "8", "--name", "Secret Test", "--replace", "--json"
    )
    s.run(
        "--debug",
        "create",
        "focus",
        "--limit",
        "5",
        "--no-plex",
        "--export",
        "json",
        str(isolated_env / "out.json"),
    )
    shown_env = s.run("config", "show")
    shown_json = s.run("config", "show", "--json")
    s.run("--verbose", "config", "validate")
    s.run("list", "playlists")
    s.run("sync", "status")

    # A rejected Plex token, plain and with --debug (which shows the traceback).
    s.run("sync", code=1, PLEX_TOKEN=WRONG_PLEX_TOKEN)
    s.run("--debug", "sync", code=None, PLEX_TOKEN=WRONG_PLEX_TOKEN)
    s.run("--verbose", "config", "validate", code=1, PLEX_TOKEN=WRONG_PLEX_TOKEN)
    # An OpenAI endpoint that rejects the key and repeats it in its error message.
    openai_fake.reject = True
    s.run("create", "angry techno", "--limit", "5", "--no-plex", code=None)
    s.run("--debug", "create", "angry techno", "--limit", "5", "--no-plex", code=None)
    s.run("--verbose", "search", "techno", code=None)
    s.run("config", "validate", code=1)
    openai_fake.reject = False

    # A key stored with `config set` lives only in credentials.yaml (mode 0600).
    s.run("config", "set", "ai.openai_api_key", stdin=STORED_KEY + "\n")  # piped, as the docs say
    s.run("--debug", "create", "calm piano", "--limit", "5", "--no-plex", OPENAI_API_KEY=None)
    shown_file = s.run("config", "show", OPENAI_API_KEY=None)

    # The secrets really were used (so their absence below means something).
    assert OPENAI_KEY in openai_fake.keys_seen and STORED_KEY in openai_fake.keys_seen
    assert any(c.endswith("/chat/completions") for c in openai_fake.calls)
    assert any(c.endswith("/embeddings") for c in openai_fake.calls)
    assert [p.title for p in emu.playlists.playlists.values()] == ["Secret Test"]

    credentials = isolated_env / "credentials.yaml"
    assert credentials.is_file() and STORED_KEY in credentials.read_text()
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600

    files = [p for p in isolated_env.rglob("*") if p.is_file() and p != credentials]
    names = {p.name for p in files}
    assert "plexmix.log" in names and "plexmix.db" in names and "out.json" in names, names
    log_text = (isolated_env / "plexmix.log").read_text(encoding="utf-8")
    assert "DEBUG" in log_text and len(log_text) > 2000  # the debug log really was written
    leaks = [
        f"{path.relative_to(isolated_env)} contains {secret[:10]}…"
        for path in files
        for secret in SECRETS
        if secret.encode() in path.read_bytes()
    ]
    output = "\n".join(s.shown)
    leaks += [f"the output shows {secret[:10]}…" for secret in SECRETS if secret in output]

    assert not leaks, "\n".join(leaks)
    # `config show` masks a secret as **** and its last four characters, and shows nothing else.
    assert secret_cells(shown_env.output) == {
        "plex.token": ("****m4Zp", "env:PLEX_TOKEN"),
        "ai.google_api_key": ("(not set)", "missing"),
        "ai.openai_api_key": ("****cdef", "env:OPENAI_API_KEY"),
        "ai.anthropic_api_key": ("(not set)", "missing"),
    }
    assert json.loads(shown_json.stdout)["secrets"] == {
        "plex.token": {"value": "****m4Zp", "source": "env:PLEX_TOKEN"},
        "ai.google_api_key": {"value": "(not set)", "source": "missing"},
        "ai.openai_api_key": {"value": "****cdef", "source": "env:OPENAI_API_KEY"},
        "ai.anthropic_api_key": {"value": "(not set)", "source": "missing"},
        "web.token": {"value": "(not set)", "source": "missing"},  # plexmix web beyond loopback
    }
    assert secret_cells(shown_file.output)["ai.openai_api_key"] == ("****dcba", "file")
    # No other part of a secret appears anywhere: not even six characters in a row of what the
    # mask hides.
    pieces = [
        (secret, secret[i : i + 6]) for secret in SECRETS for i in range(len(secret) - 4 - 6 + 1)
    ]
    partial = sorted({f"{piece!r} of {secret[:10]}…" for secret, piece in pieces if piece in output})
    assert not partial, partial


def secret_cells(table: str) -> dict[str, tuple[str, str]]:
    """(value, source) of each secret row of the `config show` table."""
    rows = {}
    for line in table.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("│").split("│")]
        if len(cells) == 3 and cells[0] in SECRET_SETTINGS:
            rows[cells[0]] = (cells[1], cells[2])
    return rows
