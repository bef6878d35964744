"""Test helpers for the embedding tests: a fake OpenAI/Gemini embeddings endpoint on 127.0.0.1
and a library database built with plain SQL."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np

SECRET = "test-key-DO-NOT-LOG-93ab1"
# What the real APIs answer without a requested size; other models get FakeEmbeddingAPI.dimension.
NATIVE = {
    "text-embedding-3-small": 1536,
    "text-embedding-3-large": 3072,
    "text-embedding-ada-002": 1536,
    "gemini-embedding-001": 3072,
}


def fake_vector(text: str, dimension: int) -> np.ndarray:
    """A deterministic, deliberately unnormalised vector for ``text``."""
    seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
    return (np.random.default_rng(seed).standard_normal(dimension) * 3.0).astype(np.float32)


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def texts(self) -> list[str]:
        if "input" in self.body:  # OpenAI
            value = self.body["input"]
            return [value] if isinstance(value, str) else list(value)
        return [r["content"]["parts"][0]["text"] for r in self.body.get("requests", [])]


# A fault hook sees (request, how many earlier requests carried the same texts) and returns
# (status, extra headers[, extra fields of the error body]) to fail that request, or None to
# answer normally.
Fault = Callable[[Request, int], "tuple[Any, ...] | None"]


@dataclass
class FakeEmbeddingAPI:
    url: str = ""
    dimension: int = 8
    fault: Fault | None = None
    requests: list[Request] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _seen: dict[tuple[str, ...], int] = field(default_factory=dict)

    def register(self, request: Request) -> int:
        with self.lock:
            self.requests.append(request)
            key = tuple(request.texts)
            count = self._seen.get(key, 0)
            self._seen[key] = count + 1
            return count

    def embedded_texts(self) -> list[str]:
        return [t for r in self.requests for t in r.texts]


class _Handler(BaseHTTPRequestHandler):
    server: Any
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        fake: FakeEmbeddingAPI = self.server.fake
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        request = Request(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
        earlier = fake.register(request)
        failure = fake.fault(request, earlier) if fake.fault else None
        if failure is not None:
            status, headers = failure[0], failure[1]
            error = {"code": status, "message": f"injected {status}", "status": "UNAVAILABLE"}
            if len(failure) > 2:
                error.update(failure[2])
            self._send(status, {"error": error}, headers)
            return
        if self.path.endswith("/embeddings"):
            self._openai(fake, request)
        elif ":batchEmbedContents" in self.path:
            self._gemini(fake, request)
        else:
            self._send(404, {"error": {"code": 404, "message": f"no route {self.path}"}})

    def _openai(self, fake: FakeEmbeddingAPI, request: Request) -> None:
        native = NATIVE.get(request.body["model"], fake.dimension)
        size = int(request.body.get("dimensions") or native)
        data = []
        for i, text in enumerate(request.texts):
            vector = fake_vector(text, size)
            if request.body.get("encoding_format") == "base64":
                value: Any = base64.b64encode(vector.astype("<f4").tobytes()).decode()
            else:
                value = [float(x) for x in vector]
            data.append({"object": "embedding", "index": i, "embedding": value})
        data.reverse()  # the API does not promise order; the client must sort by index
        usage = {"prompt_tokens": len(data), "total_tokens": len(data)}
        self._send(
            200,
            {"object": "list", "data": data, "model": request.body["model"], "usage": usage},
        )

    def _gemini(self, fake: FakeEmbeddingAPI, request: Request) -> None:
        out = []
        for item in request.body["requests"]:
            native = NATIVE.get(str(item.get("model", "")).split("/")[-1], fake.dimension)
            size = int(item.get("outputDimensionality") or native)
            text = item["content"]["parts"][0]["text"]
            out.append({"values": [float(x) for x in fake_vector(text, size)]})
        self._send(200, {"embeddings": out})


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that give up (timeouts, cancelled batches) reset their connections


@contextmanager
def fake_embedding_api(dimension: int = 8) -> Iterator[FakeEmbeddingAPI]:
    fake = FakeEmbeddingAPI(dimension=dimension)
    httpd = _QuietServer(("127.0.0.1", 0), _Handler)
    httpd.fake = fake  # type: ignore[attr-defined]
    fake.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        httpd.shutdown()
        httpd.server_close()


# The library database helpers (open_library, add_track) are shared with the storage tests.
