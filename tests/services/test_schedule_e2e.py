"""A scheduled command line, end to end: `plexmix schedule install` writes the crontab line (into
a fake crontab), and the test runs that line the way cron does, with cron's bare environment,
against the Plex emulator: it syncs, refreshes the saved playlist in place, logs the run."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import time
from contextlib import closing
from pathlib import Path

import yaml
from radio_world import Here, plain_fixture, worlds_fixture  # noqa: F401 - fixtures
from schedule_fakes import FakeScheduler
from typer.testing import CliRunner

from plexmix.cli.main import app
from plexmix.config.credentials import CredentialStore
from plexmix.services.context import Context
from plexmix.services.schedule import Runner, install_schedule
from plexmix.services.schedule_entries import MARKER

runner = CliRunner()


def _cron_environment(tmp_path: Path) -> dict[str, str]:
    """About what cron gives a job: a short PATH, HOME, no PlexMix or Plex variables."""
    return {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path / "cron-home"), "LANG": "C.UTF-8",
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring", "HF_HUB_OFFLINE": "1"}


def test_the_installed_cron_line_syncs_and_refreshes(plain: Here, tmp_path: Path) -> None:
    made = runner.invoke(app, ["create", "chill acoustic evening", "--limit", "10", "--name", "Evening",
                               "--provider", "none", "--json"])
    assert made.exit_code == 0, made.output
    before = json.loads(made.stdout)
    (playlist,) = plain.emu.playlists.find("Evening")
    first_keys = list(playlist.track_keys)
    played = [int(t["plex_key"]) for t in before["tracks"][:3]]
    for key in played:
        plain.library.record_play(key, at=int(time.time()) + 5)
    # What the scheduled run must find on its own: the server in config.yaml, the token stored.
    config = plain.home / "config.yaml"
    settings = yaml.safe_load(config.read_text()) if config.exists() else {}
    settings = settings or {}
    settings.setdefault("plex", {}).update({"url": plain.emu.url, "library": "Music"})
    settings.setdefault("ai", {})["provider"] = "none"
    settings.setdefault("embeddings", {})["provider"] = "local"
    config.write_text(yaml.safe_dump(settings))
    CredentialStore(plain.home).set("plex_token", plain.emu.token)

    fake = FakeScheduler(tmp_path / "fake").install("crontab")
    install_schedule(Context.load(), at="04:10", runner=Runner(fake.env()))
    (line,) = [x for x in (fake.crontab() or "").splitlines() if x.endswith(MARKER)]
    command = line.split(maxsplit=5)[5].replace("\\%", "%")  # what cron hands to sh
    done = subprocess.run(["/bin/sh", "-c", command], env=_cron_environment(tmp_path), capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done
    assert done.stdout == "" and done.stderr == "", "all output goes to the log"

    log = (plain.home / "logs" / "refresh.log").read_text()
    assert "Evening" in log and "refreshed" in log, log
    (after,) = plain.emu.playlists.find("Evening")
    assert after.rating_key == playlist.rating_key, "refreshed in place"
    with closing(sqlite3.connect(plain.home / "plexmix.db")) as conn:
        run = conn.execute("SELECT trigger, status, refreshed, removed FROM refresh_runs ORDER BY id DESC").fetchone()
        syncs = conn.execute("SELECT COUNT(*) FROM sync_history WHERE status = 'success'").fetchone()[0]
        now_in = {int(r[0]) for r in conn.execute(
            "SELECT t.plex_key FROM playlist_tracks p JOIN tracks t ON t.id = p.track_id"
            " JOIN playlists l ON l.id = p.playlist_id WHERE l.name = ?", ("Evening",))}
    assert run == ("schedule", "completed", 1, run[3]) and run[3] >= len(played), run
    assert syncs >= 2, "the scheduled run synced first"
    assert not now_in & set(played), "what was played since is left out"
    assert set(after.track_keys) == now_in and after.track_keys != first_keys, "Plex holds the new tracks"
    assert set(played) <= set(first_keys)
