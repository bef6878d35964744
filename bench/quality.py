"""Playlist quality benchmark: what people type, graded against the data's ground truth (issue 11).

Builds a library of 3,703 real tracks from ../shared/data (every 12th TidyTuesday row, every 5th
row of the 114-genre sample, and the whole discographies of a few artists so that artist + era and
seed-song queries have material), serves it from the Plex emulator (in a thread), syncs it with
the library API into a temporary ``PLEXMIX_HOME`` and embeds it with the real local ONNX model
(vectors are remembered in a content-addressed cache under the temp dir, keyed by the model,
tokenizer and embedding code, so a warm run takes seconds). Then it asks for one 20-track playlist
per query through ``PlexMix.create_playlist(..., provider="none", write_to_plex=False)``: offline,
no LLM. Each playlist is graded against the CSV columns (genre/subgenre, release year, duration,
artist, valence/energy/acousticness) and the mirrored ratings, by rules per query kind written
below (``grade``), never by expected outcomes.

Grading (per query): a query has hard constraints (``hard``: exclusions, artists, years,
durations, ratings) and optionally a mood/genre criterion (``fit``).
  PASS    = every track meets the hard constraints, >= 80% meet the criterion, the playlist is as
            long as the library allows (20, or every eligible track), and the kind's own checks
            hold (each named artist present; a seed song at most once, its artist at most 3 times;
            a phrase that must not become a filter did not; "most played" puts the most played
            quarter first).
  PARTIAL = >= 50% meet the hard constraints and >= 50% the criterion.
  FAIL    = otherwise (or no tracks).
Also prints the mood measures of issue 11: share of low-valence (< 0.4) tracks for melancholy
requests, mean energy lift of workout requests over the library mean, and genre-intent
precision@20.
Run: ``.venv/bin/python bench/quality.py [--verbose]``.
"""

from __future__ import annotations

import argparse
import itertools
import os
import re
import statistics
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from plexmix.devserver.csv_loader import SongRow, build_library, read_rows
from plexmix.devserver.server import PlexEmulator

if TYPE_CHECKING:
    from plexmix import PlexMix
    from plexmix.playlist.generator import PlaylistTrack

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
TIDY = SHARED / "tidytuesday_spotify_songs.csv.gz"
SAMPLE = SHARED / "spotify_114_genres_sample.csv"
WHOLE = ("Queen", "Guns N' Roses", "The Rolling Stones", "Scorpions", "Drake", "Eminem", "2Pac",
         "Martin Garrix", "Daddy Yankee", "Coldplay", "The Cranberries", "Lynyrd Skynyrd",
         "The Weeknd", "Avicii", "Depeche Mode", "Janet Jackson")
LIMIT, CAP, ALBUM_CAP = 20, 3, 2  # playlist length; PlexMix's default per-artist cap (playlist.max_per_artist)
LOW_VALENCE, HIGH_ENERGY, LOW_ENERGY = 0.4, 0.7, 0.4


# ------------------------------------------------------------------------------ ground truth
def fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()


@dataclass(frozen=True)
class Song:
    """One library track as the CSVs describe it (plus the rating the library gave it)."""

    artist: str
    title: str
    genre: str  # lower case, '-' as ' '; the 114-sample genre or TidyTuesday genre
    subgenre: str
    year: int | None
    duration_ms: int
    valence: float
    energy: float
    acousticness: float
    rating: float | None = None
    plays: int = 0  # the library's play count (the emulator's, as a real server's)
    album: str = ""

    def genre_words(self) -> str:
        return f" {self.genre} {self.subgenre} ".replace("-", " ").replace("&", "n").casefold()

    def is_genre(self, *names: str) -> bool:
        words = self.genre_words()
        return any(f" {n.replace('&', 'n')} " in words for n in names)


def library_rows() -> list[SongRow]:
    tidy = list(read_rows(TIDY))
    picked = itertools.chain(tidy[::12], (r for r in tidy if r.artists[0] in WHOLE),
                             itertools.islice(read_rows(SAMPLE), 0, None, 5))
    seen: set[tuple[str, str]] = set()
    out = []
    for row in picked:
        if (row.album_id, row.title) not in seen:
            seen.add((row.album_id, row.title))
            out.append(row)
    return out


