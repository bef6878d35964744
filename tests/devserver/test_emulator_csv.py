"""Building emulator libraries from the real track CSVs, and the bundled demo library."""

from __future__ import annotations

import csv
import gzip
from collections import Counter
from pathlib import Path

import pytest

from plexmix.devserver.csv_loader import DEMO_PATH, demo_library, load_library, read_rows
from plexmix.devserver.tags import genre_and_style, moods_for

TIDY = "tidytuesday_spotify_songs.csv.gz"
SAMPLE = "spotify_114_genres_sample.csv"


def raw_rows(path: Path) -> list[dict[str, str]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_114_sample_counts_match_the_csv(shared_data_dir: Path) -> None:
    rows = raw_rows(shared_data_dir / SAMPLE)
    lib = load_library(shared_data_dir / SAMPLE)
    assert len(lib.tracks) == len(rows)
    first_artists = {r["artists"].split(";")[0].strip() for r in rows}
    assert {a.title for a in lib.artists.values()} == first_artists
    pairs = {(r["artists"].split(";")[0].strip(), r["album_name"].strip()) for r in rows}
    assert len(lib.albums) == len(pairs)
    assert all(a.year is None for a in lib.albums.values())  # this data set has no year
    # Featured artists survive as the track's originalTitle.
    multi = [r for r in rows if ";" in r["artists"]]
    with_original = [t for t in lib.tracks.values() if t.original_title]
    assert len(with_original) == len(multi)


@pytest.mark.needs_shared_data
def test_tidy_prefix_matches_the_csv(shared_data_dir: Path) -> None:
    rows = [
        r
        for r in raw_rows(shared_data_dir / TIDY)
        if r["track_name"] and r["track_artist"] and r["track_album_name"]
    ]
    head = rows[:3000]
    lib = load_library(shared_data_dir / TIDY, limit=3000)
    assert len(lib.tracks) == 3000
    assert len(lib.albums) == len({r["track_album_id"] for r in head})
    titles = Counter(t.title for t in lib.tracks.values())
    assert titles == Counter(r["track_name"].strip() for r in head)
    # Album Genre = CSV genre, Style = subgenre, as a real server shows them.
    by_album: dict[str, set[tuple[str, str | None]]] = {}
    for r in head:
        by_album.setdefault(r["track_album_name"].strip(), set()).add(
            genre_and_style(r["playlist_genre"], r["playlist_subgenre"])
        )
    for album in lib.albums.values():
        expected = by_album[album.title]
        assert set(album.genres) <= {g for g, _ in expected}
        assert album.genres
        assert set(album.styles) <= {s for _, s in expected}
    years = {a.year for a in lib.albums.values()}
    assert None not in years and min(y for y in years if y) > 1900


def test_a_limit_reads_a_prefix_of_the_csv(shared_data_dir: Path) -> None:
    """Like test_tidy_prefix_matches_the_csv, sized from whatever data is present (bundled or full)."""
    rows = [
        r
        for r in raw_rows(shared_data_dir / TIDY)
        if r["track_name"] and r["track_artist"] and r["track_album_name"]
    ]
    size = min(3000, len(rows) // 2)  # a true prefix: the limit stops the reading early
    head = rows[:size]
    lib = load_library(shared_data_dir / TIDY, limit=size)
    assert len(lib.tracks) == size
    assert len(lib.albums) == len({r["track_album_id"] for r in head})
    assert Counter(t.title for t in lib.tracks.values()) == Counter(r["track_name"].strip() for r in head)
    by_album: dict[str, set[tuple[str, str | None]]] = {}
    for r in head:
        by_album.setdefault(r["track_album_name"].strip(), set()).add(
            genre_and_style(r["playlist_genre"], r["playlist_subgenre"])
        )
    for album in lib.albums.values():
        expected = by_album[album.title]
        assert album.genres and set(album.genres) <= {g for g, _ in expected}
        assert set(album.styles) <= {s for _, s in expected}
    years = {a.year for a in lib.albums.values()}
    assert None not in years and min(y for y in years if y) > 1900
    assert not {t.title for t in lib.tracks.values()} >= {r["track_name"].strip() for r in rows[size:]}


def test_tags_ratings_and_dates_look_like_a_real_server(shared_data_dir: Path) -> None:
    lib = load_library(shared_data_dir / TIDY, limit=2000, seed=3)
    tracks = list(lib.tracks.values())
    ratings = [t.user_rating for t in tracks if t.user_rating is not None]
    assert 0.1 < len(ratings) / len(tracks) < 0.3
    assert all(0 <= r <= 10 for r in ratings)
    assert any(r > 5 for r in ratings)  # 0-10 scale, not stars
    played = [t for t in tracks if t.view_count]
    assert 0.2 < len(played) / len(tracks) < 0.4
    assert all(t.last_viewed_at and t.last_viewed_at >= t.added_at for t in played)
    assert all(t.updated_at >= t.added_at for t in tracks)
    assert len({t.added_at for t in tracks}) > len(tracks) // 2
    assert not any(t.genres for t in tracks)  # track genres only with track_genres=True
    assert sum(1 for a in lib.albums.values() if a.moods) > len(lib.albums) // 2
    for artist in lib.artists.values():
        albums = [a for a in lib.albums.values() if a.artist_key == artist.rating_key]
        assert set(artist.genres) == {g for a in albums for g in a.genres}
    assert all(t.file.startswith("/music/") and t.file.endswith(".flac") for t in tracks)


def test_same_seed_same_library_and_repeat_copies(shared_data_dir: Path) -> None:
    a = load_library(shared_data_dir / SAMPLE, limit=300, seed=7)
    b = load_library(shared_data_dir / SAMPLE, limit=300, seed=7)
    assert list(a.tracks.values()) == list(b.tracks.values())
    c = load_library(shared_data_dir / SAMPLE, limit=300, seed=7, repeat=3, track_genres=True)
    assert len(c.tracks) == 900
    assert len(c.albums) == 3 * len(a.albums)
    titles = {t.title for t in c.tracks.values()}
    first = next(iter(a.tracks.values())).title
    assert {first, f"{first} (2)", f"{first} (3)"} <= titles
    assert len(set(c.tracks)) == 900
    assert any(t.genres for t in c.tracks.values())


def test_moods_follow_audio_features() -> None:
    sad = moods_for({"valence": 0.1, "energy": 0.2, "acousticness": 0.9, "danceability": 0.3})
    assert {"Melancholy", "Sad", "Mellow", "Calm/Peaceful"} <= set(sad)
    party = moods_for({"valence": 0.9, "energy": 0.9, "danceability": 0.85, "acousticness": 0.05})
    assert {"Energetic", "Party/Celebratory", "Cheerful"} <= set(party)
    assert "Melancholy" not in party


def test_demo_library_is_bundled_and_varied() -> None:
    assert DEMO_PATH.is_file()
    rows = list(read_rows(DEMO_PATH))
    lib = demo_library()
    assert len(lib.tracks) == len(rows)
    assert 1800 <= len(lib.tracks) <= 2300
    genres = Counter(g for a in lib.albums.values() for g in a.genres)
    assert len(genres) >= 10
    assert {"Classical", "Jazz", "Rock", "Rap"} <= set(genres)
    moods = Counter(m for a in lib.albums.values() for m in a.moods)
    assert {"Melancholy", "Mellow", "Calm/Peaceful", "Energetic", "Atmospheric"} <= set(moods)
    assert all(t.genres for t in lib.tracks.values())  # demo shows a >= 1.40 server
    attribution = DEMO_PATH.parent / "ATTRIBUTION.md"
    assert "josedmyt/532_individual_assignment" in attribution.read_text(encoding="utf-8")
