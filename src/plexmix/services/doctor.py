"""The checks behind ``plexmix config validate``: one :class:`Check` per thing that can be wrong.

Every check is quick and bounded: the Plex client gets a short timeout and one retry, API keys
are tested with one tiny listing request (``GET /models``) through the providers' SDKs pointed
at the configured base URLs, and no check raises: failures become a ``fail`` row with a hint.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from plexmix.config.credentials import SECRETS, spec_for
from plexmix.config.profiles import token_secret
from plexmix.errors import PlexAuthError, PlexMixError

if TYPE_CHECKING:
    from plexmix.config.credentials import CredentialStore
    from plexmix.config.loader import LoadedSettings
    from plexmix.plex.client import PlexClient
    from plexmix.services.wiring import Choice

log = logging.getLogger(__name__)

Status = Literal["ok", "fail", "skip"]
CHECK_TIMEOUT = 10.0  # seconds for any one network check


@dataclass
class Check:
    name: str
    status: Status
    detail: str
    hint: str | None = None

    @property
    def ok(self) -> bool:
        return self.status != "fail"

    def as_dict(self) -> dict[str, Any]:
        return {"check": self.name, "status": self.status, "detail": self.detail, "hint": self.hint}


def fail(name: str, detail: str, hint: str | None = None) -> Check:
    return Check(name, "fail", detail, hint)


def _error_check(name: str, exc: PlexMixError) -> Check:
    return Check(name, "fail", exc.message, exc.hint)


def config_failure(exc: PlexMixError) -> Check:
    """The row shown when the settings cannot even be loaded."""
    return _error_check("Config file", exc)


# -- config file -------------------------------------------------------------------------------
def check_config_file(loaded: LoadedSettings) -> Check:
    path = loaded.config_path
    if not path.exists():
        return Check(
            "Config file", "skip", f"{path} does not exist (using the environment and defaults)",
            "Run `plexmix config init` to create it.",
        )
    count = sum(1 for source in loaded.sources.values() if source == "file")
    detail = f"{path} ({count} setting{'s' if count != 1 else ''})"
    if path.stat().st_mode & 0o077:
        detail += "; readable by other users"
    return Check("Config file", "ok", detail)


# -- Plex --------------------------------------------------------------------------------------
def check_plex(loaded: LoadedSettings, credentials: CredentialStore, timeout: float) -> list[Check]:
    """Server reachable, token accepted, library found (later rows skip when an earlier fails)."""
    settings = loaded.settings
    if not settings.plex.url:
        return [
            Check("Plex server", "fail", "no Plex server is configured",
                  "Set PLEX_URL or run `plexmix config init`."),
            Check("Plex token", "skip", "not checked"),
            Check("Music library", "skip", "not checked"),
        ]
    secret = token_secret(settings.plex.server)
    token, source = credentials.get(secret)
    if not token:
        spec = spec_for(secret)
        return [
            Check("Plex server", "skip", f"{settings.plex.url} (not contacted without a token)"),
            Check("Plex token", "fail", "no Plex token is configured",
                  f"Set {spec.env_var} or run `plexmix config set {spec.setting} TOKEN`."),
            Check("Music library", "skip", "not checked"),
        ]
    from plexmix.plex.client import PlexClient

    client = PlexClient(
        settings.plex.url, token, timeout=min(settings.plex.timeout, timeout), max_retries=1,
        backoff_factor=0.1, page_size=settings.plex.page_size,
    )
    with client:
        return _plex_rows(client, settings.plex.library, source)


def _plex_rows(client: PlexClient, library: str | None, token_source: str) -> list[Check]:
    try:
        info = client.connect()
    except PlexAuthError as exc:
        return [
            Check("Plex server", "ok", f"{client.safe_url} answered"),
            _error_check("Plex token", exc),
            Check("Music library", "skip", "not checked"),
        ]
    except PlexMixError as exc:
        return [
            _error_check("Plex server", exc),
            Check("Plex token", "skip", "not checked"),
            Check("Music library", "skip", "not checked"),
        ]
    rows = [
        Check("Plex server", "ok", f"{info.name or 'Plex'} {info.version} at {client.safe_url}".strip()),
        Check("Plex token", "ok", f"accepted (from {token_source})"),
    ]
    try:
        chosen = client.select_library(library)
        tracks = client.count("track")
    except PlexMixError as exc:
        rows.append(_error_check("Music library", exc))
    else:
        how = "" if library else " (the first music library; plex.library is not set)"
        rows.append(Check("Music library", "ok", f"'{chosen.title}' with {tracks:,} tracks{how}"))
    return rows


# -- AI and embedding providers ----------------------------------------------------------------
def _choice(name: str, pick: Callable[[], Choice]) -> tuple[Check, str | None]:
    try:
        choice = pick()
    except PlexMixError as exc:
        return _error_check(name, exc), None
    return Check(name, "ok", choice.name + (f" ({choice.note})" if choice.note else "")), choice.name


def _key_rows(
    loaded: LoadedSettings, credentials: CredentialStore, used: set[str], timeout: float
) -> list[Check]:
    """One row per API key: tested when set; missing is a failure only for a provider in use."""
    rows = []
    for spec in SECRETS.values():
        provider = spec.provider
        if provider is None:
            continue
        key, source = credentials.get(spec.name)
        how = f"{spec.env_var} / `plexmix config set {spec.setting} KEY`"
        if not key:
            rows.append(
                fail(spec.label, f"not set, but {provider} needs it", f"Set it: {how}.")
                if provider in used
                else Check(spec.label, "skip", "not configured")
            )
            continue
        failure = check_api_key(provider, key, loaded.settings.ai.base_url_for(provider), timeout)
        ok = Check(spec.label, "ok", f"works (from {source})")
        rows.append(ok if failure is None else fail(spec.label, failure, f"Check the key ({how})."))
    return rows


def check_api_key(provider: str, key: str, url: str | None, timeout: float) -> str | None:
    """``None`` when ``key`` works (one model-listing request), else a key-free reason."""
    from plexmix.providers.clients import list_one_model
    from plexmix.providers.failures import Kind, classify

    try:
        list_one_model(provider, key, base_url=url, timeout=timeout)
    except Exception as exc:
        failure = classify(exc)
        if failure.kind is Kind.AUTH:
            return f"the key was rejected (HTTP {failure.status})"
        log.debug("API key check failed: %s", type(exc).__name__)
        return f"the check failed: {failure.summary}"
    return None


def check_local_llm(loaded: LoadedSettings, timeout: float) -> Check:
    """The OpenAI-compatible local endpoint answers ``GET /models`` (any key)."""
    import requests

    ai = loaded.settings.ai
    url = ai.local_base_url.rstrip("/") + "/models"
    try:
        response = requests.get(url, timeout=timeout)
        response.raise_for_status()
        names = [str(m.get("id")) for m in response.json().get("data", []) if isinstance(m, dict)]
    except (requests.RequestException, ValueError, AttributeError) as exc:
        return fail(
            "Local LLM",
            f"{ai.local_base_url} did not answer ({type(exc).__name__})",
            "Start the local server (e.g. `ollama serve`) or set LOCAL_LLM_BASE_URL.",
        )
    if names and ai.local_model not in names and not any(n.startswith(ai.local_model + ":") for n in names):
        return fail(
            "Local LLM",
            f"{ai.local_base_url} has no model '{ai.local_model}'",
            f"Pull it (e.g. `ollama pull {ai.local_model}`) or set LOCAL_LLM_MODEL.",
        )
    return Check("Local LLM", "ok", f"{ai.local_model} at {ai.local_base_url}")


def check_local_embeddings(model: str) -> Check:
    """The offline embedding model loads and embeds one text."""
    from plexmix.providers.embeddings import get_embedding_provider

    started = time.perf_counter()
    try:
        provider = get_embedding_provider("local", model=model)
        vector = provider.embed_query("plexmix validate")
    except PlexMixError as exc:
        return _error_check("Local embedding model", exc)
    except Exception as exc:  # a broken runtime install
        return fail(
            "Local embedding model",
            f"loading failed: {type(exc).__name__}",
            "Reinstall PlexMix (pip install --force-reinstall plexmix).",
        )
    seconds = time.perf_counter() - started
    return Check("Local embedding model", "ok", f"{model} loaded ({vector.shape[0]} dims, {seconds:.1f} s)")


# -- stored vectors ----------------------------------------------------------------------------
def expected_model_id(
    loaded: LoadedSettings, provider: str, stored_model_ids: Iterable[str] = ()
) -> tuple[str, str, int]:
    """(model id, model name, dimension) the effective embedding provider produces; with no
    dimension configured, stored vectors of the same model keep their size."""
    from plexmix.config.embedding_models import stored_dimension
    from plexmix.config.settings import DEFAULT_EMBEDDING_MODELS, embedding_dimension

    emb = loaded.settings.embeddings
    if provider == emb.provider:
        model = emb.model_name
        dimension = stored_dimension(provider, model, emb.dimension, stored_model_ids)
    else:  # a fallback provider runs with its defaults
        model = DEFAULT_EMBEDDING_MODELS[provider]
        dimension = embedding_dimension(provider, model)
    return f"{provider}:{model}:{dimension}", model, dimension


def _matches(stored: str, dimension: int, want: tuple[str, str, int]) -> bool:
    model_id, model, want_dim = want
    return dimension == want_dim and stored in (model_id, model)


def check_vectors(loaded: LoadedSettings, provider: str | None) -> list[Check]:
    settings = loaded.settings
    if provider is None:
        return [Check("Stored embeddings", "skip", "not checked (no usable embedding provider)")]
    want = expected_model_id(loaded, provider, _stored_model_ids(settings.db_path))
    rows = [_check_db_vectors(settings.db_path, want)]
    from plexmix.storage.index_header import read_index_metadata

    path = settings.index_path
    try:
        meta = read_index_metadata(path) if path.exists() else None
    except PlexMixError as exc:
        rows.append(_error_check("Vector index", exc))
        return rows
    if meta is None:
        rows.append(Check("Vector index", "skip", f"{path} does not exist yet"))
    elif _matches(str(meta["model_id"]), int(meta["dimension"]), want):
        rows.append(Check("Vector index", "ok", f"{int(meta['count']):,} vectors of {meta['model_id']}"))
    else:
        rows.append(Check("Vector index", "fail",
                          f"built with {meta['model_id']} ({meta['dimension']} dims), settings say {want[0]}",
                          "Run `plexmix embeddings rebuild`."))
    return rows


def _stored_model_ids(db_path: Path) -> list[str]:
    """The models of the stored vectors ([] without a readable database)."""
    if not db_path.exists():
        return []
    from plexmix.storage.embedding_store import vector_groups
    from plexmix.storage.sqlite_manager import read_only

    try:
        with read_only(db_path) as conn:
            return [model for model, _, _ in vector_groups(conn)]
    except PlexMixError:
        return []


def _check_db_vectors(db_path: Path, want: tuple[str, str, int]) -> Check:
    name = "Stored embeddings"
    if not db_path.exists():
        return Check(name, "skip", "no database yet (run `plexmix sync`)")
    from plexmix.storage.embedding_store import vector_groups
    from plexmix.storage.sqlite_manager import read_only

    try:
        with read_only(db_path) as conn:
            groups = vector_groups(conn)
    except PlexMixError as exc:
        return _error_check(name, exc)
    if not groups:
        return Check(name, "skip", "no embeddings yet")
    good = sum(count for model, dim, count in groups if _matches(model, dim, want))
    bad = [(model, dim, count) for model, dim, count in groups if not _matches(model, dim, want)]
    if not bad:
        return Check(name, "ok", f"{good:,} vectors of {want[0]}")
    other = ", ".join(f"{count:,} of {model} ({dim} dims)" for model, dim, count in bad)
    return fail(
        name,
        f"{other} do not match the settings ({want[0]})",
        "Run `plexmix embeddings rebuild` (or switch the embedding settings back).",
    )


# -- paths ---------------------------------------------------------------------------------------
def _writable(path: Path, *, folder: bool = False) -> str | None:
    """``None`` when ``path`` (a folder, or a file that may not exist yet) can be written."""
    target = path if folder else path.parent
    probe = target
    while not probe.exists():
        if probe.parent == probe:
            return f"{target} cannot be created"
        probe = probe.parent
    if not probe.is_dir():
        return f"{probe} is not a folder"
    if not target.exists():
        return None if os.access(probe, os.W_OK | os.X_OK) else f"{target} cannot be created in {probe}"
    if not folder and path.exists():
        return None if os.access(path, os.W_OK) else f"{path} is read-only"
    try:
        with tempfile.TemporaryFile(dir=target):
            pass
    except OSError as exc:
        return f"{target} is not writable ({exc.strerror or type(exc).__name__})"
    return None


def check_paths(loaded: LoadedSettings) -> list[Check]:
    settings = loaded.settings
    rows = []
    for name, path, folder in (
        ("Data folder", settings.home, True),
        ("Database", settings.db_path, False),
        ("Vector index file", settings.index_path, False),
        ("Log file", settings.log_path, False),
    ):
        problem = _writable(path, folder=folder)
        if problem is None:
            rows.append(Check(name, "ok", f"{path} is writable"))
        else:
            rows.append(Check(name, "fail", problem, "Fix the permissions or choose another path."))
    return rows


# -- all ---------------------------------------------------------------------------------------
def run_checks(
    loaded: LoadedSettings, credentials: CredentialStore, *, timeout: float = CHECK_TIMEOUT
) -> list[Check]:
    from plexmix.services.wiring import ai_choice, embedding_choice

    checks = [check_config_file(loaded)]
    checks += check_plex(loaded, credentials, timeout)
    ai_row, ai_name = _choice("AI curator", lambda: ai_choice(loaded, credentials))
    emb_row, emb_name = _choice("Embedding provider", lambda: embedding_choice(loaded, credentials))
    checks += [ai_row, emb_row]
    # Providers in use: the effective ones, or the configured ones when they lack their key.
    used = {ai_name or loaded.settings.ai.provider, emb_name or loaded.settings.embeddings.provider}
    checks += _key_rows(loaded, credentials, used, timeout)
    if ai_name == "local":
        checks.append(check_local_llm(loaded, timeout))
    if emb_name == "local":
        _, model, _ = expected_model_id(loaded, "local")
        checks.append(check_local_embeddings(model))
    checks += check_vectors(loaded, emb_name)
    checks += check_paths(loaded)
    return checks
