"""Seeds for a radio or a journey: a song ("Title - Artist", a Plex ratingKey or a search), an
artist, an album or a playlist, found in the library; and which signals a radio's ranking used.

A search that finds several songs (or albums) raises :class:`AmbiguousSeedError` with the
candidates, so a front end can let the user pick one (:func:`song_seed` of the pick) or list them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from plexmix.errors import UsageError
from plexmix.playlist.diversity import song_key
from plexmix.playlist.phrases import Seed
from plexmix.playlist.request import SeedTracks
from plexmix.storage import library, similar
from plexmix.storage.models import Track
from plexmix.storage.queries import search_fts
from plexmix.storage.queries import unaccent as fold
from plexmix.storage.sqlite_manager import Connection

SEARCHED = 10  # candidates shown for an ambiguous song
ALBUM_SEARCH = 2000  # full-text hits read to find an album's tracks
SEED_TRACKS = 50  # an artist seed: their best-loved tracks
ARTIST_TRACKS = 5000  # an artist's tracks read to find the versions of one of their songs


@dataclass
class SeedSet(SeedTracks):
    """A seed and its tracks, with what it is (``track``, ``artist``, ``album``, ``playlist``)."""

    kind: str = "track"
    name: str = ""

    @property
    def label(self) -> str:
        return self.name or super().label

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "label": self.label, "tracks": len(self.track_ids)}


@dataclass(frozen=True)
class Choice:
    """One candidate of an ambiguous seed."""

    track_id: int
    title: str
    artist: str | None
    album: str | None
    year: int | None

    @property
    def label(self) -> str:
        return f"{self.title} - {self.artist or 'Unknown'}" + (f" ({self.album})" if self.album else "")

    def as_dict(self) -> dict[str, Any]:
        return {"track_id": self.track_id, "title": self.title, "artist": self.artist, "album": self.album,
                "year": self.year}


class AmbiguousSeedError(UsageError):
    """A seed text that names several songs or albums: ``choices`` lists them."""

    def __init__(self, text: str, choices: list[Choice], what: str = "song") -> None:
        listed = "; ".join(c.label for c in choices)
        super().__init__(
            f"'{text}' matches {len(choices)} {what}s: {listed}.",
            hint=f"Name one exactly, e.g. \"{choices[0].title} - {choices[0].artist or ''}\", "
                 "or use its Plex ratingKey.",
        )
        self.text, self.choices = text, choices


def _choice(t: Track) -> Choice:
    assert t.id is not None
    return Choice(t.id, t.title, t.artist_name, t.album_title, t.year)


def _unknown(text: str, what: str = "song") -> UsageError:
    return UsageError(f"No {what} matching '{text}' in the library.",
                      hint=f'Check the spelling with `plexmix search "{text}"`, or run `plexmix sync`.')


def song_seed(conn: Connection, track: Track) -> SeedSet:
    """A song seed from one of its tracks: every version of that song (first the one given)."""
    assert track.id is not None
    others = _versions(conn, track.title, track.artist_name or "")
    versions = [t.id for t in others if t.id is not None and t.id != track.id]
    return SeedSet(Seed(title=track.title, artist=track.artist_name), [track.id, *versions], kind="track",
                   name=f"{track.title} by {track.artist_name or 'Unknown'}")


def _versions(conn: Connection, title: str, artist: str) -> list[Track]:
    """The artist's tracks of the song called ``title``, best loved first: the same song as the
    diversity rules see it ("Title - Remastered 2011" and "Title (Live)" count)."""
    wanted = song_key(Track(plex_key="", title=title, artist_name=artist))[1]
    tracks = library.get_tracks(conn, similar.tracks_by_artist(conn, artist, ARTIST_TRACKS))
    return [t for t in tracks if song_key(t)[1] == wanted]


def _splits(text: str, separator: str = " - ") -> list[tuple[str, str]]:
    """Every way to read ``text`` as "LEFT - RIGHT" (the title may contain the separator itself)."""
    parts = text.split(separator)
    return [(separator.join(parts[:i]).strip(), separator.join(parts[i:]).strip())
            for i in range(len(parts) - 1, 0, -1)]


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", fold(text)))


def find_song(conn: Connection, text: str) -> SeedSet:
    """A song: a Plex ratingKey, "Title - Artist", a title, or words that name one song (in its
    title, artist and album); several songs raise :class:`AmbiguousSeedError`."""
    text = text.strip()
    if not text:
        raise UsageError("The seed song is empty.", hint='Name one, e.g. "Bohemian Rhapsody - Queen".')
    if text.isdigit() and (track := library.get_track_by_plex_key(conn, text)) is not None:
        return song_seed(conn, track)
    for title, artist in _splits(text):
        if found := _versions(conn, title, artist):
            return song_seed(conn, found[0])
    hits = library.get_tracks(conn, [tid for tid, _ in search_fts(conn, text, limit=SEARCHED * 10)])
    title = song_key(Track(plex_key="", title=text))[1]
    tracks = [t for t in hits if song_key(t)[1] == title]  # the title itself, else every word somewhere
    if not tracks:
        words = _words(text)
        tracks = [t for t in hits if words <= _words(f"{t.title} {t.artist_name} {t.album_title}")]
    songs: dict[tuple[str, str], Track] = {}
    for track in tracks:
        songs.setdefault(song_key(track), track)
    if not songs:
        raise _unknown(text)
    if len(songs) > 1:
        raise AmbiguousSeedError(text, [_choice(t) for t in list(songs.values())[:SEARCHED]])
    return song_seed(conn, next(iter(songs.values())))


def find_artist(conn: Connection, name: str) -> SeedSet:
    """An artist: their best-loved tracks (the library's name, case aside)."""
    ids = similar.tracks_by_artist(conn, name.strip(), SEED_TRACKS)
    if not ids:
        raise _unknown(name, "artist")
    artist = library.get_tracks(conn, ids[:1])[0].artist_name or name
    return SeedSet(Seed(artist=artist), ids, kind="artist", name=artist)


def find_album(conn: Connection, text: str) -> SeedSet:
    """An album by title ("Album" or "Album - Artist"): its tracks in order."""
    text = text.strip()
    readings = [(text, None), *_splits(text)]
    for title, artist in readings:
        hits = [tid for tid, _ in search_fts(conn, title, limit=ALBUM_SEARCH)]
        tracks = [t for t in library.get_tracks(conn, hits) if fold(t.album_title or "") == fold(title)
                  and (artist is None or fold(t.artist_name or "") == fold(artist))]
        albums: dict[int | None, list[Track]] = {}
        for track in tracks:
            albums.setdefault(track.album_id, []).append(track)
        if len(albums) > 1:
            firsts = [group[0] for group in albums.values()]
            raise AmbiguousSeedError(text, [_choice(t) for t in firsts[:SEARCHED]], "album")
        if albums:
            (group,) = albums.values()
            group.sort(key=lambda t: (t.disc_number or 0, t.track_number or 0, t.id or 0))
            first = group[0]
            ids = [t.id for t in group if t.id is not None]
            return SeedSet(Seed(artist=first.artist_name), ids, kind="album",
                           name=f"{first.album_title} by {first.artist_name or 'Unknown'}")
    raise _unknown(text, "album")


def playlist_seed(name: str, track_ids: list[int]) -> SeedSet:
    return SeedSet(Seed(), list(dict.fromkeys(track_ids)), kind="playlist", name=f"playlist {name}")


def signals(conn: Connection, seeds: list[SeedTracks], *, used_vectors: bool, sonic: int) -> list[str]:
    """The signals a seeded ranking used: Plex's sonic analysis, the embeddings, shared tags, era."""
    tracks = library.get_tracks(conn, [tid for s in seeds for tid in s.track_ids])
    used = ["sonic"] if sonic else []
    used += ["embeddings"] if used_vectors else []
    used += ["tags"] if any(t.genres or t.moods or t.styles for t in tracks) else []
    used += ["era"] if any(t.year for t in tracks) else []
    return used
