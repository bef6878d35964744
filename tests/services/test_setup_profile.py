"""`plexmix config init --server NAME` (issue 13): a second server becomes a profile; the main
server, its token and the other settings stay as they were."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from config_fakes import PLEX_TOKEN, emulator
from test_setup import Script

from plexmix.config.credentials import CredentialStore
from plexmix.config.loader import load_settings
from plexmix.devserver.server import PlexEmulator
from plexmix.errors import ConfigError
from plexmix.services.setup_profile import ProfileWizard

CABIN_TOKEN = "cabin-token-FAKE-99887766"


@pytest.fixture
def cabin() -> Iterator[PlexEmulator]:
    with emulator(limit=30) as server:
        server.token = CABIN_TOKEN
        yield server


def test_a_profile_is_added_beside_the_main_server(cabin: PlexEmulator, isolated_env: Path) -> None:
    isolated_env.mkdir(parents=True)
    (isolated_env / "config.yaml").write_text("plex:\n  url: http://10.0.0.5:32400\n  library: Jazz\n")
    CredentialStore(isolated_env, {}).set("plex_token", PLEX_TOKEN)
    loaded = load_settings()
    script = Script(("Plex server URL", cabin.url), ("Plex token", CABIN_TOKEN), ("Music library", ""),
                    ("Sync the server 'cabin' now", "no"))
    ProfileWizard(script.ask, script.say, name="cabin", config_path=loaded.config_path, home=isolated_env,
                  credentials=CredentialStore(isolated_env, {}), current=loaded.settings, timeout=5).run()
    config = yaml.safe_load((isolated_env / "config.yaml").read_text())
    assert config == {
        "plex": {"url": "http://10.0.0.5:32400", "library": "Jazz"},  # the main server is untouched
        "servers": {"cabin": {"url": cabin.url, "libraries": ["Music"]}},
    }
    secrets = yaml.safe_load((isolated_env / "credentials.yaml").read_text())
    assert secrets == {"plex_token": PLEX_TOKEN, "plex_token@cabin": CABIN_TOKEN}
    profile = load_settings(overrides={"plex.server": "cabin"}).settings
    assert profile.plex.url == cabin.url and profile.plex.library_names == ["Music"]
    assert CABIN_TOKEN not in (isolated_env / "config.yaml").read_text()


def test_a_profile_needs_a_usable_name(isolated_env: Path) -> None:
    loaded = load_settings()
    with pytest.raises(ConfigError):
        ProfileWizard(lambda *a: "", lambda t: None, name="my cabin", config_path=loaded.config_path,
                      home=isolated_env, credentials=CredentialStore(isolated_env, {}), current=loaded.settings)
