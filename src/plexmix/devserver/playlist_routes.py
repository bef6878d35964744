"""The playlist endpoints of the emulated server (a mixin of its ``Api``).

A playlist belongs to the person whose token created it: ``GET /playlists`` lists only the
requesting person's, and another person's playlist answers 404. Items are rendered with the
requesting person's plays and ratings.
"""

from __future__ import annotations

import re
from typing import Any

from plexmix.devserver import render
from plexmix.devserver.playlists import Playlist, PlaylistStore
from plexmix.devserver.query import paging
from plexmix.devserver.wire import Request, Response, error, route, xml


def _owner(req: Request) -> int | None:
    return None if req.user is None else int(req.user.id)


class PlaylistEndpoints:
    playlist_store: PlaylistStore

    def _playlist_xml(self, pl: Playlist) -> str:
        store = self.playlist_store
        head = render.attrs(
            {
                "ratingKey": pl.rating_key,
                "key": f"/playlists/{pl.rating_key}/items",
                "guid": store.guid(pl),
                "type": "playlist",
                "title": pl.title,
                "titleSort": pl.title,
                "summary": pl.summary,
                "smart": "0",
                "playlistType": "audio",
                "composite": f"/playlists/{pl.rating_key}/composite/{pl.updated_at}",
                "icon": "playlist://image.smart",
                "leafCount": len(store.entries(pl)),
                "duration": store.duration_ms(pl),
                "addedAt": pl.added_at,
                "updatedAt": pl.updated_at,
            }
        )
        return f"<Playlist{head} />\n"

    def _one(self, pl: Playlist, **values: Any) -> Response:
        return xml(render.container([self._playlist_xml(pl)], size=1, **values))

    def _get_playlist(self, req: Request, key: str) -> Playlist | None:
        return self.playlist_store.get(int(key), _owner(req))

    @route("GET", "/playlists")
    def playlists(self, req: Request, m: re.Match[str]) -> Response:
        ptype = req.query.get("playlistType")
        store = self.playlist_store
        found = [] if ptype not in (None, "", "audio") else store.find(req.query.get("title"), _owner(req))
        start, size = paging(req.headers, req.query, len(found))
        page = found[start : start + size]
        return xml(
            render.container(
                [self._playlist_xml(p) for p in page], size=len(page), totalSize=len(found), offset=start
            )
        )

    @route("POST", "/playlists")
    def create_playlist(self, req: Request, m: re.Match[str]) -> Response:
        q = req.query
        if q.get("smart", "0") not in ("0", "") or q.get("type", "audio") != "audio":
            return error(400, "only non-smart audio playlists are emulated")
        store = self.playlist_store
        pl = store.create(q.get("title", ""), q.get("uri", ""), q.get("summary", ""), _owner(req))
        return self._one(pl)

    @route("GET", r"/playlists/(\d+)")
    def get_playlist(self, req: Request, m: re.Match[str]) -> Response:
        pl = self._get_playlist(req, m.group(1))
        return error(404, "Not Found") if pl is None else self._one(pl)

    @route("PUT", r"/playlists/(\d+)")
    def edit_playlist(self, req: Request, m: re.Match[str]) -> Response:
        pl = self._get_playlist(req, m.group(1))
        if pl is None:
            return error(404, "Not Found")
        q = req.query
        title, summary = q.get("title.value", q.get("title")), q.get("summary.value", q.get("summary"))
        self.playlist_store.edit(pl, title, summary)
        return Response(200)

    @route("DELETE", r"/playlists/(\d+)")
    def delete_playlist(self, req: Request, m: re.Match[str]) -> Response:
        pl = self._get_playlist(req, m.group(1))
        if pl is None or not self.playlist_store.delete(pl.rating_key):
            return error(404, "Not Found")
        return Response(200)

    @route("GET", r"/playlists/(\d+)/items")
    def playlist_items(self, req: Request, m: re.Match[str]) -> Response:
        pl = self._get_playlist(req, m.group(1))
        if pl is None:
            return error(404, "Not Found")
        entries = self.playlist_store.entries(pl)
        start, size = paging(req.headers, req.query, len(entries))
        page = entries[start : start + size]
        view = req.user.view if req.user is not None else (lambda t: t)
        children = [render.track_xml(lib, view(t), extra={"playlistItemID": i}) for i, lib, t in page]
        return xml(
            render.container(
                children,
                size=len(page),
                totalSize=len(entries),
                offset=start,
                ratingKey=pl.rating_key,
                title=pl.title,
                smart="0",
                playlistType="audio",
                leafCount=len(entries),
                duration=self.playlist_store.duration_ms(pl),
            )
        )

    @route("PUT", r"/playlists/(\d+)/items")
    def add_items(self, req: Request, m: re.Match[str]) -> Response:
        pl = self._get_playlist(req, m.group(1))
        if pl is None:
            return error(404, "Not Found")
        self.playlist_store.add(pl, req.query.get("uri", ""))
        return self._one(pl, leafCountAdded=len(pl.entries))

    @route("DELETE", r"/playlists/(\d+)/items")
    def clear_items(self, req: Request, m: re.Match[str]) -> Response:
        pl = self._get_playlist(req, m.group(1))
        if pl is None:
            return error(404, "Not Found")
        self.playlist_store.clear(pl)
        return self._one(pl)

    @route("DELETE", r"/playlists/(\d+)/items/(\d+)")
    def remove_item(self, req: Request, m: re.Match[str]) -> Response:
        pl = self._get_playlist(req, m.group(1))
        if pl is None or not self.playlist_store.remove_item(pl, int(m.group(2))):
            return error(404, "Not Found")
        return self._one(pl)