def truth_by_key(rows: list[SongRow]) -> dict[tuple[str, str, str], Song]:
    """(album artist, album, title) -> Song, the album artist being the one the emulator uses."""
    first: dict[str, SongRow] = {}  # the emulator names an album, its artist and year after its first row
    for row in rows:
        first.setdefault(row.album_id, row)
    out: dict[tuple[str, str, str], Song] = {}
    for row in rows:
        head = first[row.album_id]
        year = int(head.release_date[:4]) if head.release_date[:4].isdigit() else None
        f = row.features
        song = Song(head.artists[0], row.title, row.genre.lower().replace("-", " "),
                    row.subgenre.lower(), year, row.duration_ms, f.get("valence", 0.5),
                    f.get("energy", 0.5), f.get("acousticness", 0.5), album=head.album)
        out.setdefault((fold(song.artist), fold(head.album), fold(row.title)), song)
    return out


# ------------------------------------------------------------------------------- embeddings
# ---------------------------------------------------------------------------------- queries
Check = Callable[[Song], bool]


@dataclass
class Query:
    text: str
    kind: str
    hard: Check | None = None  # every track must satisfy it
    fit: Check | None = None  # >= 80% should
    artists: tuple[str, ...] = ()  # each must appear (several-artists queries)
    seed: tuple[str, str] | None = None  # (title prefix, artist): at most once, artist <= CAP
    no_filter: bool = False  # the text must not become a filter
    most_played: bool = False  # the first 5 tracks among the most played quarter of the eligible


def by(*names: str) -> Check:
    wanted = {fold(n) for n in names}
    return lambda s: fold(s.artist) in wanted


def not_by(name: str) -> Check:
    return lambda s: fold(s.artist) != fold(name)


def genre(*names: str) -> Check:
    return lambda s: s.is_genre(*names)


def years(lo: int | None, hi: int | None) -> Check:
    return lambda s: s.year is not None and (lo is None or s.year >= lo) and (hi is None or s.year <= hi)


def both(*checks: Check) -> Check:
    return lambda s: all(c(s) for c in checks)


def shorter(ms: int) -> Check:
    return lambda s: 0 < s.duration_ms < ms


def longer(ms: int) -> Check:
    return lambda s: s.duration_ms > ms


def sad(s: Song) -> bool:
    return s.valence < LOW_VALENCE


def energetic(s: Song) -> bool:
    return s.energy > HIGH_ENERGY


def sleepy(s: Song) -> bool:
    return s.energy < LOW_ENERGY


def highly_rated(s: Song) -> bool:
    return s.rating is not None and s.rating >= 8.0


