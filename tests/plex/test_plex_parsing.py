"""Parsing Plex XML elements into the adapter's records: numbers a server may send malformed."""

from __future__ import annotations

from xml.etree.ElementTree import fromstring

import pytest

from plexmix.plex.parsing import parse_album, parse_artist, parse_track


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("7", 7), ("7.9", 7), ("", None), ("seven", None), ("nan", None), ("inf", None), ("-inf", None)],
)
def test_integer_attributes_that_are_not_finite_numbers_are_read_as_missing(
    raw: str, expected: int | None
) -> None:
    el = fromstring(f'<Track ratingKey="1" title="Song" index="{raw}" duration="{raw}" viewCount="{raw}"/>')
    track = parse_track(el)
    assert (track.track_number, track.duration_ms) == (expected, expected)
    assert track.view_count == (expected or 0)


def test_listed_items_share_key_title_tags_and_timestamps() -> None:
    tags = '<Genre tag="Jazz"/><Mood tag="Mellow"/><Style tag="Cool Jazz"/>'
    common = 'ratingKey="5" title="T" addedAt="100" updatedAt="200"'
    artist = parse_artist(
        fromstring(f'<Directory {common} titleSort="Sort" summary="Bio">{tags}</Directory>')
    )
    album = parse_album(fromstring(f'<Directory {common} parentRatingKey="4" year="1959">{tags}</Directory>'))
    track = parse_track(
        fromstring(f'<Track {common} parentRatingKey="6" grandparentRatingKey="4">{tags}</Track>')
    )
    for item in (artist, album, track):
        assert (item.rating_key, item.title, item.added_at, item.updated_at) == ("5", "T", 100, 200)
        assert (item.genres, item.moods) == (["Jazz"], ["Mellow"])
    assert (artist.sort_title, artist.summary, artist.styles) == ("Sort", "Bio", ["Cool Jazz"])
    assert (album.artist_key, album.year, album.styles) == ("4", 1959, ["Cool Jazz"])
    assert (track.album_key, track.artist_key) == ("6", "4")


def test_blank_tag_names_are_no_tags() -> None:
    el = fromstring(
        '<Track ratingKey="1" title="Song"><Genre tag=" "/><Genre tag=""/><Mood tag="Calm"/></Track>'
    )
    track = parse_track(el)
    assert (track.genres, track.moods) == ([], ["Calm"])
