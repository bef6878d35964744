"""What guards every request: the access token (when bound beyond loopback), the Host header
(against DNS rebinding of a loopback server), CSRF on forms, and the security headers.

The token may come as ``Authorization: Bearer TOKEN`` or once as ``?token=TOKEN``: the page then
sets it as an HttpOnly cookie and redirects to the same address without it, so it does not stay
in the address bar or the history. Forms carry a CSRF token equal to a random cookie of the
browser (double submit), compared in constant time.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from plexmix.errors import PlexMixError

TOKEN_COOKIE = "plexmix_web_token"
CSRF_COOKIE = "plexmix_csrf"
CSRF_FIELD = "csrf"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]", "::1"})
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
    "script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


class AccessError(PlexMixError):
    """A request the page refuses (bad token, foreign host, missing CSRF token)."""

    def __init__(self, message: str, *, hint: str | None = None, status: int = 403) -> None:
        super().__init__(message, hint=hint)
        self.status = status


def new_token() -> str:
    return secrets.token_urlsafe(24)


@dataclass
class Guard:
    """The rules of one running page: ``token`` None means loopback only, no token."""

    token: str | None = None
    allowed_hosts: frozenset[str] = field(default_factory=lambda: LOOPBACK_HOSTS)

    def check_host(self, request: Request) -> None:
        if self.token is not None:  # bound publicly: the token is the guard, any Host will do
            return
        host = request.headers.get("host", "")
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        if name.lower() not in self.allowed_hosts:
            raise AccessError(f"This page answers only on its loopback address, not '{host[:80]}'.",
                              hint="Open http://127.0.0.1:PORT/ as `plexmix web` printed it.", status=421)

    def token_given(self, request: Request) -> str | None:
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            return auth[7:].strip()
        return request.query_params.get("token") or request.cookies.get(TOKEN_COOKIE)

    def check_token(self, request: Request) -> None:
        if self.token is None:
            return
        given = self.token_given(request)
        if given is None or not hmac.compare_digest(given.encode(), self.token.encode()):
            raise AccessError("The web token is missing or wrong.",
                              hint="Open the address `plexmix web` printed with ?token=..., or send "
                              "`Authorization: Bearer TOKEN`.", status=401)


async def checked_form(request: Request) -> FormData:
    """The POSTed form, after its CSRF token was compared with the browser's cookie."""
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    cookie = request.cookies.get(CSRF_COOKIE)
    if not isinstance(sent, str) or not cookie or not hmac.compare_digest(sent.encode(), cookie.encode()):
        raise AccessError("This form has expired or did not come from this page.",
                          hint="Reload the page and send the form again.")
    return form


Call = Callable[[Request], Awaitable[Response]]


async def guarded(guard: Guard, request: Request, call_next: Call) -> Response:
    """Run the request through the guard; set the token and CSRF cookies; add the headers."""
    guard.check_host(request)
    guard.check_token(request)
    if guard.token is not None and request.method == "GET" and "token" in request.query_params:
        query = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "token"])
        response: Response = RedirectResponse(request.url.path + (f"?{query}" if query else ""), 303)
        response.set_cookie(TOKEN_COOKIE, guard.token, httponly=True, samesite="strict")
    else:
        csrf = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
        request.state.csrf = csrf
        response = await call_next(request)
        if CSRF_COOKIE not in request.cookies:
            response.set_cookie(CSRF_COOKIE, csrf, httponly=True, samesite="strict")
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response
