"""PlexClient's paged listings and key lookups at any library size.

The two tests marked ``needs_shared_data`` in test_plex_client.py count on exactly 5,000 tracks.
These check the same behaviour on ``emulator_5k`` whatever it holds (5,000 tracks from the full
data sets, or the ~2,000 bundled ones in a fresh clone): page counts and request budgets are
derived from the library's size.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from test_plex_client import expected_album, expected_artist, expected_track

from plexmix.devserver.server import PlexEmulator
from plexmix.plex.client import PlexClient

ClientFactory = Callable[..., PlexClient]
TRACK_PAGES = "GET /library/sections/{id}/all?type=10"
URL_LIMIT = 1000


def test_iteration_equals_the_library_at_its_size(
    emulator_5k: PlexEmulator, make_client: ClientFactory
) -> None:
    lib = emulator_5k.library
    size = len(lib.tracks)
    page_size = max(1, size // 5)  # five pages or six, whatever the size
    pages = math.ceil(size / page_size)
    assert size >= 1000 and pages >= 5
    client = make_client(emulator_5k, page_size=page_size)
    emulator_5k.reset_counts()
    tracks = list(client.iter_tracks())
    assert len(tracks) == size
    assert {t.rating_key: t for t in tracks} == {
        str(k): expected_track(lib, t) for k, t in lib.tracks.items()
    }
    counts = emulator_5k.request_counts
    assert counts[TRACK_PAGES] == pages
    assert counts["GET /library/metadata/{id}"] == 0 and counts["GET /library/metadata/{ids}"] == 0
    assert emulator_5k.total_requests <= pages + 4  # root + sections + the pages

    albums = list(client.iter_albums())
    assert sorted(albums, key=lambda a: int(a.rating_key)) == [expected_album(a) for a in lib.albums.values()]
    artists = list(client.iter_artists())
    assert sorted(artists, key=lambda a: int(a.rating_key)) == [
        expected_artist(a) for a in lib.artists.values()
    ]
    assert (client.count("track"), client.count("album"), client.count("artist")) == (
        size, len(lib.albums), len(lib.artists),
    )


def test_fetch_tracks_packs_keys_into_url_sized_requests(
    emulator_5k: PlexEmulator, make_client: ClientFactory
) -> None:
    lib = emulator_5k.library
    client = make_client(emulator_5k, max_url_length=URL_LIMIT)
    keys = [str(k) for k in list(lib.tracks)[::7]]
    emulator_5k.reset_counts()
    got = client.fetch_tracks([*keys, "999999999"])
    assert [t.rating_key for t in got] == keys
    assert got[3] == expected_track(lib, lib.tracks[int(keys[3])])
    # As few requests as the URL limit allows: each carries nearly a full URL of keys.
    made = emulator_5k.request_counts["GET /library/metadata/{ids}"]
    key_text = len(",".join([*keys, "999999999"]))
    fewest = math.ceil(key_text / (URL_LIMIT - len("/library/metadata/")))
    assert fewest >= 2 and fewest <= made <= fewest + 1, (made, fewest)
    assert all(len(path) <= URL_LIMIT for _, path in emulator_5k.request_log)
    assert client.fetch_tracks([]) == [] and client.fetch_tracks(["999999999"]) == []
    emulator_5k.reset_counts()
    assert client.track_keys() == {str(k) for k in lib.tracks}
    assert emulator_5k.request_counts[TRACK_PAGES] == math.ceil(len(lib.tracks) / client.page_size)
