"""SetupWizard logic without a terminal: scripted answers, the real emulator, real files."""

from __future__ import annotations

import signal
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from config_fakes import PLEX_TOKEN, closed_port, emulator

from plexmix.config.credentials import CredentialStore
from plexmix.config.loader import load_settings
from plexmix.devserver.server import PlexEmulator
from plexmix.services.setup import SetupInterruptedError, SetupWizard
from plexmix.services.setup_input import AnswerError, parse_plex_url, parse_token

FAKE_OPENAI = "sk-FAKE-openai-key-000111222"
FAKE_GOOGLE = "AIzaFAKE-google-key-0123456789"
CTRL_C = "\x03"  # as an answer: Ctrl+C is pressed at that question


@pytest.fixture(scope="module")
def emu() -> Iterator[PlexEmulator]:
    with emulator(limit=30) as server:
        yield server


class Script:
    """Answers questions in order, checking each question contains the expected words."""

    def __init__(self, *steps: tuple[str, str]) -> None:
        self.steps = list(steps)
        self.said: list[str] = []
        self.asked: list[tuple[str, str | None, bool]] = []

    def ask(self, question: str, default: str | None, secret: bool) -> str:
        assert self.steps, f"unexpected question: {question}"
        expected, answer = self.steps.pop(0)
        assert expected in question, f"expected a question about {expected!r}, got {question!r}"
        self.asked.append((question, default, secret))
        if answer == CTRL_C:
            raise KeyboardInterrupt
        return answer if answer or default is None else default

    def say(self, text: str) -> None:
        self.said.append(text)

    @property
    def text(self) -> str:
        return "\n".join(self.said)


def wizard(script: Script, home: Path) -> SetupWizard:
    loaded = load_settings()
    return SetupWizard(
        script.ask, script.say, config_path=loaded.config_path, home=home,
        credentials=CredentialStore(home, {}), current=loaded.settings, timeout=5,
    )


def test_other_providers_local_llm_and_embedding_choice(emu: PlexEmulator, isolated_env: Path) -> None:
    script = Script(
        ("Plex server URL", emu.url), ("Plex token", PLEX_TOKEN), ("Music library", "Music"),
        ("Google API key", ""), ("other providers", "yes"),
        ("OpenAI API key", "short"), ("OpenAI API key", FAKE_OPENAI), ("Anthropic API key", ""),
        ("local LLM", "maybe"), ("local LLM", "y"),
        ("Local LLM base URL", "ftp://nas"), ("Local LLM base URL", ""), ("Local model name", "qwen2.5"),
        ("AI curator", "local"), ("Embeddings provider", "1"), ("Embeddings provider", "openai"),
        ("Data folder", ""), ("first sync", "n"),
    )
    result = wizard(script, isolated_env).run()
    assert not script.steps and result.sync_now is False
    assert "Please answer y or n." in script.text
    assert "does not look like an API key" in script.text
    assert "Use an http(s) address" in script.text
    assert "gemini embeddings need a Google API key" in script.text
    # every secret question hides the typing; the others show their default
    secrets = {q.split(" (")[0] for q, _, secret in script.asked if secret}
    assert secrets == {"Plex token", "Google API key", "OpenAI API key", "Anthropic API key"}
    config = yaml.safe_load((isolated_env / "config.yaml").read_text())
    assert config == {
        "plex": {"url": emu.url, "library": "Music"},
        "ai": {"provider": "local", "local_base_url": "http://localhost:11434/v1", "local_model": "qwen2.5"},
        "embeddings": {"provider": "openai"},
    }
    stored = yaml.safe_load((isolated_env / "credentials.yaml").read_text())
    assert stored == {"plex_token": PLEX_TOKEN, "openai_api_key": FAKE_OPENAI}
    assert result.stored == {name: str(isolated_env / "credentials.yaml") for name in stored}
    assert stat.S_IMODE((isolated_env / "credentials.yaml").stat().st_mode) == 0o600
    assert FAKE_OPENAI not in script.text and PLEX_TOKEN not in script.text


