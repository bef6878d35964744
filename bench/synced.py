"""The 28k-track library served by the emulator, synced into a temporary PLEXMIX_HOME and embedded.

The benchmarks that need a whole library (radio, order, refresh, web) start the same way: the
TidyTuesday tracks of ../shared/data in the emulator (no sonic analysis), a full sync through the
library API, then (unless asked not to) every track embedded by the real local ONNX model, the
vectors remembered in a cache under the temporary folder (a warm run takes seconds, a cold one
~5 minutes). Offline: local embeddings, the curator ``none``.
"""

from __future__ import annotations

import hashlib
import inspect
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from embed_cache import CachedLocalEmbedder

from plexmix.providers.embeddings import local_onnx
from plexmix.providers.embeddings.local_onnx import TOKENIZER_PATH, default_model_path

if TYPE_CHECKING:
    from plexmix import PlexMix
    from plexmix.devserver.library import MusicLibrary

TIDY = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "tidytuesday_spotify_songs.csv.gz"


def cache_file() -> Path:
    """Where the vectors of this exact model, tokenizer and embedding code are remembered."""
    digest = hashlib.sha256()
    for part in (default_model_path().read_bytes(), TOKENIZER_PATH.read_bytes(),
                 inspect.getsource(local_onnx).encode()):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return Path(tempfile.gettempdir()) / "plexmix-bench-cache" / f"minilm-{digest.hexdigest()[:24]}.npz"


def sync_and_embed(pm: Any) -> None:
    """Full sync of ``pm``'s server, then the embeddings (printed: how many, how long)."""
    from plexmix.services.embed import refresh_embeddings

    started = time.perf_counter()
    pm.sync("full", embed=False)
    embedder = CachedLocalEmbedder(cache_file())
    db = pm.context.open_db()
    try:
        report = refresh_embeddings(db.conn, embedder, pm.settings.index_path)
    finally:
        db.close()
    embedder.save()
    print(f"synced + embedded {report.embedded:,} tracks ({embedder.computed:,} by the model) "
          f"in {time.perf_counter() - started:.0f} s", flush=True)


@contextmanager
def synced_library(*, embed: bool = True) -> Iterator[tuple[PlexMix, MusicLibrary, dict[str, str]]]:
    """The PlexMix of a synced (and embedded) 28k library, the emulator's library, and the
    environment that points a ``plexmix`` process at them (also set in this process)."""
    from plexmix import PlexMix
    from plexmix.devserver.csv_loader import load_library
    from plexmix.devserver.server import PlexEmulator

    started = time.perf_counter()
    lib = load_library(TIDY, track_genres=True, sonic=False)
    print(f"library: {len(lib.tracks):,} tracks, no sonic analysis (built in {time.perf_counter() - started:.1f} s)")
    with tempfile.TemporaryDirectory() as tmp, PlexEmulator(lib) as emu:
        env = {"PLEXMIX_HOME": tmp, "PLEX_URL": emu.url, "PLEX_TOKEN": emu.token, "PLEX_LIBRARY": "Music",
               "HF_HUB_OFFLINE": "1", "DEFAULT_EMBEDDING_PROVIDER": "local", "DEFAULT_AI_PROVIDER": "none"}
        os.environ.update(env)
        pm = PlexMix.open()
        if embed:
            sync_and_embed(pm)
        else:
            started = time.perf_counter()
            pm.sync("full", embed=False)
            print(f"synced in {time.perf_counter() - started:.0f} s", flush=True)
        yield pm, lib, env
