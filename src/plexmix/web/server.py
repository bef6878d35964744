"""Serving the page with uvicorn: in the foreground (``plexmix web``) or in a thread (the tests,
the bench), and the access token a non-loopback address needs."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from plexmix.utils.logging import register_secret
from plexmix.web.security import LOOPBACK_HOSTS, new_token

if TYPE_CHECKING:
    from plexmix.api import PlexMix

TOKEN_SECRET = "web_token"


def is_loopback(host: str) -> bool:
    return host in LOOPBACK_HOSTS or host.startswith("127.")


@dataclass
class Access:
    token: str | None  # None: loopback, no token
    shown: bool  # a new token, to show once


def access_for(pm: PlexMix, host: str, *, new: bool = False) -> Access:
    """No token on loopback; elsewhere the stored one, or a new one (stored like the other secrets)."""
    if is_loopback(host):
        return Access(None, False)
    store = pm.context.credentials
    token = None if new else store.get(TOKEN_SECRET)[0]
    if token:
        return Access(token, False)
    token = new_token()
    register_secret(token)
    store.set(TOKEN_SECRET, token)
    return Access(token, True)


def _socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit it: a response's head and body are not held back by Nagle's
    # algorithm waiting for the browser's delayed ACK (~40 ms a page otherwise).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host.strip("[]"), port))
    return sock


def _server(pm: PlexMix, token: str | None, debug: bool = False) -> object:
    import uvicorn

    from plexmix.web.app import create_app

    config = uvicorn.Config(create_app(pm, token=token), access_log=False, log_config=None,
                            log_level="debug" if debug else "warning", server_header=False)
    return uvicorn.Server(config)


def serve(pm: PlexMix, host: str, port: int, token: str | None, *, ready: Callable[[str], None],
          debug: bool = False) -> None:
    """Serve until Ctrl+C; ``ready(url)`` is called once the port is bound."""
    from plexmix.errors import UsageError

    try:
        sock = _socket(host, port)
    except OSError as exc:
        raise UsageError(f"Cannot listen on {host}:{port} ({exc.strerror}).",
                         hint="Choose another --port, or stop what uses this one.") from None
    server = _server(pm, token, debug)
    ready(f"http://{host}:{sock.getsockname()[1]}/")
    server.run(sockets=[sock])  # type: ignore[attr-defined]


@contextmanager
def running(pm: PlexMix, *, host: str = "127.0.0.1", token: str | None = None) -> Iterator[str]:
    """The page served in a thread on a free port, for tests and the bench: yields its base URL."""
    sock = _socket(host, 0)
    server = _server(pm, token)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)  # type: ignore[attr-defined]
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:  # type: ignore[attr-defined]
        time.sleep(0.02)
    try:
        yield f"http://{host}:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True  # type: ignore[attr-defined]
        thread.join(10)
        sock.close()
