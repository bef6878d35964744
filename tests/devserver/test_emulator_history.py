"""Listening history in the emulator: ``skipCount`` on tracks and the per-play history endpoint,
read through the real plexapi client (``PlexServer.history()``, ``Track.skipCount``)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import requests

from plexmix.devserver.history import MAX_DERIVED, OWNER_ACCOUNT
from plexmix.devserver.library import ManualClock, MusicLibrary
from plexmix.devserver.server import PlexEmulator

HISTORY = "/status/sessions/history/all"


def test_skip_counts_are_derived_and_anti_correlate_with_rating_and_plays(small_library: MusicLibrary) -> None:
    tracks = list(small_library.tracks.values())
    skipped = [t for t in tracks if t.skip_count]
    assert 0.1 < len(skipped) / len(tracks) < 0.5

    def share(group: list[Any]) -> float:
        return sum(1 for t in group if t.skip_count) / max(1, len(group))

    loved = [t for t in tracks if t.user_rating is not None and t.user_rating >= 8]
    disliked = [t for t in tracks if t.user_rating is not None and t.user_rating <= 4]
    assert loved and disliked
    assert share(disliked) > share(tracks) > share(loved)


def test_track_skip_count_through_plexapi(emulator: PlexEmulator, plex: Any) -> None:
    lib = emulator.library
    never = next(t for t in lib.tracks.values() if t.skip_count == 0)
    assert plex.fetchItem(never.rating_key).skipCount is None  # absent when 0, as on a real server
    before = lib.tracks[never.rating_key].updated_at
    lib.record_skip(never.rating_key)
    lib.record_skip(never.rating_key)
    assert plex.fetchItem(never.rating_key).skipCount == 2
    assert lib.tracks[never.rating_key].updated_at == before  # user state: updatedAt does not move


def test_history_through_plexapi_matches_the_plays(emulator: PlexEmulator, plex: Any) -> None:
    lib = emulator.library
    played = [t for t in lib.tracks.values() if t.view_count]
    history = plex.history()
    assert history, "a library with played tracks has history rows"
    assert len(history) <= MAX_DERIVED * len(played)
    viewed = [h.viewedAt for h in history]
    assert viewed == sorted(viewed, reverse=True)  # sort=viewedAt:desc
    by_key: dict[int, list[Any]] = {}
    for h in history:
        by_key.setdefault(int(h.ratingKey), []).append(h)
        assert h.type == "track" and h.accountID == OWNER_ACCOUNT and h.deviceID is not None
        assert h.librarySectionID == lib.section_key
    assert set(by_key) == {t.rating_key for t in played}
    for track in played:
        rows = by_key[track.rating_key]
        assert 1 <= len(rows) <= min(MAX_DERIVED, track.view_count)
        newest = max(int(h.viewedAt.replace(tzinfo=timezone.utc).timestamp()) for h in rows)
        assert abs(newest - (track.last_viewed_at or 0)) <= 86400  # the last play is at lastViewedAt
        assert rows[0].title == track.title and rows[0].grandparentTitle == lib.artists[track.artist_key].title
    # plexapi pages the history (X-Plex-Container-Start/Size) and trusts totalSize
    assert len(plex.history(maxresults=7)) == 7
    section = plex.library.section(lib.title)
    assert len(section.history()) == len(history)  # librarySectionID + accountID=1


def test_history_filters_by_time_and_pages(emulator: PlexEmulator, plex: Any) -> None:
    everything = plex.history()
    middle = everything[len(everything) // 2].viewedAt
    after = plex.history(mindate=middle)  # viewedAt> (exclusive)
    expected = [h for h in everything if h.viewedAt > middle]
    assert 0 < len(after) == len(expected) < len(everything)
    assert all(h.viewedAt > middle for h in after)
    url = emulator.url + HISTORY
    headers = {"X-Plex-Token": emulator.token, "X-Plex-Container-Start": "3", "X-Plex-Container-Size": "5"}
    page = requests.get(url, params={"sort": "viewedAt:asc"}, headers=headers, timeout=5)
    assert page.status_code == 200
    assert 'size="5"' in page.text and f'totalSize="{len(everything)}"' in page.text
    assert requests.get(url, params={"librarySectionID": "99"}, headers=headers, timeout=5).text.count(
        "<Track") == 0


def test_a_recorded_play_appends_a_history_row(emulator: PlexEmulator, plex: Any, clock: ManualClock) -> None:
    lib = emulator.library
    track = next(t for t in lib.tracks.values() if not t.view_count)
    lib.record_play(track.rating_key)  # before the history was ever read: still counted once
    first = plex.history()
    clock.advance(60)
    lib.record_play(track.rating_key)
    second = plex.history()
    assert len(second) == len(first) + 1
    newest = second[0]
    assert int(newest.ratingKey) == track.rating_key
    assert newest.viewedAt == datetime.fromtimestamp(clock.now)  # plexapi reads local time
    ours = [h for h in second if int(h.ratingKey) == track.rating_key]
    assert len(ours) == 2 == lib.tracks[track.rating_key].view_count
    ids = [int(h.historyKey.rsplit("/", 1)[-1]) for h in second]
    assert len(set(ids)) == len(ids) and ids[0] == max(ids)


def test_a_home_user_sees_only_their_plays(small_library: MusicLibrary) -> None:
    with PlexEmulator(small_library, home_users=["Anna"]) as emu:
        anna = emu.home.user("Anna")
        lib = emu.library
        track = next(iter(lib.tracks.values()))
        anna.play(lib, track)
        headers = {"X-Plex-Token": emu.user_token("Anna")}
        mine = requests.get(emu.url + HISTORY, headers=headers, timeout=5).text
        assert mine.count("<Track") == 1 and f'accountID="{anna.id}"' in mine
        owner = requests.get(emu.url + HISTORY, headers={"X-Plex-Token": emu.token}, timeout=5).text
        assert owner.count("<Track") > 1 and f'accountID="{anna.id}"' in owner
