"""Endpoints of the emulated Plex Media Server (everything PlexMix and plexapi touch).

Each section's listings come from that section; items are found server-wide by ratingKey and
rendered with the requesting person's plays and ratings (``req.user``, see devserver.users).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from plexmix.devserver import render
from plexmix.devserver.history_routes import HistoryEndpoints
from plexmix.devserver.library import EmuAlbum, EmuArtist, EmuTrack, MusicLibrary
from plexmix.devserver.play_routes import PlayEndpoints
from plexmix.devserver.playlist_routes import PlaylistEndpoints
from plexmix.devserver.playlists import PlaylistRequestError
from plexmix.devserver.query import KIND_BY_TYPE, QueryError, meta_xml, paging
from plexmix.devserver.sections import OtherSection
from plexmix.devserver.sonic_routes import SonicEndpoints
from plexmix.devserver.wire import ROUTES, Request, Response, dispatch, error, route, xml

if TYPE_CHECKING:
    from plexmix.devserver.server import PlexEmulator


def _same(item: Any) -> Any:
    return item


class Api(SonicEndpoints, PlaylistEndpoints, PlayEndpoints, HistoryEndpoints):
    def __init__(self, emu: PlexEmulator) -> None:
        super().__init__(emu.sections)
        self.emu = emu
        self.lib = emu.library
        self.playlist_store = emu.playlists
        self.players = emu.players

    def dispatch(self, req: Request) -> Response:
        return dispatch(self, ROUTES, req, (QueryError, PlaylistRequestError))

    # -- server -----------------------------------------------------------------------------
    def _server_attrs(self) -> dict[str, object]:
        emu = self.emu
        return {
            "friendlyName": emu.friendly_name,
            "machineIdentifier": emu.machine_identifier,
            "version": emu.version,
            "platform": "Linux",
            "platformVersion": "6.1",
            "myPlex": "1" if len(emu.home.people) > 1 else "0",
            "myPlexUsername": emu.home.owner.name if len(emu.home.people) > 1 else None,
            "multiuser": "1" if len(emu.home.people) > 1 else "0",
            "allowSync": "0",
            "transcoderAudio": "1",
            "musicAnalysis": "2",
            "updatedAt": self.lib.clock(),
        }

    @route("GET", "")
    def root(self, req: Request, m: re.Match[str]) -> Response:
        dirs = [
            '<Directory count="1" key="library" title="library" />\n',
            '<Directory count="1" key="playlists" title="playlists" />\n',
        ]
        return xml(render.container(dirs, size=len(dirs), **self._server_attrs()))

    @route("GET", "/identity")
    def identity(self, req: Request, m: re.Match[str]) -> Response:
        emu = self.emu
        return xml(
            render.container(
                size=0, claimed="0", machineIdentifier=emu.machine_identifier, version=emu.version
            )
        )

    @route("GET", "/library")
    def library(self, req: Request, m: re.Match[str]) -> Response:
        dirs = [
            '<Directory key="sections" title="Library Sections" />\n',
            '<Directory key="recentlyAdded" title="Recently Added Content" />\n',
            '<Directory key="onDeck" title="On Deck Content" />\n',
        ]
        return xml(
            render.container(
                dirs,
                size=len(dirs),
                allowSync="0",
                identifier="com.plexapp.plugins.library",
                mediaTagPrefix="/system/bundle/media/flags/",
                mediaTagVersion="1700000000",
                title1="Plex Library",
            )
        )

    @route("GET", "/library/sections")
    def sections(self, req: Request, m: re.Match[str]) -> Response:
        out = []
        for key, stype, title, uuid in self.emu.section_list():
            agent, scanner = {
                "artist": ("tv.plex.agents.music", "Plex Music"),
                "movie": ("tv.plex.agents.movie", "Plex Movie"),
                "show": ("tv.plex.agents.series", "Plex TV Series"),
                "photo": ("com.plexapp.agents.none", "Plex Photo Scanner"),
            }.get(stype, ("com.plexapp.agents.none", "Plex Scanner"))
            head = render.attrs(
                {
                    "allowSync": "1",
                    "art": f"/:/resources/{stype}-fanart.jpg",
                    "filters": "1",
                    "refreshing": "0",
                    "key": key,
                    "type": stype,
                    "title": title,
                    "agent": agent,
                    "scanner": scanner,
                    "language": "en-US",
                    "uuid": uuid,
                    "updatedAt": self.lib.clock(),
                    "createdAt": 1600000000,
                    "scannedAt": self.lib.clock(),
                    "content": "1",
                    "directory": "1",
                    "hidden": "0",
                }
            )
            out.append(f'<Directory{head}><Location id="{key}" path="/{stype}/{key}" /></Directory>\n')
        return xml(render.container(out, size=len(out), allowSync="0", title1="Plex Library"))

    @route("GET", r"/library/sections/(\d+)")
    def section(self, req: Request, m: re.Match[str]) -> Response:
        if self.registry.get(m.group(1)) is None:
            return error(404, "Not Found")
        dirs = ['<Directory key="all" title="All" />\n']
        return xml(render.container(dirs, size=1, librarySectionID=m.group(1)))

    @route("GET", r"/library/sections/(\d+)/(all|collections|albums)")
    def section_all(self, req: Request, m: re.Match[str]) -> Response:
        sec = self.registry.get(m.group(1))
        if sec is None:
            return error(404, "Not Found")
        stype = sec.type if isinstance(sec, OtherSection) else "artist"
        want_meta = req.query.get("includeMeta") == "1"
        kinds = ["artist", "album", "track"] if stype == "artist" else [stype]
        if m.group(2) == "collections":
            items: Sequence[object] = []
            kind = "collection"
            meta = meta_xml(int(m.group(1)), ["collection"]) if want_meta else ""
        else:
            default_type = {"artist": "8", "movie": "1", "show": "2", "photo": "14"}.get(stype, "8")
            type_id = "9" if m.group(2) == "albums" else req.query.get("type") or default_type
            kind = KIND_BY_TYPE.get(type_id, "other")
            if kind not in kinds:
                return error(400, f"type {type_id} is not valid for this section")
            if isinstance(sec, MusicLibrary):
                items = self.emu.cached_select(sec, kind, req.params, req.user)
            else:
                items = sec.items if kind == "movie" else []
            meta = meta_xml(int(m.group(1)), kinds) if want_meta else ""
        start, size = paging(req.headers, req.query, len(items))
        page = items[start : start + size]
        tag_limit = self.emu.listing_tag_limit
        if isinstance(sec, MusicLibrary):
            rendered = [render.item_xml(sec, it, tag_limit) for it in page]  # type: ignore[arg-type]
        else:
            rendered = [render.movie_xml(sec, it) for it in page]  # type: ignore[arg-type]
        return xml(
            render.container(
                [meta, *rendered],
                size=len(page),
                totalSize=len(items),
                offset=start,
                allowSync="1",
                identifier="com.plexapp.plugins.library",
                librarySectionID=m.group(1),
                librarySectionTitle=sec.title,
                librarySectionUUID=sec.uuid,
                title1=sec.title,
                title2="All " + kind.capitalize() + "s",
                viewGroup=kind,
            )
        )

    # -- metadata ---------------------------------------------------------------------------
    @route("GET", r"/library/metadata/([\d,]+)")
    def metadata(self, req: Request, m: re.Match[str]) -> Response:
        view = req.user.view if req.user is not None else _same
        children, homes = [], set()
        for raw in m.group(1).split(","):
            if not raw:
                continue
            found = self.registry.find(int(raw))
            if found is not None:
                lib, item = found
                with lib.lock:
                    children.append(render.item_xml(lib, view(item)))
                homes.add(lib.section_key)
                continue
            movie = self.registry.movie(int(raw))
            if movie is not None:
                children.append(render.movie_xml(*movie))
                homes.add(movie[0].key)
        if not children:
            return error(404, "Not Found")
        home = self.registry.get(homes.pop()) if len(homes) == 1 else None
        if isinstance(home, MusicLibrary):
            return xml(render.library_container(home, children, size=len(children)))
        return xml(render.container(children, size=len(children), identifier="com.plexapp.plugins.library"))

    @route("GET", r"/library/metadata/(\d+)/children")
    def children(self, req: Request, m: re.Match[str]) -> Response:
        key = int(m.group(1))
        found = self.registry.find(key)
        if found is None or isinstance(found[1], EmuTrack):
            return error(404, "Not Found")
        lib, parent = found
        view = req.user.view if req.user is not None else _same
        with lib.lock:
            kids: list[EmuAlbum] | list[EmuTrack]
            if isinstance(parent, EmuArtist):
                kids = [a for a in lib.albums.values() if a.artist_key == key]
            else:
                kids = sorted(
                    (t for t in lib.tracks.values() if t.album_key == key), key=lambda t: (t.disc, t.index)
                )
            start, size = paging(req.headers, req.query, len(kids))
            page = kids[start : start + size]
            children = [render.item_xml(lib, view(i)) for i in page]
        return xml(
            render.container(
                children, size=len(page), totalSize=len(kids), offset=start, key=key, title2=parent.title
            )
        )

    # -- the requesting person's plays and ratings -------------------------------------------
    def _tracks_named(self, req: Request) -> list[tuple[MusicLibrary, EmuTrack]]:
        """The tracks of ``?key=`` (a track, or every track of an album or artist)."""
        raw = req.query.get("key", "")
        found = self.registry.find(int(raw)) if raw.isdigit() else None
        if found is None:
            return []
        lib, item = found
        with lib.lock:
            if isinstance(item, EmuTrack):
                return [(lib, item)]
            if isinstance(item, EmuAlbum):
                return [(lib, t) for t in lib.tracks.values() if t.album_key == item.rating_key]
            return [(lib, t) for t in lib.tracks.values() if t.artist_key == item.rating_key]

    @route("GET", r"/:/(scrobble|unscrobble)")
    def scrobble(self, req: Request, m: re.Match[str]) -> Response:
        """plexapi ``markPlayed`` / ``markUnplayed``: only the requesting person's state changes."""
        tracks = self._tracks_named(req)
        if not tracks:
            return error(404, "Not Found")
        person = self.emu.home.owner if req.user is None else req.user
        for lib, track in tracks:
            if m.group(1) == "scrobble":
                person.play(lib, track)
            else:
                person.unplay(lib, track)
        return Response(200)

    @route("PUT", r"/:/rate")
    def rate(self, req: Request, m: re.Match[str]) -> Response:
        """plexapi ``rate(n)``: 0-10, ``-1`` clears the rating; only the requester's rating."""
        tracks = self._tracks_named(req)
        if not tracks:
            return error(404, "Not Found")
        try:
            value = float(req.query.get("rating", ""))
        except ValueError:
            raise QueryError("rating must be a number") from None
        if not (value == -1 or 0 <= value <= 10):
            raise QueryError("rating must be between 0 and 10")
        person = self.emu.home.owner if req.user is None else req.user
        for lib, track in tracks:
            person.rate(lib, track, None if value < 0 else value)
        return Response(200)
