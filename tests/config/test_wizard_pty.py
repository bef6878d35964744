"""`plexmix config init` typed into by a person: the installed command in a real pseudo-terminal."""

from __future__ import annotations

import io
import os
import sqlite3
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest
import yaml
from config_fakes import PLEX_TOKEN, emulator

from plexmix.devserver.server import PlexEmulator

PLEXMIX = Path(sys.executable).with_name("plexmix")
FAKE_GOOGLE = "AIzaFAKE-google-key-0123456789"
WRONG_TOKEN = "wrong-token-7777"
SECRET_PROMPT = r"\(hidden as you type\)[^\r\n]*: "


@pytest.fixture(scope="module")
def emu() -> Iterator[PlexEmulator]:
    with emulator(limit=50) as server:
        yield server


class Session:
    """The wizard in a pty; ``screen`` is everything the terminal showed."""

    def __init__(self, home: Path) -> None:
        env = {
            **os.environ,
            "PLEXMIX_HOME": str(home),
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        }
        env.pop("COLUMNS", None)
        self.log = io.StringIO()
        self.child = pexpect.spawn(
            str(PLEXMIX), ["config", "init"], env=env, encoding="utf-8", timeout=30, dimensions=(60, 200)
        )
        self.child.logfile_read = self.log

    def answer(self, prompt: str, text: str) -> None:
        self.child.expect(prompt)
        self.child.sendline(text)

    def secret(self, prompt: str, text: str) -> None:
        self.child.expect(prompt + r"[^\r\n]*" + SECRET_PROMPT)
        assert self.child.waitnoecho(timeout=10), "the terminal still echoes at a secret prompt"
        self.child.sendline(text)

    def see(self, text: str) -> None:
        self.child.expect_exact(text)

    def finish(self) -> int:
        self.child.expect(pexpect.EOF)
        self.child.close()
        assert self.child.exitstatus is not None, self.screen
        return int(self.child.exitstatus)

    @property
    def screen(self) -> str:
        return self.log.getvalue()


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def connect(session: Session, emu: PlexEmulator) -> None:
    """Bad URL, then the emulator with a wrong token, then the right token, then the library."""
    session.see("MIT License")
    session.answer("Plex server URL", "localhost:32400")
    session.see("The address must start with http:// or https://")
    session.answer("Plex server URL", emu.url)
    session.see("X-Plex-Token")
    session.see("support.plex.tv/articles/204059436")
    session.secret("Plex token", WRONG_TOKEN)
    session.see(f"The server at {emu.url} rejected this token")
    session.secret("Plex token", PLEX_TOKEN)
    session.see("Connected to PlexMix Emulator")
    session.see("2. Audiobooks")
    session.answer("Music library number", "9")
    session.see("Choose a number from 1 to 2.")
    session.answer("Music library number", "1")
    session.see("Using the library 'Music'")


def test_wizard_saves_config_and_secrets_without_showing_them(emu: PlexEmulator, isolated_env: Path) -> None:
    session = Session(isolated_env)
    connect(session, emu)
    session.secret("Google API key", FAKE_GOOGLE)
    session.see("Google API key received")
    session.answer("Configure other providers", "n")
    session.answer("Data folder", "")
    session.see("Saved")
    session.see("stored in")
    session.answer("Run the first sync now", "n")
    assert session.finish() == 0, session.screen
    screen = session.screen
    for secret in (FAKE_GOOGLE, PLEX_TOKEN, WRONG_TOKEN):
        assert secret not in screen
    assert "Traceback" not in screen and "plexmix sync" in screen

    config = isolated_env / "config.yaml"
    assert yaml.safe_load(config.read_text()) == {
        "plex": {"url": emu.url, "library": "Music"},
        "ai": {"provider": "gemini"},
        "embeddings": {"provider": "gemini"},
    }
    creds = isolated_env / "credentials.yaml"
    assert mode(config) == 0o600 and mode(creds) == 0o600
    assert f"{creds} (mode 0600" in screen
    assert yaml.safe_load(creds.read_text()) == {"plex_token": PLEX_TOKEN, "google_api_key": FAKE_GOOGLE}
    assert not (isolated_env / "plexmix.db").exists()


def test_wizard_runs_the_first_sync_into_a_chosen_data_folder(
    emu: PlexEmulator, isolated_env: Path, tmp_path: Path
) -> None:
    data = tmp_path / "music data"
    session = Session(isolated_env)
    connect(session, emu)
    session.secret("Google API key", "")
    session.see("embedded offline")
    session.answer("Configure other providers", "n")
    session.answer("Data folder", str(data))
    session.answer("Run the first sync now", "y")
    session.see("finished")
    assert session.finish() == 0, session.screen
    assert "Traceback" not in session.screen and PLEX_TOKEN not in session.screen

    config = yaml.safe_load((isolated_env / "config.yaml").read_text())
    assert config["ai"] == {"provider": "none"} and config["embeddings"] == {"provider": "local"}
    assert config["database"] == {
        "path": str(data / "plexmix.db"),
        "faiss_index_path": str(data / "embeddings.index"),
    }
    conn = sqlite3.connect(data / "plexmix.db")
    try:
        titles = {row[0] for row in conn.execute("SELECT title FROM tracks")}
        embedded = conn.execute("SELECT model, COUNT(*) FROM embeddings GROUP BY model").fetchall()
    finally:
        conn.close()
    assert titles == {t.title for t in emu.library.tracks.values()}
    assert embedded == [("local:all-MiniLM-L6-v2-onnx-int8:384", len(emu.library.tracks))]
    assert (data / "embeddings.index").is_file()


@pytest.mark.parametrize("where", ["url", "token"])
def test_ctrl_c_exits_130_without_traceback_or_files(
    emu: PlexEmulator, isolated_env: Path, where: str
) -> None:
    session = Session(isolated_env)
    if where == "url":
        session.child.expect("Plex server URL")
    else:
        session.answer("Plex server URL", emu.url)
        session.child.expect(SECRET_PROMPT)
        assert session.child.waitnoecho(timeout=10)
    session.child.sendintr()
    assert session.finish() == 130, session.screen
    assert "Interrupted" in session.screen and "Traceback" not in session.screen
    assert not (isolated_env / "config.yaml").exists() and not (isolated_env / "credentials.yaml").exists()
