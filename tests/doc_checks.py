"""What each documented command must print and change, checked against the data (tests/test_docs.py).

``test_doc_command`` runs every ``plexmix ...`` line of the docs; then the checker registered here
for the command (``@checks("sync", "sync full")``) looks at the result: the JSON fields and their
types, the tables it printed, the database, the config and credentials files, and the Plex
emulator (read back through the real ``plexapi`` too). The expected values come from the
database, the emulator's library and the command's own options, never from a transcript.
A documented command without a checker fails, so a new command gets one.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import sqlite3
import stat
import subprocess
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import yaml
from typer.testing import Result

import plexmix
from plexmix.config.credentials import SECRETS
from plexmix.config.loader import LoadedSettings, load_settings
from plexmix.devserver.playlists import Playlist
from plexmix.devserver.server import PlexEmulator

Checker = Callable[["Ran"], None]
CHECKS: dict[tuple[str, ...], Checker] = {}
SECRET_SETTINGS = {spec.setting: name for name, spec in SECRETS.items()}  # "ai.openai_api_key" -> name


def checks(*paths: str) -> Callable[[Checker], Checker]:
    """Register a checker for commands such as ``"sync full"`` ("" is ``plexmix`` itself)."""

    def register(function: Checker) -> Checker:
        for path in paths:
            CHECKS[tuple(path.split())] = function
        return function

    return register


@dataclass(frozen=True)
class Parsed:
    """A command line as click understands it."""

    path: tuple[str, ...]  # ("config", "set")
    params: dict[str, Any]  # the command's own parameters, converted by click
    root: dict[str, Any]  # the global options


@dataclass
class Ran:
    """One documented command after it ran: everything a checker may look at."""

    text: str
    parsed: Parsed
    result: Result
    cwd: Path
    env: dict[str, str]
    stdin: str | None
    emulator: PlexEmulator
    template_playlists: set[int]

    # -- what it printed -----------------------------------------------------------------------
    @property
    def out(self) -> str:
        return self.result.stdout

    def json(self) -> Any:
        try:
            return json.loads(self.out)
        except json.JSONDecodeError as exc:
            raise AssertionError(f"`{self.text}` printed no JSON ({exc}):\n{self.out}") from None

    def table(self) -> list[dict[str, str]]:
        """The rows of the (first) table printed, keyed by the column headers."""
        header: list[str] = []
        rows: list[list[str]] = []
        for line in self.out.splitlines():
            stripped = line.strip()
            if stripped.startswith("┃") and not header:
                header = _cells(stripped, "┃")
            elif stripped.startswith("│"):
                cells = _cells(stripped, "│")
                if rows and not cells[0] and any(cells):  # a wrapped cell continues the row above
                    rows[-1] = [f"{a} {b}".strip() for a, b in zip(rows[-1], cells, strict=True)]
                else:
                    rows.append(cells)
            elif stripped.startswith(("└", "┘")) and rows:
                break
        return [dict(zip(header, row, strict=True)) for row in rows] if header else []

    def pairs(self) -> dict[str, str]:
        """A two-column table without headers (``embeddings status``) as a dict."""
        return {cells[0]: cells[1] for line in self.out.splitlines()
                if line.strip().startswith("│") and len(cells := _cells(line.strip(), "│")) == 2}

    # -- the world after it ran ----------------------------------------------------------------
    def option(self, name: str) -> Any:
        """A parameter of the command (a name the command does not have is a mistake in a checker)."""
        assert name in self.parsed.params, (
            f"`{self.text}` has no parameter {name!r}: {sorted(self.parsed.params)}"
        )
        return self.parsed.params[name]

    def settings(self) -> LoadedSettings:
        config = self.parsed.root.get("config")
        path = (self.cwd / config) if config else None
        return load_settings(path, environ=self.env, dotenv_path=self.cwd / ".env")

    @contextmanager
    def db(self) -> Iterator[sqlite3.Connection]:
        path = self.settings().settings.db_path
        assert path.is_file(), f"`{self.text}`: no database at {path}"
        with closing(sqlite3.connect(path)) as conn:
            conn.row_factory = sqlite3.Row
            yield conn

    def new_playlists(self) -> list[Playlist]:
        return [p for p in self.emulator.playlists.find() if p.rating_key not in self.template_playlists]

    def path(self, shown: str) -> Path:
        """A path as the command printed it, made absolute (relative paths are from the cwd)."""
        if shown == "~" or shown.startswith("~/"):  # the command's HOME, not the test's
            shown = self.env["HOME"] + shown[1:]
        return (self.cwd / shown).resolve()

    def library_size(self) -> int:
        return len(self.emulator.library.tracks)


def _cells(line: str, bar: str) -> list[str]:
    return [cell.strip() for cell in line.strip(bar).split(bar)]


def has_fields(data: Any, fields: dict[str, type | tuple[type, ...]], where: str) -> None:
    """``data`` is an object with each field, of the given type(s)."""
    assert isinstance(data, dict), f"{where}: expected a JSON object, got {data!r}"
    for name, kind in fields.items():
        assert name in data, f"{where}: the field {name!r} is missing: {sorted(data)}"
        assert isinstance(data[name], kind), f"{where}: {name} = {data[name]!r} is not {kind}"
        if kind is int or kind == (int, type(None)):
            assert not isinstance(data[name], bool), f"{where}: {name} is a bool"


def counts(conn: sqlite3.Connection) -> dict[str, int]:
    tables = ("tracks", "albums", "artists", "embeddings", "playlists")
    return {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}


# -- plexmix itself ------------------------------------------------------------------------------
@checks("")
def check_root(ran: Ran) -> None:
    if ran.parsed.root.get("version"):
        assert ran.out.strip() == f"plexmix {plexmix.__version__}", ran.out
        return
    assert "Usage: plexmix" in ran.out
    for command in ("create", "search", "demo", "config", "sync", "embeddings", "list"):
        assert re.search(rf"^\s+{command}\s", ran.out, re.M), f"`{command}` is not listed:\n{ran.out}"


# -- sync ------------------------------------------------------------------------------------------
SYNC_FIELDS: dict[str, type | tuple[type, ...]] = {
    "mode": str, "status": str, "sync_id": int, "added": int, "updated": int, "unchanged": int,
    "removed": int, "artists": int, "albums": int, "tracks_seen": int, "duration_s": (int, float),
}
SUMMARY = re.compile(
    r"Sync \((\w+)\) finished in [\d.]+ s: (\d+) added, (\d+) updated, (\d+) removed, (\d+) unchanged"
)


@checks("sync", "sync full", "sync incremental")
def check_sync(ran: Ran) -> None:
    mode = ran.parsed.path[1] if len(ran.parsed.path) > 1 else None
    with ran.db() as conn:
        keys = {int(row[0]) for row in conn.execute("SELECT plex_key FROM tracks")}
        last = conn.execute("SELECT * FROM sync_history ORDER BY id DESC LIMIT 1").fetchone()
        embedded = conn.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0]
    assert keys == set(ran.emulator.library.tracks), "the database does not mirror the library"
    assert last["status"] == "success" and (mode is None or last["mode"] == mode), dict(last)
    reported = (last["mode"], last["tracks_added"], last["tracks_updated"], last["tracks_removed"])
    if ran.option("as_json"):
        data = ran.json()
        has_fields(data, SYNC_FIELDS, ran.text)
        assert data["sync_id"] == last["id"] and data["status"] == "success"
        assert (data["mode"], data["added"], data["updated"], data["removed"]) == reported
        embeddings = data.get("embeddings")
    else:
        found = SUMMARY.search(ran.out)
        assert found, f"no sync summary in:\n{ran.out}"
        assert (found[1], *map(int, found.group(2, 3, 4))) == reported
        embeddings = "Embeddings:" in ran.out or None
    if ran.option("no_embeddings"):
        assert embeddings is None, "--no-embeddings still embedded"
    else:
        assert embeddings and embedded == len(keys), f"{embedded} embeddings for {len(keys)} tracks"
    if ran.parsed.root.get("quiet"):
        assert "Tracks " not in ran.result.stderr, "-q still shows progress bars"


@checks("sync verify")
def check_verify(ran: Ran) -> None:
    rows = {row["Check"]: row for row in ran.table()}
    size = str(ran.library_size())
    assert (rows["Tracks"]["Plex"], rows["Tracks"]["Local"]) == (size, size), rows["Tracks"]
    assert rows["Tracks missing locally"]["Local"] == rows["Tracks gone from Plex"]["Local"] == "0"
    assert "In sync." in ran.out


@checks("sync status")
def check_sync_status(ran: Ran) -> None:
    with ran.db() as conn:
        have = counts(conn)
        history = [dict(r) for r in conn.execute("SELECT * FROM sync_history ORDER BY id DESC")]
    if not history:  # a fresh PLEXMIX_HOME
        assert have["tracks"] == 0 and "No sync yet" in ran.out, ran.out
        return
    limit = ran.option("limit")
    if ran.option("as_json"):
        data = ran.json()
        assert {k: data["counts"][k] for k in have} == have, data["counts"]
        assert [s["id"] for s in data["syncs"]] == [h["id"] for h in history][:limit]
        for sync in data["syncs"]:
            has_fields(sync, {"mode": str, "status": str, "started_at": int, "tracks_added": int}, ran.text)
        return
    line = f"Library: {have['tracks']} tracks, {have['albums']} albums, {have['artists']} artists; " \
           f"{have['embeddings']} embedded."
    assert line in ran.out, ran.out
    rows = ran.table()
    assert [(r["Mode"], r["Status"], r["Added"]) for r in rows] == [
        (h["mode"], h["status"], str(h["tracks_added"])) for h in history[:limit]
    ]


# -- embeddings -----------------------------------------------------------------------------------
REFRESH = re.compile(r"Embeddings up to date \(([^)]+)\): (\d+) embedded, (\d+) unchanged, (\d+) failed")


@checks("embeddings generate", "embeddings rebuild")
def check_embeddings_refresh(ran: Ran) -> None:
    with ran.db() as conn:
        tracks = conn.execute("SELECT COUNT(*) FROM tracks").fetchone()[0]
        models = conn.execute("SELECT model, COUNT(*) FROM embeddings GROUP BY model").fetchall()
    found = REFRESH.search(ran.out)
    assert found, ran.out
    model, embedded, unchanged, failed = found[1], int(found[2]), int(found[3]), int(found[4])
    assert [tuple(m) for m in models] == [(model, tracks)]
    assert failed == 0 and embedded + unchanged == tracks
    rebuilt = ran.parsed.path[-1] == "rebuild"
    assert embedded == (tracks if rebuilt else 0), "everything was embedded already by the first sync"


@checks("embeddings status")
def check_embeddings_status(ran: Ran) -> None:
    with ran.db() as conn:
        tracks = conn.execute("SELECT COUNT(*) FROM tracks").fetchone()[0]
        (model,) = [r[0] for r in conn.execute("SELECT DISTINCT model FROM embeddings")]
    if ran.option("as_json"):
        data = ran.json()
        has_fields(data, {"tracks": int, "embedded": int, "missing": int, "dimension": int, "model_id": str,
                          "index_count": int, "consistent": bool, "provider": str}, ran.text)
        assert (data["tracks"], data["embedded"], data["missing"], data["index_count"]) == (
            tracks,
            tracks,
            0,
            tracks,
        )
        assert data["model_id"] == model and data["consistent"] is True
        assert model.endswith(f":{data['dimension']}")
        return
    table = ran.pairs()
    assert table["Tracks"] == str(tracks) and table["Embedded"] == f"{tracks} (0 missing)", table
    assert table["Model"].startswith(model) and table["Consistent"] == "yes", table


# -- search ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Track:
    title: str
    artist: str
    year: int | None
    genres: frozenset[str]


def library_tracks(conn: sqlite3.Connection) -> list[Track]:
    genres: dict[int, set[str]] = {}
    for track_id, name in conn.execute(
        "SELECT tg.track_id, g.name FROM track_genres tg JOIN genres g ON g.id = tg.genre_id"
    ):
        genres.setdefault(track_id, set()).add(name.lower())
    rows = conn.execute(
        "SELECT t.id, t.title, a.name, t.year FROM tracks t JOIN artists a ON a.id = t.artist_id"
    )
    return [Track(title, artist, year, frozenset(genres.get(i, ()))) for i, title, artist, year in rows]


def year_range(text: str | None) -> tuple[int, int] | None:
    """The documented forms of --year: 1994, 1990-1999, 90s."""
    if not text:
        return None
    if m := re.fullmatch(r"(\d{4})-(\d{4})", text):
        return int(m[1]), int(m[2])
    if m := re.fullmatch(r"(\d{2})s", text):
        start = (1900 if int(m[1]) >= 30 else 2000) + int(m[1])
        return start, start + 9
    return int(text), int(text)


def flag_filter(ran: Ran) -> Callable[[str, str, int | None, frozenset[str]], bool]:
    """Whether a track passes the --genre, --artist and --year flags of the command."""
    genres = {g.lower() for g in ran.option("genre") or ()}
    artists = {a.lower() for a in ran.option("artist") or ()}
    years = year_range(ran.option("year"))

    def ok(title: str, artist: str, year: int | None, track_genres: frozenset[str]) -> bool:
        return ((not genres or bool(genres & track_genres)) and (not artists or artist.lower() in artists)
                and (years is None or (year is not None and years[0] <= year <= years[1])))

    return ok


@checks("search")
def check_search(ran: Ran) -> None:
    with ran.db() as conn:
        known = {(t.title, t.artist): t for t in library_tracks(conn)}
    ok = flag_filter(ran)
    matching = [t for t in known.values() if ok(t.title, t.artist, t.year, t.genres)]
    if ran.option("as_json"):
        data = ran.json()
        assert data["query"] == ran.option("query")
        found = data["results"]
        for item in found:
            has_fields(item, {"plex_key": str, "title": str, "artist": str, "year": (int, type(None)),
                              "genres": list, "score": float, "similarity": (float, type(None))}, ran.text)
        results = [(r["title"], r["artist"]) for r in found]
    else:
        results = [(row["Title"], row["Artist"]) for row in ran.table()]
        if not results:
            assert "No matches" in ran.out, ran.out
    assert len(results) <= ran.option("limit")
    assert bool(results) == bool(matching), f"{len(matching)} tracks pass the filters, {len(results)} found"
    assert len(set(results)) == len(results), "a track is listed twice"
    for key in results:
        assert key in known, f"{key} is not in the library"
        track = known[key]
        assert ok(track.title, track.artist, track.year, track.genres), f"{track} breaks the filters"
    if len(matching) >= ran.option("limit"):
        assert len(results) == ran.option("limit")


# -- create ---------------------------------------------------------------------------------------
TRACK_FIELDS: dict[str, type | tuple[type, ...]] = {
    "plex_key": str, "title": str, "artist": str, "album": str, "year": (int, type(None)), "genres": list,
    "score": (int, float), "reason": str,
}
CREATE_FIELDS: dict[str, type | tuple[type, ...]] = {
    "name": str, "plex_key": (str, type(None)), "provider": str, "fallback": bool, "filters": list,
    "notes": list, "tracks": list,
}
DRY_RUN_FIELDS: dict[str, type | tuple[type, ...]] = {
    "mood": str, "provider": str, "filters": list, "matching_tracks": (int, type(None)), "candidates": int,
    "prompt_tokens": int, "estimated_cost_usd": (int, float), "notes": list,
}


def saved_playlist(conn: sqlite3.Connection, playlist_id: int) -> tuple[sqlite3.Row, list[sqlite3.Row]]:
    playlist = conn.execute("SELECT * FROM playlists WHERE id = ?", (playlist_id,)).fetchone()
    tracks = conn.execute(
        "SELECT t.plex_key, t.title, t.year, t.rating, t.file_path, a.name AS artist,"
        " (SELECT group_concat(lower(g.name), '|') FROM track_genres tg JOIN genres g ON g.id = tg.genre_id"
        "  WHERE tg.track_id = t.id) AS genres"
        " FROM playlist_tracks pt JOIN tracks t ON t.id = pt.track_id JOIN artists a ON a.id = t.artist_id"
        " WHERE pt.playlist_id = ? ORDER BY pt.position",
        (playlist_id,),
    ).fetchall()
    return playlist, tracks


def plexapi_track_keys(emulator: PlexEmulator, title: str) -> list[int]:
    """The playlist as the real plexapi client reads it from the server."""
    from plexapi.server import PlexServer

    server = PlexServer(emulator.url, emulator.token, timeout=10)
    return [int(item.ratingKey) for item in server.playlist(title).items()]


@checks("create")
def check_create(ran: Ran) -> None:
    loaded = ran.settings()
    with ran.db() as conn:
        newest = conn.execute("SELECT MAX(id) FROM playlists").fetchone()[0]
        before = conn.execute("SELECT COUNT(*) FROM playlists WHERE plex_key IS NOT NULL").fetchone()[0]
        playlist, tracks = saved_playlist(conn, newest)
    if ran.option("dry_run"):
        check_dry_run(ran, newest)
        return
    assert newest == 2, "one playlist is saved next to the template's"
    limit = ran.option("limit") or loaded.settings.playlist.default_length
    n = len(tracks)
    assert 0 < n <= limit, f"{n} tracks for --limit {limit}"
    if n < limit:
        assert f"Only {n} of {limit} tracks" in ran.result.output, ran.result.output
    name = ran.option("name") or playlist["name"]
    assert playlist["name"] == name and playlist["mood_query"] == ran.option("mood")
    if not ran.option("name"):
        assert name.startswith(ran.option("mood"))
    keys = [int(t["plex_key"]) for t in tracks]
    assert len(set(keys)) == n, "a track is in the playlist twice"
    ok = flag_filter(ran)
    rating = ran.option("rating")
    minimum = None if rating is None else (rating * 2 if rating <= 5 else rating)
    for t in tracks:
        genres = frozenset((t["genres"] or "").split("|")) - {""}
        assert ok(t["title"], t["artist"], t["year"], genres), f"{dict(t)} breaks the flags"
        assert minimum is None or (t["rating"] or 0) >= minimum, f"{dict(t)} is rated below {minimum}"

    made = ran.new_playlists()
    if ran.option("no_plex"):
        assert made == [] and playlist["plex_key"] is None, "--no-plex wrote to Plex"
    else:
        assert [(p.title, p.track_keys) for p in made] == [(name, keys)], "the Plex playlist differs"
        assert playlist["plex_key"] == str(made[0].rating_key)
        assert plexapi_track_keys(ran.emulator, name) == keys
        assert before == 2, "the saved playlist has its Plex key"
    if ran.option("as_json"):
        data = ran.json()
        has_fields(data, CREATE_FIELDS, ran.text)
        for item in data["tracks"]:
            has_fields(item, TRACK_FIELDS, ran.text)
        assert data["name"] == name and data["plex_key"] == playlist["plex_key"]
        assert [int(t["plex_key"]) for t in data["tracks"]] == keys
        assert data["provider"] == (ran.option("provider") or "none") and data["fallback"] is False
        check_history(ran, data)
        check_order(ran, data)
    else:
        printed = [row["Title"] for row in ran.table()]
        assert printed == [t["title"] for t in tracks], "the printed table is not the saved playlist"
        where = f"in Plex (ratingKey {playlist['plex_key']})" if playlist["plex_key"] else "locally only"
        assert f"Saved {n} tracks as playlist #{newest} {where}" in ran.out.replace("\n", " "), ran.out
    if ran.option("export"):
        check_export(ran, ran.option("export"), name, tracks)


def check_history(ran: Ran, data: dict[str, Any]) -> None:
    """``--json``'s ``mode`` and each track's ``history``: the stored plays, skips, rating and
    last play (ISO 8601, UTC) and the mode's score in 0..1."""
    from datetime import datetime, timezone

    assert data["mode"] == (ran.option("mode") or "balanced")
    with ran.db() as conn:
        for item in data["tracks"]:
            plays, skips, rating, last = conn.execute(
                "SELECT play_count, skip_count, rating, last_played FROM tracks WHERE plex_key = ?",
                (item["plex_key"],),
            ).fetchone()
            history = item["history"]
            iso = None if last is None else datetime.fromtimestamp(last, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
            assert (history["plays"], history["skips"], history["rating"], history["last_played"]) == (
                plays, skips, rating, iso), item
            assert history["mode_score"] is None or 0 <= history["mode_score"] <= 1, item


def check_order(ran: Ran, data: dict[str, Any]) -> None:
    """``--json``'s order fields: the order asked for, its signals, the mean step distance, each
    track's energy (rising / wind-down: a float in 0..1 that mostly rises / falls along the playlist)."""
    order = data["order"]
    assert order == (ran.option("order") or "curator") and data["order_signals"], data
    step = data["mean_step_distance"]
    assert step is None or 0 <= step <= 2, step
    energy = [item["energy"] for item in data["tracks"]]
    if order not in ("rising", "wind-down"):
        assert energy == [None] * len(energy), energy
        return
    assert all(isinstance(e, float) and 0 <= e <= 1 for e in energy), energy
    ups = sum(1 if b > a else -1 if b < a else 0 for a, b in pairwise(energy))
    assert (ups if order == "rising" else -ups) > 0, energy


def check_dry_run(ran: Ran, newest: int) -> None:
    assert newest == 1 and ran.new_playlists() == [], "a dry run saved a playlist"
    if ran.option("as_json"):
        data = ran.json()
        has_fields(data, DRY_RUN_FIELDS, ran.text)
        assert data["mood"] == ran.option("mood") and all(isinstance(f, str) for f in data["filters"])
        matching = data["matching_tracks"]
        assert data["candidates"] <= (ran.library_size() if matching is None else matching)
        return
    found = re.search(r"tracks matching the filters: (all|\d+); candidates: (\d+)", ran.out)
    assert found and f"Dry run for {ran.option('mood')} with" in ran.out, ran.out
    matching = ran.library_size() if found[1] == "all" else int(found[1])
    assert int(found[2]) <= matching <= ran.library_size()


def check_export(ran: Ran, export: tuple[str, Path], name: str, tracks: list[sqlite3.Row]) -> None:
    kind, target = export
    path = ran.path(str(target))
    assert path.is_file(), f"--export wrote nothing at {path}"
    text = path.read_text(encoding="utf-8")
    if kind == "m3u":
        lines = text.splitlines()
        assert lines[:2] == ["#EXTM3U", f"#PLAYLIST:{name}"]
        assert lines[3::2] == [t["file_path"] for t in tracks]
    else:
        assert [t["plex_key"] for t in json.loads(text)["tracks"]] == [t["plex_key"] for t in tracks]


# -- list -----------------------------------------------------------------------------------------
@checks("list playlists")
def check_list_playlists(ran: Ran) -> None:
    with ran.db() as conn:
        saved = [(r["id"], r["name"], r["plex_key"], r["n"]) for r in conn.execute(
            "SELECT p.id, p.name, p.plex_key, COUNT(pt.track_id) AS n FROM playlists p"
            " LEFT JOIN playlist_tracks pt ON pt.playlist_id = p.id GROUP BY p.id ORDER BY p.id")]
    assert saved, "the template has a playlist"
    if ran.option("as_json"):
        data = ran.json()
        for item in data:
            has_fields(item, {"id": int, "name": str, "plex_key": (str, type(None)), "track_count": int,
                              "mood_query": str, "provider": str, "created_at": int}, ran.text)
        listed = [(p["id"], p["name"], p["plex_key"], p["track_count"]) for p in data]
    else:
        listed = [(int(r["ID"]), r["Name"], r["Plex key"], int(r["Tracks"])) for r in ran.table()]
    assert sorted(listed) == saved


@checks("list tracks")
def check_list_tracks(ran: Ran) -> None:
    with ran.db() as conn:
        playlist, tracks = saved_playlist(conn, ran.option("playlist_id"))
    if ran.option("as_json"):
        data = ran.json()
        assert data["playlist"]["id"] == playlist["id"] and data["playlist"]["name"] == playlist["name"]
        for item in data["tracks"]:
            has_fields(item, {"position": int, "plex_key": str, "title": str, "artist": str,
                              "duration_ms": int, "reason": str}, ran.text)
        assert [t["position"] for t in data["tracks"]] == list(range(1, len(tracks) + 1))
        assert [t["plex_key"] for t in data["tracks"]] == [t["plex_key"] for t in tracks]
        return
    assert f"#{playlist['id']} {playlist['name']}" in ran.out
    assert [(r["Title"], r["Artist"]) for r in ran.table()] == [(t["title"], t["artist"]) for t in tracks]


# -- config ---------------------------------------------------------------------------------------
def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def stored_secrets(ran: Ran) -> dict[str, str]:
    path = ran.settings().settings.home / "credentials.yaml"
    if not path.exists():
        return {}
    assert mode_of(path) == 0o600, f"{path} is readable by others"
    return dict(yaml.safe_load(path.read_text(encoding="utf-8")) or {})


def config_file(ran: Ran) -> dict[str, Any]:
    path = ran.settings().config_path
    if not path.exists():
        return {}
    assert mode_of(path) == 0o600, f"{path} is readable by others"
    return dict(yaml.safe_load(path.read_text(encoding="utf-8")) or {})


def from_file(data: dict[str, Any], key: str) -> Any:
    node: Any = data
    for part in key.split("."):  # section.name, or servers.PROFILE.name
        node = (node or {}).get(part) if isinstance(node, dict) or node is None else None
    return node


def setting_value(settings: Any, key: str) -> Any:
    section, _, name = key.partition(".")
    if section == "servers":
        profile, _, field_name = name.partition(".")
        return getattr(settings.servers[profile], field_name)
    return getattr(getattr(settings, section), name)


@checks("config set")
def check_config_set(ran: Ran) -> None:
    key, raw = ran.option("key"), ran.option("value")
    if key in SECRET_SETTINGS:
        secret = (ran.stdin or "").strip()
        assert stored_secrets(ran).get(SECRET_SETTINGS[key]) == secret
        assert secret not in ran.result.output and secret not in json.dumps(config_file(ran))
        assert "mode 0600" in ran.out
        return
    loaded = ran.settings()
    expected = yaml.safe_load(raw)
    assert from_file(config_file(ran), key) == expected, (from_file(config_file(ran), key), expected)
    assert f"{key} = " in ran.out and str(loaded.config_path) in ran.out.replace("\n", "")
    if loaded.source(key) == "file":
        assert setting_value(loaded.settings, key) == expected
    else:  # the environment overrides the file, and the command says so
        assert loaded.source(key).startswith("env:") and "overrides this value" in ran.out, ran.out


@checks("config unset")
def check_config_unset(ran: Ran) -> None:
    key = ran.option("key")
    assert "nothing to do" not in ran.out, (
        "the documented set command ran first, so there is something to remove"
    )
    if key in SECRET_SETTINGS:
        assert SECRET_SETTINGS[key] not in stored_secrets(ran) and "removed" in ran.out
        return
    assert from_file(config_file(ran), key) is None and ran.settings().source(key) == "default"
    assert f"{key} removed from" in ran.out


@checks("config show")
def check_config_show(ran: Ran) -> None:
    loaded = ran.settings()
    token = ran.env["PLEX_TOKEN"]
    assert token not in ran.result.output, "the token is printed"
    expected = {"home": str(loaded.settings.home), "plex.url": loaded.settings.plex.url}
    if ran.option("as_json"):
        data = ran.json()
        settings = data["settings"]
        for key, value in expected.items():
            assert settings[key] == {"value": value, "source": loaded.source(key)}, settings[key]
        assert settings["plex.url"]["source"] == "env:PLEX_URL"
        assert all(set(v) == {"value", "source"} for v in settings.values())
        assert data["secrets"]["plex.token"] == {"value": f"****{token[-4:]}", "source": "env:PLEX_TOKEN"}
        assert ran.path(data["paths"]["config file"]) == loaded.config_path.resolve()
        assert data["effective"]["ai.provider"] == "none"
        return
    rows = {row["Key"]: row for row in ran.table()}
    for key, value in expected.items():
        assert (rows[key]["Value"], rows[key]["Source"]) == (value, loaded.source(key)), rows[key]
    assert rows["plex.url"]["Source"] == "env:PLEX_URL"
    assert (rows["plex.token"]["Value"], rows["plex.token"]["Source"]) == (
        f"****{token[-4:]}",
        "env:PLEX_TOKEN",
    )
    assert ran.path(rows["config file"]["Value"]) == loaded.config_path.resolve()


@checks("config validate")
def check_config_validate(ran: Ran) -> None:
    tracks = f"'Music' with {ran.library_size()} tracks"
    if ran.option("as_json"):
        data = ran.json()
        assert data["ok"] is True
        for check in data["checks"]:
            has_fields(check, {"check": str, "status": str, "detail": str}, ran.text)
        found = {c["check"]: c for c in data["checks"]}
        assert {c["status"] for c in data["checks"]} <= {"ok", "skip", "warn"}
        assert found["Music library"] == {**found["Music library"], "status": "ok", "detail": tracks}
        assert found["Plex token"]["status"] == "ok"
        return
    rows = {row["Check"]: row for row in ran.table()}
    assert rows["Music library"]["Detail"] == tracks and rows["Music library"][""] == "✓", rows
    assert rows["Plex token"][""] == "✓" and rows["Plex server"][""] == "✓"
    assert "✗" not in ran.out


# -- play now -------------------------------------------------------------------------------------
PLAYER_FIELDS: dict[str, type | tuple[type, ...]] = {
    "name": str, "machine_identifier": str, "product": str, "platform": str, "address": str, "capabilities": list,
}
PLAYBACK_FIELDS: dict[str, type | tuple[type, ...]] = {
    "play_queue_id": int, "tracks": int, "shuffled": bool, "name": (str, type(None)),
    "playlist_key": (str, type(None)), "player": (str, type(None)), "player_id": (str, type(None)),
    "queue_only": bool, "notes": list,
}
QUEUE_LINE = re.compile(r"(?:Playing '(.+)' \((\d+) tracks?(, shuffled)?\) on (.+): play queue (\d+)\."
                        r"|Made play queue (\d+) of '(.+)' \((\d+) tracks?(, shuffled)?\); no player was asked\.)")


@checks("players")
def check_players(ran: Ran) -> None:
    listed = [(p.name, p.machine_identifier, p.product) for p in ran.emulator.players.listed()]
    assert listed, "the docs' emulator sees a player"
    if ran.option("as_json"):
        data = ran.json()
        for item in data:
            has_fields(item, PLAYER_FIELDS, ran.text)
        assert [(p["name"], p["machine_identifier"], p["product"]) for p in data] == listed
        return
    assert [(r["Name"], r["Machine ID"], r["Product"]) for r in ran.table()] == listed


def check_playback(ran: Ran, playlist_id: int, wanted_player: str | None, queue_only: bool,
                   shuffle: bool, data: dict[str, Any] | None) -> None:
    """The play queue holds the saved playlist's tracks, and the right player (or none) was asked."""
    with ran.db() as conn:
        playlist, tracks = saved_playlist(conn, playlist_id)
    keys = [int(t["plex_key"]) for t in tracks]
    if data is not None:
        has_fields(data, PLAYBACK_FIELDS, ran.text)
        queue_id, name, shown_player = data["play_queue_id"], data["name"], data["player"]
        assert (data["tracks"], data["shuffled"], data["queue_only"]) == (len(keys), shuffle, queue_only)
        assert data["playlist_key"] == playlist["plex_key"]
    else:
        found = QUEUE_LINE.search(" ".join(ran.out.split()))
        assert found, f"no playback line in:\n{ran.out}"
        if found[5]:
            name, count, shuffled, shown_player, queue_id = found[1], found[2], found[3], found[4], int(found[5])
        else:
            queue_id, name, count, shuffled, shown_player = int(found[6]), found[7], found[8], found[9], None
        assert (int(count), bool(shuffled)) == (len(keys), shuffle)
    assert name == playlist["name"]
    queue = ran.emulator.players.queues.get(queue_id)
    assert queue is not None, f"no play queue {queue_id} on the server"
    assert (sorted(queue.track_keys) if shuffle else queue.track_keys) == (sorted(keys) if shuffle else keys)
    asked = [c for c in ran.emulator.players.commands if c.play_queue_id == queue_id]
    if queue_only:
        assert shown_player is None and asked == [], "--queue-only asked a player"
        return
    players = ran.emulator.players.listed()
    player = next(p for p in players if wanted_player in (None, p.name)) if players else None
    assert player is not None and shown_player == player.name
    assert [(c.player, c.command) for c in asked] == [(player.machine_identifier, "playback/playMedia")]


@checks("play")
def check_play(ran: Ran) -> None:
    wanted = ran.option("playlist")
    with ran.db() as conn:
        row = conn.execute("SELECT id FROM playlists WHERE name = ? OR id = ? ORDER BY id DESC",
                           (wanted, wanted)).fetchone()
    assert row is not None, f"`{ran.text}` names no saved playlist"
    check_playback(ran, row["id"], ran.option("player"), ran.option("queue_only"), ran.option("shuffle"),
                   ran.json() if ran.option("as_json") else None)


@checks("create")
def check_create_and_play(ran: Ran) -> None:
    """``create`` as :func:`check_create` checks it, then its ``--play`` step if asked for."""
    check_create(ran)
    asked = ran.option("play") or ran.option("player") or ran.option("queue_only")
    if ran.option("dry_run") or not asked:
        if ran.option("as_json") and not ran.option("dry_run"):
            assert "playback" not in ran.json(), "playback without --play"
        return
    with ran.db() as conn:
        newest = conn.execute("SELECT MAX(id) FROM playlists").fetchone()[0]
    data = ran.json()["playback"] if ran.option("as_json") else None
    check_playback(ran, newest, ran.option("player"), ran.option("queue_only"), False, data)


# -- radio and journey ----------------------------------------------------------------------------
def _passes_flags(ran: Ran, t: sqlite3.Row, artists_option: str) -> bool:
    """A saved track passes the command's --genre, --year, --rating and artist-filter flags."""
    genres = {g.lower() for g in ran.option("genre") or ()}
    artists = {a.lower() for a in ran.option(artists_option) or ()}
    years = year_range(ran.option("year"))
    rating = ran.option("rating") if "rating" in ran.parsed.params else None
    minimum = None if rating is None else (rating * 2 if rating <= 5 else rating)
    track_genres = frozenset((t["genres"] or "").split("|")) - {""}
    return ((not genres or bool(genres & track_genres)) and (not artists or t["artist"].lower() in artists)
            and (years is None or (t["year"] is not None and years[0] <= t["year"] <= years[1]))
            and (minimum is None or (t["rating"] or 0) >= minimum))


def _song(text: str) -> tuple[str, str] | None:
    """ "Title - Artist" as the docs write a song (None: words to search or a ratingKey)."""
    title, dash, artist = text.rpartition(" - ")
    return (title, artist) if dash else None


def check_made(ran: Ran, length: int, artists_option: str) -> list[sqlite3.Row]:
    """A radio or a journey that was made: saved once, passing the flags, on Plex unless
    --no-plex, shown as a table (or JSON), exported and played when asked. The saved tracks."""
    with ran.db() as conn:
        newest = conn.execute("SELECT MAX(id) FROM playlists").fetchone()[0]
        playlist, tracks = saved_playlist(conn, newest)
    assert newest == 2, "one playlist is saved next to the template's"
    n = len(tracks)
    assert 0 < n <= length, f"{n} tracks for {length}"
    if n < length:
        assert f"Only {n} of {length} tracks" in ran.result.output, ran.result.output
    keys = [int(t["plex_key"]) for t in tracks]
    assert len(set(keys)) == n, "a track is in the playlist twice"
    for t in tracks:
        assert _passes_flags(ran, t, artists_option), f"{dict(t)} breaks the flags"
    name = ran.option("name") or playlist["name"]
    assert playlist["name"] == name
    made = ran.new_playlists()
    if ran.option("no_plex"):
        assert made == [] and playlist["plex_key"] is None, "--no-plex wrote to Plex"
    else:
        assert [(p.title, p.track_keys) for p in made] == [(name, keys)], "the Plex playlist differs"
        assert plexapi_track_keys(ran.emulator, name) == keys
    if ran.option("as_json"):
        data = ran.json()
        has_fields(data, CREATE_FIELDS, ran.text)
        assert [int(t["plex_key"]) for t in data["tracks"]] == keys and data["plex_key"] == playlist["plex_key"]
    else:
        assert [row["Title"] for row in ran.table()] == [t["title"] for t in tracks]
        where = f"in Plex (ratingKey {playlist['plex_key']})" if playlist["plex_key"] else "locally only"
        assert f"Saved {n} tracks as playlist #{newest} {where}" in ran.out.replace("\n", " "), ran.out
    if ran.option("export"):
        check_export(ran, ran.option("export"), name, tracks)
    if ran.option("play") or ran.option("player") or ran.option("queue_only"):
        data = ran.json()["playback"] if ran.option("as_json") else None
        check_playback(ran, newest, ran.option("player"), ran.option("queue_only"), False, data)
    return tracks


@checks("radio")
def check_radio(ran: Ran) -> None:
    seed = ran.option("seed")
    if ran.option("dry_run"):
        assert ran.new_playlists() == []
        with ran.db() as conn:
            assert conn.execute("SELECT MAX(id) FROM playlists").fetchone()[0] == 1, "a dry run saved a playlist"
        if ran.option("as_json"):
            data = ran.json()
            has_fields(data, {**DRY_RUN_FIELDS, "seed": dict, "signals": list}, ran.text)
            assert "embeddings" in data["signals"] and "sonic" not in data["signals"]
        else:
            assert "Dry run" in ran.out and "Signals: embeddings" in ran.out, ran.out
        return
    length = ran.option("limit") or ran.settings().settings.playlist.default_length
    tracks = check_made(ran, length, "only_artist")
    song = _song(seed) if seed else None
    if song is not None:
        with ran.db() as conn:
            row = conn.execute(
                "SELECT t.title, t.year, t.rating, a.name AS artist,"
                " (SELECT group_concat(lower(g.name), '|') FROM track_genres tg JOIN genres g ON g.id = tg.genre_id"
                "  WHERE tg.track_id = t.id) AS genres"
                " FROM tracks t JOIN artists a ON a.id = t.artist_id WHERE t.title = ? AND a.name = ?", song,
            ).fetchone()
        assert row is not None, f"{song} is not in the library"
        if _passes_flags(ran, row, "only_artist"):
            assert (tracks[0]["title"], tracks[0]["artist"]) == song, "the seed song does not lead the radio"
        else:
            assert song not in [(t["title"], t["artist"]) for t in tracks], "the seed breaks the filters"
    elif seed:  # words: the song they name leads
        assert all(w in tracks[0]["title"].lower() for w in seed.lower().split()), dict(tracks[0])
    if ran.option("as_json"):
        data = ran.json()
        kind = "track" if seed else "artist" if ran.option("artist_seed") else "album" if ran.option("album") \
            else "playlist"
        assert data["seed"]["kind"] == kind and data["seed"]["tracks"] >= 1
        assert "embeddings" in data["signals"] and ("sonic" in data["signals"]) == (not ran.option("no_plex"))
    else:
        assert "signals: " in " ".join(ran.out.split()) and "embeddings" in ran.out, ran.out


@checks("journey")
def check_journey(ran: Ran) -> None:
    start, end, steps = _song(ran.option("start")), _song(ran.option("end")), ran.option("steps")
    if ran.option("dry_run"):
        with ran.db() as conn:
            assert conn.execute("SELECT MAX(id) FROM playlists").fetchone()[0] == 1, "a dry run saved a playlist"
        assert ran.new_playlists() == []
        if ran.option("as_json"):
            data = ran.json()
            assert data["dry_run"] is True and data["method"] == "embeddings" and data["steps"] == steps
            ends = [(t["title"], t["artist"]) for t in (data["tracks"][0], data["tracks"][-1])]
        else:
            rows = ran.table()
            assert len(rows) == steps
            assert re.search(r"method: embeddings; smoothness \d\.\d{3}", " ".join(ran.out.split())), ran.out
            ends = [(rows[0]["Title"], rows[0]["Artist"]), (rows[-1]["Title"], rows[-1]["Artist"])]
        assert ends == [start, end]
        return
    tracks = check_made(ran, steps, "artist")
    assert [(tracks[0]["title"], tracks[0]["artist"]), (tracks[-1]["title"], tracks[-1]["artist"])] == [start, end]
    method = "embeddings" if ran.option("no_plex") else "sonic"
    if ran.option("as_json"):
        data = ran.json()
        assert data["method"] == method and data["steps"] == len(tracks)
        assert isinstance(data["smoothness"], float) and data["smoothness"] > 0
    else:
        assert re.search(rf"method: {method}; smoothness \d\.\d{{3}}", " ".join(ran.out.split())), ran.out


# -- schedule --------------------------------------------------------------------------------------
SCHEDULE_MARKER = "# plexmix refresh (managed by plexmix schedule)"
SCHEDULED = ["refresh", "--all", "--sync", "--trigger", "schedule"]


def _unit_dir(ran: Ran) -> Path:
    return Path(ran.env.get("XDG_CONFIG_HOME") or Path(ran.env["HOME"]) / ".config") / "systemd" / "user"


def _runs_plexmix(ran: Ran, command: list[str]) -> None:
    """The entry's program is an absolute path that really is this plexmix."""
    assert Path(command[0]).is_absolute(), command
    done = subprocess.run([*command, "--version"], capture_output=True, text=True, timeout=120, check=False)
    assert done.stdout.strip() == f"plexmix {plexmix.__version__}", f"`{ran.text}`: {command} is not plexmix"


@checks("schedule install")
def check_schedule_install(ran: Ran) -> None:
    assert ran.option("print_only"), f"`{ran.text}`: only `--print` may run here (it changes nothing)"
    home = Path(ran.env["PLEXMIX_HOME"])
    log = str(home / "logs" / "refresh.log")
    hour, minute = (int(part) for part in ran.option("at").split(":"))
    every, kind = ran.option("every"), ran.option("kind")
    assert not (Path(ran.env["HOME"]) / ".config" / "systemd").exists(), "--print wrote unit files"
    if ran.out.startswith("# "):  # the two systemd units, each after a comment naming its file
        assert kind in (None, "systemd"), ran.out
        files = dict(re.findall(r"^# (/\S+)\n(.*?)(?=^# /|\Z)", ran.out, re.S | re.M))
        service = files.pop(str(_unit_dir(ran) / "plexmix-refresh.service"))
        timer = files.pop(str(_unit_dir(ran) / "plexmix-refresh.timer"))
        assert not files and service.startswith(SCHEDULE_MARKER) and timer.startswith(SCHEDULE_MARKER)
        assert f"\nEnvironment=PLEXMIX_HOME={home}\n" in service and "\nType=oneshot\n" in service
        assert f"\nStandardOutput=append:{log}\n" in service and f"\nStandardError=append:{log}\n" in service
        found = re.search(r"^ExecStart=(.+)$", service, re.M)
        assert found, service
        exec_start = shlex.split(found.group(1))
        assert exec_start[-len(SCHEDULED):] == SCHEDULED
        _runs_plexmix(ran, exec_start[: -len(SCHEDULED)])
        day = "Mon " if every == "weekly" else ""
        clock = f"{'*' if every == 'hourly' else f'{hour:02d}'}:{minute:02d}:00"
        assert f"\nOnCalendar={day}*-*-* {clock}\n" in timer and "\nPersistent=true\n" in timer, timer
        return
    assert kind in (None, "cron"), ran.out
    (line,) = ran.out.strip().splitlines()
    fields = f"{minute} {'*' if every == 'hourly' else hour} * * {'1' if every == 'weekly' else '*'}"
    assert line.startswith(fields + " ") and line.endswith(" " + SCHEDULE_MARKER), line
    words = shlex.split(line[len(fields):].replace("\\%", "%"), comments=True)
    assert words[0] == f"PLEXMIX_HOME={home}" and words[-3:] == [">>", log, "2>&1"], words
    assert words[-3 - len(SCHEDULED):-3] == SCHEDULED, words
    _runs_plexmix(ran, words[1:-3 - len(SCHEDULED)])


def _crontab_lines(ran: Ran) -> list[str] | None:
    """The user's crontab (read only), or None without a crontab program."""
    program = shutil.which("crontab", path=ran.env.get("PATH"))
    if program is None:
        return None
    done = subprocess.run([program, "-l"], capture_output=True, text=True, timeout=30, check=False)
    return done.stdout.splitlines() if done.returncode == 0 else []


@checks("schedule show")
def check_schedule_show(ran: Ran) -> None:
    crontab = _crontab_lines(ran)
    ours = [line for line in crontab or [] if line.rstrip().endswith(SCHEDULE_MARKER)]
    timer = _unit_dir(ran) / "plexmix-refresh.timer"
    has_timer = timer.is_file() and timer.read_text(encoding="utf-8").startswith(SCHEDULE_MARKER)
    expected = [("cron", line) for line in ours] + ([("systemd", str(timer))] if has_timer else [])
    if not ran.option("as_json"):
        if not expected:
            assert "No PlexMix schedule is installed" in ran.out, ran.out
        for kind, _ in expected:
            assert kind in ran.out, ran.out
        return
    data = ran.json()
    has_fields(data, {"scheduler": (str, type(None)), "installed": list}, ran.text)
    if data["scheduler"] == "cron":
        assert crontab is not None, "cron is offered without a crontab program on PATH"
    if data["scheduler"] == "systemd":
        assert ran.env.get("XDG_RUNTIME_DIR") and shutil.which("systemctl", path=ran.env.get("PATH"))
    found = [(e["kind"], e["entry"] if e["kind"] == "cron" else e["where"]) for e in data["installed"]]
    assert found == expected, (found, expected)
