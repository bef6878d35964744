"""Songs like a seed, on a server with Plex's sonic analysis: the real plexapi against the emulator.

Writing a playlist to Plex, ``create "songs like TITLE by ARTIST"`` asks Plex for the seed's
sonically similar tracks (``/library/metadata/{id}/nearest``) and fuses them with the local
signals; without sonic analysis, or when Plex fails, the local signals alone find them (a note
says so). Keyword search only (no embeddings): the sonic signal is what moves the ranking.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pytest

from plexmix import PlexMix
from plexmix.devserver.faults import Fault
from plexmix.devserver.library import EmuTrack, MusicLibrary
from plexmix.devserver.server import PlexEmulator

NEAREST = "GET /library/metadata/{id}/nearest"


def rms(a: EmuTrack, b: EmuTrack) -> float:
    assert a.sonic is not None and b.sonic is not None
    return math.sqrt(sum((x - y) ** 2 for x, y in zip(a.sonic, b.sonic, strict=True)) / len(a.sonic))


@pytest.fixture
def pm(emu: PlexEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[PlexMix]:
    monkeypatch.setenv("PLEX_URL", emu.url)
    monkeypatch.setenv("PLEX_TOKEN", emu.token)
    monkeypatch.setenv("PLEX_LIBRARY", "Music")
    mix = PlexMix.open(settings={"home": str(tmp_path), "embeddings.provider": "local"})
    mix.sync("full", embed=False)
    yield mix


def a_seed(lib: MusicLibrary) -> EmuTrack:
    """An analysed track whose title is its own (one song of that name in the library)."""
    titles: dict[str, int] = {}
    for track in lib.tracks.values():
        titles[track.title.lower()] = titles.get(track.title.lower(), 0) + 1
    return next(t for t in lib.tracks.values() if t.sonic is not None and titles[t.title.lower()] == 1
                and len(t.title) > 4 and t.title.isascii() and t.title[0].isupper())


def test_plex_sonic_neighbours_lead_songs_like_a_seed(pm: PlexMix, emu: PlexEmulator) -> None:
    lib = emu.library
    seed = a_seed(lib)
    artist = lib.artists[seed.artist_key].title
    emu.reset_counts()
    result = pm.create_playlist(f"songs like {seed.title} by {artist}", limit=15, name="Like it", provider="none")
    tracks = result.playlist.tracks
    assert emu.request_counts[NEAREST] == 1  # one seed, one question to Plex
    assert tracks[0].track.plex_key == str(seed.rating_key)  # the seed first, once
    assert sum(t.track.plex_key == str(seed.rating_key) for t in tracks) == 1
    assert result.playlist.understood_dict["seeds"] == [{"title": seed.title, "artist": artist}]
    # Most of the rest are what Plex hears as near: within its default distance (0.25).
    rest = [lib.tracks[int(t.track.plex_key)] for t in tracks[1:]]
    near = [t for t in rest if rms(seed, t) <= 0.25]
    assert len(rest) == 14 and len(near) >= 10, [round(rms(seed, t), 3) for t in rest]
    library_share = sum(rms(seed, t) <= 0.25 for t in lib.tracks.values()) / len(lib.tracks)
    assert len(near) / len(rest) > library_share + 0.3  # far more than chance
    assert result.published.plex_key is not None  # written to the server


def test_without_sonic_analysis_the_local_signals_alone(
    pm: PlexMix, emu: PlexEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    lib = emu.library
    seed = a_seed(lib)
    artist = lib.artists[seed.artist_key].title
    monkeypatch.setattr(lib, "sonic_analysis", False)  # the session's library: restored after
    pm.sync("full", embed=False)  # the server no longer reports musicAnalysisVersion
    emu.reset_counts()
    result = pm.create_playlist(f"songs like {seed.title} by {artist}", limit=15, name="Local", provider="none")
    assert emu.request_counts[NEAREST] == 0  # nothing analysed: Plex is not asked
    assert result.playlist.tracks[0].track.plex_key == str(seed.rating_key)
    assert len(result.playlist.tracks) == 15


def test_a_failing_sonic_answer_leaves_a_note_and_a_playlist(pm: PlexMix, emu: PlexEmulator) -> None:
    lib = emu.library
    seed = a_seed(lib)
    artist = lib.artists[seed.artist_key].title
    fault = Fault(status=500, first_n=50, path_contains="/nearest")
    emu.hooks.faults.append(fault)
    result = pm.create_playlist(f"songs like {seed.title} by {artist}", limit=10, name="Despite", provider="none")
    assert len(result.playlist.tracks) == 10
    assert fault.fired >= 1, (result.playlist.understood_line, result.playlist.notes, emu.request_counts)
    assert any("sonically similar tracks could not be read" in note for note in result.playlist.notes)


def test_offline_creates_never_ask_plex(pm: PlexMix, emu: PlexEmulator) -> None:
    seed = a_seed(emu.library)
    artist = emu.library.artists[seed.artist_key].title
    emu.reset_counts()
    result = pm.create_playlist(f"songs like {seed.title} by {artist}", limit=10, write_to_plex=False, provider="none")
    assert emu.total_requests == 0 and len(result.playlist.tracks) == 10
