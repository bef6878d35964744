"""``import``: a playlist file (M3U/M3U8, a PlexMix JSON export, a text list) matched to the
library, reported line by line, and written to Plex and saved locally like ``create``'s.

The match report says for every line whether it was found exactly (by path, Plex key or name),
fuzzily (with its score) or not at all (with the closest track as a guess, which is never put
into the playlist). ``dry_run`` reports only. ``services/copy.py`` writes its playlists with
:func:`write_matches` too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from plexmix.errors import PlaylistError, PlexError, UsageError
from plexmix.playlist.matching import EXACT, FUZZY, MISSING, Entry, Match, Matcher

if TYPE_CHECKING:
    from plexmix.playlist.publish import Published
    from plexmix.services.context import Context
    from plexmix.storage.sqlite_manager import SQLiteManager


@dataclass
class MatchReport:
    """What a playlist from elsewhere became: each line's match, and where it was written."""

    name: str
    source: str  # the file imported, or the playlist copied
    matches: list[Match]
    dry_run: bool = False
    server: str | None = None  # the server profile written to (copy)
    playlist_id: int | None = None  # PlexMix's copy (None: a dry run)
    plex_key: str | None = None
    replaced: bool = False
    plex_error: str | None = None  # Plex could not be written: saved locally only
    notes: list[str] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for m in self.matches if m.status == status)

    @property
    def matched(self) -> list[Match]:
        return [m for m in self.matches if m.track is not None]

    def summary(self) -> str:
        """ "12 lines: 9 exact, 2 fuzzy, 1 missing"."""
        return (f"{len(self.matches)} lines: {self.count(EXACT)} exact, {self.count(FUZZY)} fuzzy, "
                f"{self.count(MISSING)} missing")

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "source": self.source, "server": self.server, "dry_run": self.dry_run,
            "exact": self.count(EXACT), "fuzzy": self.count(FUZZY), "missing": self.count(MISSING),
            "playlist_id": self.playlist_id, "plex_key": self.plex_key, "replaced": self.replaced,
            "plex_error": self.plex_error, "notes": self.notes, "lines": [m.as_dict() for m in self.matches],
        }


def import_playlist(
    ctx: Context, path: Path, *, name: str | None = None, dry_run: bool = False, replace: bool = False,
    write_to_plex: bool = True, confirm_replace: Callable[[str], bool] | None = None,
) -> MatchReport:
    """Match the playlist file at ``path`` to the library and (unless ``dry_run``) write it to Plex
    as ``name`` (default: the name the file gives, else its file name) and save it locally.

    A Plex playlist of that name is replaced in place with ``replace`` (or when
    ``confirm_replace(name)`` says yes), else :class:`PlaylistExistsError`. Plex failures do not
    raise: the playlist is saved locally and ``report.plex_error`` says why."""
    from plexmix.playlist.playlist_files import read_playlist_file

    read = read_playlist_file(path)
    name = _check_name(name or read.name or path.stem)
    with ctx.open_db() as db:
        matches = match_entries(ctx, db, read.entries)
        report = MatchReport(name, str(path), matches, dry_run=dry_run)
        if not dry_run:
            write_matches(ctx, db, report, f"imported from {path.name}", replace=replace,
                          write_to_plex=write_to_plex, confirm_replace=confirm_replace)
    return report


def _check_name(name: str) -> str:
    if not name.strip():
        raise UsageError("The playlist name is empty.", hint='Choose one with --name "Road trip".')
    return name.strip()


def require_synced(db: SQLiteManager, run: str = "plexmix sync", where: str = "The library") -> None:
    """A :class:`UsageError` when the mirror holds no tracks (nothing to match against)."""
    from plexmix.storage.mirror import track_count

    if track_count(db.conn) == 0:
        raise UsageError(f"{where} has not been synced yet, so there is nothing to match against.",
                         hint=f"Run `{run}` first.")


def match_entries(ctx: Context, db: SQLiteManager, entries: Sequence[Entry],
                  run_sync: str = "plexmix sync", where: str = "The library") -> list[Match]:
    """Each entry matched in ``db`` (the libraries in use) by ``ctx``'s ``matching`` settings."""
    from plexmix.services.libraries import library_scope

    require_synced(db, run_sync, where)
    settings = ctx.settings.matching
    pairs = [(source, target) for source, target in settings.path_map]
    matcher = Matcher(db.conn, source_ids=library_scope(ctx.settings, db.conn), path_map=pairs,
                      threshold=settings.threshold)
    return matcher.match_all(entries)


def _reason(match: Match) -> str:
    if match.status == FUZZY:
        return f"Line {match.entry.number}: '{match.entry.label()}', a close match ({match.score:.2f})."
    return f"Line {match.entry.number}: matched by {match.how.replace('_', ' ')}."


def write_matches(
    ctx: Context, db: SQLiteManager, report: MatchReport, mood: str, *, replace: bool,
    write_to_plex: bool = True, confirm_replace: Callable[[str], bool] | None = None,
    where: str = "the library",
) -> None:
    """Write the matched tracks in order to ``ctx``'s Plex server as ``report.name`` and save them in
    ``db`` (no recipe: nothing to make again); fills in the report."""
    from plexmix.playlist.generator import GeneratedPlaylist, PlaylistTrack
    from plexmix.playlist.publish import PlaylistExistsError, publish
    from plexmix.storage.queries import TrackFilters

    found = report.matched
    if not found:
        raise PlaylistError(f"None of the {len(report.matches)} lines matched a track in {where}.",
                            hint="See the report with --dry-run; matching.path_map maps another "
                                 "machine's music folder.")
    tracks = [PlaylistTrack(m.track, m.score, _reason(m)) for m in found if m.track is not None]
    playlist = GeneratedPlaylist(
        mood=mood, tracks=tracks, provider="import", model=None, fallback=False, fallback_reason=None,
        filters=TrackFilters(), candidates=len(report.matches), matching=len(tracks), used_vectors=False)
    client, connect_error = None, None
    if write_to_plex:
        try:
            client = ctx.plex()
        except PlexError as exc:  # keep the work: save locally, report the Plex problem
            connect_error = exc.message + (f" {exc.hint}" if exc.hint else "")
    try:
        try:
            published: Published = publish(db, playlist, report.name, client=client, replace=replace)
        except PlaylistExistsError:
            if confirm_replace is None or not confirm_replace(report.name):
                raise
            published = publish(db, playlist, report.name, client=client, replace=True)
    finally:
        if client is not None:
            client.close()
    report.playlist_id, report.plex_key = published.playlist_id, published.plex_key
    report.replaced, report.plex_error = published.replaced, published.plex_error or connect_error
