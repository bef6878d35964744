"""The sync reads Plex without plexapi: its import and its text round trip cost every run.

A new process syncs (full, then incremental) against the emulator and reports whether plexapi
was ever imported; in this process, the plexapi server object the playlist writes need is made
on first use only.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from plexmix.devserver.server import PlexEmulator
from plexmix.plex.client import PlexClient

_SCRIPT = """
import json, sys
from plexmix.plex.client import PlexClient
from plexmix.services.sync import SyncEngine
from plexmix.storage.sqlite_manager import SQLiteManager

url, token, db_path = sys.argv[1:4]
with PlexClient(url, token) as client, SQLiteManager(db_path) as db:
    info = client.connect()
    client.select_library("Music")
    full = SyncEngine(client, db).full_sync()
    incremental = SyncEngine(client, db).incremental_sync()
print(json.dumps({"plexapi": sorted(m for m in sys.modules if m.split(".")[0] == "plexapi"),
                  "server": info.name, "added": full.added, "seen": incremental.tracks_seen}))
"""


def test_a_sync_never_imports_plexapi(emu: PlexEmulator, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT, emu.url, emu.token, str(tmp_path / "lean.db")],
        capture_output=True, text=True, check=True, timeout=120,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["plexapi"] == []
    assert result["server"] and result["added"] > 0 and result["seen"] == 0


def test_the_plexapi_server_is_made_on_first_use(emu: PlexEmulator) -> None:
    with PlexClient(emu.url, emu.token) as client:
        info = client.connect()
        client.select_library("Music")
        assert client.count("track") > 0
        assert client._server is None  # connecting and reading did not need it
        assert client.server.machineIdentifier == info.machine_identifier
        assert client.server_info() == info
