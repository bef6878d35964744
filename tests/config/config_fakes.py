"""Helpers for the config command tests: a small emulated Plex server and a fake AI key endpoint."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from datafiles import shared_data
from plexmix.devserver.csv_loader import load_library
from plexmix.devserver.library import MusicLibrary
from plexmix.devserver.server import PlexEmulator

SHARED_DATA = shared_data()
TIDY = SHARED_DATA / "tidytuesday_spotify_songs.csv.gz"
PLEX_TOKEN = "emu-token-3f9a1c7d5e"
GOOD_KEY = "sk-good-FAKE-KEY-1234567890abcd"
BAD_KEY = "sk-bad-FAKE-KEY-0987654321zyxw"


def small_library(limit: int = 150) -> MusicLibrary:
    return load_library(TIDY, limit=limit, track_genres=True)


@contextmanager
def emulator(limit: int = 150) -> Iterator[PlexEmulator]:
    """A loopback Plex emulator with a music library 'Music' and a second one, 'Audiobooks'."""
    with PlexEmulator(
        small_library(limit), token=PLEX_TOKEN, extra_sections=[("artist", "Audiobooks")]
    ) as emu:
        yield emu


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# A model listing every SDK accepts: OpenAI (object/data), Anthropic (data/has_more), Gemini (models).
_MODEL = {
    "id": "llama3.1", "object": "model", "created": 0, "owned_by": "fake", "type": "model",
    "display_name": "Fake", "created_at": "2024-01-01T00:00:00Z",
}
MODELS_BODY = {
    "object": "list", "data": [_MODEL], "has_more": False, "first_id": "llama3.1", "last_id": "llama3.1",
    "models": [{"name": "models/gemini-2.5-flash"}],
}


@dataclass
class KeyServer:
    """Answers GET .../models with 200 for GOOD_KEY (any auth header style) and 401 otherwise."""

    url: str = ""
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)


def _key_of(headers: Any) -> str:
    auth = headers.get("Authorization") or ""
    return (
        auth.removeprefix("Bearer ").strip()
        or headers.get("x-api-key")
        or headers.get("x-goog-api-key")
        or ""
    )


class _Handler(BaseHTTPRequestHandler):
    server: Any

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        fake: KeyServer = self.server.fake
        fake.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
        key = _key_of(self.headers)
        if "/models" in self.path and (key == GOOD_KEY or self.server.open_access):
            status, body = 200, MODELS_BODY
        elif key == BAD_KEY or key:
            status = 400 if "v1beta" in self.path else 401
            reason = "API_KEY_INVALID" if status == 400 else "invalid_api_key"
            body = {"error": {"code": status, "message": "API key not valid.", "status": reason,
                              "type": "authentication_error"}}
        else:
            status, body = 404, {"error": {"message": "not found"}}
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@contextmanager
def key_server(open_access: bool = False) -> Iterator[KeyServer]:
    """A fake OpenAI/Anthropic/Gemini/OpenAI-compatible endpoint on 127.0.0.1."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    fake = KeyServer(url=f"http://127.0.0.1:{httpd.server_address[1]}")
    httpd.fake = fake  # type: ignore[attr-defined]
    httpd.open_access = open_access  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