QUERIES = [
    # genre + exclusion
    Query("rock but no Queen", "exclusion", hard=not_by("Queen"), fit=genre("rock")),
    Query("rap without Drake", "exclusion", hard=not_by("Drake"), fit=genre("rap", "hip hop")),
    Query("edm except Martin Garrix", "exclusion", hard=not_by("Martin Garrix"), fit=genre("edm")),
    Query("latin, nothing by Daddy Yankee", "exclusion", hard=not_by("Daddy Yankee"), fit=genre("latin")),
    Query("r&b without The Weeknd", "exclusion", hard=not_by("The Weeknd"), fit=genre("r&b", "r n b")),
    Query("pop anything but Avicii", "exclusion", hard=not_by("Avicii"), fit=genre("pop")),
    # several artists
    Query("Queen and Guns N' Roses", "artists", hard=by("Queen", "Guns N' Roses"),
          artists=("Queen", "Guns N' Roses")),
    Query("Drake, Eminem and 2Pac", "artists", hard=by("Drake", "Eminem", "2Pac"),
          artists=("Drake", "Eminem", "2Pac")),
    Query("Coldplay or The Cranberries", "artists", hard=by("Coldplay", "The Cranberries"),
          artists=("Coldplay", "The Cranberries")),
    Query("Scorpions + Lynyrd Skynyrd", "artists", hard=by("Scorpions", "Lynyrd Skynyrd"),
          artists=("Scorpions", "Lynyrd Skynyrd")),
    Query("The Rolling Stones and Depeche Mode", "artists", hard=by("The Rolling Stones", "Depeche Mode"),
          artists=("The Rolling Stones", "Depeche Mode")),
    # artist + era
    Query("Queen songs from the 70s", "artist+era", hard=both(by("Queen"), years(1970, 1979)), artists=("Queen",)),
    Query("The Rolling Stones in the 60s", "artist+era", hard=both(by("The Rolling Stones"), years(1960, 1969)), artists=("The Rolling Stones",)),
    Query("Guns N' Roses from the 80s", "artist+era", hard=both(by("Guns N' Roses"), years(1980, 1989)), artists=("Guns N' Roses",)),
    Query("Eminem songs from the 2000s", "artist+era", hard=both(by("Eminem"), years(2000, 2009)), artists=("Eminem",)),
    Query("Janet Jackson in the 80s", "artist+era", hard=both(by("Janet Jackson"), years(1980, 1989)), artists=("Janet Jackson",)),
    # since / before / nothing before
    Query("rock, nothing before 1990", "era", hard=years(1990, None), fit=genre("rock")),
    Query("rap nothing before 2015", "era", hard=years(2015, None), fit=genre("rap", "hip hop")),
    Query("latin party, nothing after 2010", "era", hard=years(None, 2010), fit=genre("latin")),
    Query("pop hits since 2018", "era", hard=years(2018, None), fit=genre("pop")),
    Query("r&b before 2000", "era", hard=years(None, 1999), fit=genre("r&b", "r n b")),
    # decades and ranges
    Query("90s rock", "decade", hard=years(1990, 1999), fit=genre("rock")),
    Query("80s pop", "decade", hard=years(1980, 1989), fit=genre("pop")),
    Query("rap from 2000 to 2009", "decade", hard=years(2000, 2009), fit=genre("rap", "hip hop")),
    Query("songs from 1975-1985", "decade", hard=years(1975, 1985)),
    Query("2010s edm", "decade", hard=years(2010, 2019), fit=genre("edm")),
    Query("late 70s rock", "decade", hard=years(1976, 1979), fit=genre("rock")),
    Query("early 2000s rap", "decade", hard=years(2000, 2003), fit=genre("rap", "hip hop")),
    # duration
    Query("pop songs under 3 minutes", "duration", hard=shorter(180_000), fit=genre("pop")),
    Query("rock longer than 6 minutes", "duration", hard=longer(360_000), fit=genre("rock")),
    Query("edm tracks less than 4 minutes", "duration", hard=shorter(240_000), fit=genre("edm")),
    Query("chill songs over 5 minutes", "duration", hard=longer(300_000), fit=lambda s: s.energy < 0.6),
    Query("short rap songs", "duration", hard=shorter(180_000), fit=genre("rap", "hip hop")),
    # seed songs and artists
    Query("songs like Bohemian Rhapsody by Queen", "seed", fit=genre("rock"), seed=("bohemian rhapsody", "Queen")),
    Query("songs like God's Plan by Drake", "seed", fit=genre("rap", "hip hop", "r&b", "r n b"),
          seed=("god's plan", "Drake")),
    Query("songs like Sweet Child O' Mine by Guns N' Roses", "seed", fit=genre("rock"),
          seed=("sweet child o' mine", "Guns N' Roses")),
    Query("more like Martin Garrix", "seed", fit=genre("edm"), seed=("", "Martin Garrix")),
    Query("sounds like Daddy Yankee", "seed", fit=genre("latin", "reggaeton"), seed=("", "Daddy Yankee")),
    # moods
    Query("melancholy", "mood:sad", fit=sad),
    Query("sad songs for a rainy day", "mood:sad", fit=sad),
    Query("something melancholy and slow", "mood:sad", fit=sad),
    Query("for a workout", "mood:energy", fit=energetic),
    Query("high energy workout mix", "mood:energy", fit=energetic),
    Query("music to fall asleep to", "mood:sleep", fit=sleepy),
    Query("calm relaxing evening", "mood:sleep", fit=sleepy),
    # rating and listening history
    Query("highly rated rock", "rating", hard=highly_rated, fit=genre("rock")),
    Query("my highly rated songs", "rating", hard=highly_rated),
    Query("never played rock", "history", hard=lambda s: s.plays == 0, fit=genre("rock")),
    Query("pop I haven't heard yet", "history", hard=lambda s: s.plays == 0, fit=genre("pop")),
    Query("most played rap", "history", hard=lambda s: s.plays >= 1, fit=genre("rap", "hip hop"),
          most_played=True),
    Query("my most played songs", "history", hard=lambda s: s.plays >= 1, most_played=True),
    # genre intent (precision@20)
    Query("jazz", "genre", fit=genre("jazz")),
    Query("heavy metal", "genre", fit=genre("metal", "heavy metal")),
    Query("classical piano", "genre", fit=genre("classical", "piano")),
    Query("hip hop", "genre", fit=genre("rap", "hip hop")),
    Query("reggaeton", "genre", fit=genre("reggaeton")),
    Query("acoustic folk", "genre", fit=genre("acoustic", "folk")),
    # must not become filters
    Query("songs about love", "no-filter", no_filter=True),
    Query("focus while studying", "no-filter", no_filter=True),
    Query("dancing queen vibes", "no-filter", no_filter=True),
]


# ---------------------------------------------------------------------------------- grading
@dataclass
class Graded:
    query: Query
    grade: str
    reason: str
    songs: list[Song] = field(default_factory=list)
    fit_share: float | None = None


