"""``plexmix demo``: the whole job on the bundled demo library, with no Plex server and no key.

Starts the project's Plex emulator with ~2,000 real tracks (or a genre-balanced part of them,
``--tracks N``) on a free loopback port, uses a temporary PLEXMIX_HOME, syncs, embeds locally
(offline MiniLM), creates a few playlists, writes them to the emulator, shows them, and stops
the emulator.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from plexmix.cli.state import AppState, get_state

if TYPE_CHECKING:
    from plexmix.devserver.csv_loader import SongRow
    from plexmix.devserver.library import MusicLibrary

DEMO_MOODS = ("rainy sunday jazz", "calm folk evening", "energetic 2010s party")
MIN_TRACKS = 100  # a few tracks of every genre, so that each demo mood finds some
TRACKS_HELP = f"Serve only N of the ~2,000 tracks, every genre kept (at least {MIN_TRACKS}; faster)."
_KEEP_FROM_ENV = ("DEFAULT_AI_PROVIDER",  # and the AI keys (all their variables, from config.credentials)
                  "OPENAI_BASE_URL", "ANTHROPIC_BASE_URL", "GOOGLE_GEMINI_BASE_URL", "LOCAL_LLM_BASE_URL",
                  "LOCAL_LLM_MODEL", "LOG_LEVEL", "HOME", "PATH")


def demo(
    ctx: typer.Context,
    limit: int = typer.Option(15, "--limit", "-n", metavar="N", min=1, max=100, help="Tracks per demo playlist."),
    keep: bool = typer.Option(False, "--keep", help="Keep the demo's data folder afterwards."),
    provider: str | None = typer.Option(None, "--provider", "-p", metavar="PROVIDER", help="Curator (default: none, or your configured key's)."),
    tracks: int | None = typer.Option(None, "--tracks", "-t", metavar="N", min=MIN_TRACKS, help=TRACKS_HELP),
    web: bool = typer.Option(False, "--web", help="Then open the web page on the demo library (Ctrl+C stops it)."),
) -> None:
    """Try PlexMix end to end on a bundled library of real tracks (offline, no API key).

    Example: plexmix demo --limit 10 --tracks 300; plexmix demo --web
    """
    import secrets
    import shutil
    import tempfile

    from plexmix.config.credentials import SECRETS
    from plexmix.config.loader import load_settings
    from plexmix.devserver.server import PlexEmulator

    outer = get_state(ctx)
    if web:  # before the demo's minutes of work, not after
        from plexmix.cli.web_cmd import require_web

        require_web()
    home = Path(tempfile.mkdtemp(prefix="plexmix-demo-"))
    try:
        outer.err.print("[bold]PlexMix demo[/]: starting the bundled Plex emulator (real tracks, offline)…")
        with PlexEmulator(_library(tracks), token=secrets.token_hex(12)) as emu:
            passed_on = {*_KEEP_FROM_ENV, *(var for spec in SECRETS.values() if spec.provider for var in spec.env_vars)}
            env = {k: v for k, v in os.environ.items() if k in passed_on}
            env.update({"PLEXMIX_HOME": str(home), "PLEX_URL": emu.url, "PLEX_TOKEN": emu.token,
                        "PLEX_LIBRARY": "Music", "DEFAULT_EMBEDDING_PROVIDER": "local"})
            state = AppState(verbose=outer.verbose, quiet=outer.quiet, debug=outer.debug)
            state._loaded = load_settings(home / "config.yaml", environ=env, dotenv_path=home / ".env")
            state.setup_logging()
            outer.err.print(f"Emulator at {emu.url}; demo data in {home}")
            _run_demo(state, limit, provider)
            from plexmix.services.wiring import client_from_settings

            with client_from_settings(state.settings, state.credentials) as client:
                names = [p.title for p in client.list_playlists()]
            state.out.print(f"[green]Demo done.[/] Playlists now on the (emulated) Plex server: {', '.join(names)}")
            if web:
                from plexmix.cli.web_cmd import start_page

                start_page(state, "127.0.0.1", 0, open_page=True)
    finally:
        if keep:
            outer.err.print(f"Kept the demo data in {home}")
        else:
            shutil.rmtree(home, ignore_errors=True)


def _run_demo(state: AppState, limit: int, provider: str | None) -> None:
    from plexmix.cli import sync as sync_cmd
    from plexmix.cli.playlist_options import show_playlist
    from plexmix.services import create as service

    state.out.rule("1. Sync the library")
    sync_cmd._run(state, "full", False, False)
    for number, mood in enumerate(DEMO_MOODS, start=2):
        state.out.rule(f"{number}. plexmix create \"{mood}\" --limit {limit}")
        request = service.playlist_request(state.context, mood, limit=limit, avoid_recent=0)
        result = service.create_playlist(
            state.context, request, name=f"PlexMix demo: {mood}", provider=provider, replace=True
        )
        show_playlist(state, result.playlist, result.published)


def _library(tracks: int | None) -> MusicLibrary:
    """The bundled demo library, or ``tracks`` of its tracks with every genre represented."""
    from plexmix.devserver.csv_loader import DEMO_PATH, build_library, demo_library, read_rows

    if tracks is None:
        return demo_library()
    return build_library(balanced_subset(list(read_rows(DEMO_PATH)), tracks), track_genres=True)


def balanced_subset(rows: list[SongRow], tracks: int) -> list[SongRow]:
    """``tracks`` rows, whole albums at a time, from the genre that has the fewest rows so far.

    Deterministic: albums are taken in file order, ties between genres go to the first name.
    """
    albums: dict[str, list[SongRow]] = {}
    for row in rows:
        albums.setdefault(row.album_id, []).append(row)
    queues: dict[str, list[list[SongRow]]] = {}
    for songs in albums.values():
        queues.setdefault(songs[0].genre, []).append(songs)
    taken = dict.fromkeys(sorted(queues), 0)
    chosen: list[SongRow] = []
    while len(chosen) < tracks and taken:
        genre = min(taken, key=lambda g: (taken[g], g))
        songs = queues[genre].pop(0)[: tracks - len(chosen)]
        chosen.extend(songs)
        taken[genre] += len(songs)
        if not queues[genre]:
            del taken[genre]
    return chosen
