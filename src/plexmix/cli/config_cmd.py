"""``plexmix config``: init (the setup wizard), show, set, unset and validate."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from plexmix.cli.errors import PlexMixCommand
from plexmix.cli.output import print_json
from plexmix.cli.state import AppState, get_state
from plexmix.errors import ConfigError, UsageError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from plexmix.config.credentials import CredentialStore

app = typer.Typer(
    help="Set up, show, change and check PlexMix's settings.\n\nExample: plexmix config show",
    no_args_is_help=True,
    rich_markup_mode=None,
)

JSON = typer.Option(False, "--json", help="Print the result as JSON.")
STATUS_MARKS = {"ok": "[green]✓[/]", "fail": "[red]✗[/]", "skip": "[dim]–[/]"}


# -- where settings live (works even when the current settings are invalid) ------------------------
def _locations(state: AppState) -> tuple[Path, Path, Mapping[str, str]]:
    """(data folder, config file, environment) for reading and writing settings."""
    try:
        loaded = state.loaded
    except ConfigError:
        from plexmix.config.settings import default_home

        home = default_home()
        path = Path(state.config_path or os.environ.get("PLEXMIX_CONFIG") or home / "config.yaml")
        return home, path.expanduser(), os.environ
    return loaded.settings.home, loaded.config_path, loaded.environ


def _store(state: AppState) -> CredentialStore:
    from plexmix.config.credentials import CredentialStore

    home, _, environ = _locations(state)
    return CredentialStore(home, environ)


def setting_keys() -> dict[str, list[str]]:
    """Section -> setting names, from the settings model."""
    from pydantic import BaseModel

    from plexmix.config.settings import Settings

    sections: dict[str, list[str]] = {}
    for section, info in Settings.model_fields.items():
        model = info.annotation
        if isinstance(model, type) and issubclass(model, BaseModel):
            sections[section] = list(model.model_fields)
    return sections


def _secret_for(key: str) -> str | None:
    from plexmix.config.credentials import SECRETS
    from plexmix.config.profiles import check_name, token_secret

    parts = key.split(".")
    if len(parts) == 3 and parts[0] == "servers" and parts[2] == "token":
        return token_secret(check_name(parts[1]))  # a server profile's token
    return next((name for name, spec in SECRETS.items() if spec.setting == key), None)


def _profile_key(key: str) -> bool:
    """Whether ``key`` is a server profile's setting, ``servers.NAME.FIELD``."""
    from plexmix.config.settings import ServerProfile

    parts = key.split(".")
    return len(parts) == 3 and parts[0] == "servers" and parts[2] in ServerProfile.model_fields


def _check_key(key: str) -> str | None:
    """The secret's name for a secret key, ``None`` for a setting; a bad key is a UsageError."""
    secret = _secret_for(key)
    if secret is not None:
        return secret
    sections = setting_keys()
    section, _, name = key.partition(".")
    if name in sections.get(section, []) or _profile_key(key):
        return None
    import difflib

    from plexmix.config.credentials import SECRETS

    everything = [f"{s}.{n}" for s, names in sections.items() for n in names]
    everything += [spec.setting for spec in SECRETS.values()]
    close = difflib.get_close_matches(key, everything, n=1)
    guess = f"Did you mean {close[0]}? " if close else ""
    if section in sections:
        keys = [f"{section}.{n}" for n in sections[section]]
        keys += [spec.setting for spec in SECRETS.values() if spec.setting.startswith(section + ".")]
        listing = f"Keys in {section}: " + ", ".join(keys) + "."
    else:
        listing = "Sections: " + ", ".join(sections) + " (`plexmix config show` lists every key)."
    raise UsageError(f"'{key}' is not a PlexMix setting.", hint=guess + listing)


def _reload(state: AppState) -> None:
    """Forget loaded settings so the next use reads the files just written (and re-registers secrets)."""
    state.reload()


# -- init ------------------------------------------------------------------------------------------
@app.command("init")
def config_init(
    ctx: typer.Context,
    server: str | None = typer.Option(
        None, "--server", metavar="NAME", help="Add (or update) the server profile NAME instead."
    ),
) -> None:
    """Set up PlexMix step by step: Plex server, token, library, AI keys, data folder, first sync.

    Example: plexmix config init;  plexmix config init --server cabin
    """
    from plexmix.cli.setup_io import ConsoleIO
    from plexmix.config.credentials import CredentialStore
    from plexmix.config.loader import read_config_file
    from plexmix.services.setup import SetupWizard
    from plexmix.services.setup_profile import ProfileWizard

    state = get_state(ctx)
    home, config_path, environ = _locations(state)
    read_config_file(config_path)  # problems are reported now, not after every question
    current = state.settings
    io = ConsoleIO(state.out)
    credentials = CredentialStore(home, environ)
    wizard: SetupWizard
    if server:
        wizard = ProfileWizard(io.ask, io.say, name=server, config_path=config_path, home=home,
                               credentials=credentials, current=current)
    else:
        wizard = SetupWizard(io.ask, io.say, config_path=config_path, home=home, credentials=credentials,
                             current=current)
    result = wizard.run()
    if server:
        state.overrides["plex.server"] = server  # the first sync is of that server
    _reload(state)
    if not result.sync_now:
        state.out.print("[bold green]PlexMix is set up.[/]")
        return
    from plexmix.cli.sync import _run

    _run(state, "full", False, False)
    state.out.print(
        '[bold green]PlexMix is set up.[/] Try: plexmix create "rainy sunday jazz"', highlight=False
    )


