"""Export a generated playlist as M3U (file paths from Plex) or JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from plexmix.errors import UsageError
from plexmix.playlist.generator import GeneratedPlaylist
from plexmix.playlist.modes import signals_dict

FORMATS = ("m3u", "json")


def playlist_json(playlist: GeneratedPlaylist, *, name: str, plex_key: str | None) -> dict[str, Any]:
    """The documented ``--json`` object (plus a few extra keys)."""
    return {
        "name": name,
        "plex_key": plex_key,
        "provider": playlist.provider,
        "model": playlist.model,
        "fallback": playlist.fallback,
        "fallback_reason": playlist.fallback_reason,
        "filters": playlist.filter_lines,
        "understood": playlist.understood_dict,
        "understood_line": playlist.understood_line,
        "notes": playlist.notes,
        "mode": playlist.mode,
        **playlist.ordering.as_dict(),
        "tracks": [
            {
                "plex_key": item.track.plex_key, "title": item.track.title,
                "artist": item.track.artist_name, "album": item.track.album_title,
                "year": item.track.year, "genres": list(item.track.genres),
                "duration_ms": item.track.duration_ms, "file_path": item.track.file_path,
                "score": item.score, "reason": item.reason,
                "history": signals_dict(item.track, playlist.mode_scores.get(item.track.id or 0)),
                "energy": playlist.ordering.energy.get(item.track.id or 0),
            }
            for item in playlist.tracks
        ],
    }


def check_format(fmt: str) -> str:
    """The export format in lower case; UsageError for one PlexMix cannot write."""
    if fmt.lower() not in FORMATS:
        raise UsageError(
            f"Unknown export format '{fmt}'.", hint="Use --export m3u PATH or --export json PATH."
        )
    return fmt.lower()


def export(playlist: GeneratedPlaylist, fmt: str, path: Path, *, name: str, plex_key: str | None) -> Path:
    fmt = check_format(fmt)
    path = path.expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "json":
        data = playlist_json(playlist, name=name, plex_key=plex_key)
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return path
    lines = ["#EXTM3U", f"#PLAYLIST:{name}"]
    for item in playlist.tracks:
        t = item.track
        seconds = (t.duration_ms or 0) // 1000 or -1
        lines.append(f"#EXTINF:{seconds},{t.artist_name or 'Unknown'} - {t.title}")
        lines.append(t.file_path or f"plex://library/metadata/{t.plex_key}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
