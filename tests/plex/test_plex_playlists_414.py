"""A server stricter about URL length than PlexMix assumes: writes shrink and start again."""

from __future__ import annotations

from pathlib import Path

from plexmix.devserver.csv_loader import load_library
from plexmix.devserver.server import PlexEmulator
from plexmix.plex.client import PlexClient


def test_create_and_replace_shrink_their_requests_after_a_414(shared_data_dir: Path) -> None:
    lib = load_library(shared_data_dir / "spotify_114_genres_sample.csv", limit=320)
    keys = [str(k) for k in sorted(lib.tracks)][:300]
    with PlexEmulator(lib) as emu, PlexClient(emu.url, emu.token, max_url_length=4000) as client:
        client.connect()
        client.select_library("Music")
        emu.max_url_length = 600  # far below what the client assumed
        emu.reset_counts()
        info = client.create_playlist("Strict server", keys)
        assert client.playlist_track_keys(info.rating_key) == keys
        # The whole list fits one URL of 4,000, 2,000 or 1,000 characters: each of those creates
        # was refused with 414 (so nothing was created); 500 fits the server's limit.
        assert emu.request_counts["POST /playlists"] == 4
        assert client.max_url_length == 500
        assert len(client.list_playlists()) == 1  # no half-built playlist left behind
        again = client.replace_playlist(info.rating_key, list(reversed(keys)))
        assert again.rating_key == info.rating_key
        assert client.playlist_track_keys(info.rating_key) == list(reversed(keys))
