"""The emulator's HTTP/1.1 server: keep-alive, ``Content-Length``, no Nagle delay, quiet logs,
the ``Date`` header on the library's clock; each request is answered by ``PlexEmulator.handle``."""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from plexmix.devserver.server import PlexEmulator

_REASONS = {429: "Too Many Requests", 414: "Request-URI Too Long"}


class LoopbackServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    emulator: PlexEmulator

    def __init__(self, address: tuple[str, int], emulator: PlexEmulator) -> None:
        self.emulator = emulator
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away mid-answer (killed, timed out) is normal: no traceback."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self.connections_lock:
            conns = list(self.connections)
            self.connections.clear()
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    timeout = 60
    server: LoopbackServer
    server_version = "PlexMediaServer-Emulator"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:  # quiet; tokens may be in query strings
        return

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The ``Date`` header on the library's clock, like a real server's on its own."""
        now = self.server.emulator.library.clock() if timestamp is None else timestamp
        return formatdate(now, usegmt=True)

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        emu = self.server.emulator
        headers = {name.lower(): value for name, value in self.headers.items()}
        response = emu.handle(self.command, self.path, headers)
        self.send_response(response.status, _REASONS.get(response.status))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.send_header("X-Plex-Protocol", "1.0")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle  # noqa: N815