# -- show ------------------------------------------------------------------------------------------
def _text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    return str(value)


def _effective(state: AppState) -> dict[str, Any]:
    """The providers, embedding model and dimension that will really be used (after fallbacks)."""
    from plexmix.errors import CredentialError
    from plexmix.services.doctor import expected_model_id
    from plexmix.services.wiring import ai_choice, embedding_choice

    loaded, store = state.loaded, state.credentials
    out: dict[str, Any] = {}
    try:
        out["ai.provider"] = ai_choice(loaded, store).name
    except CredentialError as exc:
        out["ai.provider"] = f"{loaded.settings.ai.provider} (unusable: {exc.message})"
    try:
        provider = embedding_choice(loaded, store).name
    except CredentialError as exc:
        out["embeddings.provider"] = f"{loaded.settings.embeddings.provider} (unusable: {exc.message})"
        provider = loaded.settings.embeddings.provider
    else:
        out["embeddings.provider"] = provider
    _, out["embeddings.model"], out["embeddings.dimension"] = expected_model_id(loaded, provider)
    return out


@app.command("show")
def config_show(ctx: typer.Context, as_json: bool = JSON) -> None:
    """Show the effective settings, where each comes from, the secrets (masked) and derived paths.

    Example: plexmix config show --json
    """
    from rich.markup import escape
    from rich.table import Table

    from plexmix.config.credentials import SECRETS, mask, spec_for
    from plexmix.config.loader import plain_value
    from plexmix.config.profiles import token_secret

    state = get_state(ctx)
    loaded = state.loaded
    settings = loaded.settings
    rows: list[tuple[str, Any, str]] = [("home", str(settings.home), loaded.source("home"))]
    for section, names in setting_keys().items():
        for name in names:
            key = f"{section}.{name}"
            rows.append((key, plain_value(getattr(getattr(settings, section), name)), loaded.source(key)))
    for profile_name, profile in settings.servers.items():
        for name, value in profile.model_dump().items():
            key = f"servers.{profile_name}.{name}"
            rows.append((key, plain_value(value), loaded.source(key)))
    store = state.credentials
    secret_specs = [*SECRETS.values(), *(spec_for(token_secret(n)) for n in settings.servers)]
    secrets = [(spec.setting, *store.get(spec.name)) for spec in secret_specs]
    paths = {
        "config file": str(loaded.config_path), "database": str(settings.db_path),
        "vector index": str(settings.index_path), "log file": str(settings.log_path),
    }
    derived = _effective(state)
    if as_json:
        print_json({
            "settings": {key: {"value": value, "source": source} for key, value, source in rows},
            "secrets": {key: {"value": mask(value), "source": source} for key, value, source in secrets},
            "paths": paths, "effective": derived,
        })
        return
    table = Table(title="PlexMix settings")
    for column in ("Key", "Value", "Source"):
        table.add_column(column)
    for key, value, source in rows:
        table.add_row(key, escape(_text(value)), source if source != "default" else "[dim]default[/]")
    table.add_section()
    for key, value, source in secrets:
        table.add_row(key, mask(value), source if source != "missing" else "[dim]missing[/]")
    table.add_section()
    for key, value in derived.items():
        table.add_row(f"{key} (effective)", str(value), "[dim]derived[/]")
    for name, path in paths.items():
        table.add_row(name, escape(path), "[dim]derived[/]")
    state.out.print(table)


# -- set / unset -----------------------------------------------------------------------------------
def _read_secret(state: AppState, label: str) -> str:
    if sys.stdin.isatty():
        value = state.err.input(f"{label} (hidden as you type): ", password=True)
    else:
        value = sys.stdin.readline()
    value = value.strip()
    if not value:
        raise UsageError(f"No {label} was given.", hint="Type or pipe the value; it is never echoed.")
    return value


