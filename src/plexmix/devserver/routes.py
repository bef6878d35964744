"""Endpoints of the emulated Plex Media Server (everything PlexMix and plexapi touch)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from plexmix.devserver import render
from plexmix.devserver.library import EmuAlbum, EmuArtist, EmuTrack
from plexmix.devserver.playlists import Playlist, PlaylistRequestError
from plexmix.devserver.query import KIND_BY_TYPE, QueryError, meta_xml, paging
from plexmix.devserver.sonic_routes import SonicEndpoints
from plexmix.devserver.wire import ROUTES, Request, Response, error, route, xml

if TYPE_CHECKING:
    from plexmix.devserver.server import PlexEmulator


class Api(SonicEndpoints):
    def __init__(self, emu: PlexEmulator) -> None:
        super().__init__(emu.library)
        self.emu = emu
        self.lib = emu.library

    def dispatch(self, req: Request) -> Response:
        path_matched = False
        for method, pattern, name in ROUTES:
            m = pattern.match(req.path)
            if m:
                path_matched = True
                if method == req.method:
                    try:
                        return getattr(self, name)(req, m)
                    except (QueryError, PlaylistRequestError) as exc:
                        return error(400, str(exc))
        return error(405 if path_matched else 404, "Not Found" if not path_matched else "Not Allowed")

    # -- server -----------------------------------------------------------------------------
    def _server_attrs(self) -> dict[str, object]:
        emu = self.emu
        return {
            "friendlyName": emu.friendly_name,
            "machineIdentifier": emu.machine_identifier,
            "version": emu.version,
            "platform": "Linux",
            "platformVersion": "6.1",
            "myPlex": "0",
            "multiuser": "0",
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

    def _section(self, key: str) -> tuple[str, bool] | None:
        """(type, is the emulated music library) of a section key."""
        for skey, stype, _title, _uuid in self.emu.section_list():
            if str(skey) == key:
                return stype, str(skey) == str(self.lib.section_key)
        return None

    @route("GET", r"/library/sections/(\d+)")
    def section(self, req: Request, m: re.Match[str]) -> Response:
        if self._section(m.group(1)) is None:
            return error(404, "Not Found")
        dirs = ['<Directory key="all" title="All" />\n']
        return xml(render.container(dirs, size=1, librarySectionID=m.group(1)))

    @route("GET", r"/library/sections/(\d+)/(all|collections|albums)")
    def section_all(self, req: Request, m: re.Match[str]) -> Response:
        info = self._section(m.group(1))
        if info is None:
            return error(404, "Not Found")
        stype, is_music = info
        lib = self.lib
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
            items = self.emu.cached_select(kind, req.params) if is_music else []
            meta = meta_xml(int(m.group(1)), kinds) if want_meta else ""
        start, size = paging(req.headers, req.query, len(items))
        page = items[start : start + size]
        tag_limit = self.emu.listing_tag_limit
        children = [meta] + [render.item_xml(lib, it, tag_limit) for it in page]  # type: ignore[arg-type]
        title = lib.title if is_music else f"Section {m.group(1)}"
        return xml(
            render.container(
                children,
                size=len(page),
                totalSize=len(items),
                offset=start,
                allowSync="1",
                identifier="com.plexapp.plugins.library",
                librarySectionID=m.group(1),
                librarySectionTitle=title,
                librarySectionUUID=lib.uuid if is_music else None,
                title1=title,
                title2="All " + kind.capitalize() + "s",
                viewGroup=kind,
            )
        )

    # -- metadata ---------------------------------------------------------------------------
    @route("GET", r"/library/metadata/([\d,]+)")
    def metadata(self, req: Request, m: re.Match[str]) -> Response:
        lib = self.lib
        with lib.lock:
            items = [lib.get(int(k)) for k in m.group(1).split(",") if k]
            found = [i for i in items if i is not None]
            if not found:
                return error(404, "Not Found")
            children = [render.item_xml(lib, i) for i in found]
        return xml(render.library_container(lib, children, size=len(children)))

    @route("GET", r"/library/metadata/(\d+)/children")
    def children(self, req: Request, m: re.Match[str]) -> Response:
        lib = self.lib
        key = int(m.group(1))
        with lib.lock:
            parent = lib.get(key)
            kids: list[EmuAlbum] | list[EmuTrack]
            if isinstance(parent, EmuArtist):
                kids = [a for a in lib.albums.values() if a.artist_key == key]
            elif isinstance(parent, EmuAlbum):
                kids = sorted(
                    (t for t in lib.tracks.values() if t.album_key == key), key=lambda t: (t.disc, t.index)
                )
            else:
                return error(404, "Not Found")
            start, size = paging(req.headers, req.query, len(kids))
            page = kids[start : start + size]
            children = [render.item_xml(lib, i) for i in page]
        return xml(
            render.container(
                children, size=len(page), totalSize=len(kids), offset=start, key=key, title2=parent.title
            )
        )

    # -- playlists --------------------------------------------------------------------------
    def _playlist_xml(self, pl: Playlist) -> str:
        store = self.emu.playlists
        count = sum(1 for k in pl.track_keys if k in self.lib.tracks)
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
                "leafCount": count,
                "duration": store.duration_ms(pl),
                "addedAt": pl.added_at,
                "updatedAt": pl.updated_at,
            }
        )
        return f"<Playlist{head} />\n"

    def _get_playlist(self, key: str) -> Playlist | None:
        return self.emu.playlists.playlists.get(int(key))

    @route("GET", "/playlists")
    def playlists(self, req: Request, m: re.Match[str]) -> Response:
        ptype = req.query.get("playlistType")
        found = [] if ptype not in (None, "", "audio") else self.emu.playlists.find(req.query.get("title"))
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
        pl = self.emu.playlists.create(q.get("title", ""), q.get("uri", ""), q.get("summary", ""))
        return xml(render.container([self._playlist_xml(pl)], size=1))

    @route("GET", r"/playlists/(\d+)")
    def get_playlist(self, req: Request, m: re.Match[str]) -> Response:
        pl = self._get_playlist(m.group(1))
        if pl is None:
            return error(404, "Not Found")
        return xml(render.container([self._playlist_xml(pl)], size=1))

    @route("PUT", r"/playlists/(\d+)")
    def edit_playlist(self, req: Request, m: re.Match[str]) -> Response:
        pl = self._get_playlist(m.group(1))
        if pl is None:
            return error(404, "Not Found")
        q = req.query
        self.emu.playlists.edit(
            pl, q.get("title.value", q.get("title")), q.get("summary.value", q.get("summary"))
        )
        return Response(200)

    @route("DELETE", r"/playlists/(\d+)")
    def delete_playlist(self, req: Request, m: re.Match[str]) -> Response:
        if not self.emu.playlists.delete(int(m.group(1))):
            return error(404, "Not Found")
        return Response(200)

    @route("GET", r"/playlists/(\d+)/items")
    def playlist_items(self, req: Request, m: re.Match[str]) -> Response:
        pl = self._get_playlist(m.group(1))
        if pl is None:
            return error(404, "Not Found")
        lib = self.lib
        with lib.lock:
            entries = [(item_id, lib.tracks[k]) for item_id, k in pl.entries if k in lib.tracks]
            start, size = paging(req.headers, req.query, len(entries))
            page = entries[start : start + size]
            children = [render.track_xml(lib, t, extra={"playlistItemID": i}) for i, t in page]
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
                duration=self.emu.playlists.duration_ms(pl),
            )
        )

    @route("PUT", r"/playlists/(\d+)/items")
    def add_items(self, req: Request, m: re.Match[str]) -> Response:
        pl = self._get_playlist(m.group(1))
        if pl is None:
            return error(404, "Not Found")
        self.emu.playlists.add(pl, req.query.get("uri", ""))
        return xml(render.container([self._playlist_xml(pl)], size=1, leafCountAdded=len(pl.entries)))

    @route("DELETE", r"/playlists/(\d+)/items")
    def clear_items(self, req: Request, m: re.Match[str]) -> Response:
        pl = self._get_playlist(m.group(1))
        if pl is None:
            return error(404, "Not Found")
        self.emu.playlists.clear(pl)
        return xml(render.container([self._playlist_xml(pl)], size=1))

    @route("DELETE", r"/playlists/(\d+)/items/(\d+)")
    def remove_item(self, req: Request, m: re.Match[str]) -> Response:
        pl = self._get_playlist(m.group(1))
        if pl is None or not self.emu.playlists.remove_item(pl, int(m.group(2))):
            return error(404, "Not Found")
        return xml(render.container([self._playlist_xml(pl)], size=1))
