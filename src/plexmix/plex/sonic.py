"""Sonic analysis of PlexClient (a mixin): sonically similar tracks and sonic adventures.

A Plex Pass server that ran sonic analysis marks analysed items with ``musicAnalysisVersion``
and answers ``GET /library/metadata/{id}/nearest`` (plexapi ``Audio.sonicallySimilar``) and
``GET /library/sections/{id}/computePath`` (plexapi ``MusicSection.sonicAdventure``). Each call
here is one request through plexapi's ``PlexServer.query`` with the URL plexapi builds, and reads
only the ratingKeys (and distances) from the XML: no plexapi objects. A server without the
feature, or an item without analysis, gives ``[]``: a 404, a 400 or an empty container are
answers, not errors.
"""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from plexmix.plex.host import ClientHost
from plexmix.plex.parsing import is_kind

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

log = logging.getLogger(__name__)

# What a server without sonic analysis (or an item it cannot analyse) may answer instead of an
# empty container: not found, bad request, not implemented.
_NO_ANALYSIS = frozenset({400, 404, 501})


def _query_key(path: str, **params: object) -> str:
    """The URL plexapi's ``_buildQueryKey`` makes (``includeGuids=1`` first)."""
    return f"{path}?{urlencode({'includeGuids': 1, **params})}"


def _distance(el: Element) -> float | None:
    try:
        value = float(el.get("distance") or "")
    except ValueError:
        return None
    return value if math.isfinite(value) else None


class SonicOps(ClientHost):
    """Mixed into PlexClient; relies on its ``_query`` and ``_lib``."""

    def _sonic_tracks(self, path: str, action: str) -> list[Element]:
        """The ``<Track>`` children of one sonic answer; [] when the server has no analysis."""
        from plexmix.plex.transport import PlexHTTPError

        try:
            root = self._query(path, action=action, missing_ok=True)
        except PlexHTTPError as exc:
            if exc.status not in _NO_ANALYSIS:
                raise
            log.debug("The Plex server answered %s to %s: no sonic analysis.", exc.status, action)
            return []
        return [el for el in (root if root is not None else []) if is_kind(el, "track")]

    def sonically_similar(
        self, rating_key: int, limit: int = 50, max_distance: float | None = None
    ) -> list[tuple[int, float]]:
        """(ratingKey, distance) of the tracks Plex finds sonically nearest a track, nearest first.

        ``max_distance`` (0..1) left out uses the server's default (0.25). The seed is not in the
        result; tracks the answer gives no distance for are left out.
        """
        if limit <= 0:
            return []
        params: dict[str, object] = {"limit": int(limit)}
        if max_distance is not None:
            params["maxDistance"] = max_distance
        path = _query_key(f"/library/metadata/{int(rating_key)}/nearest", **params)
        found: list[tuple[int, float]] = []
        for el in self._sonic_tracks(path, "find sonically similar tracks"):
            key, dist = int(el.get("ratingKey", "0")), _distance(el)
            if dist is None or key == rating_key or (max_distance is not None and dist > max_distance):
                continue
            found.append((key, dist))
        return found[:limit]

    def sonic_path(self, start_key: int, end_key: int) -> list[int]:
        """The ratingKeys of Plex's sonic adventure from one track to another (both ends included
        as the server gives them); [] without sonic analysis."""
        section = self._lib().key
        path = _query_key(
            f"/library/sections/{section}/computePath", startID=int(start_key), endID=int(end_key)
        )
        return [int(el.get("ratingKey", "0")) for el in self._sonic_tracks(path, "compute a sonic path")]
