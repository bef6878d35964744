"""Build a :class:`MusicLibrary` from the real track CSVs (TidyTuesday / 114-genre sample).

Three CSV layouts are recognised by their header:

* TidyTuesday ``spotify_songs`` (``track_album_id`` ...): one genre + subgenre, release date;
* the 114-genre sample (``artists`` ';'-separated, ``track_genre``): no year;
* the bundled demo layout (``title, artist, album, album_id, release_date, genre, subgenre,
  duration_ms`` + audio features) written by ``scripts/make_demo_library.py``.

Tags are placed as a real server places them: album ``Genre`` = CSV genre, album ``Style`` =
subgenre, album ``Mood`` = moods derived from the album's mean audio features, artist tags =
union over its albums. With ``sonic`` (the default) the library is served as sonically analysed:
each track with audio features gets their sonic vector (:mod:`plexmix.devserver.sonic`).
Ratings, play counts and timestamps are random but deterministic from ``seed``.
"""

from __future__ import annotations

import csv
import gc
import gzip
import io
import random
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain
from pathlib import Path

from plexmix.devserver.history import with_skips
from plexmix.devserver.library import Clock, EmuAlbum, EmuArtist, EmuTrack, MusicLibrary
from plexmix.devserver.sonic import sonic_vector
from plexmix.devserver.tags import FEATURES, genre_and_style, mean_features, moods_for

DEMO_PATH = Path(__file__).resolve().parent / "data" / "demo_tracks.csv.gz"
DEFAULT_NOW = 1_750_000_000  # 2025-06-15: fixed so that a seed gives the same library.
DEMO_COLUMNS = (
    "title",
    "artist",
    "album",
    "album_id",
    "release_date",
    "genre",
    "subgenre",
    "duration_ms",
    *FEATURES,
    "tempo",
)
_YEARS = 6 * 365 * 86400
_RATINGS = (2.0, 4.0, 6.0, 8.0, 10.0, 10.0, 8.0, 7.0, 5.0, 3.0, 9.0, 1.0)
_CTRL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_UNSAFE_PATH = str.maketrans({c: "_" for c in '/\\:*?"<>|'})


@dataclass(slots=True)
class SongRow:
    """One CSV row in a layout-independent form."""

    title: str
    artists: list[str]
    album: str
    album_id: str
    release_date: str = ""
    genre: str = ""
    subgenre: str = ""
    duration_ms: int = 0
    features: dict[str, float] = field(default_factory=dict)


def _clean(text: str | None) -> str:
    text = (text or "").strip()
    return _CTRL.sub("", text) if _CTRL.search(text) else text


def _features(row: dict[str, str]) -> dict[str, float]:
    out: dict[str, float] = {}
    for name in (*FEATURES, "tempo"):
        value = row.get(name)
        if value:
            try:
                out[name] = float(value)
            except ValueError:
                continue
    return out


def _int(value: str | None) -> int:
    try:
        return int(float(value or 0))
    except ValueError:
        return 0


def _open_text(path: Path) -> io.TextIOBase:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", newline="")
    return open(path, encoding="utf-8", newline="")


def read_rows(path: str | Path) -> Iterator[SongRow]:
    """Yield the usable rows of one CSV file (rows without title/artist/album are skipped)."""
    path = Path(path)
    with _open_text(path) as fh:
        reader = csv.DictReader(fh)
        header = set(reader.fieldnames or ())
        if "track_album_id" in header:
            layout = "tidy"
        elif "track_genre" in header and "artists" in header:
            layout = "114"
        elif {"title", "artist", "album", "album_id"} <= header:
            layout = "demo"
        else:
            raise ValueError(f"{path.name}: unrecognised CSV columns")
        for row in reader:
            song = _convert(row, layout)
            if song is not None:
                yield song


