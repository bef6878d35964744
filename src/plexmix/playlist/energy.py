"""An energy estimate per track (0 calm .. 1 energetic), for the ``rising`` and ``wind-down`` orders.

Three signals, each where present, and the result says which set it:

* ``moods``: Plex's mood tags read with a small lexicon (energetic, aggressive, party ... count up;
  calm, mellow, peaceful ... count down; "Calm/Peaceful" reads both words);
* ``sonic``: Plex's sonic analysis, where the server has it for the track: the mood energy of the
  tracks Plex finds sonically nearest (closer ones weigh more), so an analysed track without
  moods of its own still gets an estimate, and one with moods is smoothed by its neighbours;
* ``embeddings``: the track vector's projection on an energetic-calm axis, the difference of the
  vectors of two anchor texts embedded by the library's own embedder (offline with the local
  model). Scaled to 0..1 within the playlist, it fills in where the other two say nothing and
  breaks their ties (a fifth of the weight).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from plexmix.errors import PlexError
from plexmix.storage import library, similar
from plexmix.storage.models import Track
from plexmix.storage.sqlite_manager import Connection

# Mood words and how much energy each says (-1 calm .. +1 energetic); a tag's value is the mean of
# its known words. Plex's moods (AllMusic's vocabulary) are many; these are the clear ones.
_LEXICON = {
    **dict.fromkeys(("energetic", "aggressive", "intense", "rowdy", "party", "celebratory", "rousing",
                     "fiery", "exuberant", "boisterous", "raucous", "explosive", "frenetic", "hyper",
                     "manic", "wild", "thrilling", "exciting", "upbeat", "lively"), 1.0),
    **dict.fromkeys(("driving", "euphoric", "angry", "hostile", "volatile", "powerful", "fierce",
                     "triumphant", "bombastic", "confrontational"), 0.7),
    **dict.fromkeys(("cheerful", "playful", "confident", "fun", "happy", "joyous", "sexy", "swaggering"),
                    0.4),
    **dict.fromkeys(("romantic", "brooding", "bittersweet", "sentimental", "hypnotic", "wistful",
                     "yearning", "nostalgic"), -0.4),
    **dict.fromkeys(("reflective", "melancholy", "sad", "atmospheric", "intimate", "somber", "sombre",
                     "lonely", "dark"), -0.6),
    **dict.fromkeys(("gentle", "dreamy", "tender", "ethereal", "laid-back", "lazy", "warm", "soft"), -0.8),
    **dict.fromkeys(("calm", "peaceful", "mellow", "soothing", "relaxed", "relaxing", "quiet", "serene",
                     "meditative", "sleepy", "tranquil", "ambient", "chill"), -1.0),
}
ENERGETIC_TEXT = "energetic intense aggressive loud fast driving party dance rock anthem"
CALM_TEXT = "calm peaceful mellow quiet slow gentle soothing relaxing ambient lullaby"
TEXT_WEIGHT = 0.2  # of the embedding projection where moods or sonic analysis say something
SONIC_NEIGHBOURS = 20  # Plex's nearest tracks read per analysed track
SONIC_WEIGHT = 0.5  # of the neighbours' mood energy where the track has moods of its own

SonicNeighbours = Callable[[str], list[tuple[str, float]]]


def mood_energy(moods: Sequence[str]) -> float | None:
    """The energy (0..1) Plex's mood tags say, or None when none of them is in the lexicon."""
    values = []
    for mood in moods:
        known = [_LEXICON[w] for w in re.split(r"[/\s,&]+", mood.casefold()) if w in _LEXICON]
        if known:
            values.append(sum(known) / len(known))
    return (sum(values) / len(values) + 1.0) / 2.0 if values else None