def test_rerun_keeps_stored_secrets_and_other_settings(emu: PlexEmulator, isolated_env: Path) -> None:
    isolated_env.mkdir(parents=True)
    (isolated_env / "config.yaml").write_text(
        f"plex:\n  url: {emu.url}\n  timeout: 12\nembeddings:\n  provider: openai\n  model: text-embedding-3-large\n"
    )
    CredentialStore(isolated_env, {}).set("plex_token", PLEX_TOKEN)
    script = Script(
        ("Plex server URL", ""), ("Plex token", ""), ("Music library", ""), ("Google API key", ""),
        ("other providers", ""), ("Data folder", ""), ("first sync", "no"),
    )
    wizard(script, isolated_env).run()
    assert ("Plex server URL", emu.url, False) in [(q, d, s) for q, d, s in script.asked]
    assert "Enter keeps the current one" in script.asked[1][0]
    config = yaml.safe_load((isolated_env / "config.yaml").read_text())
    # the model of the previous embedding provider is dropped; unrelated settings stay
    assert config["embeddings"] == {"provider": "local"}
    assert config["plex"] == {"url": emu.url, "library": "Music", "timeout": 12}
    assert yaml.safe_load((isolated_env / "credentials.yaml").read_text()) == {"plex_token": PLEX_TOKEN}


def test_unreachable_server_asks_for_the_address_again(emu: PlexEmulator, isolated_env: Path) -> None:
    dead = f"http://127.0.0.1:{closed_port()}"
    script = Script(
        ("Plex server URL", "http://plex:99999"), ("Plex server URL", dead), ("Plex token", PLEX_TOKEN),
        ("Plex server URL", emu.url), ("Music library", "2"), ("Google API key", ""),
        ("other providers", "n"), ("Data folder", ""), ("first sync", "y"),
    )
    result = wizard(script, isolated_env).run()
    assert "The port must be a number" in script.text
    assert f"Cannot reach a Plex server at {dead}" in script.text
    assert result.values["plex.library"] == "Audiobooks" and result.sync_now is True


