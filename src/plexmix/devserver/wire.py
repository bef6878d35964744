"""The emulator's request/response records and the route table its endpoint classes fill."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from plexmix.devserver import render


@dataclass(slots=True)
class Request:
    method: str
    path: str
    params: list[tuple[str, str]]
    headers: Mapping[str, str]
    query: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.query = dict(self.params)


@dataclass(slots=True)
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def xml(body: bytes, status: int = 200) -> Response:
    return Response(status, body, {"Content-Type": "text/xml;charset=utf-8"})


def error(status: int, message: str) -> Response:
    text = f"<html><head><title>{status}</title></head><body><h1>{render.esc(message)}</h1></body></html>"
    return Response(status, text.encode("utf-8"), {"Content-Type": "text/html"})


Handler = Callable[[Any, Request, "re.Match[str]"], Response]
# (method, path pattern, name of the handler method on the emulator's Api)
ROUTES: list[tuple[str, re.Pattern[str], str]] = []


def route(method: str, pattern: str) -> Callable[[Handler], Handler]:
    def deco(fn: Handler) -> Handler:
        ROUTES.append((method, re.compile(f"^{pattern}/?$"), fn.__name__))
        return fn

    return deco