@dataclass
class Energy:
    """Each track's estimate by id, and which signals made it (in the order above)."""

    by_id: dict[int, float] = field(default_factory=dict)
    signals: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def estimate_energy(
    tracks: Sequence[Track], vectors: dict[int, Any], *, embedder: Any = None,
    conn: Connection | None = None, sonic: SonicNeighbours | None = None,
) -> Energy:
    """The energy of each of ``tracks`` (see the module's docstring); ``vectors``: unit vectors by id."""
    moods = {t.id: e for t in tracks if t.id is not None and (e := mood_energy(t.moods)) is not None}
    heard = _sonic_energy(tracks, conn, sonic) if conn is not None and sonic is not None else Energy()
    text = _projection(vectors, embedder) if embedder is not None and vectors else {}
    result = Energy(notes=heard.notes)
    for track in tracks:
        if track.id is None:
            continue
        tid = track.id
        parts = [v for v in (moods.get(tid), heard.by_id.get(tid)) if v is not None]
        if tid in moods and tid in heard.by_id:
            parts = [(1 - SONIC_WEIGHT) * moods[tid] + SONIC_WEIGHT * heard.by_id[tid]]
        if parts and tid in text:
            result.by_id[tid] = (1 - TEXT_WEIGHT) * parts[0] + TEXT_WEIGHT * text[tid]
        elif parts or tid in text:
            result.by_id[tid] = parts[0] if parts else text[tid]
        else:
            result.by_id[tid] = 0.5  # nothing known: the middle
    result.by_id = {tid: round(min(1.0, max(0.0, value)), 4) for tid, value in result.by_id.items()}
    for name, used in (("moods", moods), ("sonic", heard.by_id), ("embeddings", text)):
        if used:
            result.signals.append(name)
    return result


def _sonic_energy(tracks: Sequence[Track], conn: Connection, sonic: SonicNeighbours) -> Energy:
    """The mood energy of Plex's sonically nearest tracks, for each analysed track (weights 1 - distance)."""
    result = Energy()
    for track in tracks:
        if track.id is None or not track.music_analysis_version:
            continue
        try:
            near = sonic(track.plex_key)[:SONIC_NEIGHBOURS]
        except PlexError as exc:
            result.notes.append(f"Plex's sonic analysis could not be read ({exc.message.rstrip('.')}); "
                                "the energy comes from the moods and the embeddings.")
            return Energy(notes=result.notes)
        ids = similar.track_ids_by_plex_key(conn, [key for key, _ in near])
        energy = {t.id: e for t in library.get_tracks(conn, list(ids.values()))
                  if (e := mood_energy(t.moods)) is not None}
        weighted = [(max(0.0, 1.0 - away), energy[ids[key]]) for key, away in near
                    if key in ids and ids[key] in energy]
        total = sum(w for w, _ in weighted)
        if total > 0:
            result.by_id[track.id] = sum(w * e for w, e in weighted) / total
    return result


def _projection(vectors: dict[int, Any], embedder: Any) -> dict[int, float]:
    """Each vector's projection on the energetic-calm axis, scaled to 0..1 within ``vectors``."""
    import numpy as np

    try:
        high = np.asarray(embedder.embed_query(ENERGETIC_TEXT), dtype=np.float32).reshape(-1)
        low = np.asarray(embedder.embed_query(CALM_TEXT), dtype=np.float32).reshape(-1)
    except Exception:  # any embedder failure: the axis is left out, the moods still order
        return {}
    axis = high / (np.linalg.norm(high) or 1.0) - low / (np.linalg.norm(low) or 1.0)
    ids = list(vectors)
    if axis.shape[0] != np.asarray(vectors[ids[0]]).shape[-1]:
        return {}  # another model made the stored vectors: no common axis
    values = np.stack([np.asarray(vectors[tid], dtype=np.float32) for tid in ids]) @ axis
    low_value, span = float(values.min()), float(values.max() - values.min())
    return {tid: (float(v) - low_value) / span if span > 0 else 0.5
            for tid, v in zip(ids, values, strict=True)}
