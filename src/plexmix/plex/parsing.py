"""Turn Plex XML elements into PlexMix records (no plexapi objects, no extra requests)."""

from __future__ import annotations

from xml.etree.ElementTree import Element

from plexmix.plex.models import LibraryInfo, PlaylistInfo, PlexAlbum, PlexArtist, PlexTrack


def _int(value: str | None) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError:
        try:
            return int(float(value))
        except ValueError:
            return None


def _float(value: str | None) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value)
    except ValueError:
        return None


def _tags(el: Element, tag: str) -> list[str]:
    return [t for t in (child.get("tag") for child in el.findall(tag)) if t]


def _str(value: str | None) -> str | None:
    return value if value else None


def parse_artist(el: Element) -> PlexArtist:
    a = el.attrib
    return PlexArtist(
        rating_key=a["ratingKey"],
        title=a.get("title", ""),
        sort_title=_str(a.get("titleSort")),
        summary=_str(a.get("summary")),
        genres=_tags(el, "Genre"),
        moods=_tags(el, "Mood"),
        styles=_tags(el, "Style"),
        added_at=_int(a.get("addedAt")),
        updated_at=_int(a.get("updatedAt")),
    )


def parse_album(el: Element) -> PlexAlbum:
    a = el.attrib
    return PlexAlbum(
        rating_key=a["ratingKey"],
        title=a.get("title", ""),
        artist_key=_str(a.get("parentRatingKey")),
        year=_int(a.get("year")),
        genres=_tags(el, "Genre"),
        moods=_tags(el, "Mood"),
        styles=_tags(el, "Style"),
        added_at=_int(a.get("addedAt")),
        updated_at=_int(a.get("updatedAt")),
    )


def parse_track(el: Element) -> PlexTrack:
    a = el.attrib
    part = el.find("Media/Part")
    return PlexTrack(
        rating_key=a["ratingKey"],
        title=a.get("title", ""),
        album_key=_str(a.get("parentRatingKey")),
        artist_key=_str(a.get("grandparentRatingKey")),
        album_title=_str(a.get("parentTitle")),
        artist_title=_str(a.get("grandparentTitle")),
        track_number=_int(a.get("index")),
        disc_number=_int(a.get("parentIndex")),
        duration_ms=_int(a.get("duration")),
        year=_int(a.get("year")) or _int(a.get("parentYear")),
        user_rating=_float(a.get("userRating")),
        view_count=_int(a.get("viewCount")) or 0,
        last_viewed_at=_int(a.get("lastViewedAt")),
        file_path=_str(part.get("file")) if part is not None else None,
        genres=_tags(el, "Genre"),
        moods=_tags(el, "Mood"),
        added_at=_int(a.get("addedAt")),
        updated_at=_int(a.get("updatedAt")),
        original_title=_str(a.get("originalTitle")),
        last_rated_at=_int(a.get("lastRatedAt")),
    )


def is_kind(el: Element, kind: str) -> bool:
    """Whether a listing child is an artist/album/track (by ``type``, like plexapi)."""
    return el.get("type") == kind and el.get("ratingKey") is not None


PARSERS = {"artist": parse_artist, "album": parse_album, "track": parse_track}


def parse_library(el: Element) -> LibraryInfo:
    return LibraryInfo(key=el.get("key", ""), title=el.get("title", ""), uuid=_str(el.get("uuid")))


def parse_playlist(el: Element) -> PlaylistInfo:
    return PlaylistInfo(
        rating_key=el.get("ratingKey", ""),
        title=el.get("title", ""),
        summary=_str(el.get("summary")),
        leaf_count=_int(el.get("leafCount")) or 0,
    )
