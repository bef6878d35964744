"""Per-play listening history of PlexClient (a mixin).

``GET /status/sessions/history/all`` lists one row per play (plexapi ``PlexServer.history()``
asks the same URL with ``sort=viewedAt:desc``, the order every server supports). This reads it
the way the client reads listings: paged with ``X-Plex-Container-Start``/``-Size``, the XML parsed
here, no plexapi objects. Only the selected music library's plays are asked for
(``librarySectionID``), and only those after a watermark (``viewedAt>``, exclusive); newest
first, so a caller stores them all at once (the watermark is the newest stored). A server
without the endpoint (404, or 403 for a token that may not read it) has no per-play history:
that is an answer (``None``), not an error.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from plexmix.plex.host import ClientHost
from plexmix.plex.models import PlexPlay
from plexmix.plex.parsing import parse_play

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

log = logging.getLogger(__name__)

HISTORY_PATH = "/status/sessions/history/all"
_NO_HISTORY = frozenset({403, 404})


class HistoryOps(ClientHost):
    """Reads the play history of the selected music library."""

    page_size: int

    def history_pages(self, since: int | None = None) -> Iterator[list[PlexPlay]] | None:
        """Pages of plays after ``since`` (epoch seconds, exclusive; None: all), newest first;
        ``None`` when the server keeps no per-play history (checked with the first page)."""
        lib = self._lib()
        params = [("sort", "viewedAt:desc"), ("librarySectionID", lib.key)]
        if since is not None:
            params.append(("viewedAt>", str(int(since))))
        path = f"{HISTORY_PATH}?{urlencode(params)}"
        first = self._history_page(path, 0)
        if first is None:
            log.info("The Plex server keeps no per-play history: skips and play counts only.")
            return None
        return self._more_pages(path, first)

    def _history_page(self, path: str, start: int) -> Element | None:
        from plexmix.plex.transport import PlexHTTPError

        headers = {"X-Plex-Container-Start": str(start), "X-Plex-Container-Size": str(self.page_size)}
        try:
            return self._query(path, action="read the play history", headers=headers, missing_ok=True)
        except PlexHTTPError as exc:
            if exc.status in _NO_HISTORY:
                return None
            raise

    def _more_pages(self, path: str, root: Element | None) -> Iterator[list[PlexPlay]]:
        start = 0
        while root is not None:
            page = [play for el in root if (play := parse_play(el)) is not None]
            yield page
            returned = int(root.get("size") or len(root))
            start += returned
            if returned <= 0 or start >= int(root.get("totalSize") or 0):
                return
            root = self._history_page(path, start)
