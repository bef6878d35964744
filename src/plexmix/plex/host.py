"""What the PlexClient mixins (playlists, sonic analysis) call on their host, declared once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

    from plexapi.server import PlexServer

    from plexmix.plex.models import LibraryInfo
    from plexmix.plex.transport import UrlBudget


class ClientHost:
    """The base of PlexClient's mixins: its URL budget and, for the type checker only, the
    methods they call, with the same signatures as PlexClient's (a declaration that must mirror
    them, not a second implementation)."""

    url_budget: UrlBudget

    if TYPE_CHECKING:

        @property
        def server(self) -> PlexServer: ...

        def _query(
            self,
            path: str,
            *,
            action: str,
            method: str = "GET",
            headers: dict[str, str] | None = None,
            library: str | None = None,
            missing_ok: bool = False,
        ) -> Element | None: ...

        def _pages(
            self, path: str, *, action: str, library: str | None = None
        ) -> Iterator[tuple[Element, int]]: ...

        def _lib(self) -> LibraryInfo: ...