def _convert(row: dict[str, str], layout: str) -> SongRow | None:
    if layout == "tidy":
        title, artist, album = (
            _clean(row.get("track_name")),
            _clean(row.get("track_artist")),
            _clean(row.get("track_album_name")),
        )
        artists = [artist] if artist else []
        album_id = row.get("track_album_id") or f"{artist}\x1f{album}"
        date, genre, sub = (
            row.get("track_album_release_date", ""),
            row.get("playlist_genre", ""),
            row.get("playlist_subgenre", ""),
        )
    else:
        title = _clean(row.get("track_name") if layout == "114" else row.get("title"))
        album = _clean(row.get("album_name") if layout == "114" else row.get("album"))
        raw = row.get("artists") if layout == "114" else row.get("artist")
        artists = [a for a in (_clean(x) for x in (raw or "").split(";")) if a]
        if layout == "114":
            album_id = f"114:{artists[0] if artists else ''}\x1f{album}"
            date, genre, sub = "", row.get("track_genre", ""), ""
        else:
            album_id = row.get("album_id") or f"{artists[0] if artists else ''}\x1f{album}"
            date, genre, sub = (
                row.get("release_date", ""),
                row.get("genre", ""),
                row.get("subgenre", ""),
            )
    if not title or not artists or not album:
        return None
    return SongRow(
        title=title,
        artists=artists,
        album=album,
        album_id=album_id,
        release_date=(date or "").strip(),
        genre=(genre or "").strip(),
        subgenre=(sub or "").strip(),
        duration_ms=_int(row.get("duration_ms")),
        features=_features(row),
    )


def _year(date: str) -> int | None:
    head = date[:4]
    if len(head) == 4 and head.isdigit() and int(head) > 0:
        return int(head)
    return None


def _ordered_union(lists: Iterable[Iterable[str]]) -> list[str]:
    return list(dict.fromkeys(chain.from_iterable(lists)))


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Building ~100k small objects triggers many useless full collections."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _safe(part: str) -> str:
    return part.translate(_UNSAFE_PATH).strip() or "_"


def _sort_title(title: str) -> str:
    for article in ("The ", "A ", "An "):
        if title.startswith(article) and len(title) > len(article):
            return title[len(article) :]
    return title


def build_library(
    rows: Iterable[SongRow],
    *,
    repeat: int = 1,
    track_genres: bool = False,
    seed: int = 0,
    now: int = DEFAULT_NOW,
    clock: Clock | None = None,
    sonic: bool = True,
) -> MusicLibrary:
    """Build the library from rows grouped into albums (whole album data kept together).

    ``sonic``: serve it as a library that ran sonic analysis (tracks with audio features).
    """
    grouped: dict[str, list[SongRow]] = {}
    for song in rows:
        grouped.setdefault(song.album_id, []).append(song)
    plans = [_plan(songs, track_genres) for songs in grouped.values()]
    builder = _Builder(MusicLibrary(clock=clock, sonic_analysis=sonic), random.Random(seed), now)
    for copy in range(max(1, repeat)):
        builder.add_copy(plans, "" if copy == 0 else f" ({copy + 1})")
    return with_skips(builder.finish(), seed)


@dataclass(slots=True)
class _AlbumPlan:
    """Everything about an album that does not depend on the copy or the random draws."""

    songs: list[SongRow]
    year: int | None
    genres: list[str]
    styles: list[str]
    moods: list[str]
    track_tags: list[tuple[list[str], list[str]]]
    file_names: list[str]
    vectors: list[tuple[float, ...] | None]


@lru_cache(maxsize=4096)
def _tags(genre: str, subgenre: str) -> tuple[str, str | None]:
    return genre_and_style(genre, subgenre or None)


def _plan(songs: list[SongRow], track_genres: bool) -> _AlbumPlan:
    pairs = [_tags(s.genre, s.subgenre) for s in songs if s.genre]
    if len(pairs) == 1:
        genres, styles = [pairs[0][0]], [pairs[0][1]] if pairs[0][1] else []
    else:
        genres = _ordered_union([g] for g, _ in pairs)
        styles = _ordered_union([st] for _, st in pairs if st)
    features = songs[0].features if len(songs) == 1 else mean_features([s.features for s in songs])
    track_tags: list[tuple[list[str], list[str]]] = []
    if track_genres:
        track_tags = [
            (
                [_tags(s.genre, s.subgenre)[0]] if s.genre else [],
                moods_for(s.features) if s.features else [],
            )
            for s in songs
        ]
    return _AlbumPlan(
        songs=songs,
        year=_year(songs[0].release_date),
        genres=genres,
        styles=styles,
        moods=moods_for(features) if features else [],
        track_tags=track_tags,
        file_names=[f"{i:02d} - {_safe(s.title)}.flac" for i, s in enumerate(songs, start=1)],
        vectors=[sonic_vector(s.features) for s in songs],
    )


