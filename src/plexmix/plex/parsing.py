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
    """The attributes every listed artist, album and track has (see ``PlexItem``)."""
    a = el.attrib
    return {
        "rating_key": a["ratingKey"], "title": a.get("title", ""), "genres": _tags(el, "Genre"),
        "moods": _tags(el, "Mood"), "added_at": _int(a.get("addedAt")),
        "updated_at": _int(a.get("updatedAt")),
    }


def parse_artist(el: Element) -> PlexArtist:
    a = el.attrib
    return PlexArtist(
        **_item(el), sort_title=_str(a.get("titleSort")), summary=_str(a.get("summary")),
        styles=_tags(el, "Style"),
    )


def parse_album(el: Element) -> PlexAlbum:
    a = el.attrib
    return PlexAlbum(
        **_item(el), artist_key=_str(a.get("parentRatingKey")), year=_int(a.get("year")),
        styles=_tags(el, "Style"),
    )


def parse_track(el: Element) -> PlexTrack:
    a = el.attrib
    part = el.find("Media/Part")
    return PlexTrack(
        **_item(el),
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
        original_title=_str(a.get("originalTitle")),
        last_rated_at=_int(a.get("lastRatedAt")),
        music_analysis_version=_int(a.get("musicAnalysisVersion")),
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
