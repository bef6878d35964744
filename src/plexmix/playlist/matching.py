"""Matching the lines of a playlist from elsewhere (a file, another server) to library tracks.

Each line is tried in turn by

1. its file path, as written or through ``matching.path_map`` (another machine's music folder
   mapped to this one's), or its Plex ratingKey when its artist and title agree with that track;
2. its artist and title normalised: case, accents, punctuation, a leading "The", "feat. ..." and
   the version notes of :func:`plexmix.playlist.diversity.song_key` ("- Remastered 2011",
   "(Live)") set aside; among several versions the closest title, album and length wins;
3. a fuzzy comparison (difflib's ratio of the normalised artist and title) with the few hundred
   tracks sharing a word or its first letters, accepted at ``matching.threshold`` or above.

A line that reaches none is *missing*: the closest track is shown as a guess, never put into the
playlist. No network, no model: the same file gives the same report.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from plexmix.playlist.diversity import song_key
from plexmix.storage import library, similar, track_lookup
from plexmix.storage.models import Track
from plexmix.storage.queries import unaccent
from plexmix.storage.sqlite_manager import Connection

EXACT, FUZZY, MISSING = "exact", "fuzzy", "missing"
DEFAULT_THRESHOLD = 0.85
ARTIST_WEIGHT = 0.35  # of the fuzzy score; the title weighs the rest
CANDIDATES = 200

PathMap = Sequence[tuple[str, str]]  # (folder on the other machine, the same folder here)


@dataclass
class Entry:
    """One line of a playlist from elsewhere: what it says about its track."""

    number: int  # its place in the list, from 1
    text: str  # as written (for the report)
    artist: str | None = None
    title: str | None = None
    album: str | None = None
    path: str | None = None
    plex_key: str | None = None  # only trusted when the track's artist and title agree
    seconds: int | None = None
    either_order: bool = False  # "A - B" of a text list: "Artist - Title" or "Title - Artist"

    def label(self) -> str:
        if self.title:
            return f"{self.artist} - {self.title}" if self.artist else self.title
        return self.text


@dataclass
class Match:
    entry: Entry
    status: str  # exact | fuzzy | missing
    how: str  # path | plex_key | name | fuzzy | "" (missing)
    score: float  # 1.0 for an exact match; the fuzzy score otherwise (of the guess when missing)
    track: Track | None = None  # None: missing
    guess: Track | None = None  # missing: the closest track, shown only

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"line": self.entry.number, "text": self.entry.label(), "status": self.status,
                                "how": self.how, "score": round(self.score, 3)}
        for name, track in (("track", self.track), ("guess", self.guess)):
            data[name] = None if track is None else {
                "plex_key": track.plex_key, "title": track.title, "artist": track.artist_name,
                "album": track.album_title}
        return data


# -- normalising -----------------------------------------------------------------------------------
_FEAT = re.compile(r"(?<=\S)\s*[(\[]?\s*\b(?:feat|ft|featuring)\b\.?\s.*$", re.IGNORECASE)
_PUNCTUATION = re.compile(r"[^\w\s]", re.UNICODE)


def _plain(text: str) -> str:
    text = unaccent(text.replace("&", " and "))
    return " ".join(_PUNCTUATION.sub("", text).split())


def artist_key(name: str | None) -> str:
    """"The Beatles feat. X" -> "beatles"; "Beyoncé" -> "beyonce"; "AC/DC" -> "acdc"."""
    plain = _plain(_FEAT.sub("", name or ""))
    return plain[4:] if plain.startswith("the ") else plain


def title_key(title: str) -> str:
    """The base title without case, accents, punctuation, "feat. ..." and version notes."""
    base = song_key(Track(plex_key="", title=_FEAT.sub("", title) or title))[1]
    return _plain(base)


def similarity(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b, autojunk=False).ratio() if a and b else 0.0


# -- paths -----------------------------------------------------------------------------------------
def path_forms(path: str, path_map: PathMap) -> list[str]:
    """``path`` as written, then as each mapping of ``path_map`` that covers it makes it (longest
    folder first; Windows back slashes compare as forward ones)."""
    forms = [path]
    slashed = path.replace("\\", "/")
    for source, target in sorted(path_map, key=lambda pair: -len(pair[0])):
        folder = source.replace("\\", "/").rstrip("/")
        if folder and (slashed == folder or slashed.startswith(folder + "/")):
            rest = slashed[len(folder):]
            if "\\" in target and "/" not in target:
                rest = rest.replace("/", "\\")
            forms.append(target.rstrip("/\\") + rest)
    if slashed != path:
        forms.append(slashed)
    return list(dict.fromkeys(forms))


# -- matching --------------------------------------------------------------------------------------
class Matcher:
    """Matches entries to the tracks of ``conn`` in the libraries ``source_ids`` (empty: all)."""

    def __init__(self, conn: Connection, *, source_ids: Sequence[int] = (), path_map: PathMap = (),
                 threshold: float = DEFAULT_THRESHOLD) -> None:
        self.conn, self.source_ids = conn, list(source_ids)
        self.path_map, self.threshold = path_map, threshold

    def match_all(self, entries: Sequence[Entry]) -> list[Match]:
        by_path = self._paths(entries)
        return [self.match(entry, by_path) for entry in entries]

    def match(self, entry: Entry, by_path: dict[str, Track] | None = None) -> Match:
        if entry.path is not None:
            found = (by_path if by_path is not None else self._paths([entry])).get(entry.path)
            if found is not None:
                return Match(entry, EXACT, "path", 1.0, found)
        if (keyed := self._by_plex_key(entry)) is not None:
            return Match(entry, EXACT, "plex_key", 1.0, keyed)
        if not entry.title:
            return Match(entry, MISSING, "", 0.0)
        readings = _readings(entry)
        for artist, title in readings:
            if (named := self._by_name(entry, artist, title)) is not None:
                return Match(entry, EXACT, "name", 1.0, named)
        score, best = self._closest(entry, readings)
        if best is not None and score >= self.threshold:
            return Match(entry, FUZZY, "fuzzy", score, best)
        return Match(entry, MISSING, "", score, guess=best)

    def _paths(self, entries: Sequence[Entry]) -> dict[str, Track]:
        """Each entry path that names a track (directly or mapped) -> that track."""
        forms = {e.path: path_forms(e.path, self.path_map) for e in entries if e.path}
        ids = track_lookup.ids_by_path(self.conn, [f for fs in forms.values() for f in fs], self.source_ids)
        tracks = {t.id: t for t in library.get_tracks(self.conn, list(set(ids.values())))}
        found: dict[str, Track] = {}
        for path, candidates in forms.items():
            hit = next((ids[f] for f in candidates if f in ids), None)
            if hit is not None and hit in tracks:
                found[path] = tracks[hit]
        return found

    def _by_plex_key(self, entry: Entry) -> Track | None:
        if not entry.plex_key:
            return None
        ids = similar.track_ids_by_plex_key(self.conn, [entry.plex_key])
        tracks = library.get_tracks(self.conn, list(ids.values()))
        track = tracks[0] if tracks else None
        if track is None or (self.source_ids and track.source_id not in self.source_ids):
            return None
        if entry.title and title_key(entry.title) != title_key(track.title):
            return None  # the key names another song here (another server's key)
        if entry.artist and artist_key(entry.artist) != artist_key(track.artist_name):
            return None
        return track

    def _by_name(self, entry: Entry, artist: str | None, title: str) -> Track | None:
        wanted = title_key(title)
        base = song_key(Track(plex_key="", title=title))[1]
        ids = track_lookup.ids_titled(self.conn, unaccent(base), self.source_ids, CANDIDATES)
        same = [t for t in library.get_tracks(self.conn, ids) if title_key(t.title) == wanted
                and (artist is None or artist_key(t.artist_name) == artist_key(artist))]
        if not same:
            return None
        return min(same, key=lambda t: _closeness(entry, title, t))

    def _closest(self, entry: Entry, readings: list[tuple[str | None, str]]) -> tuple[float, Track | None]:
        text = " ".join(filter(None, (entry.artist, entry.title)))
        ids = track_lookup.fuzzy_candidates(self.conn, unaccent(text), self.source_ids, CANDIDATES)
        best: tuple[float, Track | None] = (0.0, None)
        for track in library.get_tracks(self.conn, ids):
            score = max(_score(artist, title, track) for artist, title in readings)
            if score > best[0] + 1e-9 or (best[1] is not None and abs(score - best[0]) <= 1e-9
                                          and _closeness(entry, entry.title or "", track)
                                          < _closeness(entry, entry.title or "", best[1])):
                best = (score, track)
        return best


def _readings(entry: Entry) -> list[tuple[str | None, str]]:
    """(artist, title) as the entry gives them, and swapped for an "A - B" line of a text list."""
    assert entry.title is not None
    readings: list[tuple[str | None, str]] = [(entry.artist, entry.title)]
    if entry.either_order and entry.artist:
        readings.append((entry.title, entry.artist))
    return readings


def _score(artist: str | None, title: str, track: Track) -> float:
    titles = similarity(title_key(title), title_key(track.title))
    if not artist:
        return titles
    artists = similarity(artist_key(artist), artist_key(track.artist_name))
    return ARTIST_WEIGHT * artists + (1 - ARTIST_WEIGHT) * titles


def _closeness(entry: Entry, title: str, track: Track) -> tuple[int, int, int, int]:
    """How well a version fits (smaller is closer): the same album, the same full title, the
    nearest length, then the library's order."""
    album = 0 if entry.album and _plain(entry.album) == _plain(track.album_title or "") else 1
    full = 0 if _plain(title) == _plain(track.title) else 1
    seconds = abs(entry.seconds - (track.duration_ms or 0) // 1000) if entry.seconds else 0
    return album, full, seconds, track.id or 0
