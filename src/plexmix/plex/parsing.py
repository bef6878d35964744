"""Turn Plex XML elements into PlexMix records (no plexapi objects, no extra requests)."""

from __future__ import annotations

import math
from typing import Any
from xml.etree.ElementTree import Element

from plexmix.plex.models import LibraryInfo, PlaylistInfo, PlexAlbum, PlexArtist, PlexTrack


def _float(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        return None


def _int(value: str | None) -> int | None:
    """An integer attribute; a decimal one is truncated, anything else (``nan``, ``inf``) is None."""
    try:
        return int(value) if value else None
    except ValueError:
        number = _float(value)
        return int(number) if number is not None and math.isfinite(number) else None


def _tags(el: Element, tag: str) -> list[str]:
    """The names of ``el``'s ``tag`` children (a blank name is no tag)."""
    return [t for t in (child.get("tag") for child in el.findall(tag)) if t and not t.isspace()]


def _str(value: str | None) -> str | None:
    return value if value else None


def _item(el: Element) -> dict[str, Any]:
    """The attributes every listed artist and album has (see ``PlexItem``) and its styles."""
    a = el.attrib
    return {
        "rating_key": a["ratingKey"], "title": a.get("title", ""), "genres": _tags(el, "Genre"),
        "moods": _tags(el, "Mood"), "styles": _tags(el, "Style"), "added_at": _int(a.get("addedAt")),
        "updated_at": _int(a.get("updatedAt")),
    }


def parse_artist(el: Element) -> PlexArtist:
    a = el.attrib
    return PlexArtist(**_item(el), sort_title=_str(a.get("titleSort")), summary=_str(a.get("summary")))


def parse_album(el: Element) -> PlexAlbum:
    a = el.attrib
    return PlexAlbum(**_item(el), artist_key=_str(a.get("parentRatingKey")), year=_int(a.get("year")))


def parse_track(el: Element) -> PlexTrack:
    """A track element (attributes as listed in :class:`PlexTrack`); one pass over its children."""
    a = el.attrib
    genres: list[str] = []
    moods: list[str] = []
    file_path = None
    for child in el:
        tag = child.tag
        if tag == "Media":
            if file_path is None:
                part = child.find("Part")
                file_path = _str(part.get("file")) if part is not None else None
        elif tag == "Genre" or tag == "Mood":
            name = child.get("tag")
            if name and not name.isspace():
                (genres if tag == "Genre" else moods).append(name)
    get = a.get
    return PlexTrack(
        rating_key=a["ratingKey"], title=get("title", ""), genres=genres, moods=moods,
        added_at=_int(get("addedAt")), updated_at=_int(get("updatedAt")),
        album_key=_str(get("parentRatingKey")),
        artist_key=_str(get("grandparentRatingKey")),
        album_title=_str(get("parentTitle")),
        artist_title=_str(get("grandparentTitle")),
        track_number=_int(get("index")),
        disc_number=_int(get("parentIndex")),
        duration_ms=_int(get("duration")),
        year=_int(get("year")) or _int(get("parentYear")),
        user_rating=_float(get("userRating")),
        view_count=_int(get("viewCount")) or 0,
        last_viewed_at=_int(get("lastViewedAt")),
        file_path=file_path,
        original_title=_str(get("originalTitle")),
        last_rated_at=_int(get("lastRatedAt")),
        music_analysis_version=_int(get("musicAnalysisVersion")),
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
