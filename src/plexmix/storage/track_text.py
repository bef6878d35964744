"""The text a track is embedded as, and its hash: with the model id, the embedding cache key.

Changing :func:`track_text` changes every hash, so every track is embedded again on the next run.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable


def _clean(value: object) -> str:
    if value is None:
        return ""
    return " ".join(str(value).split())


def _tag_list(tags: str | Iterable[str] | None) -> list[str]:
    """Tag names from a ', '-joined string or a sequence; blanks and repeats dropped."""
    if tags is None:
        return []
    items = tags.split(",") if isinstance(tags, str) else list(tags)
    seen: set[str] = set()
    out: list[str] = []
    for item in items:
        name = _clean(item)
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            out.append(name)
    return out


def _year(value: object) -> int | None:
    try:
        year = int(str(value).strip()[:4]) if value is not None else None
    except ValueError:
        return None
    return year if year and year > 0 else None


def _sentence(text: str, addition: str) -> str:
    if not text:
        return addition
    separator = " " if text.endswith((".", "!", "?")) else ". "
    return text + separator + addition


def track_text(
    title: str | None,
    artist: str | None,
    album: str | None,
    genres: str | Iterable[str] | None,
    year: int | str | None,
    moods: str | Iterable[str] | None = (),
    styles: str | Iterable[str] | None = (),
) -> str:
    """The text a track is embedded as.

    ``"{title} by {artist} from {album} - {genres} ({year})"`` then ``". Mood: a, b"`` and
    ``". Style: c"`` when present. Missing parts are left out with their connecting words;
    genres, moods and styles may be ', '-joined strings or sequences.
    """
    text = _clean(title)
    artist_name, album_title = _clean(artist), _clean(album)
    if artist_name:
        text = f"{text} by {artist_name}" if text else artist_name
    if album_title:
        text = f"{text} from {album_title}" if text else album_title
    genre_names = _tag_list(genres)
    if genre_names:
        joined = ", ".join(genre_names)
        text = f"{text} - {joined}" if text else joined
    year_value = _year(year)
    if year_value:
        text = f"{text} ({year_value})" if text else f"({year_value})"
    mood_names = _tag_list(moods)
    if mood_names:
        text = _sentence(text, "Mood: " + ", ".join(mood_names))
    style_names = _tag_list(styles)
    if style_names:
        text = _sentence(text, "Style: " + ", ".join(style_names))
    return text


def text_hash(text: str) -> str:
    """SHA-256 hex digest of ``text`` (UTF-8): the embedding cache key with the model id."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
