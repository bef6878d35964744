"""A PlexMix home synced from the emulator and embedded with the real local model (vectors cached).

The benchmarks that need a whole library (radio, order, refresh) start the same way: a full sync
through the library API, then every track embedded by the local ONNX model, the vectors
remembered in bench/quality.py's cache (a warm run takes seconds, a cold one ~5 minutes).
"""

from __future__ import annotations

import time
from typing import Any

from embed_cache import CachedLocalEmbedder
from quality import cache_file


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