def share(songs: list[Song], check: Check | None) -> float:
    return 1.0 if check is None or not songs else sum(map(check, songs)) / len(songs)


def song_key(song: Song) -> tuple[str, str]:
    """Artist and song: versions of one song ("Angie - Remastered", "Angie (Live)") count once."""
    title = re.sub(r"^\s*[(\[][^)\]]*[)\]]\s*", "", fold(song.title)) or fold(song.title)
    return fold(song.artist), re.split(r"\s+-\s+|\s*[(\[]", title, maxsplit=1)[0].strip() or title


def fillable(songs: list[Song], *, capped: bool) -> int:
    """How many tracks one playlist can hold: one version of each song and, unless the query
    names its artists, at most CAP songs per artist and ALBUM_CAP per album."""
    distinct = {song_key(s): s for s in songs}
    if not capped:
        return len(distinct)
    albums = Counter((fold(s.artist), fold(s.album)) for s in distinct.values())
    per_artist: Counter[str] = Counter()
    for (artist, _), n in albums.items():
        per_artist[artist] += min(ALBUM_CAP, n)
    return sum(min(CAP, n) for n in per_artist.values())


def grade(query: Query, songs: list[Song], library: list[Song], filters: object) -> Graded:
    """The rules of the module docstring, applied to one playlist."""
    if not songs:
        return Graded(query, "FAIL", "no tracks")
    hard, fit = share(songs, query.hard), share(songs, query.fit)
    matching = [s for s in library if (query.hard is None or query.hard(s)) and (query.fit is None or query.fit(s))]
    eligible = fillable(matching, capped=not query.artists)
    wanted = min(LIMIT, eligible)  # a library with 5 jazz songs cannot give 20
    problems: list[str] = []
    if hard < 1.0:
        problems.append(f"{len(songs) - round(hard * len(songs))}/{len(songs)} break the constraint")
    if query.fit is not None and fit < 0.8:
        problems.append(f"criterion {fit:.0%}")
    if len(songs) < wanted:
        problems.append(f"{len(songs)} of {wanted} possible tracks")
    artists = Counter(fold(s.artist) for s in songs)
    missing = [a for a in query.artists if not artists[fold(a)]]
    if missing:
        problems.append("missing " + ", ".join(missing))
    if query.seed is not None:
        title, artist = query.seed
        if title:
            copies = sum(fold(s.title).startswith(title) and fold(s.artist) == fold(artist) for s in songs)
            if copies > 1:
                problems.append(f"seed {copies}x")
        if artists[fold(artist)] > CAP:
            problems.append(f"{artists[fold(artist)]} by {artist}")
    if query.most_played and matching:
        plays = sorted(s.plays for s in matching)
        top_quarter = plays[(3 * len(plays)) // 4]
        if any(s.plays < top_quarter for s in songs[:5]):
            problems.append(f"first tracks not among the most played (>= {top_quarter} plays)")
    if query.no_filter:
        if getattr(filters, "artists", None) or getattr(filters, "genres", None):
            problems.append("became a filter")
        if len(artists) < 5:
            problems.append(f"only {len(artists)} artists")
    note = f"{len(songs)} tracks, constraint {hard:.0%}" + (f", criterion {fit:.0%}" if query.fit else "")
    if not problems:
        return Graded(query, "PASS", note, songs, fit)
    verdict = "PARTIAL" if hard >= 0.5 and fit >= 0.5 else "FAIL"
    return Graded(query, verdict, "; ".join(problems), songs, fit)


# --------------------------------------------------------------------------------- the run
@dataclass
class Library:
    pm: PlexMix
    songs: list[Song]
    truth: dict[tuple[str, str, str], Song]


def build(tmp: Path, emu: PlexEmulator, truth: dict[tuple[str, str, str], Song]) -> Library:
    from synced import sync_and_embed

    from plexmix import PlexMix

    os.environ.update({"PLEXMIX_HOME": str(tmp), "PLEX_URL": emu.url, "PLEX_TOKEN": emu.token,
                       "PLEX_LIBRARY": "Music", "HF_HUB_OFFLINE": "1"})
    pm = PlexMix.open(settings={"embeddings.provider": "local"})
    sync_and_embed(pm)
    db = pm.context.open_db()
    try:
        rows = db.conn.execute(
            "SELECT a.name, al.title, t.title, t.rating, t.play_count FROM tracks t"
            " LEFT JOIN artists a ON a.id = t.artist_id"
            " LEFT JOIN albums al ON al.id = t.album_id"
        ).fetchall()
    finally:
        db.close()
    songs = []
    for artist, album, title, rating, plays in rows:
        song = truth.get((fold(artist or ""), fold(album or ""), fold(title)))
        if song is not None:
            songs.append(Song(**{**song.__dict__, "rating": rating, "plays": plays}))
    return Library(pm, songs, truth)


def songs_of(lib: Library, tracks: list[PlaylistTrack]) -> Iterator[Song]:
    for item in tracks:
        track = item.track
        key = (fold(track.artist_name or ""), fold(track.album_title or ""), fold(track.title))
        base = lib.truth.get(key)
        if base is not None:
            yield Song(**{**base.__dict__, "rating": track.rating, "plays": track.play_count})


def run(lib: Library, verbose: bool, only: str | None = None) -> list[Graded]:
    out = []
    for query in QUERIES:
        if only and only.lower() not in query.text.lower():
            continue
        result = lib.pm.create_playlist(query.text, limit=LIMIT, write_to_plex=False, provider="none")
        playlist = result.playlist
        graded = grade(query, list(songs_of(lib, playlist.tracks)), lib.songs, playlist.filters)
        out.append(graded)
        if verbose:
            print(f"  {query.text!r}: understood as {playlist.understood_line!r}; "
                  + ", ".join(f"{s.artist}/{s.title[:20]} [{s.genre}/{s.subgenre}]" for s in graded.songs[: 20 if only else 8]))
    return out


def report(results: list[Graded], library: list[Song]) -> None:
    width = max(len(r.query.text) for r in results) + 2
    print(f"| # | kind | query{' ' * (width - 7)} | grade | reason |")
    print(f"|---|---|{'-' * (width - 1)}|---|---|")
    for n, r in enumerate(results, start=1):
        print(f"| {n} | {r.query.kind} | {r.query.text:<{width - 2}} | {r.grade} | {r.reason} |")
    totals = Counter(r.grade for r in results)
    print(f"\ntotals: {totals['PASS']} PASS, {totals['PARTIAL']} PARTIAL, {totals['FAIL']} FAIL "
          f"of {len(results)} queries")
    by_kind: dict[str, Counter[str]] = {}
    for r in results:
        by_kind.setdefault(r.query.kind, Counter())[r.grade] += 1
    print("by kind: " + "; ".join(f"{k} {c['PASS']}/{sum(c.values())}" for k, c in by_kind.items()))

    def picked(kind: str) -> list[Song]:
        return [s for r in results if r.query.kind == kind for s in r.songs]

    sad_songs, workout = picked("mood:sad"), picked("mood:energy")
    library_energy = statistics.fmean(s.energy for s in library)
    print(f"melancholy requests: {share(sad_songs, sad):.0%} low-valence (< {LOW_VALENCE}) tracks "
          f"(library {share(library, sad):.0%}; goal >= 80%); "
          f"{share(sad_songs, lambda s: s.valence < 0.3):.0%} below 0.3 (library {share(library, lambda s: s.valence < 0.3):.0%})")
    if workout:
        lift = statistics.fmean(s.energy for s in workout) - library_energy
        print(f"workout requests: mean energy {library_energy + lift:.2f}, lift {lift:+.2f} over the "
              f"library mean {library_energy:.2f} (goal >= +0.15)")
    genre_results = [r for r in results if r.query.kind == "genre" and r.fit_share is not None]
    if genre_results:
        precision = statistics.fmean(r.fit_share or 0.0 for r in genre_results)
        print(f"genre-intent precision@20: {precision:.2f} (mean share of a genre query's tracks in that "
              f"genre or subgenre, over {len(genre_results)} genre queries; goal >= 0.9)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--verbose", action="store_true", help="print what each query was understood as")
    parser.add_argument("--only", metavar="TEXT", help="run only the queries that contain TEXT")
    args = parser.parse_args()
    if not TIDY.is_file() or not SAMPLE.is_file():
        print(f"missing data in {SHARED}", file=sys.stderr)
        return 1
    started = time.perf_counter()
    rows = library_rows()
    truth = truth_by_key(rows)
    with tempfile.TemporaryDirectory(prefix="plexmix-quality-") as name, \
            PlexEmulator(build_library(rows, track_genres=True), token="quality-token") as emu:
        print(f"library: {len(emu.library.tracks):,} tracks, {len(emu.library.artists):,} artists "
              f"from {TIDY.name} and {SAMPLE.name}")
        lib = build(Path(name), emu, truth)
        t = time.perf_counter()
        results = run(lib, args.verbose, args.only)
        print(f"{len(results)} playlists in {time.perf_counter() - t:.0f}s (provider none, offline)\n")
        report(results, lib.songs)
    print(f"total {time.perf_counter() - started:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
