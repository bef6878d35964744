"""The sections of one emulated server: its music libraries and other (e.g. movie) sections.

RatingKeys are server-wide, as on a real server: every music library of the server draws from one
key sequence, and the items of other sections (a few movies) take keys from it too.
:func:`split_library` moves the albums of some genres into a library of their own ("Classical").
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from plexmix.devserver.library import EmuAlbum, EmuArtist, Item, MusicLibrary

# A few real films for a movie section: code that lists sections must skip it.
DEMO_MOVIES: tuple[tuple[str, int], ...] = (
    ("Spirited Away", 2001),
    ("Amélie", 2001),
    ("The Grand Budapest Hotel", 2014),
    ("Arrival", 2016),
    ("Paddington 2", 2017),
)

# (type, title) for an empty section, or (type, title, [(movie title, year), ...]).
SectionSpec = tuple[str, str] | tuple[str, str, Sequence[tuple[str, int]]]


# A movie of a movie section: (ratingKey, title, year), all a listing needs.
Movie = tuple[int, str, int]


# Mirrors a Plex <Directory> section (key, type, title, uuid), as the music libraries do.
@dataclass(slots=True)
class OtherSection:
    """A section the emulator does not model in depth: its type, title and a few movies."""

    key: int
    type: str
    title: str
    uuid: str
    added_at: int = 0
    items: list[Movie] = field(default_factory=list)


Section = MusicLibrary | OtherSection


def section_uuid(kind: str, title: str) -> str:
    return hashlib.md5(f"{kind}:{title}".encode()).hexdigest()


class Sections:
    """The server's sections in order: the music libraries first, then the other sections."""

    def __init__(self, libraries: Sequence[MusicLibrary], extra: Sequence[SectionSpec] = ()) -> None:
        if not libraries:
            raise ValueError("the emulator needs at least one music library")
        self.music = list(libraries)
        first = self.music[0]
        keys = [lib.section_key for lib in self.music]
        if len(set(keys)) != len(keys):
            raise ValueError(f"music libraries need distinct section keys, got {keys}")
        if len(self.music) > 1:
            seen: set[int] = set()
            for lib in self.music:
                own = set(lib.tracks) | set(lib.albums) | set(lib.artists)
                if own & seen:
                    raise ValueError(f"library {lib.title!r} reuses ratingKeys of another section")
                seen |= own
        for lib in self.music[1:]:
            first.share_keys(lib)
        self.other: list[OtherSection] = []
        key = max(keys)
        now = first.clock()
        for kind, title, *rest in extra:
            key += 1
            section = OtherSection(key, kind, title, section_uuid(kind, title), now)
            section.items = [(first.new_key(), name, year) for name, year in (rest[0] if rest else ())]
            self.other.append(section)

    def __iter__(self) -> Iterator[Section]:
        yield from self.music
        yield from self.other

    @property
    def first(self) -> MusicLibrary:
        return self.music[0]

    def get(self, key: str | int) -> Section | None:
        for section in self:
            if str(section_key(section)) == str(key):
                return section
        return None

    def find(self, rating_key: int) -> tuple[MusicLibrary, Item] | None:
        """The music library holding ``rating_key`` and the item (artist, album or track)."""
        for lib in self.music:
            item = lib.get(rating_key)
            if item is not None:
                return lib, item
        return None

    def movie(self, rating_key: int) -> tuple[OtherSection, Movie] | None:
        for section in self.other:
            for movie in section.items:
                if movie[0] == rating_key:
                    return section, movie
        return None


def section_key(section: Section) -> int:
    return section.section_key if isinstance(section, MusicLibrary) else section.key


def split_library(lib: MusicLibrary, title: str, genres: Sequence[str], *, section_key: int) -> MusicLibrary:
    """Move the albums whose genre is one of ``genres`` (and their tracks) into a new library.

    The new library shares ``lib``'s key sequence, keeps every ratingKey, and gets its own copy
    (a new key) of an artist that still has albums in ``lib``.
    """
    wanted = {g.lower() for g in genres}
    new = MusicLibrary(
        title=title,
        section_key=section_key,
        uuid=section_uuid("artist", title),
        clock=lib.clock,
        sonic_analysis=lib.sonic_analysis,
    )
    lib.share_keys(new)
    with lib.lock:
        moved = [a for a in lib.albums.values() if wanted & {g.lower() for g in a.genres}]
        for album in moved:
            del lib.albums[album.rating_key]
            new.albums[album.rating_key] = album
        for track in [t for t in lib.tracks.values() if t.album_key in new.albums]:
            del lib.tracks[track.rating_key]
            new.tracks[track.rating_key] = track
        staying = {a.artist_key for a in lib.albums.values()}
        copies: dict[int, EmuArtist] = {}
        for album in moved:
            album.artist_key = _artist_for(lib, new, album, staying, copies)
        for track in new.tracks.values():
            track.artist_key = new.albums[track.album_key].artist_key
        lib.version += 1
        new.version += 1
    return new


def _artist_for(
    lib: MusicLibrary, new: MusicLibrary, album: EmuAlbum, staying: set[int], copies: dict[int, EmuArtist]
) -> int:
    """The key of ``album``'s artist in ``new``: moved there, or copied when it stays in ``lib`` too."""
    key = album.artist_key
    if key in new.artists:
        return key
    if key in copies:
        return copies[key].rating_key
    artist = lib.artists[key]
    if key not in staying:
        del lib.artists[key]
        new.artists[key] = artist
        return key
    copy = EmuArtist(
        new.new_key(), artist.title, artist.sort_title, artist.summary, list(album.genres),
        list(album.moods), list(album.styles), artist.added_at, artist.updated_at,
    )
    copies[key] = copy
    new.artists[copy.rating_key] = copy
    return copy.rating_key
