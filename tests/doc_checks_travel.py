"""The documented ``import`` command: the files it reads and its checker (issue 18).

Before a documented ``plexmix import ...`` runs, :data:`PREPARE` writes into the command's
folder the files the docs name, made from the tracks of the world's playlist #1 "Docs test":

* ``road-trip.m3u``: its tracks with a laptop's paths (``/mnt/music/...`` for the server's
  ``/music/...``) under ``#EXTINF`` lines, then a song the library does not have;
* ``typed.txt``: the same tracks as "Artist - Title" lines, one with a typo, one in lower case,
  then the unknown song.

The checker compares the report and the playlist written (in the database and, through the
real plexapi, on the emulator) with playlist #1's tracks: every known line found, in order, the
unknown one reported and left out.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

from doc_checks import Ran, checks, has_fields, plexapi_track_keys, saved_playlist

UNKNOWN = "Qwxzv Plorbt - Zzzyx Unheard Of"
PREPARE: dict[tuple[str, ...], Callable[[Path, Path], None]] = {}


def _docs_tracks(home: Path) -> list[sqlite3.Row]:
    with closing(sqlite3.connect(home / "plexmix.db")) as conn:
        conn.row_factory = sqlite3.Row
        return list(saved_playlist(conn, 1)[1])


def _typo(text: str) -> str:
    """Two different neighbouring letters swapped in the longest word of the base title (not in
    "(Live)" or "- Remastered"), as fingers do."""
    base = re.split(r"\s+-\s+|\s*[(\[]", text)[0]
    word = max((w for w in base.split() if w.isalpha()), key=len)
    i = next(i for i in range(len(word) // 2, len(word)) if word[i - 1] != word[i])
    return text.replace(word, word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :], 1)


def prepare_import(folder: Path, home: Path) -> None:
    tracks = _docs_tracks(home)
    m3u = ["#EXTM3U", "#PLAYLIST:Road trip"]
    for t in tracks:
        m3u += [f"#EXTINF:200,{t['artist']} - {t['title']}", "/mnt" + str(t["file_path"])]
    m3u += [f"#EXTINF:180,{UNKNOWN}", "/mnt/music/Qwxzv Plorbt/Zzzyx/01 - Zzzyx Unheard Of.mp3"]
    (folder / "road-trip.m3u").write_text("\n".join(m3u) + "\n", encoding="utf-8")
    longest = max(range(len(tracks)), key=lambda i: len(str(tracks[i]["title"])))
    lines = []
    for i, t in enumerate(tracks):
        title = _typo(str(t["title"])) if i == longest else str(t["title"])
        line = f"{t['artist']} - {title}"
        lines.append(line.lower() if i == (longest + 1) % len(tracks) else line)
    (folder / "typed.txt").write_text("\n".join([*lines, UNKNOWN]) + "\n", encoding="utf-8")


PREPARE[("import",)] = prepare_import


@checks("import")
def check_import(ran: Ran) -> None:
    with ran.db() as conn:
        expected = [str(t["plex_key"]) for t in saved_playlist(conn, 1)[1]]
        newest = conn.execute("SELECT MAX(id) FROM playlists").fetchone()[0]
        imported = [str(t["plex_key"]) for t in saved_playlist(conn, newest)[1]]
    typed = Path(ran.option("file")).name == "typed.txt"
    name = ran.option("name") or ("Road trip" if not typed else "typed")
    if ran.option("as_json"):
        data = ran.json()
        has_fields(data, {"name": str, "exact": int, "fuzzy": int, "missing": int, "lines": list,
                          "dry_run": bool}, ran.text)
        lines = data["lines"]
        assert [line["track"]["plex_key"] for line in lines[:-1]] == expected
        assert lines[-1]["status"] == "missing" and lines[-1]["track"] is None and lines[-1]["text"] == UNKNOWN
        assert (data["exact"] + data["fuzzy"], data["missing"], data["name"]) == (len(expected), 1, name)
        assert data["fuzzy"] == (1 if typed else 0), data["lines"]
    else:
        said = " ".join(ran.out.split())
        fuzzy = 1 if typed else 0
        assert (f"{name}: {len(expected) + 1} lines: {len(expected) - fuzzy} exact, {fuzzy} fuzzy, 1 missing"
                in said), said
        assert UNKNOWN in said and "best guess" in said
    if ran.option("dry_run"):
        assert newest == 1 and not ran.new_playlists(), "a dry run writes nothing"
        return
    assert newest > 1 and imported == expected, "the known lines, in order; the unknown one left out"
    assert [str(k) for k in plexapi_track_keys(ran.emulator, name)] == expected