def test_unwritable_data_folder_is_asked_again(emu: PlexEmulator, isolated_env: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "plain-file"
    blocker.write_text("x")
    script = Script(
        ("Plex server URL", emu.url), ("Plex token", PLEX_TOKEN), ("Music library", ""),
        ("Google API key", ""), ("other providers", "n"),
        ("Data folder", str(blocker / "sub")), ("Data folder", str(tmp_path / "ok")), ("first sync", "n"),
    )
    result = wizard(script, isolated_env).run()
    assert "PlexMix cannot write to" in script.text
    assert result.values["database.path"] == str(tmp_path / "ok" / "plexmix.db")


def test_embedding_model_of_the_previous_provider_is_dropped(emu: PlexEmulator, isolated_env: Path) -> None:
    isolated_env.mkdir(parents=True)
    (isolated_env / "config.yaml").write_text("embeddings:\n  model: text-embedding-004\n  batch_size: 16\n")
    script = Script(
        ("Plex server URL", emu.url), ("Plex token", PLEX_TOKEN), ("Music library", ""),
        ("Google API key", ""), ("other providers", "n"), ("Data folder", ""), ("first sync", "n"),
    )
    wizard(script, isolated_env).run()
    config = yaml.safe_load((isolated_env / "config.yaml").read_text())
    assert config["embeddings"] == {"provider": "local", "batch_size": 16}
    assert load_settings().settings.embeddings.model_name == "all-MiniLM-L6-v2-onnx-int8"


def interrupted_run(setup: SetupWizard) -> SetupInterruptedError:
    """Run the wizard, which must end in SetupInterruptedError (a bare KeyboardInterrupt fails the test
    instead of stopping the whole test session)."""
    try:
        setup.run()
    except BaseException as exc:
        assert isinstance(exc, SetupInterruptedError), repr(exc)
        return exc
    raise AssertionError("the wizard finished although Ctrl+C was pressed")


class InterruptedStore(CredentialStore):
    """The real store; Ctrl+C (a real SIGINT) arrives right after the first secret is written."""

    def set(self, name: str, value: str) -> str:
        where = super().set(name, value)
        if not getattr(self, "interrupted", False):
            self.interrupted = True
            signal.raise_signal(signal.SIGINT)
        return where


def test_ctrl_c_while_saving_still_writes_config_and_secrets_together(
    emu: PlexEmulator, isolated_env: Path
) -> None:
    """A re-run moves to another server: its URL and token must never be half saved."""
    isolated_env.mkdir(parents=True)
    old_url = f"http://127.0.0.1:{closed_port()}"
    (isolated_env / "config.yaml").write_text(f"plex:\n  url: {old_url}\n  library: Music\n")
    CredentialStore(isolated_env, {}).set("plex_token", "old-token-for-the-old-server")
    script = Script(
        ("Plex server URL", emu.url), ("Plex token", PLEX_TOKEN), ("Music library", ""),
        ("Google API key", FAKE_GOOGLE), ("other providers", "n"), ("Data folder", ""),
    )
    store = InterruptedStore(isolated_env, {})
    loaded = load_settings()
    setup = SetupWizard(script.ask, script.say, config_path=loaded.config_path, home=isolated_env,
                        credentials=store, current=loaded.settings, timeout=5)
    raised = interrupted_run(setup)
    assert store.interrupted
    assert raised.exit_code == 130 and "after saving" in raised.message and raised.hint is None
    assert not script.steps, "the first-sync question is not asked after Ctrl+C"
    config = yaml.safe_load((isolated_env / "config.yaml").read_text())
    assert config["plex"] == {"url": emu.url, "library": "Music"}
    stored = yaml.safe_load((isolated_env / "credentials.yaml").read_text())
    assert stored == {"plex_token": PLEX_TOKEN, "google_api_key": FAKE_GOOGLE}
    assert sorted(p.name for p in isolated_env.iterdir() if p.suffix != ".log") == [
        "config.yaml",
        "credentials.yaml",
    ]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # Ctrl+C works as before again


@pytest.mark.parametrize("where", ["Music library", "first sync"])
def test_ctrl_c_at_a_question_says_whether_anything_was_saved(
    emu: PlexEmulator, isolated_env: Path, where: str
) -> None:
    steps = [("Plex server URL", emu.url), ("Plex token", PLEX_TOKEN), ("Music library", ""),
             ("Google API key", ""), ("other providers", "n"), ("Data folder", ""), ("first sync", "y")]
    upto = [question for question, _ in steps].index(where)
    script = Script(*steps[:upto], (where, CTRL_C))
    raised = interrupted_run(wizard(script, isolated_env))
    assert not script.steps and raised.exit_code == 130 and raised.hint is None
    if where == "first sync":
        assert raised.message == (
            f"Interrupted after saving: the settings are in {isolated_env / 'config.yaml'}; "
            "run `plexmix sync` for the first sync."
        )
        assert yaml.safe_load((isolated_env / "credentials.yaml").read_text()) == {"plex_token": PLEX_TOKEN}
    else:
        assert raised.message == "Interrupted before saving: nothing was changed."
        assert not isolated_env.exists()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("http://192.168.1.10:32400/", "http://192.168.1.10:32400"),
        ("  https://plex.example.com ", "https://plex.example.com"),
    ],
)
def test_plex_url_accepts(text: str, expected: str) -> None:
    assert parse_plex_url(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "192.168.1.10:32400", "ftp://nas:21", "http://", "http://host:0", "http://h:32400/?X-Plex-Token=x"],
)
def test_plex_url_rejects_with_an_example(text: str) -> None:
    with pytest.raises(AnswerError, match="http"):
        parse_plex_url(text)


def test_token_pasted_as_the_whole_view_xml_address() -> None:
    url = "http://10.0.0.2:32400/library/metadata/7?checkFiles=1&X-Plex-Token=AbCdEf123456_-x"
    assert parse_token(url) == "AbCdEf123456_-x"
    with pytest.raises(AnswerError):
        parse_token("two words")
