"""Turn Plex XML elements into PlexMix records (no plexapi objects, no extra requests)."""

from __future__ import annotations

import math
from typing import Any
from xml.etree.ElementTree import Element

from plexmix.plex.models import LibraryInfo, PlaylistInfo, PlexAlbum, PlexArtist, PlexPlay, PlexTrack


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


def _str(value: str | None) -> str | None:
    return value if value else None


def _tag_lists(el: Element) -> tuple[list[str], list[str], list[str]]:
    """The names of ``el``'s ``Genre``, ``Mood`` and ``Style`` children, in one pass (a blank
    name is no tag)."""
    genres: list[str] = []
    moods: list[str] = []
    styles: list[str] = []
    lists = {"Genre": genres, "Mood": moods, "Style": styles}
    for child in el:
        names = lists.get(child.tag)
        if names is not None:
            name = child.get("tag")
            if name and not name.isspace():
                names.append(name)
    return genres, moods, styles


def _item(el: Element) -> dict[str, Any]:
    """What every listed artist and album has (see ``PlexItem``) and its styles. (Attributes are
    read with ``el.get``: on lxml's elements ``el.attrib`` builds a proxy at every use.)"""
    get = el.get
    genres, moods, styles = _tag_lists(el)
    return {
        "rating_key": get("ratingKey", ""), "title": get("title", ""), "genres": genres, "moods": moods,
        "styles": styles, "added_at": _int(get("addedAt")), "updated_at": _int(get("updatedAt")),
    }


def parse_artist(el: Element) -> PlexArtist:
    get = el.get
    return PlexArtist(**_item(el), sort_title=get("titleSort") or None, summary=get("summary") or None)


def parse_album(el: Element) -> PlexAlbum:
    get = el.get
    return PlexAlbum(**_item(el), artist_key=get("parentRatingKey") or None, year=_int(get("year")))


def parse_track(el: Element) -> PlexTrack:
    """A track element (attributes as listed in :class:`PlexTrack`); one pass over its children."""
    genres: list[str] = []
    moods: list[str] = []
    file_path = None
    for child in el:
        tag = child.tag
        if tag == "Media":
            if file_path is None:
                part = next((p for p in child if p.tag == "Part"), None)  # cheaper than find()
                file_path = (part.get("file") or None) if part is not None else None
        elif tag == "Genre" or tag == "Mood":
            name = child.get("tag")
            if name and not name.isspace():
                (genres if tag == "Genre" else moods).append(name)
    get = el.get
    return PlexTrack(
        rating_key=get("ratingKey", ""), title=get("title", ""), genres=genres, moods=moods,
        added_at=_int(get("addedAt")), updated_at=_int(get("updatedAt")),
        album_key=get("parentRatingKey") or None,
        artist_key=get("grandparentRatingKey") or None,
        album_title=get("parentTitle") or None,
        artist_title=get("grandparentTitle") or None,
        track_number=_int(get("index")),
        disc_number=_int(get("parentIndex")),
        duration_ms=_int(get("duration")),
        year=_int(get("year")) or _int(get("parentYear")),
        user_rating=_float(get("userRating")),
        view_count=_int(get("viewCount")) or 0,
        last_viewed_at=_int(get("lastViewedAt")),
        file_path=file_path,
        original_title=get("originalTitle") or None,
        last_rated_at=_int(get("lastRatedAt")),
        music_analysis_version=_int(get("musicAnalysisVersion")),
        skip_count=_int(get("skipCount")) or 0,
    )


def parse_play(el: Element) -> PlexPlay | None:
    """A row of the play history (``historyKey`` ends with its id); None when it is no track's."""
    get = el.attrib.get
    history_id = _int((get("historyKey") or "").rsplit("/", 1)[-1])
    viewed_at, key = _int(get("viewedAt")), get("ratingKey")
    if history_id is None or viewed_at is None or not key or get("type") != "track":
        return None
    return PlexPlay(
        history_id=history_id, rating_key=key, viewed_at=viewed_at, account_id=_int(get("accountID"))
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
