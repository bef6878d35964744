"""XML rendering of emulator objects, shaped like Plex Media Server responses.

Strings are built directly (no ElementTree) because listing pages of 1,000 tracks must be fast.
Attributes that are unset on a real server (no rating, never played) are simply absent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from plexmix.devserver.library import EmuAlbum, EmuArtist, EmuTrack, MusicLibrary

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


def track_xml(
    lib: MusicLibrary,
    track: EmuTrack,
    tag_limit: int | None = None,
    extra: Attrs | None = None,
) -> str:
    rk = track.rating_key
    album = lib.albums.get(track.album_key)
    artist = lib.artists.get(track.artist_key)
    values: dict[str, object] = {
        "ratingKey": rk,
        "key": f"/library/metadata/{rk}",
        "parentRatingKey": track.album_key,
        "grandparentRatingKey": track.artist_key,
        "guid": f"plex://track/emu{rk:08x}",
        "type": "track",
        "title": track.title,
        "grandparentKey": f"/library/metadata/{track.artist_key}",
        "parentKey": f"/library/metadata/{track.album_key}",
        "librarySectionID": lib.section_key,
        "librarySectionTitle": lib.title,
        "librarySectionKey": f"/library/sections/{lib.section_key}",
        "grandparentTitle": artist.title if artist else None,
        "parentTitle": album.title if album else None,
        "originalTitle": track.original_title,
        "summary": "",
        "index": track.index,
        "parentIndex": track.disc,
        "userRating": _rating(track.user_rating),
        "viewCount": track.view_count or None,
        "lastViewedAt": track.last_viewed_at,
        "lastRatedAt": track.last_rated_at,
        "year": track.year,
        "parentYear": album.year if album else None,
        "duration": track.duration_ms,
        "addedAt": track.added_at,
        "updatedAt": track.updated_at,
    }
    if extra:
        values.update(extra)
    container_ext = track.file.rsplit(".", 1)[-1] if "." in track.file else "flac"
    media = (
        f'<Media id="{rk}" duration="{track.duration_ms}" audioChannels="2" audioCodec="{container_ext}"'
        f' container="{container_ext}">'
        f'<Part id="{rk}" key="/library/parts/{rk}/{track.added_at}/file.{container_ext}"'
        f' duration="{track.duration_ms}" file="{esc(track.file)}" container="{container_ext}" />'
        "</Media>"
    )
    children = media + _tags("Genre", track.genres, tag_limit) + _tags("Mood", track.moods, tag_limit)
    return f"<Track{attrs(values)}>{children}</Track>\n"


def item_xml(lib: MusicLibrary, item: EmuArtist | EmuAlbum | EmuTrack, tag_limit: int | None = None) -> str:
    if isinstance(item, EmuTrack):
        return track_xml(lib, item, tag_limit)
    if isinstance(item, EmuAlbum):
        return album_xml(lib, item, tag_limit)
    return artist_xml(lib, item, tag_limit)
