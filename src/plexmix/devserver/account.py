"""The plex.tv account service of one emulated server, served under ``/plex.tv`` (and
``/clients.plex.tv``) so that one process is both the media server and the account service.

Only what plexapi's ``MyPlexAccount`` and ``PlexServer.switchUser`` ask for, shaped like plex.tv:

* ``GET /api/v2/user``: the account of the token (``<user>`` with ``<subscription>``/``<profile>``);
* ``GET /api/users``: the admin's users (``<User>`` with a ``<Server>`` share), admin only;
* ``GET /api/home/users``: the members of the Home, the admin included;
* ``POST /api/home/users/{id}/switch?pin=`` (and ``/api/v2/home/users/{id|uuid}/switch``): a Home
  member's account token; a wrong or missing PIN of a protected profile answers 403 (error
  1041), as plex.tv does (which may let an admin skip the PIN on some accounts: the emulator never does);
* ``GET /api/v2/resources``: this server, with the server token of the requesting person;
* ``GET /api/servers/{machineId}/shared_servers``: the server tokens of the users, admin only.

Tokens here are plex.tv account tokens (:class:`~plexmix.devserver.users.Person.account_token`);
the owner's is also the server token, a Home user's server token comes from ``resources``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from plexmix.devserver import render
from plexmix.devserver.users import Person
from plexmix.devserver.wire import Request, Response, RouteTable, dispatch, route, xml

if TYPE_CHECKING:
    from plexmix.devserver.server import PlexEmulator

ACCOUNT_PREFIXES = ("/plex.tv", "/clients.plex.tv")
ACCOUNT_ROUTES: RouteTable = []
_CREATED = 1_600_000_000
_MYPLEX = {"friendlyName": "myPlex", "identifier": "com.plexapp.plugins.myplex"}


def _errors(status: int, code: int, message: str) -> Response:
    """plex.tv's error document: ``<errors><error code message status/></errors>``."""
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<errors>'
        f'<error{render.attrs({"code": code, "message": message, "status": status})} /></errors>\n'
    )
    return xml(body.encode("utf-8"), status)


def _iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _doc(tag: str, attrs: Mapping[str, object], children: str = "") -> bytes:
    head = f'<?xml version="1.0" encoding="UTF-8"?>\n<{tag}{render.attrs(attrs)}>'
    return f"{head}{children}</{tag}>\n".encode()


