"""The setup wizard behind ``plexmix config init``, testable without a terminal.

:class:`SetupWizard` talks through two callables: ``ask(question, default, secret) -> answer``
and ``say(rich_markup_text)``; ``cli.setup_io.ConsoleIO`` provides them on a terminal (secrets
are read without echo). Every answer is checked on the spot and asked again with a reason when
wrong; nothing is written until every setting is answered (step 5, before the offer to sync), and
then config.yaml and the secrets are written together even if Ctrl+C comes in between; secrets
never go to ``config.yaml``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from plexmix.config.credentials import PROVIDER_SECRETS, SECRETS, mask, spec_for
from plexmix.errors import LibraryNotFoundError, PlexAuthError, PlexConnectionError, PlexMixError
from plexmix.services.setup_input import (
    DEFAULT_LOCAL_MODEL,
    DEFAULT_LOCAL_URL,
    URL_EXAMPLE,
    AnswerError,
    escape,
    parse_api_key,
    parse_choice,
    parse_folder,
    parse_http_url,
    parse_plex_url,
    parse_token,
    parse_word,
    parse_yes_no,
)
from plexmix.utils.interrupts import interrupts_deferred

if TYPE_CHECKING:
    from collections.abc import Iterator

    from plexmix.config.credentials import CredentialStore
    from plexmix.config.settings import Settings
    from plexmix.plex.client import PlexClient
    from plexmix.plex.models import LibraryInfo

Ask = Callable[[str, "str | None", bool], str]
Say = Callable[[str], None]
T = TypeVar("T")

TOKEN_HELP = (
    "Find your Plex token: in Plex Web open any item → ⋯ → Get Info → View XML; the address bar then "
    "ends with [bold]X-Plex-Token=…[/] — copy that value.\n"
    "Help: https://support.plex.tv/articles/204059436"
)


# -- the wizard ----------------------------------------------------------------------------------
class SetupInterruptedError(PlexMixError):
    """Ctrl+C during the wizard; the message says what was saved (one line, no hint needed)."""

    exit_code = 130  # 128 + SIGINT, as for any interrupted command


@dataclass
class WizardResult:
    config_path: Path
    values: dict[str, Any]  # dotted setting -> value written to config.yaml
    stored: dict[str, str] = field(default_factory=dict)  # secret name -> "keyring" or file path
    sync_now: bool = False


def _connect(url: str, token: str, timeout: float) -> PlexClient:
    from plexmix.plex.client import PlexClient

    client = PlexClient(url, token, timeout=timeout, max_retries=1, backoff_factor=0.2)
    try:
        client.connect()
    except BaseException:
        client.close()
        raise
    return client


class SetupWizard:
    """Asks everything ``plexmix config init`` needs, then saves config.yaml and the secrets."""

    STEPS = 6
    TOKEN = "plex_token"  # the secret the server's token goes to
    URL_KEY = "plex.url"  # the setting its address goes to

    def __init__(
        self,
        ask: Ask,
        say: Say,
        *,
        config_path: Path,
        home: Path,
        credentials: CredentialStore,
        current: Settings | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.ask, self.say = ask, say
        self.config_path, self.home = config_path, home
        self.credentials = credentials
        self.current = current
        self.timeout = timeout
        self.secrets: dict[str, str] = {}  # new secrets, stored at the end
        self.values: dict[str, Any] = {}
        self.saved = False  # config.yaml and the new secrets are written (all of them, or none)

    # -- helpers -------------------------------------------------------------------------------
    def _ask_valid(self, question: str, parse: Callable[[str], T], default: str | None = None,
                   secret: bool = False) -> T:
        while True:
            try:
                return parse(self.ask(question, default, secret))
            except AnswerError as exc:
                self.say(f"[red]✗[/] {escape(str(exc))}")

    def _yes_no(self, question: str, default: bool) -> bool:
        return self._ask_valid(question + (" (y/n)"), parse_yes_no, "y" if default else "n")

    def _step(self, number: int, title: str) -> None:
        self.say(f"\n[bold]Step {number} of {self.STEPS} — {title}[/]")

    def _has_secret(self, name: str) -> bool:
        return bool(self.secrets.get(name) or self.credentials.get(name)[0])

    def _ask_secret(self, name: str, question: str, parse: Callable[[str], str], keep: bool = True) -> str:
        """A secret, typed hidden; Enter keeps one that is already configured (when ``keep``)."""
        existing, source = self.credentials.get(name) if keep else (None, "")
        if existing:
            question += f" (Enter keeps the current one, {mask(existing)} from {source})"
        value = self._ask_valid(question, parse if not existing else _optional(parse), None, True)
        if value:
            from plexmix.utils.logging import register_secret

            register_secret(value)
            self.secrets[name] = value
            self.say(f"[green]✓[/] {spec_for(name).label} received ({mask(value)}).")
        return value or (existing or "")

    # -- steps ---------------------------------------------------------------------------------
    def run(self) -> WizardResult:
        """Every step in order; Ctrl+C becomes :class:`SetupInterruptedError`, saying what was saved."""
        try:
            result = self._ask_and_save()
            result.sync_now = self.offer_sync()
        except KeyboardInterrupt:
            if self.saved:
                raise SetupInterruptedError(
                    f"Interrupted after saving: the settings are in {self.config_path}; "
                    "run `plexmix sync` for the first sync."
                ) from None
            raise SetupInterruptedError("Interrupted before saving: nothing was changed.") from None
        return result

    def _ask_and_save(self) -> WizardResult:
        self.welcome()
        client = self.connect_plex()
        with client:
            self.values["plex.library"] = self.choose_library(client).title
        google = self.ask_google_key()
        ai, embeddings = self.providers(google)
        self.values["ai.provider"], self.values["embeddings.provider"] = ai, embeddings
        self.data_folder()
        return self.save()

    def welcome(self) -> None:
        self.say(
            "[bold]Welcome to PlexMix[/] — turn a mood into a Plex music playlist.\n"
            "PlexMix is free software under the MIT License: use, copy, change and share it; "
            "it comes with no warranty.\n"
            "This setup asks for your Plex server, optional AI keys and a data folder. "
            f"Nothing is saved before step 5 of {self.STEPS}; press Ctrl+C to stop at any time."
        )

    def connect_plex(self) -> PlexClient:
        self._step(1, "Plex server")
        self.say(f"Enter the address of your Plex Media Server, e.g. {URL_EXAMPLE} (32400 is Plex's port).")
        default_url = (self.current.plex.url if self.current else None) or "http://localhost:32400"
        url = self._ask_valid("Plex server URL", parse_plex_url, default_url)
        self.say(TOKEN_HELP)
        token = self._ask_secret(self.TOKEN, "Plex token (hidden as you type)", parse_token)
        while True:
            self.say(f"Connecting to {escape(url)} …")
            try:
                client = _connect(url, token, self.timeout)
            except PlexAuthError:
                self.say(
                    f"[red]✗[/] The server at {escape(url)} rejected this token. Copy it again (see above)."
                )
                self.secrets.pop(self.TOKEN, None)
                question = "Plex token (hidden as you type)"
                token = self._ask_secret(self.TOKEN, question, parse_token, keep=False)
                continue
            except PlexConnectionError as exc:
                if "not a valid" in exc.message:
                    self.say(
                        f"[red]✗[/] {escape(url)} is not a usable address; use http(s)://HOST:PORT, "
                        f"e.g. {URL_EXAMPLE}."
                    )
                else:
                    where = escape(url)
                    self.say(f"[red]✗[/] Cannot reach a Plex server at {where}. Check the address and port, "
                             "and that Plex is running.")
            except PlexMixError as exc:
                self.say(f"[red]✗[/] {escape(url)} did not answer like a Plex server: {escape(exc.message)}")
            else:
                info = client.server_info()
                self.values[self.URL_KEY] = url
                self.say(
                    f"[green]✓[/] Connected to {escape(info.name or 'Plex')} (Plex {escape(info.version)})."
                )
                return client
            url = self._ask_valid("Plex server URL", parse_plex_url, url)

    def choose_library(self, client: PlexClient) -> LibraryInfo:
        self._step(2, "Music library")
        libraries = client.music_libraries()
        if not libraries:
            raise LibraryNotFoundError(
                "The Plex server has no music library.",
                hint="Create a library of type Music in Plex, then run `plexmix config init` again.",
            )
        titles = [lib.title for lib in libraries]
        current = (self.current.plex.library or "") if self.current else ""
        default = next((i for i, t in enumerate(titles, 1) if t.lower() == current.lower()), 1)
        for i, title in enumerate(titles, start=1):
            self.say(f"  {i}. {escape(title)}")
        title = self._ask_valid("Music library number", lambda a: parse_choice(a, titles), str(default))
        self.say(f"[green]✓[/] Using the library '{escape(title)}'.")
        return libraries[titles.index(title)]

    def ask_google_key(self) -> bool:
        self._step(3, "AI (optional)")
        self.say(
            "One Google API key is enough for AI and embeddings (Gemini). "
            "Get one at https://aistudio.google.com/apikey — or press Enter to skip."
        )
        key = self._ask_secret("google_api_key", "Google API key (hidden as you type)", parse_api_key)
        if not key:
            self.say(
                "Skipped: tracks will be embedded offline with a local model, and playlists will be ranked "
                "by similarity (the [bold]none[/] curator). Add a key later with "
                "`plexmix config set ai.google_api_key KEY`."
            )
        return bool(key)

    def providers(self, google: bool) -> tuple[str, str]:
        """(ai.provider, embeddings.provider), asking about other providers when wanted."""
        default_ai, default_emb = ("gemini", "gemini") if google else ("none", "local")
        if not self._yes_no("Configure other providers (OpenAI, Anthropic, a local LLM)?", False):
            return default_ai, default_emb
        self._ask_secret("openai_api_key", "OpenAI API key (Enter to skip)", parse_api_key)
        self._ask_secret("anthropic_api_key", "Anthropic API key (Enter to skip)", parse_api_key)
        local = self._yes_no("Use a local LLM server (Ollama, LM Studio, llama.cpp)?", False)
        if local:
            self.values["ai.local_base_url"] = self._ask_valid(
                "Local LLM base URL", parse_http_url, DEFAULT_LOCAL_URL
            )
            self.values["ai.local_model"] = self._ask_valid(
                "Local model name", parse_word, DEFAULT_LOCAL_MODEL
            )
        curators = [provider for provider, secret in PROVIDER_SECRETS.items() if self._has_secret(secret)]
        curators += ["local"] if local else []
        curators.append("none")
        ai = self._pick("AI curator for playlists", curators, curators[0])
        embedders = ["gemini", "openai", "local"]
        while True:
            emb = self._pick("Embeddings provider", embedders, default_emb)
            need = PROVIDER_SECRETS.get(emb)
            if need is None or self._has_secret(need):
                return ai, emb
            self.say(f"[red]✗[/] {emb} embeddings need a {SECRETS[need].label}; choose another provider.")

    def _pick(self, question: str, options: list[str], default: str) -> str:
        self.say("  " + "   ".join(f"{i}. {o}" for i, o in enumerate(options, start=1)))
        return self._ask_valid(question, lambda a: parse_choice(a, options), str(options.index(default) + 1))

    def data_folder(self) -> None:
        self._step(4, "Data folder")
        self.say("PlexMix keeps its database and search index in a folder on this computer.")
        folder = self._ask_valid("Data folder", parse_folder, str(self.home))
        if folder != self.home.expanduser().resolve():
            self.values["database.path"] = str(folder / "plexmix.db")
            self.values["database.faiss_index_path"] = str(folder / "embeddings.index")

    def save(self) -> WizardResult:
        self._step(5, "Save")
        return self._write()

    def _write(self) -> WizardResult:
        """config.yaml with the answers, and the new secrets: all of them, or none."""
        from plexmix.config.loader import read_config_file, write_config_file

        data = read_config_file(self.config_path)
        old = data.get("embeddings")
        before = self.current.embeddings.provider if self.current else None
        chosen = self.values.get("embeddings.provider", before)
        if isinstance(old, dict) and (old.get("provider") or before) != chosen:
            for stale in ("model", "dimension"):  # they belonged to the previous provider
                old.pop(stale, None)
        for key, value in self.values.items():
            *sections, name = key.split(".")  # section.name, or servers.PROFILE.name
            node = data
            for section in sections:
                if not isinstance(node.get(section), dict):
                    node[section] = {}
                node = node[section]
            node[name] = value
        _check_settings(data, self.home, self.config_path)
        result = WizardResult(self.config_path, dict(self.values))
        # Ctrl+C here waits until both are written: never new secrets beside an old config.yaml.
        with interrupts_deferred(), quiet_fallback_warning():
            for name, value in self.secrets.items():
                result.stored[name] = self.credentials.set(name, value)
            write_config_file(self.config_path, data)
            self.saved = True
        self.say(
            f"[green]✓[/] Saved {escape(str(self.config_path))} (readable only by you; no secrets in it)."
        )
        self._report_secrets(result.stored)
        return result

    def _report_secrets(self, stored: dict[str, str]) -> None:
        if not stored:
            return
        labels = " and ".join(spec_for(name).label for name in stored)
        where = next(iter(stored.values()))
        if where == "keyring":
            self.say(f"[green]✓[/] {labels} stored in the system keyring.")
        else:
            self.say(f"[green]✓[/] {labels} stored in {escape(where)} (mode 0600, readable only by you): "
                     "no system keyring is available here.")
        for name in stored:
            var = self.credentials.env_var_set(name)
            if var:
                self.say(f"[yellow]Note:[/] {var} is set in your environment and takes precedence.")

    def offer_sync(self) -> bool:
        self._step(6, "First sync")
        self.say("PlexMix now needs a copy of your library's track list (and its embeddings); "
                 "this may take a few minutes for large libraries.")
        if self._yes_no("Run the first sync now?", True):
            return True
        self.say('OK. Run [bold]plexmix sync[/] when you are ready, then [bold]plexmix create "a mood"[/].')
        return False


def _optional(parse: Callable[[str], str]) -> Callable[[str], str]:
    return lambda answer: parse(answer) if answer.strip() else ""


def _check_settings(data: dict[str, Any], home: Path, path: Path) -> None:
    from pydantic import ValidationError

    from plexmix.config.settings import Settings
    from plexmix.errors import ConfigError

    try:
        Settings(home=home, **{k: v for k, v in data.items() if k != "home"})
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"]) or "settings"
        message = str(err["msg"]).removeprefix("Value error, ").rstrip(".")
        raise ConfigError(
            f"The settings in {path} are not valid together with the answers: {key}: {message}.",
            hint=f"Fix or remove {key} in {path}, then run `plexmix config init` again.",
        ) from exc


@contextmanager
def quiet_fallback_warning() -> Iterator[None]:
    """The wizard says itself where secrets went; silence the store's one-time log warning."""
    logger = logging.getLogger("plexmix.config.credentials")
    before = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(before)
