"""``plexmix sync`` stores the carriers of the common tags of a large library at its end (so the
first ``create`` after it reads blobs), and again only after a sync that changed tag links."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from plexmix.cli.main import app
from plexmix.devserver.csv_loader import DEMO_PATH, load_library
from plexmix.devserver.library import ManualClock, MusicLibrary
from plexmix.devserver.server import PlexEmulator
from plexmix.storage import tag_carriers
from plexmix.storage.sqlite_manager import SQLiteManager

runner = CliRunner()


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch, clock: ManualClock) -> Iterator[tuple[MusicLibrary, ManualClock]]:
    music = load_library(DEMO_PATH, limit=300, clock=clock)
    with PlexEmulator(music) as emu:
        monkeypatch.setenv("PLEX_URL", emu.url)
        monkeypatch.setenv("PLEX_TOKEN", emu.token)
        monkeypatch.setattr(tag_carriers, "CACHED_FROM", 20)  # as if the library were large
        monkeypatch.setattr(tag_carriers, "REFRESH_FROM_TRACKS", 100)
        yield music, clock


def sync() -> dict[str, Any]:
    result = runner.invoke(app, ["sync", "--no-embeddings", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def stored(home: Path) -> dict[int, int]:
    with SQLiteManager(home / "plexmix.db") as db:
        return {tag: generation for tag, generation in db.conn.execute("SELECT tag_id, generation FROM tag_carriers")}


def test_a_sync_stores_the_common_tags_and_again_only_after_changes(
    served: tuple[MusicLibrary, ManualClock], isolated_env: Path
) -> None:
    music, clock = served
    sync()
    first = stored(isolated_env)
    with SQLiteManager(isolated_env / "plexmix.db") as db:
        common = {tag for (tag,) in db.conn.execute(
            "SELECT tag_id FROM track_tags GROUP BY tag_id HAVING COUNT(*) >= 20")}
        for tag in common:  # what was stored is what the index holds
            ids = [row[0] for row in db.conn.execute(
                "SELECT track_id FROM track_tags WHERE tag_id = ? ORDER BY track_id", (tag,))]
            assert tag_carriers.carriers(db.conn, tag).tolist() == ids
    assert common and set(first) == common
    clock.advance(60)  # a minute later, nothing changed: the stored carriers are kept
    assert sync()["tracks_seen"] == 0 and stored(isolated_env) == first
    clock.advance(3600)
    key = sorted(music.tracks)[0]
    music.update_track(key, title=music.tracks[key].title + " (live)")
    assert sync()["updated"] == 1
    again = stored(isolated_env)
    assert set(again) == common and all(again[tag] > first[tag] for tag in common)  # stored anew


def test_the_sync_service_starts_without_numpy() -> None:
    """Storing the carriers needs NumPy only when it runs: an incremental sync's start-up (every
    ``plexmix sync``) does not pay for it."""
    import subprocess
    import sys

    code = "import sys, plexmix.services.sync_run; print('numpy' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
