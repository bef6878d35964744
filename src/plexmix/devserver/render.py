"""XML rendering of emulator objects, shaped like Plex Media Server responses.

Strings are built directly (no ElementTree) because listing pages of 1,000 tracks must be fast.
Attributes that are unset on a real server (no rating, never played) are simply absent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from plexmix.devserver.library import EmuAlbum, EmuArtist, EmuTrack, MusicLibrary
from plexmix.devserver.sections import Movie, OtherSection

_ESCAPES = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}
)

Attrs = Mapping[str, object]


def esc(value: object) -> str:
    """Escape a value for an XML attribute."""
    return str(value).translate(_ESCAPES)


def attrs(values: Attrs) -> str:
    """`` key="value"`` pairs for the values that are not None."""
    return "".join(f' {k}="{esc(v)}"' for k, v in values.items() if v is not None)


def container(children: Iterable[str] = (), **values: object) -> bytes:
    """A complete ``<MediaContainer>`` document."""
    body = "".join(children)
    head = f'<?xml version="1.0" encoding="UTF-8"?>\n<MediaContainer{attrs(values)}'
    if not body:
        return (head + " />\n").encode("utf-8")
    return (head + ">\n" + body + "</MediaContainer>\n").encode("utf-8")


def library_container(lib: MusicLibrary, children: Iterable[str] = (), **values: object) -> bytes:
    """A ``<MediaContainer>`` of items of the music section (with its identifier and section)."""
    return container(
        children,
        **values,
        identifier="com.plexapp.plugins.library",
        librarySectionID=lib.section_key,
        librarySectionTitle=lib.title,
        librarySectionUUID=lib.uuid,
    )


def _tags(tag: str, values: Iterable[str], limit: int | None) -> str:
    items = list(values)
    if limit is not None:
        items = items[:limit]
    return "".join(f'<{tag} tag="{esc(v)}" />' for v in items)


def _rating(value: float | None) -> str | None:
    if value is None:
        return None
    return f"{value:.1f}"


def artist_xml(lib: MusicLibrary, artist: EmuArtist, tag_limit: int | None = None) -> str:
    rk = artist.rating_key
    head = attrs(
        {
            "ratingKey": rk,
            "key": f"/library/metadata/{rk}/children",
            "guid": f"plex://artist/emu{rk:08x}",
            "type": "artist",
            "title": artist.title,
            "titleSort": artist.sort_title or None,
            "summary": artist.summary,
            "librarySectionID": lib.section_key,
            "librarySectionTitle": lib.title,
            "librarySectionKey": f"/library/sections/{lib.section_key}",
            "index": 1,
            "thumb": f"/library/metadata/{rk}/thumb/{artist.updated_at}",
            "addedAt": artist.added_at,
            "updatedAt": artist.updated_at,
        }
    )
    children = (
        _tags("Genre", artist.genres, tag_limit)
        + _tags("Style", artist.styles, tag_limit)
        + _tags("Mood", artist.moods, tag_limit)
    )
    return f"<Directory{head}>{children}</Directory>\n"


def album_xml(lib: MusicLibrary, album: EmuAlbum, tag_limit: int | None = None) -> str:
    rk = album.rating_key
    artist = lib.artists.get(album.artist_key)
    head = attrs(
        {
            "ratingKey": rk,
            "key": f"/library/metadata/{rk}/children",
            "parentRatingKey": album.artist_key,
            "guid": f"plex://album/emu{rk:08x}",
            "parentGuid": f"plex://artist/emu{album.artist_key:08x}",
            "type": "album",
            "title": album.title,
            "parentKey": f"/library/metadata/{album.artist_key}",
            "librarySectionID": lib.section_key,
            "librarySectionTitle": lib.title,
            "librarySectionKey": f"/library/sections/{lib.section_key}",
            "parentTitle": artist.title if artist else None,
            "summary": "",
            "index": 1,
            "year": album.year,
            "originallyAvailableAt": f"{album.year}-01-01" if album.year else None,
            "thumb": f"/library/metadata/{rk}/thumb/{album.updated_at}",
            "addedAt": album.added_at,
            "updatedAt": album.updated_at,
        }
    )
    children = (
        _tags("Genre", album.genres, tag_limit)
        + _tags("Style", album.styles, tag_limit)
        + _tags("Mood", album.moods, tag_limit)
    )
    return f"<Directory{head}>{children}</Directory>\n"


def _opt(name: str, value: object) -> str:
    return "" if value is None else f' {name}="{value}"'


def track_xml(
    lib: MusicLibrary,
    track: EmuTrack,
    tag_limit: int | None = None,
    extra: Attrs | None = None,
) -> str:
    """One ``<Track>`` (hand-built: listings render thousands of these per request)."""
    rk, ak, gk, sk = track.rating_key, track.album_key, track.artist_key, lib.section_key
    album = lib.albums.get(ak)
    artist = lib.artists.get(gk)
    ext = track.file.rsplit(".", 1)[-1] if "." in track.file else "flac"
    original = None if track.original_title is None else esc(track.original_title)
    head = (
        f'<Track ratingKey="{rk}" key="/library/metadata/{rk}" parentRatingKey="{ak}"'
        f' grandparentRatingKey="{gk}" guid="plex://track/emu{rk:08x}" type="track"'
        f' title="{esc(track.title)}" grandparentKey="/library/metadata/{gk}"'
        f' parentKey="/library/metadata/{ak}" librarySectionID="{sk}"'
        f' librarySectionTitle="{esc(lib.title)}" librarySectionKey="/library/sections/{sk}"'
        + ("" if artist is None else f' grandparentTitle="{esc(artist.title)}"')
        + ("" if album is None else f' parentTitle="{esc(album.title)}"')
        + _opt("originalTitle", original)
        + f' summary="" index="{track.index}" parentIndex="{track.disc}"'
        + _opt("userRating", _rating(track.user_rating))
        + _opt("viewCount", track.view_count or None)
        + _opt("lastViewedAt", track.last_viewed_at)
        + _opt("lastRatedAt", track.last_rated_at)
        + _opt("skipCount", track.skip_count or None)
        + _opt("lastSkippedAt", track.last_skipped_at)
        + _opt("year", track.year)
        + _opt("parentYear", album.year if album else None)
        + f' duration="{track.duration_ms}" addedAt="{track.added_at}" updatedAt="{track.updated_at}"'
        + (' musicAnalysisVersion="1"' if lib.analysed(track) else "")
        + (attrs(extra) if extra else "")
    )
    media = (
        f'<Media id="{rk}" duration="{track.duration_ms}" audioChannels="2" audioCodec="{ext}"'
        f' container="{ext}"><Part id="{rk}" key="/library/parts/{rk}/{track.added_at}/file.{ext}"'
        f' duration="{track.duration_ms}" file="{esc(track.file)}" container="{ext}" /></Media>'
    )
    genres = _tags("Genre", track.genres, tag_limit) if track.genres else ""
    moods = _tags("Mood", track.moods, tag_limit) if track.moods else ""
    return f"{head}>{media}{genres}{moods}</Track>\n"


def item_xml(lib: MusicLibrary, item: EmuArtist | EmuAlbum | EmuTrack, tag_limit: int | None = None) -> str:
    if isinstance(item, EmuTrack):
        return track_xml(lib, item, tag_limit)
    if isinstance(item, EmuAlbum):
        return album_xml(lib, item, tag_limit)
    return artist_xml(lib, item, tag_limit)


def movie_xml(section: OtherSection, movie: Movie) -> str:
    """One ``<Video type="movie">`` of a movie section (just enough for listings)."""
    (rk, title, year), sk, added = movie, section.key, section.added_at
    duration = 6_000_000 + 60_000 * len(title)
    head = attrs(
        {
            "ratingKey": rk,
            "key": f"/library/metadata/{rk}",
            "guid": f"plex://movie/emu{rk:08x}",
            "type": "movie",
            "title": title,
            "librarySectionID": sk,
            "librarySectionTitle": section.title,
            "librarySectionKey": f"/library/sections/{sk}",
            "year": year,
            "duration": duration,
            "addedAt": added,
            "updatedAt": added,
        }
    )
    media = (
        f'<Media id="{rk}" duration="{duration}" container="mkv" videoCodec="h264">'
        f'<Part id="{rk}" key="/library/parts/{rk}/{added}/file.mkv" duration="{duration}"'
        f' file="/movies/{esc(title)} ({year}).mkv" container="mkv" /></Media>'
    )
    return f"<Video{head}>{media}</Video>\n"
