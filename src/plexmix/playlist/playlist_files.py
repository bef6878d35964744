"""Reading playlist files for ``plexmix import``: M3U/M3U8, PlexMix's JSON exports and plain lists.

* **M3U / M3U8**: a path (or ``file://`` URL) per track, with ``#EXTINF:seconds,Artist - Title``
  before it when the writer knew them, and ``#PLAYLIST:name``. A path without ``#EXTINF`` lends
  its file name ("03 - Artist - Title.flac") as the artist and title to try.
* **JSON**: what ``plexmix create --export json`` writes (and ``plexmix list tracks --json``):
  ``name`` and ``tracks`` with ``plex_key``, ``title``, ``artist``, ``album``, ``file_path`` and
  the length, so an export imports back to the same tracks.
* **Text**: one ``Artist - Title`` per line (``Title - Artist`` is tried too); a line without
  `` - `` is a title. Empty lines and lines starting with ``#`` are skipped.

The format comes from the extension (``.m3u``, ``.m3u8``, ``.json``; anything else is text),
or from the first line (``#EXTM3U``, ``{``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from plexmix.errors import UsageError
from plexmix.playlist.matching import Entry

FORMATS = ("m3u", "json", "text")
_PLEX_PATH = re.compile(r"^plex://library/metadata/(\d+)$")
_TRACK_NUMBER = re.compile(r"^\s*\d{1,3}(?:[-.]\d{1,3})?\s*(?:[-.)]\s*|\s+)")
_AUDIO = re.compile(r"\.(?:mp3|flac|m4a|aac|ogg|oga|opus|wav|wma|aiff?|alac|ape|wv|dsf)$", re.IGNORECASE)


@dataclass
class PlaylistFile:
    name: str | None  # the name the file gives the playlist, if any
    format: str  # m3u | json | text
    entries: list[Entry]


def read_playlist_file(path: Path) -> PlaylistFile:
    """The entries of the playlist file at ``path``; a :class:`UsageError` when it cannot be read."""
    path = path.expanduser()
    try:
        raw = path.read_bytes()
    except OSError as exc:
        missing = isinstance(exc, FileNotFoundError)
        reason = "does not exist" if missing else f"cannot be read ({exc.strerror})"
        raise UsageError(f"The playlist file {path} {reason}.",
                         hint="Give the path of an .m3u, .m3u8, .json or .txt file.") from exc
    text = _decode(raw)
    fmt = _format(path, text)
    if fmt == "json":
        read = _json(text, path)
    elif fmt == "m3u":
        read = _m3u(text)
    else:
        read = PlaylistFile(None, "text", _text(text))
    if not read.entries:
        raise UsageError(f"The playlist file {path} lists no tracks.",
                         hint="An .m3u lists paths, a text file one 'Artist - Title' per line.")
    return read


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")  # older .m3u files


def _format(path: Path, text: str) -> str:
    suffix = path.suffix.lower()
    start = text.lstrip()
    if suffix == ".json" or start.startswith(("{", "[")):
        return "json"
    if suffix in (".m3u", ".m3u8") or start.upper().startswith("#EXTM3U"):
        return "m3u"
    return "text"


def split_line(text: str) -> tuple[str | None, str]:
    """"Artist - Title" -> (artist, title); without " - " the whole text is the title."""
    artist, dash, title = text.partition(" - ")
    if not dash or not artist.strip() or not title.strip():
        return None, text.strip()
    return artist.strip(), title.strip()


# -- M3U -------------------------------------------------------------------------------------------
def _m3u(text: str) -> PlaylistFile:
    name: str | None = None
    entries: list[Entry] = []
    info: tuple[int | None, str] | None = None
    for line in (raw.strip() for raw in text.splitlines()):
        if not line:
            continue
        upper = line.upper()
        if upper.startswith("#EXTINF:"):
            seconds, _, label = line[len("#EXTINF:"):].partition(",")
            info = (_seconds(seconds.split()[0] if seconds.split() else ""), label.strip())
        elif upper.startswith("#PLAYLIST:"):
            name = line[len("#PLAYLIST:"):].strip() or None
        elif not line.startswith("#"):
            entries.append(_m3u_entry(len(entries) + 1, line, info))
            info = None
    return PlaylistFile(name, "m3u", entries)


def _m3u_entry(number: int, location: str, info: tuple[int | None, str] | None) -> Entry:
    seconds, label = info if info is not None else (None, "")
    if location.lower().startswith("file://"):
        location = unquote(urlsplit(location).path)
    plex = _PLEX_PATH.match(location)
    path = None if plex else location
    artist, title = split_line(label) if label else _from_file_name(location)
    return Entry(number, label or location, artist=artist, title=title or None, path=path,
                 plex_key=plex.group(1) if plex else None, seconds=seconds, either_order=not label)


def _from_file_name(location: str) -> tuple[str | None, str]:
    """ "Music/Queen/03 - Queen - Bohemian Rhapsody.flac" -> ("Queen", "Bohemian Rhapsody")."""
    stem = _AUDIO.sub("", location.replace("\\", "/").rsplit("/", 1)[-1])
    return split_line(_TRACK_NUMBER.sub("", stem) or stem)


def _seconds(text: str) -> int | None:
    try:
        value = int(float(text))
    except ValueError:
        return None
    return value if value > 0 else None


# -- JSON ------------------------------------------------------------------------------------------
def _json(text: str, path: Path) -> PlaylistFile:
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"The playlist file {path} is not valid JSON ({exc.msg}, line {exc.lineno}).",
                         hint="Import what `plexmix create --export json FILE` writes.") from exc
    tracks = data.get("tracks") if isinstance(data, dict) else data
    if not isinstance(tracks, list):
        raise UsageError(f"The playlist file {path} has no list of tracks.",
                         hint="A PlexMix export holds \"tracks\": [{\"title\": ..., \"artist\": ...}].")
    name = data.get("name") if isinstance(data, dict) else None
    if isinstance(data, dict) and isinstance(data.get("playlist"), dict):  # `plexmix list tracks --json`
        name = data["playlist"].get("name")
    entries = [_json_entry(number, item) for number, item in enumerate(tracks, start=1)]
    return PlaylistFile(str(name) if name else None, "json", entries)


def _json_entry(number: int, item: object) -> Entry:
    if isinstance(item, str):
        artist, title = split_line(item)
        return Entry(number, item, artist=artist, title=title or None, either_order=True)
    if not isinstance(item, dict):
        return Entry(number, str(item))

    def text(key: str) -> str | None:
        value = item.get(key)
        return (str(value).strip() or None) if value is not None else None

    ms = item.get("duration_ms")
    seconds = int(ms) // 1000 if isinstance(ms, (int, float)) and ms > 0 else None
    named, by = text("title"), text("artist")
    label = f"{by} - {named}" if by and named else (named or text("file_path") or text("plex_key") or "")
    return Entry(number, label, artist=by, title=named, album=text("album"), path=text("file_path"),
                 plex_key=text("plex_key"), seconds=seconds)


# -- text ------------------------------------------------------------------------------------------
def _text(text: str) -> list[Entry]:
    entries: list[Entry] = []
    for line in (raw.strip() for raw in text.splitlines()):
        if not line or line.startswith("#"):
            continue
        number = len(entries) + 1
        if _AUDIO.search(line):  # a path in a plain list
            artist, title = _from_file_name(line)
            entries.append(Entry(number, line, artist=artist, title=title or None, path=line,
                                 either_order=True))
            continue
        artist, title = split_line(line)
        entries.append(Entry(number, line, artist=artist, title=title or None, either_order=True))
    return entries