class AccountService:
    """Answers the account requests of one emulator (its Home, its server)."""

    def __init__(self, emu: PlexEmulator) -> None:
        self.emu = emu

    def handle(
        self, method: str, path: str, params: list[tuple[str, str]], headers: Mapping[str, str]
    ) -> Response:
        token = headers.get("x-plex-token") or next((v for k, v in params if k == "X-Plex-Token"), "")
        person = self.emu.home.by_account_token(token)
        if person is None:
            return _errors(401, 1001, "User could not be authenticated")
        return dispatch(self, ACCOUNT_ROUTES, Request(method, path, params, headers, user=person))

    # -- documents --------------------------------------------------------------------------
    def _user_attrs(self, p: Person) -> dict[str, object]:
        home = self.emu.home
        return {
            "id": p.id,
            "uuid": p.uuid,
            "username": "" if p.restricted else p.name.lower(),
            "title": p.name,
            "email": "" if p.restricted else f"{p.name.lower()}@example.invalid",
            "thumb": f"https://plex.tv/users/{p.uuid}/avatar",
            "protected": int(p.pin is not None),
            "home": 1,
            "homeAdmin": int(p.admin),
            "admin": int(p.admin),
            "guest": 0,
            "restricted": int(p.restricted),
            "homeSize": len(home.people),
            "maxHomeSize": 15,
        }

    def _account_xml(self, p: Person, **extra: object) -> bytes:
        attrs = {
            **self._user_attrs(p),
            "friendlyName": p.name,
            "locale": "en",
            "confirmed": 1,
            "joinedAt": _CREATED,
            "emailOnlyAuth": 0,
            "hasPassword": int(not p.restricted),
            "authToken": p.account_token,
            "mailingListStatus": "inactive",
            "mailingListActive": 0,
            "scrobbleTypes": "",
            "country": "US",
            "subscriptionDescription": "",
            "anonymous": "",
            "rememberExpiresAt": _CREATED + 10 * 365 * 86400,
            "experimentalFeatures": 0,
            "twoFactorEnabled": 0,
            "backupCodesCreated": 0,
            **extra,
        }
        children = (
            '<subscription active="1" subscribedAt="2020-09-13 12:26:40 UTC" status="Active"'
            ' paymentService="" plan="lifetime"><features><feature id="music_sonic" /></features>'
            "</subscription>"
            '<profile autoSelectAudio="1" defaultAudioLanguage="en" defaultSubtitleLanguage="en"'
            ' autoSelectSubtitle="0" defaultSubtitleAccessibility="0" defaultSubtitleForces="0" />'
            '<entitlements all="0" /><roles><role id="plexpass" /></roles><services />'
        )
        return _doc("user", attrs, children)

    def _server_share(self, p: Person) -> str:
        emu = self.emu
        share = render.attrs(
            {
                "id": p.id,
                "serverId": 1,
                "machineIdentifier": emu.machine_identifier,
                "name": emu.friendly_name,
                "lastSeenAt": emu.library.clock(),
                "numLibraries": len(emu.section_list()),
                "allLibraries": 1,
                "owned": 1,
                "pending": 0,
            }
        )
        return f"<Server{share} />"

    # -- routes -----------------------------------------------------------------------------
    @route("GET", "/api/v2/user", ACCOUNT_ROUTES)
    def user(self, req: Request, m: re.Match[str]) -> Response:
        return xml(self._account_xml(req.user))

    @route("GET", "/api/users", ACCOUNT_ROUTES)
    def users(self, req: Request, m: re.Match[str]) -> Response:
        if not req.user.admin:
            return _errors(401, 1001, "Only the Plex Home admin can list its users")
        others = [p for p in self.emu.home.people if not p.admin]
        children = [
            f"<User{render.attrs(self._user_attrs(p))} allowSync=\"1\" allowCameraUpload=\"0\""
            f' allowChannels="1" filterAll="" filterMovies="" filterMusic="" filterPhotos=""'
            f' filterTelevision="">{self._server_share(p)}</User>\n'
            for p in others
        ]
        return xml(render.container(children, size=len(children), totalSize=len(children), **_MYPLEX))

    @route("GET", "/api/home/users", ACCOUNT_ROUTES)
    def home_users(self, req: Request, m: re.Match[str]) -> Response:
        people = self.emu.home.people
        children = [f"<User{render.attrs(self._user_attrs(p))} />\n" for p in people]
        return xml(render.container(children, size=len(children), **_MYPLEX))

    @route("POST", r"/api(?:/v2)?/home/users/(\w+)/switch", ACCOUNT_ROUTES)
    def switch(self, req: Request, m: re.Match[str]) -> Response:
        target = self.emu.home.by_id(m.group(1))
        if target is None:
            return _errors(404, 1002, "User could not be found")
        if target.pin is not None and req.query.get("pin") != target.pin:
            return _errors(403, 1041, "A valid PIN is required to perform this action")
        body = self._account_xml(target, authenticationToken=target.account_token)
        return xml(body, 201)

    @route("GET", "/api/v2/resources", ACCOUNT_ROUTES)
    def resources(self, req: Request, m: re.Match[str]) -> Response:
        emu, p = self.emu, req.user
        owner = emu.home.owner
        attrs = {
            "name": emu.friendly_name,
            "product": "Plex Media Server",
            "productVersion": emu.version,
            "platform": "Linux",
            "platformVersion": "6.1",
            "device": "PC",
            "clientIdentifier": emu.machine_identifier,
            "createdAt": _iso(_CREATED),
            "lastSeenAt": _iso(emu.library.clock()),
            "provides": "server",
            "ownerId": None if p.admin else owner.id,
            "sourceTitle": None if p.admin else owner.name.lower(),
            "publicAddress": emu.host,
            "accessToken": p.server_token,
            "owned": int(p.admin),
            "home": int(not p.admin),
            "synced": 0,
            "relay": 0,
            "presence": 1,
            "httpsRequired": 0,
            "publicAddressMatches": 1,
            "dnsRebindingProtection": 0,
            "natLoopbackSupported": 1,
        }
        # plexapi tries a resource's local addresses only when the user owns it: list the
        # address as local and as remote, as plex.tv lists a server's LAN and public addresses.
        conns = "".join(
            f"<connection{render.attrs(dict(address=emu.host, port=emu.port, uri=emu.url, local=local))}"
            ' protocol="http" relay="0" IPv6="0" />'
            for local in (1, 0)
        )
        resource = f"<resource{render.attrs(attrs)}><connections>{conns}</connections></resource>"
        return xml(_doc("resources", {"size": 1}, resource))

    @route("GET", r"/api/servers/(\w+)/shared_servers", ACCOUNT_ROUTES)
    def shared_servers(self, req: Request, m: re.Match[str]) -> Response:
        emu = self.emu
        if m.group(1) != emu.machine_identifier:
            return _errors(404, 1002, "Server could not be found")
        if not req.user.admin:
            return _errors(401, 1001, "Only the server's owner can list its shares")
        sections = "".join(
            f'<Section id="{key}" key="{key}" title="{render.esc(title)}" type="{kind}" shared="1" />'
            for key, kind, title, _uuid in emu.section_list()
        )
        children = []
        for p in emu.home.people:
            if p.admin:
                continue
            head = render.attrs(
                {
                    "id": p.id, "username": p.name.lower(), "email": "", "userID": p.id,
                    "accessToken": p.server_token, "name": emu.friendly_name, "acceptedAt": _CREATED,
                    "invitedAt": _CREATED, "allowSync": 1, "allowCameraUpload": 0, "allowChannels": 1,
                    "allowTuners": 0, "allowSubtitleAdmin": 0, "owned": 0, "allLibraries": 1,
                }
            )
            children.append(f"<SharedServer{head}>{sections}</SharedServer>\n")
        mid = emu.machine_identifier
        return xml(render.container(children, size=len(children), machineIdentifier=mid, **_MYPLEX))
