"""Checkers for the documented ``templates`` and ``create --template`` commands (registered in
doc_checks.CHECKS; ``create`` without ``--template`` keeps the checker registered before).

What they compare: the templates PlexMix knows (built in, and none in the docs world's
config.yaml), the playlist saved in the database with its recipe, the emulator's playlist read
back through the real plexapi, and what the command printed; never a transcript.
"""

from __future__ import annotations

import json
import sqlite3
import time

from doc_checks import CHECKS, Ran, checks, has_fields, plexapi_track_keys, saved_playlist
from plexmix.config.templates import BUILT_IN, TOP_GENRE
from plexmix.services.templates import TemplateInfo, get_template, list_templates

TEMPLATE_FIELDS = {"name": str, "source": str, "mood": str, "description": str, "playlist_name": str,
                   "genres": list, "artists": list, "libraries": list, "command": str}
_create_without_template = CHECKS[("create",)]


def _known(ran: Ran) -> list[TemplateInfo]:
    return list_templates(ran.settings().settings)


@checks("templates list")
def check_templates_list(ran: Ran) -> None:
    known = _known(ran)
    assert {info.name for info in known} >= set(BUILT_IN)
    if ran.option("as_json"):
        data = ran.json()
        for item in data:
            has_fields(item, TEMPLATE_FIELDS, ran.text)
        assert [(t["name"], t["source"], t["mood"]) for t in data] == [
            (i.name, i.source, i.template.mood) for i in known]
        return
    rows = ran.table()
    assert [(r["Name"], r["Mood"], r["From"]) for r in rows] == [
        (i.name, i.template.mood, i.source) for i in known], ran.out
    assert all(r["Description"] == i.template.description for r, i in zip(rows, known, strict=True))


@checks("templates show")
def check_templates_show(ran: Ran) -> None:
    info = get_template(ran.settings().settings, ran.option("name"))
    if ran.option("as_json"):
        data = ran.json()
        has_fields(data, TEMPLATE_FIELDS, ran.text)
        assert data == json.loads(json.dumps(info.as_dict()))
        assert data["command"].startswith(f"plexmix create '{info.template.mood}'")
        return
    out = " ".join(ran.out.split())
    assert f"{info.name} ({info.source})" in out and f"mood: {info.template.mood}" in out
    for key, value in info.template.options().items():
        shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        assert f"{key}: {shown}" in out, f"{key} is not shown: {out}"
    assert f"runs as: {' '.join(info.command.split())}" in out
    assert f"plexmix create --template {info.name}" in out


def _most_played_genre(conn: sqlite3.Connection) -> str:
    """The genre with the most plays in the mirror (ties: more tracks, then the name)."""
    plays: dict[str, tuple[int, int]] = {}
    for name, play_count in conn.execute(
        "SELECT lower(g.name), t.play_count FROM tracks t JOIN track_genres tg ON tg.track_id = t.id"
        " JOIN genres g ON g.id = tg.genre_id"
    ):
        total, count = plays.get(name, (0, 0))
        plays[name] = (total + play_count, count + 1)
    return min(plays, key=lambda name: (-plays[name][0], -plays[name][1], name))


@checks("create")
def check_create_from_template(ran: Ran) -> None:
    """``create --template``: the template's mood, options and name, the flags given winning;
    without ``--template``, the checker registered before."""
    if not ran.option("template"):
        _create_without_template(ran)
        return
    template = get_template(ran.settings().settings, ran.option("template")).template
    with ran.db() as conn:
        newest = conn.execute("SELECT MAX(id) FROM playlists").fetchone()[0]
        playlist, tracks = saved_playlist(conn, newest)
        top = _most_played_genre(conn)
        added = dict(conn.execute("SELECT plex_key, added_at FROM tracks").fetchall())
    assert newest == 2, "one playlist is saved next to the docs world's"
    recipe = json.loads(str(playlist["recipe"]))
    mood = ran.option("mood") or template.mood
    assert recipe["template"] == ran.option("template") and recipe["mood"] == mood == playlist["mood_query"]
    limit = ran.option("limit") or template.limit
    assert recipe["options"].get("limit") == limit and 0 < len(tracks) <= limit
    genres = ran.option("genre") or template.genres
    assert recipe["options"].get("genres", []) == list(genres), "the recipe keeps `top`, not the genre"
    wanted = {top if g == TOP_GENRE else g.lower() for g in genres}
    for t in tracks:
        assert not wanted or wanted & set((t["genres"] or "").split("|")), f"{dict(t)} is not in {wanted}"
    days = ran.option("added_within") or template.added_within
    assert days is None or all(added[t["plex_key"]] >= time.time() - days * 86400 - 60 for t in tracks)
    name = ran.option("name") or template.playlist_name(ran.option("template"))
    keys = [int(t["plex_key"]) for t in tracks]
    assert playlist["name"] == name and plexapi_track_keys(ran.emulator, name) == keys
    if ran.option("as_json"):
        data = ran.json()
        assert data["name"] == name and [int(t["plex_key"]) for t in data["tracks"]] == keys
    else:
        assert [row["Title"] for row in ran.table()] == [t["title"] for t in tracks]