@app.command("set", cls=PlexMixCommand)
def config_set(
    ctx: typer.Context,
    key: str = typer.Argument(..., metavar="KEY", help="Dotted setting, e.g. ai.provider or plex.token."),
    value: str | None = typer.Argument(
        None, metavar="VALUE", help="The value (a secret is asked for, hidden, when left out)."
    ),
) -> None:
    """Change one setting in config.yaml; secrets go to the keyring (or a 0600 file), never config.yaml.

    Examples: plexmix config set ai.provider claude;  plexmix config set ai.openai_api_key
    """
    from plexmix.config.credentials import spec_for
    from plexmix.config.loader import env_values, plain_value, save_config_value
    from plexmix.services.setup import quiet_fallback_warning

    state = get_state(ctx)
    secret = _check_key(key)
    home, config_path, environ = _locations(state)
    if secret is not None:
        spec = spec_for(secret)
        raw = value.strip() if value is not None else _read_secret(state, spec.label)
        if not raw:
            raise UsageError(
                f"The {spec.label} cannot be empty.", hint=f"To remove it: plexmix config unset {key}"
            )
        from plexmix.config.credentials import CredentialStore

        store = CredentialStore(home, environ)
        with quiet_fallback_warning():
            where = store.set(secret, raw)
        place = "the system keyring" if where == "keyring" else f"{where} (mode 0600)"
        state.out.print(f"[green]✓[/] {spec.label} stored in {place}.")
        var = store.env_var_set(secret)
        if var:
            state.out.print(f"[yellow]Note:[/] {var} is set in your environment and takes precedence.")
        return
    if value is None:
        raise UsageError(f"No value was given for {key}.", hint=f"Usage: plexmix config set {key} VALUE")
    stored = save_config_value(config_path, key, value)
    state.out.print(f"[green]✓[/] {key} = {_text(plain_value(stored))} (saved in {config_path})")
    override = env_values(environ).get(key)
    if override is not None:
        state.out.print(
            f"[yellow]Note:[/] {override[1]} is set in your environment and overrides this value."
        )


@app.command("unset", cls=PlexMixCommand)
def config_unset(
    ctx: typer.Context, key: str = typer.Argument(..., metavar="KEY", help="Dotted setting or secret to remove.")
) -> None:
    """Remove a setting from config.yaml (back to its default) or delete a stored secret.

    Example: plexmix config unset ai.model
    """
    from plexmix.config.credentials import spec_for
    from plexmix.config.loader import read_config_file, write_config_file

    state = get_state(ctx)
    parts = key.split(".")
    whole_profile = len(parts) == 2 and parts[0] == "servers"  # `unset servers.cabin`: all of it
    secret = None if whole_profile else _check_key(key)
    home, config_path, environ = _locations(state)
    if secret is not None:
        from plexmix.config.credentials import CredentialStore

        CredentialStore(home, environ).delete(secret)
        state.out.print(
            f"[green]✓[/] {spec_for(secret).label} removed from the keyring and {home / 'credentials.yaml'}."
        )
        return
    data = read_config_file(config_path)
    nodes: list[dict[str, Any]] = [data]
    for part in parts[:-1]:
        child = nodes[-1].get(part)
        if not isinstance(child, dict):
            break
        nodes.append(child)
    if len(nodes) < len(parts) or parts[-1] not in nodes[-1]:
        state.out.print(f"{key} is not set in {config_path}; nothing to do.")
        return
    del nodes[-1][parts[-1]]
    for depth in range(len(nodes) - 1, 0, -1):  # drop sections (and profiles) left empty
        if not nodes[depth]:
            del nodes[depth - 1][parts[depth - 1]]
    write_config_file(config_path, data)
    state.out.print(f"[green]✓[/] {key} removed from {config_path} (the default applies).")


# -- validate --------------------------------------------------------------------------------------
@app.command("validate")
def config_validate(ctx: typer.Context, as_json: bool = JSON) -> None:
    """Check the settings for real: Plex server, token, library, API keys, models, paths.

    Example: plexmix config validate
    """
    from rich.table import Table

    from plexmix.services.doctor import config_failure, run_checks

    state = get_state(ctx)
    try:
        loaded = state.loaded
    except ConfigError as exc:
        checks = [config_failure(exc)]
    else:
        checks = run_checks(loaded, state.credentials)
    ok = all(check.ok for check in checks)
    if as_json:
        print_json({"ok": ok, "checks": [check.as_dict() for check in checks]})
    else:
        from rich.markup import escape

        table = Table(title="PlexMix configuration check")
        table.add_column("", no_wrap=True)
        table.add_column("Check", no_wrap=True)
        table.add_column("Detail")
        for check in checks:
            detail = escape(check.detail)
            if check.hint and check.status == "fail":
                detail += f"\n[dim]{escape(check.hint)}[/]"
            table.add_row(STATUS_MARKS[check.status], check.name, detail)
        state.out.print(table)
        failed = sum(1 for check in checks if not check.ok)
        state.out.print("[green]All checks passed.[/]" if ok else f"[red]{failed} check(s) failed.[/]")
    if not ok:
        raise typer.Exit(1)