class _Builder:
    def __init__(self, lib: MusicLibrary, rng: random.Random, now: int) -> None:
        self.lib, self.rng, self.now = lib, rng, now
        self.key = 0

    def _key(self) -> int:
        self.key += 1
        return self.key

    def finish(self) -> MusicLibrary:
        self.lib.set_next_key(self.key + 1)
        return self.lib

    def add_copy(self, plans: Sequence[_AlbumPlan], suffix: str) -> None:
        artists: dict[str, EmuArtist] = {}
        albums_of: dict[int, list[EmuAlbum]] = {}
        for plan in plans:
            name = plan.songs[0].artists[0] + suffix
            artist = artists.get(name)
            if artist is None:
                artist = EmuArtist(self._key(), name, sort_title=_sort_title(name))
                artist.added_at = self.now
                artists[name] = artist
                self.lib.artists[artist.rating_key] = artist
            album = self._album(plan, artist, suffix)
            albums_of.setdefault(artist.rating_key, []).append(album)
        for artist in artists.values():
            _finish_artist(artist, albums_of.get(artist.rating_key, []))

    def _album(self, plan: _AlbumPlan, artist: EmuArtist, suffix: str) -> EmuAlbum:
        rnd, now = self.rng.random, self.now
        added = now - 3600 - int(rnd() * _YEARS)
        updated = added + len(plan.songs)
        if rnd() < 0.25:
            updated += int(rnd() * (now - updated))
        album = EmuAlbum(
            self._key(),
            plan.songs[0].album + suffix,
            artist.rating_key,
            plan.year,
            list(plan.genres),
            list(plan.moods),
            list(plan.styles),
            added,
            updated,
        )
        self.lib.albums[album.rating_key] = album
        artist.added_at = min(artist.added_at, added)
        folder = f"/music/{_safe(artist.title)}/{_safe(album.title)}/"
        for index, song in enumerate(plan.songs, start=1):
            t_added = added + index
            track = EmuTrack(
                self._key(),
                song.title + suffix,
                album.rating_key,
                artist.rating_key,
                index,
                1,
                song.duration_ms,
                plan.year,
            )
            track.file = folder + plan.file_names[index - 1]
            track.sonic = plan.vectors[index - 1]
            track.added_at = track.updated_at = t_added
            if rnd() < 0.2:
                track.user_rating = _RATINGS[int(rnd() * len(_RATINGS))]
                track.last_rated_at = t_added + int(rnd() * (now - t_added))
            if rnd() < 0.3:
                track.view_count = 1 + int(rnd() * 60)
                track.last_viewed_at = t_added + int(rnd() * (now - t_added))
            if rnd() < 0.15:
                track.updated_at = t_added + int(rnd() * (now - t_added))
            if len(song.artists) > 1 or song.artists[0] + suffix != artist.title:
                track.original_title = ", ".join(a + suffix for a in song.artists)
            if plan.track_tags:
                genres, moods = plan.track_tags[index - 1]
                track.genres, track.moods = list(genres), list(moods)
            self.lib.tracks[track.rating_key] = track
        return album


def _finish_artist(artist: EmuArtist, albums: Sequence[EmuAlbum]) -> None:
    artist.genres = _ordered_union(a.genres for a in albums)
    artist.styles = _ordered_union(a.styles for a in albums)
    artist.moods = _ordered_union(a.moods for a in albums)[:6]
    artist.updated_at = max([artist.added_at, *(a.updated_at for a in albums)])


def load_library(
    paths: str | Path | Sequence[str | Path],
    *,
    limit: int | None = None,
    repeat: int = 1,
    track_genres: bool = False,
    seed: int = 0,
    now: int = DEFAULT_NOW,
    clock: Clock | None = None,
    sonic: bool = True,
) -> MusicLibrary:
    """Load one or more CSVs; ``limit`` caps the rows read, ``repeat`` copies the whole data.

    ``sonic=False`` serves a library without sonic analysis (no ``musicAnalysisVersion``).
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]

    def rows() -> Iterator[SongRow]:
        count = 0
        for path in paths:
            for song in read_rows(path):
                if limit is not None and count >= limit:
                    return
                count += 1
                yield song

    with _gc_paused():
        return build_library(
            rows(), repeat=repeat, track_genres=track_genres, seed=seed, now=now, clock=clock, sonic=sonic
        )


def demo_library(
    *, track_genres: bool = True, seed: int = 0, clock: Clock | None = None, sonic: bool = True
) -> MusicLibrary:
    """The bundled ~2,000-track demo library (real tracks from the two public data sets)."""
    return load_library(DEMO_PATH, track_genres=track_genres, seed=seed, clock=clock, sonic=sonic)
