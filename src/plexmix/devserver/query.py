"""Listing semantics of ``/library/sections/{id}/all``: filters, sorting, paging and ``<Meta>``.

Filters follow the Plex URL syntax that plexapi produces: ``field=v`` (is), ``field!=v`` (is
not), ``field>>=v`` (greater / after), ``field<<=v`` (less / before), optionally prefixed by a
type (``track.updatedAt>>=...``, ``album.addedAt<<=...``). Date values are epoch seconds or
relative (``-30d``, ``-2h``, ``-1mon``). Unknown filter fields answer 400 rather than being
silently ignored.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from plexmix.devserver.library import EmuAlbum, EmuArtist, EmuTrack, MusicLibrary

KIND_BY_TYPE = {"1": "movie", "8": "artist", "9": "album", "10": "track"}
TYPE_BY_KIND = {v: int(k) for k, v in KIND_BY_TYPE.items()}
_PARENTS = {"track": ("album", "artist"), "album": ("artist",), "artist": ()}

# Query parameters that are not filters.
_NON_FILTERS = frozenset(
    {
        "type", "sort", "title", "limit", "includeGuids", "includeMeta", "includeAdvanced",
        "includeCollections", "includeExternalMedia", "checkFiles", "includeFields",
        "excludeFields", "includeDetails", "asyncCheckFiles", "includeChapters",
        "includeRelated", "includeMarkers", "includeConcerts", "includeExtras",
        "includeOnDeck", "includePopularLeaves", "includePreferences", "includeReviews",
        "includeStations", "includeLoudnessRamps", "includeUserState",
    }
)

# field -> (Plex field type, getter)
Getter = Callable[[Any], Any]
_FIELDS: dict[str, tuple[str, Getter]] = {
    "addedAt": ("date", lambda o: o.added_at),
    "updatedAt": ("date", lambda o: o.updated_at),
    "lastViewedAt": ("date", lambda o: getattr(o, "last_viewed_at", None)),
    "lastRatedAt": ("date", lambda o: getattr(o, "last_rated_at", None)),
    "viewCount": ("integer", lambda o: getattr(o, "view_count", 0)),
    "lastSkippedAt": ("date", lambda o: getattr(o, "last_skipped_at", None)),
    "skipCount": ("integer", lambda o: getattr(o, "skip_count", 0)),
    "userRating": ("integer", lambda o: getattr(o, "user_rating", None)),
    "year": ("integer", lambda o: getattr(o, "year", None)),
    "index": ("integer", lambda o: getattr(o, "index", 1)),
    "id": ("integer", lambda o: o.rating_key),
    "duration": ("integer", lambda o: getattr(o, "duration_ms", None)),
    "title": ("string", lambda o: o.title),
}
_FIELD_TITLES = {
    "title": "Title", "addedAt": "Date Added", "updatedAt": "Date Updated",
    "lastViewedAt": "Last Played", "lastRatedAt": "Last Rated", "viewCount": "Plays",
    "userRating": "Rating", "year": "Year", "skipCount": "Skip Count", "lastSkippedAt": "Last Skipped",
}
# The fields each type's <Meta> lists (what plexapi validates a filter against), as a real
# server's: user state (plays, ratings) only where the server keeps it.
_ITEM_FIELDS = ("title", "addedAt", "updatedAt", "lastViewedAt", "lastRatedAt", "viewCount", "userRating")
_META_FIELDS = {"artist": _ITEM_FIELDS, "album": (*_ITEM_FIELDS, "year"),
                "track": (*_ITEM_FIELDS, "year", "skipCount", "lastSkippedAt")}
_OTHER_FIELDS = ("title", "addedAt", "lastViewedAt", "viewCount", "userRating", "year")  # collections
_SORTS = {
    "titleSort": lambda o: (getattr(o, "sort_title", "") or o.title).lower(),
    "title": lambda o: o.title.lower(),
    "addedAt": lambda o: o.added_at,
    "updatedAt": lambda o: o.updated_at,
    "id": lambda o: o.rating_key,
    "index": lambda o: getattr(o, "index", 1),
    "year": lambda o: getattr(o, "year", None) or 0,
    "viewCount": lambda o: getattr(o, "view_count", 0),
    "lastViewedAt": lambda o: getattr(o, "last_viewed_at", None) or 0,
    "lastRatedAt": lambda o: getattr(o, "last_rated_at", None) or 0,
    "userRating": lambda o: getattr(o, "user_rating", None) or 0,
}
_FILTER_KEY = re.compile(r"^(?:(artist|album|track)\.)?([A-Za-z]+)(>>|<<|!=|!|=|)$")
_RELATIVE = re.compile(r"^-?(\d+)(mon|[smhdwy])$")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "mon": 30 * 86400, "y": 365 * 86400}


class QueryError(ValueError):
    """A listing request the emulator does not understand (answered with 400)."""


@dataclass(frozen=True, slots=True)
class Filter:
    kind: str  # which object the field belongs to: artist / album / track
    field: str
    op: str  # "=", "!", ">>", "<<"
    values: tuple[Any, ...]


def parse_filters(params: Sequence[tuple[str, str]], kind: str, now: int) -> list[Filter]:
    """Filters from the query parameters; X-Plex-* and known options are skipped."""
    out: list[Filter] = []
    for key, raw in params:
        if key in _NON_FILTERS or key.startswith("X-Plex-"):
            continue
        m = _FILTER_KEY.match(key)
        if not m or m.group(2) not in _FIELDS:
            raise QueryError(f"unsupported filter {key!r}")
        owner, name = m.group(1) or kind, m.group(2)
        op = {"": "=", "=": "==", "!=": "!=="}.get(m.group(3), m.group(3))
        if owner != kind and owner not in _PARENTS[kind]:
            raise QueryError(f"filter {key!r} is not supported on {kind} listings")
        ftype = _FIELDS[name][0]
        values = tuple(_value(v, ftype, now) for v in raw.split(",")) if raw != "" else ()
        out.append(Filter(owner, name, op, values))
    return out


def _value(raw: str, ftype: str, now: int) -> Any:
    raw = raw.strip()
    if ftype == "string":
        return raw.lower()
    if ftype == "date":
        m = _RELATIVE.match(raw)
        if m:
            return now - int(m.group(1)) * _UNIT[m.group(2)]
    try:
        return float(raw) if "." in raw else int(raw)
    except ValueError:
        raise QueryError(f"bad value {raw!r}") from None


def _owner(lib: MusicLibrary, item: Any, kind: str, owner: str) -> Any:
    if owner == kind:
        return item
    if owner == "album":
        return lib.albums.get(item.album_key)
    # artist of a track or album
    return lib.artists.get(item.artist_key)


def _comparison(kind: str, flt: Filter) -> Callable[[Any], bool] | None:
    """The commonest filter as one quick test: an item's own date or number after or before one
    value (what every incremental sync sends), answering as :func:`_matches` does; None for the
    others. A real server answers it from an index; the emulator should not be far slower."""
    ftype, getter = _FIELDS[flt.field]
    if flt.kind != kind or ftype == "string" or flt.op not in (">>", "<<") or len(flt.values) != 1:
        return None
    (bound,) = flt.values
    if flt.op == ">>":
        return lambda item: (value := getter(item)) is not None and value > bound
    return lambda item: (value := getter(item)) is not None and value < bound


def _matches(lib: MusicLibrary, item: Any, kind: str, flt: Filter) -> bool:
    target = _owner(lib, item, kind, flt.kind)
    if target is None:
        return False
    ftype, getter = _FIELDS[flt.field]
    value = getter(target)
    if ftype == "string":
        text = (value or "").lower()
        if flt.op == "=":  # contains
            return any(v in text for v in flt.values)
        if flt.op == "!":  # does not contain
            return all(v not in text for v in flt.values)
        if flt.op == "==":  # is
            return text in flt.values
        if flt.op == "!==":  # is not
            return text not in flt.values
        raise QueryError(f"operator {flt.op!r} is not supported for {flt.field}")
    if flt.op in ("=", "=="):
        return value in flt.values
    if flt.op in ("!", "!=="):
        return value not in flt.values
    if value is None:
        return False
    if flt.op == ">>":
        return any(value > v for v in flt.values)
    return any(value < v for v in flt.values)


def select(
    lib: MusicLibrary,
    kind: str,
    params: Sequence[tuple[str, str]],
    view: Callable[[Any], Any] | None = None,
) -> list[EmuArtist] | list[EmuAlbum] | list[EmuTrack]:
    """All items of ``kind`` matching the query's title/filters, in the requested order.

    ``view`` turns each item into what the requesting user sees (their plays and ratings).
    """
    filters = parse_filters(params, kind, lib.clock())
    query = dict(params)
    items = lib.items(kind)
    if view is not None:
        items = [view(i) for i in items]
    title = query.get("title")
    if title:
        needle = title.lower()
        items = [i for i in items if needle in i.title.lower()]
    for flt in filters:
        quick = _comparison(kind, flt)
        if quick is not None:
            items = [i for i in items if quick(i)]
        else:
            items = [i for i in items if _matches(lib, i, kind, flt)]
    sort = query.get("sort")
    if sort:
        for part in reversed(sort.split(",")):
            name, _, direction = part.partition(":")
            name = name.split(".")[-1]
            if name not in _SORTS:
                raise QueryError(f"unsupported sort {part!r}")
            items.sort(key=_SORTS[name], reverse=direction == "desc")
    limit = query.get("limit")
    if limit and limit.isdigit():
        items = items[: int(limit)]
    return items


def paging(headers: Mapping[str, str], query: Mapping[str, str], total: int) -> tuple[int, int]:
    """(start, size) from X-Plex-Container-Start/Size headers (lower-case names) or the query."""

    def pick(name: str, default: int) -> int:
        raw = headers.get(name.lower()) or query.get(name)
        try:
            return max(0, int(raw)) if raw not in (None, "") else default
        except ValueError:
            return default

    return pick("X-Plex-Container-Start", 0), pick("X-Plex-Container-Size", total)


def meta_xml(section_key: int, kinds: Sequence[str]) -> str:
    """The ``<Meta>`` block plexapi needs for filtered/sorted searches."""
    types = []
    for kind in kinds:
        t = TYPE_BY_KIND.get(kind, 18)
        base = f"/library/sections/{section_key}"
        filters = "".join(
            f'<Filter filter="{f}" filterType="string" key="{base}/{f}?type={t}" '
            f'title="{f.capitalize()}" type="filter" />'
            for f in ("genre", "mood", "style")
            if kind != "collection"
        )
        sorts = (
            f'<Sort default="asc" defaultDirection="asc" descKey="titleSort:desc" key="titleSort" '
            f'title="Title" firstCharacterKey="{base}/firstCharacter" />'
            '<Sort defaultDirection="desc" descKey="addedAt:desc" key="addedAt" title="Date Added" />'
            '<Sort defaultDirection="desc" descKey="lastViewedAt:desc" key="lastViewedAt" '
            'title="Last Played" />'
            '<Sort defaultDirection="desc" descKey="lastRatedAt:desc" key="lastRatedAt" '
            'title="Last Rated" />'
            '<Sort defaultDirection="desc" descKey="viewCount:desc" key="viewCount" title="Plays" />'
            '<Sort defaultDirection="desc" descKey="userRating:desc" key="userRating" title="Rating" />'
        )
        fields = "".join(
            f'<Field key="{kind}.{name}" title="{_FIELD_TITLES[name]}" type="{_FIELDS[name][0]}" />'
            for name in _META_FIELDS.get(kind, _OTHER_FIELDS)
        )
        types.append(
            f'<Type key="{base}/all?type={t}" type="{kind}" title="{kind.capitalize()}s" active="0">'
            f"{filters}{sorts}{fields}</Type>"
        )
    field_types = (
        '<FieldType type="tag"><Operator key="=" title="is" /><Operator key="!=" title="is not" />'
        "</FieldType>"
        '<FieldType type="integer"><Operator key="=" title="is" /><Operator key="!=" title="is not" />'
        '<Operator key="&gt;&gt;=" title="is greater than" />'
        '<Operator key="&lt;&lt;=" title="is less than" /></FieldType>'
        '<FieldType type="string"><Operator key="=" title="contains" />'
        '<Operator key="!=" title="does not contain" /><Operator key="==" title="is" />'
        '<Operator key="!==" title="is not" /></FieldType>'
        '<FieldType type="date"><Operator key="&lt;&lt;=" title="is before" />'
        '<Operator key="&gt;&gt;=" title="is after" /></FieldType>'
        '<FieldType type="boolean"><Operator key="=" title="is true" />'
        '<Operator key="!=" title="is false" /></FieldType>'
    )
    return f"<Meta>{''.join(types)}{field_types}</Meta>\n"
