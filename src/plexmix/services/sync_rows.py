"""Rows a sync writes, built straight from Plex's records: no model object per item.

A track's tags are its own if it has them, else its album's, else its artist's (one kind at a
time; styles always come from the album or artist); without a year it takes its album's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from plexmix.storage import library, mirror
from plexmix.storage.library import Row, TrackRows, track_row
from plexmix.storage.tags import TagTexts, raw_text

if TYPE_CHECKING:
    from plexmix.plex.models import PlexTrack
    from plexmix.storage.sqlite_manager import Connection


def write_artists(tx: Connection, rows: list[Row]) -> None:
    library.upsert_rows(tx, "artists", rows)


def write_albums(tx: Connection, rows: list[Row]) -> None:
    library.upsert_rows(tx, "albums", rows)


@dataclass
class Inherited:
    """What tracks inherit and link to: their album's and artist's tags, their album's year, and
    the row ids of both.

    A full sync fills it from the listings it just wrote (and every row id, read once); an
    incremental one (``from_db``) reads, once each, the albums and artists of the tracks it writes.
    """

    albums: dict[str, TagTexts] = field(default_factory=dict)
    artists: dict[str, TagTexts] = field(default_factory=dict)
    years: dict[str, int | None] = field(default_factory=dict)
    from_db: bool = False
    artist_ids: dict[str, int] | None = None  # every artist's and album's row id, when known
    album_ids: dict[str, int] | None = None

    def ids(self, conn: Connection, tracks: Sequence[PlexTrack]) -> tuple[dict[str, int], dict[str, int]]:
        """The row ids of the artists and albums of ``tracks`` (plex_key -> id)."""
        if self.artist_ids is not None and self.album_ids is not None:
            return self.artist_ids, self.album_ids
        artists = library.key_map(conn, "artists", sorted({t.artist_key for t in tracks if t.artist_key}))
        albums = library.key_map(conn, "albums", sorted({t.album_key for t in tracks if t.album_key}))
        return artists, albums

    def load(self, conn: Connection, tracks: Sequence[PlexTrack]) -> None:
        """Read what ``tracks`` inherit and is not known yet (only ``from_db``)."""
        if not self.from_db:
            return
        albums = sorted({t.album_key for t in tracks if t.album_key and t.album_key not in self.albums})
        artists = sorted({t.artist_key for t in tracks if t.artist_key and t.artist_key not in self.artists})
        if albums:
            self.albums.update(dict.fromkeys(albums, _NO_TAGS) | mirror.tag_map(conn, "albums", albums))
            self.years.update(mirror.album_years(conn, albums))
        if artists:
            self.artists.update(dict.fromkeys(artists, _NO_TAGS) | mirror.tag_map(conn, "artists", artists))


def track_rows(
    tracks: Iterable[PlexTrack], inherited: Inherited, artist_ids: dict[str, int], album_ids: dict[str, int],
    source_id: int = 1,
) -> TrackRows:
    """Plex tracks as stored: their own tags if they have them, else their album's, else their
    artist's (one kind at a time; styles always inherited); no year: their album's."""
    out = TrackRows()
    add = out.rows.append
    album_tags, artist_tags, album_years = inherited.albums, inherited.artists, inherited.years
    for t in tracks:
        album_key, artist_key = t.album_key or "", t.artist_key or ""
        album = album_tags.get(album_key, _NO_TAGS)
        artist = artist_tags.get(artist_key, _NO_TAGS)
        tags = (
            raw_text(t.genres) or album[0] or artist[0],
            raw_text(t.moods) or album[1] or artist[1],
            album[2] or artist[2],
        )
        add(track_row(
            t.rating_key, artist_ids.get(artist_key), album_ids.get(album_key), title=t.title,
            track_number=t.track_number, disc_number=t.disc_number, duration_ms=t.duration_ms,
            year=t.year if t.year is not None else album_years.get(album_key),
            rating=t.user_rating, play_count=t.view_count or 0, last_played=t.last_viewed_at,
            file_path=t.file_path, added_at=t.added_at, updated_at=t.updated_at,
            music_analysis_version=t.music_analysis_version, tags=tags, source_id=source_id,
            skip_count=t.skip_count,
        ))
    return out


_NO_TAGS: TagTexts = ("", "", "")
