"""Test helpers for the AI provider tests: a scripted fake LLM HTTP server on 127.0.0.1,
per-provider "kits" that know each API's wire format, and real-track candidates."""

from __future__ import annotations

import csv
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from datafiles import shared_data
from plexmix.providers.ai import (
    Candidate,
    ClaudeCurator,
    Curator,
    GeminiCurator,
    LocalCurator,
    OpenAICurator,
)

SECRET = "sk-test-DO-NOT-LOG-4f9c2e"
# Real tracks: ../shared/data beside the repository, or rebuilt from bundled data (tests/datafiles.py)
TRACKS_CSV = shared_data() / "spotify_114_genres_sample.csv"


# --------------------------------------------------------------------------- fake server
@dataclass
class Reply:
    """One scripted HTTP answer. ``body``: dict -> JSON, str -> sent as is."""

    status: int = 200
    body: Any = None
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass
class FakeLLMServer:  # started by the ``fake_server`` fixture
    """Answers POSTs from a script (first in, first out), then with ``default``."""

    url: str = ""
    replies: list[Reply] = field(default_factory=list)
    default: Reply | None = None
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def script(self, *replies: Reply, default: Reply | None = None) -> None:
        self.replies = list(replies)
        self.default = default

    def _next(self) -> Reply:
        with self.lock:
            if self.replies:
                return self.replies.pop(0)
        return self.default or Reply(599, {"error": {"message": "no scripted reply"}})


class _Handler(BaseHTTPRequestHandler):
    server: Any

    def log_message(self, *args: Any) -> None:  # keep test output quiet
        pass

    def _handle(self) -> None:
        fake: FakeLLMServer = self.server.fake
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        with fake.lock:
            fake.received.append(Received(self.command, self.path, headers, body))
        reply = fake._next()
        if reply.delay:
            time.sleep(reply.delay)
        payload = reply.body if isinstance(reply.body, str) else json.dumps(reply.body)
        data = payload.encode()
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except OSError:  # the client gave up (timeout test)
            pass

    def do_POST(self) -> None:
        self._handle()

    def do_GET(self) -> None:
        self._handle()


# ---------------------------------------------------------------------------- candidates
def load_candidates(count: int) -> list[Candidate]:
    """Real track metadata from the shared Spotify sample, scored by a simple formula."""
    with TRACKS_CSV.open(newline="", encoding="utf-8") as handle:
        rows = [row for _, row in zip(range(count), csv.DictReader(handle), strict=False)]
    out = []
    for index, row in enumerate(rows):
        valence = float(row["valence"])
        energy = float(row["energy"])
        out.append(
            Candidate(
                id=1000 + index * 7,
                title=row["track_name"],
                artist=row["artists"].split(";")[0],
                album=row["album_name"],
                year=None if index % 5 == 0 else 1990 + index,
                genres=[row["track_genre"]],
                moods=["upbeat" if valence > 0.5 else "melancholic"]
                + (["energetic"] if energy > 0.6 else []),
                score=round(0.4 * valence + 0.6 * energy, 4),
            )
        )
    out.sort(key=lambda c: -c.score)
    return out


# ------------------------------------------------------------------------ provider kits
class Kit:
    """Wire format of one provider's API, for building replies and reading requests."""

    name = ""
    model = ""

    def make(self, server: FakeLLMServer, **kwargs: Any) -> Curator:
        raise NotImplementedError

    def ok(self, text: str) -> dict:
        raise NotImplementedError

    def error(self, status: int, message: str) -> dict:
        raise NotImplementedError

    def path_ok(self, path: str, model: str) -> bool:
        raise NotImplementedError

    def prompt_text(self, request: dict) -> str:
        raise NotImplementedError

    def model_sent(self, received: Received) -> str:
        return str(received.json["model"])

    def json_mode_ok(self, request: dict) -> bool:
        raise NotImplementedError

    def schema_sent(self, request: dict) -> dict | None:
        """The JSON schema the request asks the answer to follow (None: JSON mode without one)."""
        raise NotImplementedError

    def key_sent(self, received: Received) -> bool:
        return received.headers.get("authorization") == f"Bearer {SECRET}"

    @staticmethod
    def _defaults(kwargs: dict) -> dict:
        kwargs.setdefault("timeout", 5.0)
        kwargs.setdefault("retry_backoff", 0.01)
        kwargs.setdefault("max_retries", 2)
        return kwargs


class OpenAIKit(Kit):
    name = "openai"
    model = "gpt-4o-mini"
    prompt_tokens = 321

    def make(self, server: FakeLLMServer, **kwargs: Any) -> Curator:
        kwargs.setdefault("api_key", SECRET)
        return OpenAICurator(base_url=server.url + "/v1", **self._defaults(kwargs))

    def ok(self, text: str) -> dict:
        return {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 1,
            "model": self.model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": self.prompt_tokens, "completion_tokens": 42,
                      "total_tokens": self.prompt_tokens + 42},
        }

    def error(self, status: int, message: str) -> dict:
        code = {401: "invalid_api_key", 404: "model_not_found"}.get(status)
        return {"error": {"message": message, "type": "invalid_request_error", "code": code}}

    def path_ok(self, path: str, model: str) -> bool:
        return path == "/v1/chat/completions"

    def prompt_text(self, request: dict) -> str:
        return "\n".join(m["content"] for m in request["messages"])

    def json_mode_ok(self, request: dict) -> bool:
        fmt = request.get("response_format") or {}
        return (
            fmt.get("type") == "json_schema"
            and fmt["json_schema"]["strict"] is True
            and "tracks" in fmt["json_schema"]["schema"]["properties"]
        )

    def schema_sent(self, request: dict) -> dict | None:
        fmt = request.get("response_format") or {}
        if fmt.get("type") != "json_schema" or fmt["json_schema"].get("strict") is not True:
            return None
        return fmt["json_schema"]["schema"]


