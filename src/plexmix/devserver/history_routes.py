"""The play history endpoint of the emulated server (a mixin of its ``Api``).

``GET /status/sessions/history/all`` answers what a real server does (and plexapi's
``PlexServer.history()`` reads): a ``MediaContainer`` with ``size`` and ``totalSize`` of one
``<Track>`` per play, newest first by default, each with ``historyKey``, ``key``, ``ratingKey``,
``librarySectionID``, its parent/grandparent keys and titles, ``viewedAt``, ``accountID`` and
``deviceID``. Parameters: ``sort=viewedAt:desc|asc``, ``viewedAt>`` (epoch seconds, exclusive;
``viewedAt>=`` inclusive), ``librarySectionID``, ``accountID``, ``metadataItemID``, and the
``X-Plex-Container-Start``/``-Size`` paging (headers or query). A Home user sees only their plays.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from plexmix.devserver import render
from plexmix.devserver.history import OWNER_ACCOUNT, Play
from plexmix.devserver.library import MusicLibrary
from plexmix.devserver.query import QueryError, paging
from plexmix.devserver.sections import Sections
from plexmix.devserver.wire import Request, Response, route, xml

if TYPE_CHECKING:
    from plexmix.devserver.server import PlexEmulator


def _int(query: dict[str, str], name: str) -> int | None:
    raw = query.get(name)
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except ValueError:
        raise QueryError(f"{name} must be an integer") from None


def history_xml(lib: MusicLibrary, play: Play) -> str | None:
    """One history row as a real server renders it (None: its track is gone). Hand-built, like
    the listings: a sync reads thousands of these."""
    track = lib.tracks.get(play.rating_key)
    if track is None:
        return None
    album, artist = lib.albums.get(track.album_key), lib.artists.get(track.artist_key)
    rk, ak, gk = track.rating_key, track.album_key, track.artist_key
    return (
        f'<Track historyKey="/status/sessions/history/{play.history_id}" key="/library/metadata/{rk}"'
        f' ratingKey="{rk}" librarySectionID="{lib.section_key}" parentKey="/library/metadata/{ak}"'
        f' grandparentKey="/library/metadata/{gk}" title="{render.esc(track.title)}"'
        + ("" if album is None else f' parentTitle="{render.esc(album.title)}"'
           f' thumb="/library/metadata/{ak}/thumb/{album.updated_at}"')
        + ("" if artist is None else f' grandparentTitle="{render.esc(artist.title)}"')
        + f' type="track" viewedAt="{play.viewed_at}" accountID="{play.account_id}"'
        f' deviceID="{play.device_id}" />\n'
    )


class HistoryEndpoints:
    """Mixed into the emulator's ``Api`` (which sets ``registry`` and ``emu``)."""

    registry: Sections
    emu: PlexEmulator
    _history_cache: tuple[tuple[object, ...], list[tuple[MusicLibrary, Play]]] | None = None

    @route("GET", r"/status/sessions/history/all")
    def play_history(self, req: Request, m: re.Match[str]) -> Response:
        q = req.query
        after = _int(q, "viewedAt>")
        at_least = _int(q, "viewedAt>=")
        section, account, item = _int(q, "librarySectionID"), _int(q, "accountID"), _int(q, "metadataItemID")
        owner = self.emu.home.owner
        if req.user is not None and req.user is not owner:
            account = req.user.id  # a Home user sees their own plays only
        elif account == owner.id:
            account = OWNER_ACCOUNT
        sort = q.get("sort", "viewedAt:desc")
        if sort not in ("viewedAt:desc", "viewedAt:asc", "viewedAt"):
            raise QueryError(f"cannot sort the history by {sort!r}")
        # Paging through one query reads the same rows again: keep the last query's.
        music = self.registry.music
        key = (after, at_least, section, account, item, sort, *((id(lib), lib.version) for lib in music),
               *(len(lib.history.rows()) for lib in music))
        cached = self._history_cache
        rows = cached[1] if cached is not None and cached[0] == key else self._plays(
            music, after, at_least, section, account, item, sort)
        self._history_cache = (key, rows)
        start, size = paging(req.headers, q, len(rows))
        children = []
        for lib, play in rows[start : start + size]:
            with lib.lock:
                rendered = history_xml(lib, play)
            if rendered is not None:
                children.append(rendered)
        return xml(render.container(children, size=len(children), totalSize=len(rows), offset=start))

    @staticmethod
    def _plays(
        music: list[MusicLibrary], after: int | None, at_least: int | None, section: int | None,
        account: int | None, item: int | None, sort: str,
    ) -> list[tuple[MusicLibrary, Play]]:
        rows: list[tuple[MusicLibrary, Play]] = []
        for lib in music:
            if section is not None and lib.section_key != section:
                continue
            rows += [
                (lib, p) for p in lib.history.rows()
                if (after is None or p.viewed_at > after) and (at_least is None or p.viewed_at >= at_least)
                and (account is None or p.account_id == account)
                and (item is None or p.rating_key == item) and p.rating_key in lib.tracks
            ]  # plays of deleted tracks are not listed
        rows.sort(key=lambda row: (row[1].viewed_at, row[1].history_id), reverse=sort.endswith(":desc"))
        return rows
