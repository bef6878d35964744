"""The library API: the examples of docs/library-api.md run for real, and ``import plexmix`` is light.

The examples run in order in one namespace against the Plex emulator (a few hundred bundled real
tracks), offline, with local embeddings and the ``none`` curator; then the test checks what they
did on the emulator and in the database, not only that they ran.
"""

from __future__ import annotations

import contextlib
import io
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from plexmix.devserver.csv_loader import DEMO_PATH, load_library
from plexmix.devserver.server import PlexEmulator

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "library-api.md"
HEAVY = ("typer", "rich", "click", "plexapi", "faiss", "onnxruntime", "torch", "openai", "anthropic",
         "google.genai", "sentence_transformers", "numpy")


def python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


@pytest.fixture
def emulator() -> Iterator[PlexEmulator]:
    with PlexEmulator(load_library(DEMO_PATH, limit=300, track_genres=True)) as emu:
        yield emu


def test_import_plexmix_loads_nothing_heavy() -> None:
    code = (
        "import sys, plexmix\n"
        "from plexmix import PlexMix, PlexMixError\n"
        "pm = PlexMix  # the class, resolved lazily\n"
        f"heavy = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"import plexmix loaded: {out.stdout.strip()}"


def test_documented_examples_run(emulator: PlexEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLEX_URL", emulator.url)
    monkeypatch.setenv("PLEX_TOKEN", emulator.token)
    monkeypatch.setenv("PLEX_LIBRARY", "Music")
    blocks = python_blocks(DOC.read_text(encoding="utf-8"))
    assert len(blocks) >= 8
    namespace: dict[str, object] = {}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for number, block in enumerate(blocks, start=1):
            try:
                exec(compile(block, f"{DOC.name} block {number}", "exec"), namespace)
            except Exception as exc:  # pragma: no cover - the message names the block
                raise AssertionError(f"block {number} of {DOC.name} failed: {exc!r}\n{block}") from exc
    printed = out.getvalue()

    from plexmix.api import PlexMix
    from plexmix.services.create import CreateResult

    pm = namespace["pm"]
    assert isinstance(pm, PlexMix)
    assert pm.settings.playlist.default_length == 20  # the settings passed to open() won
    # The sync mirrored every track and embedded them.
    assert pm.counts()["tracks"] == len(emulator.library.tracks) == 300
    assert pm.embedding_status().stats["embedded"] == 300
    assert "full: 300 added" in printed
    assert re.search(r"^Tracks: \d+ to do$", printed, re.M) and "Tracks: done" in printed  # progress
    # The playlist exists on the emulator with the tracks the result lists, in that order.
    result = namespace["result"]
    assert isinstance(result, CreateResult) and result.plex_error is None
    on_plex = emulator.playlists.playlists[int(result.published.plex_key)]
    assert on_plex.title == "Rainy Sunday"
    assert len(result.playlist.tracks) == 10
    # After the refresh and the extend below, Plex holds what PlexMix remembers, in that order.
    remembered = pm.playlist_tracks(result.published.playlist_id)
    assert [str(k) for k in on_plex.track_keys] == [entry.track.plex_key for entry in remembered]
    # The refresh replaced the playlist in place, and extend appended five more to it.
    change = namespace["change"]
    assert change.status in ("refreshed", "unchanged") and change.plex_key == result.published.plex_key
    assert change.command.startswith("plexmix create 'rainy sunday jazz'")
    assert len(on_plex.track_keys) == namespace["grown"].total == 15
    assert "[('completed', 1)]" in printed
    # The template's playlist: its name, the most played genre (not `top`) as its filter.
    daily = namespace["daily"]
    assert isinstance(daily, CreateResult) and daily.published.name == "Daily mix"
    assert len(daily.playlist.tracks) == 6 and "('daily-mix', 'built-in')" in printed
    genre = next(line for line in daily.playlist.filter_lines if line.startswith("genre: "))
    assert genre != "genre: top" and all(genre[7:] in item.track.genres for item in daily.playlist.tracks)
    # The error example printed the message and the hint.
    assert "The mood is empty. |" in printed
    # The doctor ran every check and reported the Plex server as reachable.
    assert any(line.startswith("ok Plex") for line in printed.splitlines())

    # The README's example, on the library the examples above synced.
    readme = python_blocks((REPO / "README.md").read_text(encoding="utf-8"))
    assert len(readme) == 1
    scope: dict[str, object] = {}
    with contextlib.redirect_stdout(io.StringIO()) as shown:
        exec(compile(readme[0], "README.md", "exec"), scope)
    made = scope["result"]
    assert isinstance(made, CreateResult) and made.plex_error is None and len(made.playlist.tracks) == 25
    assert emulator.playlists.playlists[int(made.published.plex_key)].track_keys
    assert shown.getvalue().count("\n") == 25


def test_players_and_play_through_the_api(monkeypatch: pytest.MonkeyPatch) -> None:
    from plexmix.api import PlexMix

    player = ("Living Room", "living-room-id", "Plexamp")
    with PlexEmulator(load_library(DEMO_PATH, limit=120, track_genres=True), players=[player]) as emu:
        monkeypatch.setenv("PLEX_URL", emu.url)
        monkeypatch.setenv("PLEX_TOKEN", emu.token)
        monkeypatch.setenv("DEFAULT_AI_PROVIDER", "none")
        pm = PlexMix.open()
        pm.sync(embed=False)
        made = pm.create_playlist("evening", limit=5, name="Evening")
        assert [p.name for p in pm.players()] == ["Living Room"]
        played = pm.play("Evening")
        assert played.player == "Living Room" and played.tracks == len(made.playlist.tracks)
        commands = emu.players.commands
        assert [(c.player, c.play_queue_id) for c in commands] == [("living-room-id", played.play_queue_id)]
        queued = pm.play("Evening", queue_only=True)  # a queue for Plexamp, no player asked
        assert queued.player is None and len(emu.players.commands) == 1
