"""`plexmix config init` typed into by a person: the installed command in a real pseudo-terminal."""

from __future__ import annotations

import io
import os
import re
import sqlite3
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest
import yaml
from config_fakes import PLEX_TOKEN, emulator

from plexmix.config.credentials import CredentialStore
from plexmix.config.loader import load_settings, write_config_file
from plexmix.devserver.server import PlexEmulator
from plexmix.plex.client import PlexClient

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


# -- Ctrl+C after something was saved --------------------------------------------------------
OLD_TOKEN = "emu-old-token-1a2b3c4d5e"


def saved_files(home: Path) -> dict[str, bytes]:
    """The files of the data folder, byte for byte (the log file aside)."""
    return {p.name: p.read_bytes() for p in sorted(home.iterdir()) if p.is_file() and p.suffix != ".log"}


def interrupted(session: Session) -> str:
    """Exit 130 and exactly one line about it, on a line of its own (not after the prompt)."""
    assert session.finish() == 130, session.screen
    screen = re.sub(r"\x1b\[[0-9;]*m", "", session.screen)
    assert "Traceback" not in screen
    lines = [line for line in screen.splitlines() if "Interrupted" in line]
    assert len(lines) == 1, screen[-800:]
    assert lines[0].startswith("Error: Interrupted"), lines
    assert screen.rstrip().endswith(lines[0].rstrip()), "nothing follows the message"
    return lines[0]


def assert_setup_works(home: Path, emu: PlexEmulator, token: str) -> None:
    """config.yaml loads, the token sits in the 0600 file, and together they reach the library."""
    loaded = load_settings(
        home / "config.yaml", environ={"PLEXMIX_HOME": str(home)}, dotenv_path=home / ".env"
    )
    assert (loaded.settings.plex.url, loaded.settings.plex.library) == (emu.url, "Music")
    assert mode(home / "config.yaml") == 0o600 and mode(home / "credentials.yaml") == 0o600
    assert CredentialStore(home, {}).get("plex_token") == (token, "file")
    assert not [p.name for p in home.iterdir() if p.name.endswith(".tmp")], "a half-written file is left"
    with PlexClient(loaded.settings.plex.url, token, timeout=5, backoff_factor=0.0) as client:
        client.connect()
        assert client.select_library(loaded.settings.plex.library).title == "Music"


def test_ctrl_c_after_saving_keeps_the_saved_settings(emu: PlexEmulator, isolated_env: Path) -> None:
    session = Session(isolated_env)
    connect(session, emu)
    session.secret("Google API key", "")
    session.answer("Configure other providers", "n")
    session.answer("Data folder", "")
    session.see("Saved")
    session.child.expect("Run the first sync now")
    saved = saved_files(isolated_env)
    session.child.sendintr()
    line = interrupted(session)
    assert str(isolated_env / "config.yaml") in line and "plexmix sync" in line
    assert saved_files(isolated_env) == saved  # nothing rewritten after the save
    assert yaml.safe_load(saved["config.yaml"]) == {
        "plex": {"url": emu.url, "library": "Music"}, "ai": {"provider": "none"}, "embeddings": {"provider": "local"},
    }
    assert yaml.safe_load(saved["credentials.yaml"]) == {"plex_token": PLEX_TOKEN}
    assert_setup_works(isolated_env, emu, PLEX_TOKEN)
    assert not (isolated_env / "plexmix.db").exists(), "no sync was started"


def test_ctrl_c_on_a_rerun_keeps_the_earlier_setup(isolated_env: Path) -> None:
    """Saved earlier: URL, library and token. The server's token changed since; the new one is
    typed and accepted, then Ctrl+C at the library step: the earlier files stay as they were."""
    with emulator(limit=20) as emu:
        isolated_env.mkdir(parents=True)
        write_config_file(isolated_env / "config.yaml", {"plex": {"url": emu.url, "library": "Music"}})
        CredentialStore(isolated_env, {}).set("plex_token", OLD_TOKEN)
        before = saved_files(isolated_env)
        session = Session(isolated_env)
        session.answer("Plex server URL", "")  # Enter keeps the saved address
        session.child.expect(
            r"Plex token \(hidden as you type\) \(Enter keeps the current one, \*{4}4d5e from file\): "
        )
        assert session.child.waitnoecho(timeout=10)
        session.child.sendline(PLEX_TOKEN)  # the server's new token
        session.see("Connected to PlexMix Emulator")
        session.child.expect("Music library number")
        session.child.sendintr()
        line = interrupted(session)
        assert "nothing was changed" in line
        assert saved_files(isolated_env) == before
        emu.token = OLD_TOKEN  # the earlier setup is still whole and usable with its own token
        assert_setup_works(isolated_env, emu, OLD_TOKEN)
