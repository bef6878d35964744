"""Which music libraries a command works on, and their sources in the database.

``plex.libraries`` (or ``--library NAME``, repeatable) names them; ``[all]`` is every music
library of the server; nothing set means ``plex.library``, else the server's first music library.
Each library is a *source* (:mod:`plexmix.storage.sources`): the rows it synced say so, which is
how `search`, `create` and the rest keep to the libraries asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from plexmix.config.settings import ALL_LIBRARIES
from plexmix.errors import ConfigError
from plexmix.storage.sources import Source, all_sources, source_for, source_ids

if TYPE_CHECKING:
    from plexmix.config.settings import Settings
    from plexmix.plex.client import PlexClient
    from plexmix.plex.models import LibraryInfo
    from plexmix.storage.sqlite_manager import Connection


@dataclass(frozen=True)
class Target:
    """One music library to sync: as Plex lists it, and its source in the database."""

    library: LibraryInfo
    source: Source


def wanted_names(settings: Settings, names: Sequence[str] = ()) -> list[str]:
    """The library names asked for (``--library`` flags win over the settings); ``[]`` is the
    first music library, ``[all]`` every one."""
    chosen = [n.strip() for n in names if n.strip()] or settings.plex.library_names
    if any(n.casefold() == ALL_LIBRARIES for n in chosen):
        return [ALL_LIBRARIES]
    return list(dict.fromkeys(chosen))


def resolve(client: PlexClient, names: Sequence[str]) -> list[LibraryInfo]:
    """The server's music libraries named (``[]``: the first; ``[all]``: all), in that order.
    An unknown name is a :class:`~plexmix.errors.LibraryNotFoundError` listing the libraries."""
    if list(names) == [ALL_LIBRARIES]:
        libraries = client.music_libraries()
        if not libraries:
            client.select_library(None)  # raises: the server has no music library
        return libraries
    if not names:
        return [client.select_library(None)]
    return [client.select_library(name) for name in names]


def targets(
    conn: Connection, client: PlexClient, settings: Settings, names: Sequence[str] = ()
) -> list[Target]:
    """The libraries to sync with their sources (made on first use). The library an older
    PlexMix synced (``plex.library``, else the first music library) keeps the rows of a database
    from before sources."""
    server = client.server_info()
    libraries = resolve(client, wanted_names(settings, names))
    primary = client.select_library(settings.plex.library)
    out = []
    for info in libraries:
        source = source_for(
            conn, server_id=server.machine_identifier, server_name=settings.plex.server or "default",
            section_key=info.key, section_uuid=info.uuid or info.key, title=info.title,
            claim_legacy=(info.uuid or info.key) == (primary.uuid or primary.key),
        )
        out.append(Target(info, source))
    return out


def dropped(conn: Connection, client: PlexClient, kept: Sequence[Target]) -> list[Source]:
    """Sources of this server that the configured set no longer names (their rows may go)."""
    server_id = client.server_info().machine_identifier
    keep = {t.source.id for t in kept}
    return [s for s in all_sources(conn) if s.server_id == server_id and s.id not in keep]


def library_scope(settings: Settings, conn: Connection, names: Sequence[str] = ()) -> list[int]:
    """The source ids a search or a playlist keeps to (``[]``: all): the libraries ``names``
    (``--library``; an unknown one is an error), else the configured set (quietly all when a
    configured name matches no synced library, e.g. ``plex.library`` given as a number)."""
    if names:
        return sources_named(conn, names) or []
    try:
        return sources_named(conn, wanted_names(settings)) or []
    except ConfigError:
        return []


def sources_named(conn: Connection, names: Sequence[str]) -> list[int] | None:
    """The source ids of the libraries named (``None``: no restriction, also when they are all
    there is). A name no synced library has is a :class:`ConfigError` listing the synced ones."""
    wanted = [n for n in names if n.strip()]
    if not wanted or any(n.casefold() == ALL_LIBRARIES for n in wanted):
        return None
    known = all_sources(conn)
    titles = {s.title.casefold() for s in known}
    missing = [n for n in wanted if n.casefold() not in titles]
    if missing and not any(s.legacy for s in known):
        have = ", ".join(sorted({s.title for s in known})) or "none yet"
        raise ConfigError(
            f"No library called '{missing[0]}' has been synced.",
            hint=f"Synced libraries: {have}. Run `plexmix sync --library NAME` to add one.",
        )
    ids = source_ids(conn, libraries=wanted)
    return None if set(ids) == {s.id for s in known} else ids  # every library: no restriction
