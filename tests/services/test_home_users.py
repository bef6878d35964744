"""Plex Home users (issue 13): `--user NAME` syncs that person's plays and ratings into their own
mirror, makes playlists in their account and avoids their recent plays, not the owner's; a PIN
is asked for when needed. Real plexapi, the emulator's Home and account service; no internet."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from plexmix.cli.main import app
from plexmix.config.settings import user_folder
from plexmix.devserver.csv_loader import DEMO_PATH, load_library
from plexmix.devserver.server import PlexEmulator
from plexmix.storage.sqlite_manager import SQLiteManager

runner = CliRunner()


pytestmark = pytest.mark.usefixtures("loopback_only")  # no request may leave the machine


@pytest.fixture
def home(monkeypatch: pytest.MonkeyPatch) -> Iterator[PlexEmulator]:
    lib = load_library(DEMO_PATH, limit=300)
    with PlexEmulator(lib, owner="Alice", home_users=["Anna:1234", "Ben"], seed=5) as emu:
        monkeypatch.setenv("PLEX_URL", emu.url)
        monkeypatch.setenv("PLEX_TOKEN", emu.token)
        monkeypatch.setenv("PLEXMIX_PLEX__ACCOUNT_URL", emu.account_url)
        monkeypatch.setenv("DEFAULT_AI_PROVIDER", "none")
        yield emu


def plays(path: Path) -> dict[str, tuple[int, int | None]]:
    with SQLiteManager(path) as db:
        rows = db.conn.execute("SELECT plex_key, play_count, last_played FROM tracks").fetchall()
    return {k: (c, last) for k, c, last in rows}


def test_a_home_user_has_their_own_mirror_playlists_and_recent_plays(
    home: PlexEmulator, isolated_env: Path
) -> None:
    assert runner.invoke(app, ["sync", "full"]).exit_code == 0  # with the local embeddings
    synced = runner.invoke(app, ["--user", "Ben", "sync", "full", "--json"])
    assert synced.exit_code == 0, synced.output
    embedded = json.loads(synced.stdout)["embeddings"]  # Ben's mirror takes the server's vectors
    assert embedded["embedded"] == 0 and embedded["reused"] == len(home.library.tracks)
    owner, ben = plays(isolated_env / "plexmix.db"), plays(isolated_env / "users" / user_folder("Ben") / "plexmix.db")
    assert set(owner) == set(ben)  # the same library ...
    state = home.home.user("Ben").state
    assert ben == {k: (state.get(int(k)).view_count, state.get(int(k)).last_viewed_at) for k in ben}
    assert ben != owner  # ... with Ben's plays, not Alice's
    # Avoiding the last 30 days' plays leaves out Ben's, not Alice's.
    cutoff = time.time() - 30 * 86400
    ben_recent = {k for k, (_, last) in ben.items() if last and last >= cutoff}
    owner_recent = {k for k, (_, last) in owner.items() if last and last >= cutoff}
    assert ben_recent and ben_recent != owner_recent
    plan = runner.invoke(app, ["--user", "Ben", "create", "anything", "--avoid-recent", "30", "--dry-run", "--json"])
    assert plan.exit_code == 0, plan.output
    assert json.loads(plan.stdout)["matching_tracks"] == len(ben) - len(ben_recent)
    made = runner.invoke(app, ["--user", "Ben", "create", "anything", "--limit", "40", "--avoid-recent", "30",
                               "--name", "Ben's mix", "--yes", "--json"])
    assert made.exit_code == 0, made.output
    keys = {t["plex_key"] for t in json.loads(made.stdout)["tracks"]}
    assert keys and not keys & ben_recent
    from plexapi.server import PlexServer

    as_ben = PlexServer(home.url, home.user_token("Ben"), timeout=10)
    as_alice = PlexServer(home.url, home.token, timeout=10)
    assert "Ben's mix" in [p.title for p in as_ben.playlists()]
    assert "Ben's mix" not in [p.title for p in as_alice.playlists()]  # in Ben's account only


def test_a_pin_is_needed_for_a_protected_user(home: PlexEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = runner.invoke(app, ["--user", "Anna", "sync", "--no-embeddings"])
    assert missing.exit_code != 0 and "protected by a PIN" in missing.output and "Traceback" not in missing.output
    monkeypatch.setenv("PLEX_PIN", "0000")
    wrong = runner.invoke(app, ["--user", "Anna", "sync", "--no-embeddings"])
    assert wrong.exit_code != 0 and "Wrong PIN" in wrong.output
    monkeypatch.setenv("PLEX_PIN", "1234")
    right = runner.invoke(app, ["--user", "Anna", "sync", "--no-embeddings", "--json"])
    assert right.exit_code == 0, right.output
    assert "1234" not in right.output
    unknown = runner.invoke(app, ["--user", "Zed", "sync", "--no-embeddings"])
    assert unknown.exit_code != 0 and "Zed" in unknown.output and "Anna" in unknown.output
