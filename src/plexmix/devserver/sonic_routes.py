"""The sonic endpoints of the emulated server (a mixin of its ``Api``).

``GET /library/metadata/{id}/nearest?limit=&maxDistance=&excludeParentID=&excludeGrandparentID=``
(plexapi ``Audio.sonicallySimilar``) and ``GET /library/sections/{id}/computePath?startID=&endID=``
(plexapi ``MusicSection.sonicAdventure``) answer a ``MediaContainer`` of ``<Track>`` elements, as
a server that ran sonic analysis does; items without analysis give an empty container.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from plexmix.devserver import render
from plexmix.devserver.library import EmuTrack, MusicLibrary
from plexmix.devserver.query import QueryError, paging
from plexmix.devserver.sonic import DEFAULT_LIMIT, DEFAULT_MAX_DISTANCE, SonicIndex
from plexmix.devserver.wire import Request, Response, error, route, xml


def _number(query: dict[str, str], name: str, default: float | None) -> float | None:
    raw = query.get(name)
    if raw in (None, ""):
        return default
    try:
        value = float(raw)
    except ValueError:
        raise QueryError(f"{name} must be a number") from None
    if not math.isfinite(value):
        raise QueryError(f"{name} must be a number")
    return value


def _key(query: dict[str, str], name: str) -> int | None:
    value = _number(query, name, None)
    return None if value is None else int(value)


class SonicEndpoints:
    """Mixed into the emulator's ``Api``; keeps one :class:`SonicIndex` of its library."""

    def __init__(self, lib: MusicLibrary) -> None:
        self.sonic = SonicIndex(lib)

    def _tracks(self, req: Request, rows: Sequence[tuple[EmuTrack, float | None]]) -> Response:
        lib = self.sonic.lib
        start, size = paging(req.headers, req.query, len(rows))
        page = rows[start : start + size]
        children = [
            render.track_xml(lib, t, extra=None if d is None else {"distance": f"{d:.4f}"}) for t, d in page
        ]
        return xml(render.library_container(lib, children, size=len(page), totalSize=len(rows), offset=start))

    @route("GET", r"/library/metadata/(\d+)/nearest")
    def nearest(self, req: Request, m: re.Match[str]) -> Response:
        seed = self.sonic.lib.get(int(m.group(1)))
        if seed is None:
            return error(404, "Not Found")
        limit = _number(req.query, "limit", DEFAULT_LIMIT)  # a bad number answers 400 (QueryError)
        max_distance = _number(req.query, "maxDistance", DEFAULT_MAX_DISTANCE)
        album, artist = _key(req.query, "excludeParentID"), _key(req.query, "excludeGrandparentID")
        found: list[tuple[EmuTrack, float | None]] = []
        if isinstance(seed, EmuTrack):  # albums and artists: no analysis emulated
            found.extend(
                self.sonic.nearest(
                    seed,
                    limit=int(limit or 0),
                    max_distance=DEFAULT_MAX_DISTANCE if max_distance is None else max_distance,
                    exclude_album=album,
                    exclude_artist=artist,
                )
            )
        return self._tracks(req, found)

    @route("GET", r"/library/sections/(\d+)/computePath")
    def compute_path(self, req: Request, m: re.Match[str]) -> Response:
        lib = self.sonic.lib
        if m.group(1) != str(lib.section_key):
            return error(404, "Not Found")
        start_key, end_key = _key(req.query, "startID"), _key(req.query, "endID")
        if start_key is None or end_key is None:
            return error(400, "startID and endID are required")
        start, end = lib.tracks.get(start_key), lib.tracks.get(end_key)
        if start is None or end is None:
            return error(404, "Not Found")
        return self._tracks(req, [(t, None) for t in self.sonic.path(start, end)])
