"""The play-now endpoints of the emulated server (a mixin of its ``Api``).

* ``POST /playQueues?type=audio&playlistID=ID|uri=...&shuffle=0|1[&key=/library/metadata/RK]``
  makes a queue; ``GET /playQueues/ID[?window=N&center=ITEMID]`` reads it; ``PUT
  /playQueues/ID?uri=...|playlistID=...[&next=1]`` adds items. Each answers a ``MediaContainer``
  with ``playQueueID``, ``playQueueSelectedItemID``, ``playQueueTotalCount``,
  ``playQueueVersion``... and ``<Track playQueueItemID=...>`` children, like a real server.
* ``GET /clients`` lists the players; ``GET /player/...`` with ``X-Plex-Target-Client-Identifier``
  (header or parameter) relays a command to one (:mod:`plexmix.devserver.players`).
* ``GET /security/token?type=delegation&scope=all``: the transient token plexapi's ``playMedia``
  hands to the player.
"""

from __future__ import annotations

import hashlib
import re
import time

from plexmix.devserver import render
from plexmix.devserver.players import EmuPlayer, Players
from plexmix.devserver.playlists import PlaylistRequestError
from plexmix.devserver.playqueues import PlayQueue
from plexmix.devserver.wire import Request, Response, error, route, xml

_MEDIA_TYPES = frozenset({"audio", "video", "photo"})
_QUEUE_HEAD = {  # what a real server's play queue container starts with
    "identifier": "com.plexapp.plugins.library",
    "mediaTagPrefix": "/system/bundle/media/flags/",
    "mediaTagVersion": "1700000000",
}
DEFAULT_WINDOW = 100  # items on each side of the centre when the request names no window
_TARGET = "X-Plex-Target-Client-Identifier"


def _owner(req: Request) -> int | None:
    return None if req.user is None else int(req.user.id)


def _start_key(req: Request) -> int | None:
    raw = req.query.get("key", "").rsplit("/", 1)[-1]
    return int(raw) if raw.isdigit() else None


