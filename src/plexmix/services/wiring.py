"""Build PlexMix's components from settings and stored credentials (the composition root).

Used by the CLI and by ``plexmix demo``; library users may call these or build components
directly. Heavy modules are imported inside the functions.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from plexmix.config.credentials import secret_for
from plexmix.config.profiles import token_secret
from plexmix.errors import ConfigError, CredentialError, IndexMismatchError

if TYPE_CHECKING:
    from plexmix.config.credentials import CredentialStore
    from plexmix.config.loader import LoadedSettings
    from plexmix.config.settings import Settings
    from plexmix.plex.client import PlexClient
    from plexmix.providers.ai.base import Curator
    from plexmix.providers.embeddings import EmbeddingProvider
    from plexmix.storage.sqlite_manager import Connection
    from plexmix.storage.vector_index import VectorIndex

log = logging.getLogger(__name__)


@dataclass
class Choice:
    """A component and, when PlexMix chose something other than what was configured, why."""

    name: str
    note: str | None = None


def _a(label: str) -> str:
    """``label`` with its indefinite article: "an OpenAI API key", "a Google API key"."""
    return f"{'an' if label[:1].upper() in 'AEIOU' else 'a'} {label}"


def embedding_choice(loaded: LoadedSettings, credentials: CredentialStore) -> Choice:
    """The embedding provider to use: the configured one, or local when the default lacks a key.

    Only a provider left at its default falls back (offline-first); one the user chose
    explicitly is never swapped silently.
    """
    provider = loaded.settings.embeddings.provider
    spec = secret_for(provider)
    if spec is None or credentials.provider_key(provider):
        return Choice(provider)
    if loaded.source("embeddings.provider") == "default" and loaded.source("embeddings.model") == "default":
        return Choice(
            "local",
            f"No {spec.label} is set, so tracks are embedded locally (offline MiniLM). "
            f"Set {spec.env_var} to use {provider} embeddings.",
        )
    raise CredentialError(
        f"The {provider} embedding provider needs {_a(spec.label)}.",
        hint=spec.hint("`plexmix config set embeddings.provider local` for offline embeddings"),
    )


def build_embedder(
    loaded: LoadedSettings, credentials: CredentialStore, stored_model_ids: Iterable[str] = ()
) -> tuple[EmbeddingProvider, Choice]:
    """The embedding provider to use. ``stored_model_ids``: the models of the vectors already
    stored; with no dimension configured, vectors of the same model keep their size (a Gemini
    index of 3,072 dimensions made before the default became 768 is not re-embedded)."""
    from plexmix.config.embedding_models import stored_dimension
    from plexmix.providers.embeddings import get_embedding_provider

    settings = loaded.settings
    choice = embedding_choice(loaded, credentials)
    same = choice.name == settings.embeddings.provider
    base_url = settings.ai.base_url_for(choice.name) if choice.name != "local" else None
    model = settings.embeddings.model if same else None
    configured = settings.embeddings.dimension if same else None
    embedder = get_embedding_provider(
        choice.name,
        model=model,
        dimension=stored_dimension(choice.name, model, configured, stored_model_ids),
        api_key=credentials.provider_key(choice.name),
        base_url=base_url,
        timeout=settings.ai.timeout,
        batch_size=settings.embeddings.batch_size,
        max_concurrency=settings.embeddings.concurrency,
    )
    return embedder, choice


def ai_choice(loaded: LoadedSettings, credentials: CredentialStore, requested: str | None = None) -> Choice:
    """The curator to use. With no key for the *default* provider: ``none``, with a note."""
    name = (requested or loaded.settings.ai.provider).strip().lower()
    spec = secret_for(name)
    if spec is None or credentials.provider_key(name):
        return Choice(name)
    if requested is None and loaded.source("ai.provider") == "default":
        return Choice(
            "none",
            f"No {spec.label} is set, so tracks are ranked by similarity without an LLM. "
            f"Set {spec.env_var} (or `plexmix config set {spec.setting} KEY`) to let {name} curate.",
        )
    raise CredentialError(
        f"The {name} provider needs {_a(spec.label)}.", hint=spec.hint("use --provider none")
    )


def build_curator(
    loaded: LoadedSettings, credentials: CredentialStore, requested: str | None = None
) -> tuple[Curator, Choice]:
    from plexmix.providers.ai import get_curator

    settings = loaded.settings
    choice = ai_choice(loaded, credentials, requested)  # an unknown name fails in get_curator
    name = choice.name
    model = settings.ai.local_model if name == "local" else None
    if name == settings.ai.provider and settings.ai.model:
        model = settings.ai.model
    provider = get_curator(
        name,
        api_key=credentials.provider_key(name),
        model=model,
        base_url=settings.ai.base_url_for(name),
        timeout=settings.ai.timeout,
        temperature=settings.ai.temperature,
    )
    return provider, choice


def build_retrieval(
    loaded: LoadedSettings, credentials: CredentialStore, conn: Connection
) -> tuple[VectorIndex | None, EmbeddingProvider | None, list[str]]:
    """The vector index and query embedder for ``create``/``search`` (None when nothing is embedded).

    The index is checked against the stored vectors and rebuilt from them if it disagrees; vectors
    of another model than the configured one are an :class:`IndexMismatchError`.
    """
    from plexmix.services.index import ensure_index
    from plexmix.storage.embedding_store import models_present

    notes: list[str] = []
    stored = models_present(conn)
    if not stored:
        from plexmix.playlist.retrieval import NO_EMBEDDINGS_NOTE

        notes.append(NO_EMBEDDINGS_NOTE)
        return None, None, notes
    embedder, choice = build_embedder(loaded, credentials, stored)
    if choice.note:
        notes.append(choice.note)
    if embedder.model_id not in stored:
        raise IndexMismatchError(
            f"The stored embeddings were made with {', '.join(sorted(stored))}, "
            f"but the configured model is {embedder.model_id}.",
            hint="Run `plexmix embeddings rebuild`, or set embeddings.provider/model back.",
        )
    index = ensure_index(conn, loaded.settings.index_path, embedder.model_id)
    return index, embedder, notes


def client_from_settings(
    settings: Settings,
    credentials: CredentialStore,
    *,
    library: str | None = None,
    ask_pin: Callable[[str], str | None] | None = None,
) -> PlexClient:
    """A client for the configured server and music library (connects and selects it), acting
    as ``plex.user`` when set (``ask_pin(user)`` is asked for a Home user's PIN when needed)."""
    from plexmix.plex.client import PlexClient

    if not settings.plex.url:
        raise ConfigError(
            "No Plex server is configured.",
            hint="Run `plexmix config init`, or set PLEX_URL (e.g. http://192.168.1.10:32400).",
        )
    token = credentials.require(token_secret(settings.plex.server))
    if settings.plex.user:
        token = _user_token(settings, credentials, token, ask_pin)
    client = PlexClient(
        settings.plex.url,
        token,
        timeout=settings.plex.timeout,
        max_retries=settings.plex.max_retries,
        requests_per_second=settings.plex.requests_per_second,
        page_size=settings.plex.page_size,
    )
    client.connect()
    client.select_library(library or settings.plex.library)
    return client


def _user_token(
    settings: Settings, credentials: CredentialStore, owner_token: str,
    ask_pin: Callable[[str], str | None] | None,
) -> str:
    """The server token of the Plex Home user ``plex.user``, switched to through the account
    service with the owner's token. The PIN comes from ``PLEX_PIN``, else ``ask_pin`` when the
    user has one. Nothing is stored: the switch is made again by each command."""
    from plexmix.plex.home import PinRequiredError, user_server_token

    user, url = str(settings.plex.user), str(settings.plex.url)
    pin = credentials.environ.get("PLEX_PIN") or None
    try:
        return user_server_token(url, owner_token, user, pin, account_url=settings.plex.account_url)
    except PinRequiredError:
        asked = ask_pin(user) if ask_pin is not None else None
        if not asked:
            raise
        return user_server_token(url, owner_token, user, asked, account_url=settings.plex.account_url)
