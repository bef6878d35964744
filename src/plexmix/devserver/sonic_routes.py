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
from plexmix.devserver.sections import Sections
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
    """Mixed into the emulator's ``Api``; keeps one :class:`SonicIndex` per music library (a real
    server finds sonically similar tracks within the seed's own section)."""

    def __init__(self, sections: Sections) -> None:
        self.registry = sections
        self._sonic: dict[int, SonicIndex] = {}

    def sonic_index(self, lib: MusicLibrary) -> SonicIndex:
        index = self._sonic.get(id(lib))
        if index is None or index.lib is not lib:
            index = self._sonic[id(lib)] = SonicIndex(lib)
        return index

    def _tracks(
        self, req: Request, lib: MusicLibrary, rows: Sequence[tuple[EmuTrack, float | None]]
    ) -> Response:
        start, size = paging(req.headers, req.query, len(rows))
        page = rows[start : start + size]
        view = req.user.view if req.user is not None else (lambda t: t)
        children = [
            render.track_xml(lib, view(t), extra=None if d is None else {"distance": f"{d:.4f}"})
            for t, d in page
        ]
        return xml(render.library_container(lib, children, size=len(page), totalSize=len(rows), offset=start))

    @route("GET", r"/library/metadata/(\d+)/nearest")
    def nearest(self, req: Request, m: re.Match[str]) -> Response:
        found = self.registry.find(int(m.group(1)))
        if found is None:
            return error(404, "Not Found")
        lib, seed = found
        limit = _number(req.query, "limit", DEFAULT_LIMIT)  # a bad number answers 400 (QueryError)
        max_distance = _number(req.query, "maxDistance", DEFAULT_MAX_DISTANCE)
        album, artist = _key(req.query, "excludeParentID"), _key(req.query, "excludeGrandparentID")
        rows: list[tuple[EmuTrack, float | None]] = []
        if isinstance(seed, EmuTrack):  # albums and artists: no analysis emulated
            rows.extend(
                self.sonic_index(lib).nearest(
                    seed,
                    limit=int(limit or 0),
                    max_distance=DEFAULT_MAX_DISTANCE if max_distance is None else max_distance,
                    exclude_album=album,
                    exclude_artist=artist,
                )
            )
        return self._tracks(req, lib, rows)

    @route("GET", r"/library/sections/(\d+)/computePath")
    def compute_path(self, req: Request, m: re.Match[str]) -> Response:
        lib = self.registry.get(m.group(1))
        if not isinstance(lib, MusicLibrary):
            return error(404, "Not Found")
        start_key, end_key = _key(req.query, "startID"), _key(req.query, "endID")
        if start_key is None or end_key is None:
            return error(400, "startID and endID are required")
        start, end = lib.tracks.get(start_key), lib.tracks.get(end_key)
        if start is None or end is None:
            return error(404, "Not Found")
        return self._tracks(req, lib, [(t, None) for t in self.sonic_index(lib).path(start, end)])
