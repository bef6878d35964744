"""Plays and ratings through plexapi's filtered search, and the server's clock, as on a real server."""

from __future__ import annotations

from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from plexmix.devserver.library import ManualClock, MusicLibrary
from plexmix.devserver.server import PlexEmulator


def test_played_and_rated_since_through_plexapi(plex: Any, small_library: MusicLibrary, clock: ManualClock) -> None:
    music = plex.library.section("Music")
    since = clock.advance(3600)
    keys = sorted(small_library.tracks)
    small_library.record_play(keys[1])
    small_library.update_track(keys[2], user_rating=8.0)
    small_library.update_track(keys[3], user_rating=None, last_rated_at=None)  # never rated
    # plexapi checks each filter field against the section's <Meta>: lastRatedAt must be there.
    played = music.searchTracks(filters={"track.lastViewedAt>>": datetime.fromtimestamp(since - 1)})
    rated = music.searchTracks(filters={"track.lastRatedAt>>": datetime.fromtimestamp(since - 1)})
    assert [t.ratingKey for t in played] == [keys[1]]
    assert [t.ratingKey for t in rated] == [keys[2]]
    before = music.searchTracks(filters={"track.lastRatedAt<<": datetime.fromtimestamp(since - 1)})
    assert keys[2] not in {t.ratingKey for t in before} and keys[3] not in {t.ratingKey for t in before}
    newest = music.searchTracks(sort="lastRatedAt:desc", maxresults=1)
    assert newest[0].ratingKey == keys[2]


def test_the_date_header_is_the_servers_clock(emulator: PlexEmulator, clock: ManualClock) -> None:
    clock.advance(98765)
    response = requests.get(f"{emulator.url}/identity", timeout=5)
    assert int(parsedate_to_datetime(response.headers["Date"]).timestamp()) == clock()
