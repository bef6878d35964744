"""Reading playlist files and the normalising and path mapping of ``playlist.matching`` (issue 18)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from plexmix.errors import UsageError
from plexmix.playlist.matching import artist_key, path_forms, title_key
from plexmix.playlist.playlist_files import read_playlist_file


@pytest.mark.parametrize("a,b", [
    ("The Beatles", "beatles"), ("Beyoncé", "BEYONCE"), ("AC/DC", "ACDC"), ("Guns N' Roses", "guns n roses"),
    ("Simon & Garfunkel", "Simon and Garfunkel"), ("Calvin Harris feat. Rihanna", "Calvin Harris"),
])
def test_artists_that_are_the_same(a: str, b: str) -> None:
    assert artist_key(a) == artist_key(b)


@pytest.mark.parametrize("a,b", [
    ("Bohemian Rhapsody - Remastered 2011", "bohemian rhapsody"), ("Yesterday (Live)", "Yesterday"),
    ("Déjà Vu", "deja vu"), ("Don't Stop Me Now", "Dont Stop Me Now"), ("Sugar feat. Francesco Yates", "Sugar"),
    ("(I Can't Get No) Satisfaction - Mono Version", "Satisfaction"),
])
def test_titles_that_are_the_same(a: str, b: str) -> None:
    assert title_key(a) == title_key(b)


def test_titles_and_artists_that_differ() -> None:
    assert title_key("Feat of Clay") == "feat of clay", "a title starting with the word keeps it"
    assert title_key("Yesterday") != title_key("Yesterdays")
    assert artist_key("The The") == "the"


def test_path_forms_map_the_longest_covering_folder() -> None:
    pairs = [("/mnt/music", "/data/music"), ("/mnt/music/Classical", "/srv/classical"), ("D:\\Music", "/music")]
    assert path_forms("/mnt/music/Queen/x.flac", pairs) == ["/mnt/music/Queen/x.flac", "/data/music/Queen/x.flac"]
    assert path_forms("/mnt/music/Classical/y.flac", pairs)[1] == "/srv/classical/y.flac"
    assert path_forms("/mnt/music2/z.flac", pairs) == ["/mnt/music2/z.flac"], "a folder, not a text prefix"
    assert path_forms("D:\\Music\\Queen\\x.flac", pairs)[1] == "/music/Queen/x.flac"
    assert path_forms("/music/a/b.mp3", [("/music", "M:\\")])[1] == "M:\\a\\b.mp3"


def test_m3u(tmp_path: Path) -> None:
    path = tmp_path / "mix.m3u"
    path.write_bytes("\n".join([
        "#EXTM3U", "#PLAYLIST:Été", "#EXTINF:215,Queen - Bohemian Rhapsody", "/mnt/music/Queen/01.flac",
        "file:///mnt/music/Abba/Gold/02%20-%20ABBA%20-%20Waterloo.mp3", "plex://library/metadata/1234",
        "#EXTINF:-1,Björk - Jóga", "C:\\Music\\Bjork\\Joga.flac",
    ]).encode("latin-1"))  # an old player's encoding
    read = read_playlist_file(path)
    assert read.format == "m3u" and read.name == "Été" and len(read.entries) == 4
    first, second, third, fourth = read.entries
    assert (first.artist, first.title, first.path, first.seconds) == ("Queen", "Bohemian Rhapsody",
                                                                      "/mnt/music/Queen/01.flac", 215)
    assert (second.artist, second.title, second.path) == ("ABBA", "Waterloo", "/mnt/music/Abba/Gold/02 - ABBA - Waterloo.mp3")
    assert (third.plex_key, third.path) == ("1234", None)
    assert (fourth.artist, fourth.title, fourth.seconds, fourth.number) == ("Björk", "Jóga", None, 4)


def test_json_exports_and_listings(tmp_path: Path) -> None:
    export = {"name": "Mix", "tracks": [{"plex_key": "7", "title": "Song", "artist": "Band", "album": "LP",
                                          "duration_ms": 181000, "file_path": "/music/Band/LP/01.flac"}]}
    path = tmp_path / "mix.json"
    path.write_text(json.dumps(export), encoding="utf-8")
    entry = read_playlist_file(path).entries[0]
    assert (entry.plex_key, entry.title, entry.artist, entry.album, entry.seconds, entry.path) == (
        "7", "Song", "Band", "LP", 181, "/music/Band/LP/01.flac")
    listing = {"playlist": {"name": "Listed"}, "tracks": [{"title": "Song", "artist": "Band"}]}
    path.write_text(json.dumps(listing), encoding="utf-8")
    assert read_playlist_file(path).name == "Listed"


def test_text_lists(tmp_path: Path) -> None:
    path = tmp_path / "list.txt"
    path.write_text("# favourites\n\nQueen - Bohemian Rhapsody\nYesterday\n/music/a/01 - Band - Song.flac\n",
                    encoding="utf-8")
    read = read_playlist_file(path)
    assert read.format == "text" and read.name is None
    assert [(e.artist, e.title, e.either_order) for e in read.entries] == [
        ("Queen", "Bohemian Rhapsody", True), (None, "Yesterday", True), ("Band", "Song", True)]
    assert read.entries[2].path == "/music/a/01 - Band - Song.flac"


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        read_playlist_file(tmp_path / "none.m3u")
    (tmp_path / "x.json").write_text('{"tracks": 3}', encoding="utf-8")
    with pytest.raises(UsageError, match="has no list of tracks"):
        read_playlist_file(tmp_path / "x.json")
    (tmp_path / "blank.txt").write_text("# nothing\n", encoding="utf-8")
    with pytest.raises(UsageError, match="lists no tracks"):
        read_playlist_file(tmp_path / "blank.txt")
