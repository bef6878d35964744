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
    user: Any = None  # the Person whose token came with the request (devserver.users)
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
# (method, path pattern, name of the handler method on the endpoint class)
RouteTable = list[tuple[str, re.Pattern[str], str]]
ROUTES: RouteTable = []  # the media server's (devserver.routes and its mixins)


def route(method: str, pattern: str, table: RouteTable = ROUTES) -> Callable[[Handler], Handler]:
    def deco(fn: Handler) -> Handler:
        table.append((method, re.compile(f"^{pattern}/?$"), fn.__name__))
        return fn

    return deco


def dispatch(
    endpoints: object, table: RouteTable, req: Request, bad_request: tuple[type[Exception], ...] = ()
) -> Response:
    """Call the handler of ``req``'s route; 404 for an unknown path, 405 for a wrong method, and
    400 for the ``bad_request`` exceptions a handler raises."""
    path_matched = False
    for method, pattern, name in table:
        m = pattern.match(req.path)
        if m:
            path_matched = True
            if method == req.method:
                try:
                    response: Response = getattr(endpoints, name)(req, m)
                    return response
                except bad_request as exc:
                    return error(400, str(exc))
    return error(405 if path_matched else 404, "Not Allowed" if path_matched else "Not Found")
