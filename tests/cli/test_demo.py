"""`make demo` for real: the README's first command runs `plexmix demo`, offline, on the bundled tracks.

The demo starts its own Plex emulator; the test keeps a reference to it (a subclass that only
records its instances) to read the playlists the demo wrote, after the demo stopped it.
``--tracks`` serves a genre-balanced part of the bundled library, so the run takes seconds.
"""

from __future__ import annotations

import re
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from plexmix.cli.demo import DEMO_MOODS, MIN_TRACKS, balanced_subset
from plexmix.cli.main import app
from plexmix.devserver import server
from plexmix.devserver.csv_loader import DEMO_PATH, read_rows
from plexmix.devserver.library import MusicLibrary

REPO = Path(__file__).resolve().parents[2]
TRACKS, LIMIT = 150, 4


def make_demo_argv() -> list[str]:
    """The arguments `make demo` passes to plexmix (from the Makefile's recipe)."""
    recipe = re.search(r"^demo:.*\n\t(.+)$", (REPO / "Makefile").read_text(encoding="utf-8"), re.M)
    assert recipe, "the Makefile has no demo target"
    words = recipe.group(1).split()
    assert words[0].endswith("/plexmix"), recipe.group(1)
    return words[1:]


def genres_of(library: MusicLibrary, keys: list[int]) -> set[str]:
    return {g.lower() for k in keys for g in library.tracks[k].genres}


def test_balanced_subset_keeps_every_genre_and_whole_albums() -> None:
    rows = list(read_rows(DEMO_PATH))
    album_sizes = Counter(r.album_id for r in rows)
    chosen = balanced_subset(rows, TRACKS)
    assert len(chosen) == TRACKS and balanced_subset(rows, TRACKS) == chosen  # exact, deterministic
    per_genre = Counter(r.genre for r in chosen)
    assert set(per_genre) == {r.genre for r in rows}  # every genre of the bundled data
    assert max(per_genre.values()) - min(per_genre.values()) <= max(album_sizes.values())
    cut = [a for a, n in Counter(r.album_id for r in chosen).items() if n != album_sizes[a]]
    assert len(cut) <= 1, "only the last album taken may be cut short"
    assert len(balanced_subset(rows, len(rows) + 50)) == len(rows)
    assert len(per_genre) <= MIN_TRACKS, "the smallest demo still has a track of every genre"


def test_make_demo_creates_the_playlists_on_the_emulator_and_prints_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated_env: Path
) -> None:
    started: list[server.PlexEmulator] = []

    class RecordedEmulator(server.PlexEmulator):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            started.append(self)

    monkeypatch.setattr(server, "PlexEmulator", RecordedEmulator)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # where the demo makes its data folder

    argv = [*make_demo_argv(), "--tracks", str(TRACKS), "--limit", str(LIMIT)]
    result = CliRunner().invoke(app, argv, env={"COLUMNS": "250"})
    assert result.exit_code == 0 and "Traceback" not in result.output, result.output

    (emulator,) = started
    library = emulator.library
    assert len(library.tracks) == TRACKS
    playlists = emulator.playlists.find()
    names = [f"PlexMix demo: {mood}" for mood in DEMO_MOODS]
    assert [p.title for p in playlists] == names
    for playlist in playlists:
        keys = playlist.track_keys
        assert len(keys) == len(set(keys)) == LIMIT and set(keys) <= set(library.tracks)
    jazz, folk, party = (p.track_keys for p in playlists)
    # Each mood's filter holds: a genre named in it, or the decade.
    assert all("jazz" in genres_of(library, [k]) for k in jazz)
    assert all("folk" in genres_of(library, [k]) for k in folk)
    assert all(2010 <= (library.tracks[k].year or 0) <= 2019 for k in party)

    out = result.stdout
    assert f"Playlists now on the (emulated) Plex server: {', '.join(names)}" in " ".join(out.split())
    for playlist in playlists:
        assert f"Saved {LIMIT} tracks as playlist" in out
        for key in playlist.track_keys:
            assert library.tracks[key].title in out, f"{library.tracks[key].title} is not shown"
    assert list(scratch.iterdir()) == [], "the demo's data folder is deleted at the end"
    assert not isolated_env.exists(), "the demo leaves the user's PLEXMIX_HOME alone"
