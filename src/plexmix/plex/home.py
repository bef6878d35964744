"""Plex Home users through the plex.tv account API: who they are, and a server token for one.

A Home user's token comes from plexapi's ``MyPlexAccount.switchHomeUser`` (PIN checked by plex.tv)
and then ``resources()`` (each server the user can reach, with the token for that user); a user the
server is shared with outside the Home gets theirs from the server's shares
(``MyPlexUser.get_token``, what ``PlexServer.switchUser`` uses). ``account_url`` sends the requests
for https://plex.tv and https://clients.plex.tv elsewhere (the Plex emulator's ``/plex.tv`` in
tests and the demo); by default they go to plex.tv itself. Tokens are never logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import requests

from plexmix.errors import PlexError
from plexmix.plex.transport import plex_errors, status_of

if TYPE_CHECKING:
    from plexapi.myplex import MyPlexAccount, MyPlexUser

PLEX_TV = "https://plex.tv"
ACCOUNT_HOSTS = ("https://plex.tv", "https://clients.plex.tv")
USERS_HINT = "See the users of the Home in Plex Web > Settings > Plex Home (names are not case-sensitive)."


class HomeUserError(PlexError):
    """A Plex Home user cannot be switched to: unknown user, wrong or missing PIN, not the admin."""


class PinRequiredError(HomeUserError):
    """The Home user is protected by a PIN and none was given (ask for it, then try again)."""


@dataclass(frozen=True, slots=True)
class HomeUser:
    id: int
    name: str
    pin_required: bool
    admin: bool
    restricted: bool  # a managed user (no plex.tv account of their own)
    home: bool  # a member of the Home (else: a friend the server is shared with)


class AccountSession(requests.Session):
    """A requests session that sends plex.tv's requests to ``account_url`` instead."""

    def __init__(self, account_url: str = PLEX_TV) -> None:
        super().__init__()
        self.account_url = account_url.rstrip("/")

    def rewrite(self, url: str) -> str:
        if self.account_url == PLEX_TV:
            return url
        for host in ACCOUNT_HOSTS:
            if url == host or url.startswith(host + "/"):
                return self.account_url + url[len(host) :]
        return url

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        target = self.rewrite(url.decode() if isinstance(url, bytes) else url)
        return super().request(method, target, *args, **kwargs)


def account_session(account_url: str = PLEX_TV) -> requests.Session:
    """A session for plexapi (``MyPlexAccount``/``PlexServer``) whose plex.tv requests go to
    ``account_url``; requests to a Plex server's own URL are left alone."""
    return AccountSession(account_url)


def _account(owner_token: str, session: requests.Session) -> MyPlexAccount:
    from plexapi.myplex import MyPlexAccount

    return MyPlexAccount(token=owner_token, session=session)


def _require_admin(account: MyPlexAccount) -> None:
    if not account.homeAdmin:
        raise HomeUserError(
            f"The account '{account.title}' is not the admin of its Plex Home.",
            hint="Use the Plex token of the Home's admin (the server owner) to switch users.",
        )


def _is_owner(account: MyPlexAccount, user: str) -> bool:
    wanted = user.strip().lower()
    return wanted in {str(account.title or "").lower(), str(account.username or "").lower(), str(account.id)}


def _find(account: MyPlexAccount, user: str) -> MyPlexUser:
    from plexapi.exceptions import NotFound

    try:
        return account.user(user)
    except NotFound:
        names = ", ".join(u.title for u in account.users()) or "none"
        message = f"There is no Plex user called '{user}' (users: {names})."
        raise HomeUserError(message, hint=USERS_HINT) from None


def home_users(
    owner_token: str, *, account_url: str = PLEX_TV, session: requests.Session | None = None
) -> list[HomeUser]:
    """The admin, then every user of the admin's account (Home members and friends)."""
    session = session or account_session(account_url)
    with plex_errors(account_url, "list the Plex Home users"):
        account = _account(owner_token, session)
        _require_admin(account)
        out = [HomeUser(account.id, account.title, bool(account.protected), True, False, True)]
        for u in account.users():
            restricted = str(u.restricted).lower() in ("1", "true")
            out.append(HomeUser(u.id, u.title, bool(u.protected), False, restricted, bool(u.home)))
    return out


def user_server_token(
    server_url: str,
    owner_token: str,
    user: str,
    pin: str | None = None,
    *,
    account_url: str = PLEX_TV,
    session: requests.Session | None = None,
) -> str:
    """The token ``user`` (a name, e-mail or id) uses on the server at ``server_url``.

    ``owner_token`` is the Home admin's; the owner's own name gives it back. A PIN-protected Home
    user needs ``pin``. Raises :class:`HomeUserError` for what the user can fix.
    """
    from plexapi.exceptions import BadRequest
    from plexapi.server import PlexServer

    session = session or account_session(account_url)
    with plex_errors(account_url, "switch to another Plex user"):
        account = _account(owner_token, session)
        if _is_owner(account, user):
            return owner_token
        _require_admin(account)
        target = _find(account, user)
        machine_id = PlexServer(server_url, owner_token, session=session).machineIdentifier
        if not target.home:
            token = target.get_token(machine_id)
            if not token:
                raise _no_access(target.title)
            return str(token)
        if target.protected and not pin:
            message = f"The Plex Home user '{target.title}' is protected by a PIN."
            raise PinRequiredError(message, hint=_PIN_HINT)
        try:
            switched = account.switchHomeUser(target, pin)
        except BadRequest as exc:
            if status_of(exc) == 403:
                message = f"Wrong PIN for the Plex Home user '{target.title}'."
                raise HomeUserError(message, hint=_PIN_HINT) from None
            raise
        for resource in switched.resources():
            if resource.clientIdentifier == machine_id and resource.accessToken:
                return str(resource.accessToken)
        raise _no_access(target.title)


_PIN_HINT = "Give the user's 4-digit Plex Home PIN (it is asked when needed; it is never stored)."


def _no_access(name: str) -> HomeUserError:
    return HomeUserError(
        f"The Plex user '{name}' has no access to this server.",
        hint="Share the server's music library with them in Plex Web > Settings > Users & Sharing.",
    )
