"""``copy``: a playlist of this server written to another server profile's Plex.

The playlist (a PlexMix playlist by id or name, else a Plex playlist of this server by title or
ratingKey) is read here; each track is matched again in the target profile's own mirror (its
database: ``servers/NAME/plexmix.db``) by file path (through ``matching.path_map``), then by
artist and title, then fuzzily, since the Plex keys of one server name other tracks on another.
What was found is written to the target server and saved in its database, with the report.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from plexmix.errors import UsageError
from plexmix.playlist.matching import Entry
from plexmix.services.importer import MatchReport, match_entries, write_matches

if TYPE_CHECKING:
    from plexmix.services.context import Context
    from plexmix.storage.models import Track


def copy_playlist(
    ctx: Context, playlist: str, *, to: str, name: str | None = None, dry_run: bool = False,
    replace: bool = False, confirm_replace: Callable[[str], bool] | None = None,
) -> MatchReport:
    """Copy ``playlist`` to the server profile ``to`` as ``name`` (default: its name here).

    The target must have been synced (``plexmix --server NAME sync``). Plex failures on the target
    do not raise: the playlist is saved in its database and ``report.plex_error`` says why."""
    from plexmix.config.profiles import active_server, check_name
    from plexmix.storage.sqlite_manager import SQLiteManager

    here = active_server(ctx.settings)
    if check_name(to) == here:
        raise UsageError(f"The playlist is already on the server '{to}'.",
                         hint="Name another server profile with --to (see `plexmix config show`).")
    target = target_context(ctx, to)
    title, tracks = _source_tracks(ctx, playlist)
    entries = [_entry(number, track) for number, track in enumerate(tracks, start=1)]
    if not entries:
        raise UsageError(f"The playlist '{title}' has no tracks PlexMix knows.",
                         hint="Run `plexmix sync`, then copy it again.")
    run = f"plexmix --server {to} sync"
    if not target.settings.db_path.exists():
        raise UsageError(f"The server '{to}' has not been synced yet, so there is nothing to match against.",
                         hint=f"Run `{run}` first.")
    with SQLiteManager(target.settings.db_path) as db:
        matches = match_entries(target, db, entries, run, f"The server '{to}'")
        report = MatchReport(name or title, f"{title} ({here})", matches, dry_run=dry_run, server=to)
        if not dry_run:
            write_matches(target, db, report, f"copied from {title} ({here})", replace=replace,
                          confirm_replace=confirm_replace, where=f"the library of the server '{to}'")
    return report


def target_context(ctx: Context, server: str) -> Context:
    """A context for the server profile ``server``: the same config file, home, environment and
    settings given as overrides, with that profile's url, libraries, user, token and database."""
    from plexmix.config.loader import load_settings
    from plexmix.services.context import Context

    loaded = ctx.loaded
    dumped: dict[str, Any] = loaded.settings.model_dump()
    overrides: dict[str, Any] = {"home": str(loaded.settings.home), "plex.server": server}
    for key, source in loaded.sources.items():
        section, _, field_name = key.partition(".")
        if source == "flag" and section not in ("plex", "home") and field_name in dumped.get(section, {}):
            overrides[key] = dumped[section][field_name]
    return Context(load_settings(loaded.config_path, overrides, environ=loaded.environ))


def _source_tracks(ctx: Context, playlist: str) -> tuple[str, list[Track]]:
    """The title and tracks of ``playlist``: PlexMix's (no Plex needed), else this server's Plex."""
    from plexmix.services.extend import _find
    from plexmix.storage.library import get_tracks

    with ctx.open_db() as db:
        try:
            found = _find(db, None, playlist)
        except UsageError:
            client = ctx.plex()
            try:
                found = _find(db, client, playlist)
            finally:
                client.close()
        return found.name, get_tracks(db.conn, found.track_ids)


def _entry(number: int, track: Track) -> Entry:
    """A track of this server as a line to match on another (its Plex key means nothing there)."""
    seconds = (track.duration_ms or 0) // 1000 or None
    return Entry(number, f"{track.artist_name or 'Unknown'} - {track.title}", artist=track.artist_name,
                 title=track.title, album=track.album_title, path=track.file_path, seconds=seconds)
