"""Play now: the players a Plex server sees, play queues, and playback started through the server.

* Players: ``GET /clients`` read straight (a ``<Server>`` per player). plexapi's
  ``PlexServer.clients()`` asks plex.tv for a player that advertises no port; PlexMix never needs
  the port (commands go through the server), so it reads the list itself.
* Play queues: ``POST /playQueues?type=audio&playlistID=ID`` for a playlist, or ``uri=server://
  MID/com.plexapp.plugins.library/library/metadata/1,2,3`` for tracks (more tracks than fit in one
  URL are added with ``PUT /playQueues/ID?uri=...``), ``shuffle=0|1``; read back as plexapi's
  ``PlayQueue``.
* Playback: plexapi's ``PlexClient.playMedia(queue)`` with ``proxyThroughServer()``: the server
  relays ``/player/playback/playMedia?containerKey=/playQueues/ID...`` to the player named by
  ``X-Plex-Target-Client-Identifier``. That one request is sent once, without retries, and waits
  at most ``timeout`` seconds, so a player that is gone is a clear :class:`PlayerError` quickly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from plexmix.errors import PlexError
from plexmix.plex.chunking import key_chunks

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

    import requests
    from plexapi.playqueue import PlayQueue
    from plexapi.server import PlexServer

    from plexmix.plex.client import PlexClient

COMMAND_TIMEOUT = 10.0  # seconds a player command may take (a real server waits for the player)
_LIBRARY_URI = "server://{mid}/com.plexapp.plugins.library/library/metadata/"
_QUEUE_OPTIONS = {
    "type": "audio", "includeChapters": "1", "includeRelated": "1", "repeat": "0", "continuous": "0",
}
PLAYERS_HINT = (
    "Open Plexamp or a Plex app signed in to this server (Plexamp: Settings > Advertise as player), "
    "or use --queue-only to make the play queue without a player."
)


class PlayerError(PlexError):
    """No player to play on, an unknown player, or a player that did not take the command."""


@dataclass(slots=True)
class PlayerInfo:
    """A player the server sees: the attributes of one ``<Server>`` of ``GET /clients`` (this
    adapter's copy of an outside schema, like plexmix.plex.models)."""

    name: str
    machine_identifier: str
    product: str = ""
    platform: str = ""
    device_class: str = ""
    address: str = ""
    capabilities: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class QueueInfo:
    """A play queue as the server answered it: its id, size, and the items it returned (a window
    around the selected item on long queues)."""

    play_queue_id: int
    total: int
    version: int
    shuffled: bool
    selected_item_id: int | None
    track_keys: list[str]

    @classmethod
    def of(cls, queue: PlayQueue) -> QueueInfo:
        return cls(
            play_queue_id=int(queue.playQueueID),
            total=int(queue.playQueueTotalCount or 0),
            version=int(queue.playQueueVersion or 0),
            shuffled=bool(queue.playQueueShuffled),
            selected_item_id=queue.playQueueSelectedItemID,
            track_keys=[str(item.ratingKey) for item in queue.items],
        )


def _parse_player(el: Element) -> PlayerInfo:
    return PlayerInfo(
        name=el.get("name") or el.get("title") or "",
        machine_identifier=el.get("machineIdentifier") or "",
        product=el.get("product") or "",
        platform=el.get("platform") or "",
        device_class=el.get("deviceClass") or "",
        address=el.get("address") or el.get("host") or "",
        capabilities=[c for c in (el.get("protocolCapabilities") or "").split(",") if c],
    )


def _element(player: PlayerInfo) -> Element:
    """The player as the ``<Server>`` element plexapi's ``PlexClient`` is built from."""
    from xml.etree.ElementTree import Element

    return Element("Server", {
        "name": player.name, "machineIdentifier": player.machine_identifier, "product": player.product,
        "protocolCapabilities": ",".join(player.capabilities), "protocol": "plex",
    })


def list_players(client: PlexClient) -> list[PlayerInfo]:
    """The players the server sees now (``GET /clients``), in the server's order."""
    root = client._query("/clients", action="list the players")
    return [_parse_player(el) for el in (root if root is not None else []) if el.get("machineIdentifier")]


def choose_player(players: Sequence[PlayerInfo], wanted: str | None) -> PlayerInfo:
    """The player named ``wanted`` (name, case-insensitive, or machine identifier); with no name,
    the only player. Raises :class:`PlayerError` listing the players otherwise."""
    names = ", ".join(f"'{p.name}'" for p in players)
    if not players:
        raise PlayerError("The Plex server sees no players.", hint=PLAYERS_HINT)
    if wanted is None:
        if len(players) == 1:
            return players[0]
        raise PlayerError(
            f"The Plex server sees {len(players)} players; choose one with --player.",
            hint=f"Players: {names}.",
        )
    folded = wanted.strip().casefold()
    for match in (
        lambda p: p.name == wanted or p.machine_identifier == wanted,
        lambda p: p.name.casefold() == folded,
    ):
        found = [p for p in players if match(p)]
        if found:
            return found[0]
    raise PlayerError(f"The Plex server sees no player named '{wanted}'.", hint=f"Players: {names}.")


def _queue(client: PlexClient, path: str, method: str) -> PlayQueue:
    from plexapi.playqueue import PlayQueue

    root = client._query(path, action="make a play queue", method=method)
    if root is None or root.get("playQueueID") is None:
        raise PlexError("The Plex server did not return the play queue.", hint="Check the server's logs.")
    queue = PlayQueue(client.server, root, initpath=path)
    queue._server = client.server
    return queue


def queue_from_playlist(client: PlexClient, playlist_key: str, *, shuffle: bool = False) -> PlayQueue:
    """A play queue of a Plex playlist's tracks (``playlistID=``), shuffled on the server if asked."""
    server = client.server
    uri = f"server://{server.machineIdentifier}/com.plexapp.plugins.library/playlists/{playlist_key}/items"
    params = {**_QUEUE_OPTIONS, "playlistID": playlist_key, "shuffle": str(int(shuffle)), "uri": uri}
    return _queue(client, f"/playQueues?{urlencode(params)}", "POST")


def queue_from_tracks(client: PlexClient, track_keys: Sequence[str], *, shuffle: bool = False) -> PlayQueue:
    """A play queue of these tracks in this order (or shuffled by the server). The first URL-sized
    chunk makes the queue; the others are added to it, so any number of tracks fits."""
    keys = [str(k) for k in track_keys if str(k)]
    if not keys:
        raise PlexError("There are no tracks to play.", hint="Give it at least one track.")
    head = f"/playQueues?{urlencode({**_QUEUE_OPTIONS, 'shuffle': str(int(shuffle))})}"
    return client.url_budget.run(lambda limit: _queue_in_chunks(client, head, keys, limit))


def _queue_in_chunks(client: PlexClient, head: str, keys: list[str], limit: int) -> PlayQueue:
    prefix = quote(_LIBRARY_URI.format(mid=client.server.machineIdentifier), safe="")
    sep = quote(",", safe="")
    fixed = len(head) + len("&uri=") + len(prefix) + len("/playQueues/0000000000?")
    chunks = key_chunks(keys, fixed=fixed, sep_len=len(sep), max_length=limit)
    queue = _queue(client, f"{head}&uri={prefix}{sep.join(next(chunks))}", "POST")
    for chunk in chunks:
        queue = _queue(client, f"/playQueues/{queue.playQueueID}?uri={prefix}{sep.join(chunk)}", "PUT")
    return queue


def add_to_queue(client: PlexClient, queue_id: int, track_keys: Sequence[str]) -> PlayQueue:
    """Add tracks at the end of a play queue (``PUT /playQueues/ID?uri=...``)."""
    prefix = quote(_LIBRARY_URI.format(mid=client.server.machineIdentifier), safe="")
    uri = prefix + quote(",", safe="").join(str(k) for k in track_keys)
    return _queue(client, f"/playQueues/{int(queue_id)}?uri={uri}", "PUT")


def get_queue(client: PlexClient, queue_id: int) -> PlayQueue:
    """A play queue by id (plexapi ``PlayQueue.get``)."""
    from plexapi.playqueue import PlayQueue

    from plexmix.plex.transport import plex_errors

    with plex_errors(client.safe_url, "read a play queue"):
        return PlayQueue.get(client.server, int(queue_id))


def _command_server(client: PlexClient, session: requests.Session, timeout: float) -> PlexServer:
    """plexapi's server for player commands: the same server, a session that never retries
    (requests' own adapter: a command is not repeated, and a player that is gone must fail
    fast) and a short timeout."""
    from plexapi.server import PlexServer

    from plexmix.plex.transport import plex_errors

    with plex_errors(client.safe_url, "connect"):
        return PlexServer(client.url, client._token, session=session, timeout=timeout)


def play_on(
    client: PlexClient, player: PlayerInfo, queue: PlayQueue, *, timeout: float = COMMAND_TIMEOUT
) -> None:
    """Ask ``player`` to play ``queue`` from its selected item, through the server (plexapi
    ``PlexClient.playMedia`` with ``proxyThroughServer``)."""
    import requests
    from plexapi.client import PlexClient as PlexApiPlayer
    from plexapi.exceptions import BadRequest, NotFound

    from plexmix.plex.transport import plex_errors, status_of

    gone = f"The player '{player.name}' did not start playing"
    hint = "Check that it is on and signed in; `plexmix players` lists the players the server sees now."
    with requests.Session() as session, plex_errors(client.safe_url, "start playback"):
        commands = _command_server(client, session, timeout)
        target = PlexApiPlayer(server=commands, data=_element(player), token=None, connect=False)
        target.proxyThroughServer(True, server=commands)
        try:
            target.playMedia(queue)
        except requests.exceptions.ReadTimeout:
            raise PlayerError(f"{gone}: it did not answer within {timeout:g} s.", hint=hint) from None
        except (BadRequest, NotFound) as exc:
            reason = f"the Plex server could not reach it (HTTP {status_of(exc)})"
            raise PlayerError(f"{gone}: {reason}.", hint=hint) from None