class PlayEndpoints:
    players: Players

    # -- play queues ------------------------------------------------------------------------
    def _keys(self, req: Request) -> list[int] | None:
        """The track keys a request names (``playlistID`` wins over ``uri``); None: no playlist."""
        queues, owner = self.players.queues, _owner(req)
        raw_playlist = req.query.get("playlistID", "")
        if raw_playlist:
            if not raw_playlist.isdigit() or queues.playlist(int(raw_playlist), owner) is None:
                return None
            return queues.playlist_keys(int(raw_playlist), owner)
        uri = req.query.get("uri", "")
        if not uri:
            raise PlaylistRequestError("a uri or a playlistID is required")
        try:
            return queues.keys_from_uri(uri, owner)
        except LookupError:
            return None

    def _queue_xml(self, req: Request, queue: PlayQueue) -> Response:
        lookup = self.players.queues.playlists
        view = req.user.view if req.user is not None else (lambda t: t)
        window = req.query.get("window", "")
        size = int(window) if window.isdigit() else DEFAULT_WINDOW
        centre = queue.selected
        raw_centre = req.query.get("center", "")
        ids = [item_id for item_id, _ in queue.items]
        if raw_centre.isdigit() and int(raw_centre) in ids:
            centre = ids.index(int(raw_centre))
        first = 0 if req.query.get("includeBefore", "1") == "1" else centre
        last = len(queue.items) if req.query.get("includeAfter", "1") == "1" else centre + 1
        first, last = max(first, centre - size), min(last, centre + size + 1)
        children = []
        for item_id, key in queue.items[first:last]:
            found = lookup.track(key)
            if found is not None:
                lib, track = found
                children.append(render.track_xml(lib, view(track), extra={"playQueueItemID": item_id}))
        playlist = None if queue.playlist_id is None else lookup.get(queue.playlist_id)
        selected_key = queue.items[queue.selected][1] if queue.items else None
        return xml(
            render.container(
                children,
                size=len(children),
                **_QUEUE_HEAD,
                playQueueID=queue.id,
                playQueueLastAddedItemID=queue.last_added_item_id,
                playQueuePlaylistID=None if playlist is None else playlist.rating_key,
                playQueuePlaylistTitle=None if playlist is None else playlist.title,
                playQueueSelectedItemID=queue.selected_item_id,
                playQueueSelectedItemOffset=queue.selected - first,
                playQueueSelectedMetadataItemID=selected_key,
                playQueueShuffled="1" if queue.shuffled else "0",
                playQueueSourceURI=queue.source_uri,
                playQueueTotalCount=len(queue.items),
                playQueueVersion=queue.version,
            )
        )

    @route("POST", "/playQueues")
    def create_play_queue(self, req: Request, m: re.Match[str]) -> Response:
        if req.query.get("type") not in _MEDIA_TYPES:
            return error(400, "type must be audio, video or photo")
        keys = self._keys(req)
        if keys is None:
            return error(404, "Not Found")
        playlist = req.query.get("playlistID", "")
        queue = self.players.queues.create(
            keys,
            shuffle=req.query.get("shuffle") == "1",
            start_key=_start_key(req),
            source_uri=req.query.get("uri", ""),
            playlist_id=int(playlist) if playlist.isdigit() else None,
            owner=_owner(req),
        )
        return self._queue_xml(req, queue)

    @route("GET", r"/playQueues/(\d+)")
    def get_play_queue(self, req: Request, m: re.Match[str]) -> Response:
        queue = self.players.queues.get(int(m.group(1)), _owner(req))
        return error(404, "Not Found") if queue is None else self._queue_xml(req, queue)

    @route("PUT", r"/playQueues/(\d+)")
    def add_to_play_queue(self, req: Request, m: re.Match[str]) -> Response:
        queue = self.players.queues.get(int(m.group(1)), _owner(req))
        keys = None if queue is None else self._keys(req)
        if queue is None or keys is None:
            return error(404, "Not Found")
        self.players.queues.add(queue, keys, play_next=req.query.get("next") == "1")
        return self._queue_xml(req, queue)

    # -- players ----------------------------------------------------------------------------
    @route("GET", "/clients")
    def clients(self, req: Request, m: re.Match[str]) -> Response:
        rows = [
            "<Server"
            + render.attrs(
                {
                    "name": p.name,
                    "host": p.address,
                    "address": p.address,
                    "port": p.port,
                    "machineIdentifier": p.machine_identifier,
                    "version": p.version,
                    "protocol": "plex",
                    "product": p.product,
                    "deviceClass": p.device_class,
                    "platform": p.platform,
                    "protocolVersion": "1",
                    "protocolCapabilities": p.capabilities,
                }
            )
            + " />\n"
            for p in self.players.listed()
        ]
        return xml(render.container(rows, size=len(rows)))

    @route("GET", "/security/token")
    def transient_token(self, req: Request, m: re.Match[str]) -> Response:
        seed = f"{req.query.get('type')}:{req.query.get('scope')}:{_owner(req)}"
        token = "transient-" + hashlib.sha1(seed.encode()).hexdigest()[:20]
        return xml(render.container(size=0, token=token))

    @route("GET", r"/player/([\w/]+)")
    def player_command(self, req: Request, m: re.Match[str]) -> Response:
        target = req.headers.get(_TARGET.lower()) or req.query.get(_TARGET, "")
        if not target:
            return error(400, f"{_TARGET} is required")
        player = self.players.get(target)
        if player is not None and player.delay > 0:
            time.sleep(player.delay)
        if player is None or not player.reachable:
            status = f"FrameworkException: Unable to find player with identifier {target}"
            body = render.attrs({"code": "2000", "status": status})
            return xml(f'<?xml version="1.0" encoding="utf-8"?>\n<Response{body} />\n'.encode(), 500)
        params = {k: v for k, v in req.query.items() if not k.startswith("X-Plex-")}
        problem = self._check_play_media(player, m.group(1), params)
        if problem:
            return error(400, problem)
        self.players.record(player, m.group(1), params)
        return xml(b'<?xml version="1.0" encoding="utf-8"?>\n<Response code="200" status="OK" />\n')

    def _check_play_media(self, player: EmuPlayer, command: str, params: dict[str, str]) -> str | None:
        """What is wrong with a ``playMedia`` command (None: nothing): this server, a known queue."""
        if command != "playback/playMedia":
            return None
        queues = self.players.queues
        if params.get("machineIdentifier") != queues.playlists.machine_identifier:
            return "machineIdentifier names another server"
        key = params.get("containerKey", "").split("?", 1)[0].rsplit("/", 1)[-1]
        if not key.isdigit() or queues.get(int(key)) is None:
            return "containerKey names no play queue"
        return None