class LocalKit(OpenAIKit):
    name = "local"
    model = "llama3.1:8b"

    def make(self, server: FakeLLMServer, **kwargs: Any) -> Curator:
        kwargs.setdefault("model", self.model)
        return LocalCurator(base_url=server.url + "/v1", **self._defaults(kwargs))

    def json_mode_ok(self, request: dict) -> bool:
        return request.get("response_format") == {"type": "json_object"}

    def schema_sent(self, request: dict) -> dict | None:
        return None  # json_object: the prompt describes the fields

    def key_sent(self, received: Received) -> bool:
        return received.headers.get("authorization") == "Bearer not-needed"


class ClaudeKit(Kit):
    name = "claude"
    model = "claude-sonnet-5-5"
    prompt_tokens = 456

    def make(self, server: FakeLLMServer, **kwargs: Any) -> Curator:
        kwargs.setdefault("api_key", SECRET)
        return ClaudeCurator(base_url=server.url, **self._defaults(kwargs))

    def ok(self, text: str) -> dict:
        return {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "model": self.model,
            "content": [
                {"type": "thinking", "thinking": "Short thought.", "signature": "sig"},
                {"type": "text", "text": text},
            ],
            "stop_reason": "end_turn",
            "stop_sequence": None,
            "usage": {"input_tokens": self.prompt_tokens, "output_tokens": 42},
        }

    def error(self, status: int, message: str) -> dict:
        kind = {401: "authentication_error", 404: "not_found_error"}.get(status, "api_error")
        return {"type": "error", "error": {"type": kind, "message": message}}

    def path_ok(self, path: str, model: str) -> bool:
        return path == "/v1/messages"

    def prompt_text(self, request: dict) -> str:
        return request["system"] + "\n" + "\n".join(m["content"] for m in request["messages"])

    def json_mode_ok(self, request: dict) -> bool:
        fmt = (request.get("output_config") or {}).get("format") or {}
        return fmt.get("type") == "json_schema" and "tracks" in fmt["schema"]["properties"]

    def schema_sent(self, request: dict) -> dict | None:
        fmt = (request.get("output_config") or {}).get("format") or {}
        return fmt.get("schema") if fmt.get("type") == "json_schema" else None

    def key_sent(self, received: Received) -> bool:
        headers = received.headers
        return headers.get("x-api-key") == SECRET or headers.get("authorization") == (
            f"Bearer {SECRET}"
        )


class GeminiKit(Kit):
    name = "gemini"
    model = "gemini-2.5-flash"
    prompt_tokens = 789

    def make(self, server: FakeLLMServer, **kwargs: Any) -> Curator:
        kwargs.setdefault("api_key", SECRET)
        return GeminiCurator(base_url=server.url, **self._defaults(kwargs))

    def ok(self, text: str) -> dict:
        return {
            "candidates": [
                {
                    "content": {"role": "model", "parts": [{"text": text}]},
                    "finishReason": "STOP",
                    "index": 0,
                }
            ],
            "usageMetadata": {
                "promptTokenCount": self.prompt_tokens,
                "candidatesTokenCount": 42,
                "totalTokenCount": self.prompt_tokens + 42,
            },
            "modelVersion": self.model,
        }

    def error(self, status: int, message: str) -> dict:
        names = {401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND"}
        return {"error": {"code": status, "message": message,
                          "status": names.get(status, "INTERNAL")}}

    def path_ok(self, path: str, model: str) -> bool:
        return path.endswith(f"/models/{model}:generateContent")

    def prompt_text(self, request: dict) -> str:
        system = " ".join(p["text"] for p in request["systemInstruction"]["parts"])
        user = " ".join(p["text"] for c in request["contents"] for p in c["parts"])
        return system + "\n" + user

    def model_sent(self, received: Received) -> str:
        return received.path.rsplit("/models/", 1)[1].split(":")[0]

    def json_mode_ok(self, request: dict) -> bool:
        config = request.get("generationConfig") or {}
        return (
            config.get("responseMimeType") == "application/json"
            and "tracks" in config["responseSchema"]["properties"]
        )

    def schema_sent(self, request: dict) -> dict | None:
        config = request.get("generationConfig") or {}
        if config.get("responseMimeType") != "application/json":
            return None
        return config.get("responseSchema")

    def key_sent(self, received: Received) -> bool:
        return received.headers.get("x-goog-api-key") == SECRET


KITS: dict[str, Kit] = {k.name: k for k in (OpenAIKit(), LocalKit(), ClaudeKit(), GeminiKit())}




def start_server() -> tuple[FakeLLMServer, ThreadingHTTPServer]:
    """Start a fake server in a daemon thread; the caller shuts ``httpd`` down."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    fake = FakeLLMServer(url=f"http://127.0.0.1:{httpd.server_address[1]}")
    httpd.fake = fake  # type: ignore[attr-defined]
    threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    ).start()
    return fake, httpd
