"""Checkers for the documented ``refresh`` and ``extend`` commands (registered in doc_checks.CHECKS).

The documented world has one playlist, #1 "Docs test", made by ``create`` (so it keeps a recipe).
What the checkers compare: the database the command left, the emulator's playlist read back
through the real plexapi, and what the command printed; never a transcript.
"""

from __future__ import annotations

import json

from doc_checks import Ran, checks, has_fields, plexapi_track_keys, saved_playlist


def _keys_in_db(ran: Ran, playlist_id: int) -> tuple[dict[str, object], list[str]]:
    with ran.db() as conn:
        playlist, tracks = saved_playlist(conn, playlist_id)
        return dict(playlist), [t["plex_key"] for t in tracks]


@checks("refresh")
def check_refresh(ran: Ran) -> None:
    if ran.option("history"):
        with ran.db() as conn:
            runs = conn.execute("SELECT id, status, refreshed FROM refresh_runs ORDER BY id DESC").fetchall()
        if ran.option("as_json"):
            data = ran.json()
            assert [(r["id"], r["status"], r["refreshed"]) for r in data] == [tuple(r) for r in runs]
        elif runs:
            assert [int(r["ID"]) for r in ran.table()] == [r["id"] for r in runs]
        else:
            assert "No refresh has run yet" in ran.out
        return
    playlist, keys = _keys_in_db(ran, 1)
    in_plex = [str(k) for k in plexapi_track_keys(ran.emulator, str(playlist["name"]))]
    if ran.option("as_json"):
        data = ran.json()
        has_fields(data, {"dry_run": bool, "playlists": list, "refreshed": int, "skipped": int, "failed": int},
                   ran.text)
        changes = data["playlists"]
        assert changes and changes[0]["playlist_id"] == 1 and changes[0]["command"].startswith("plexmix create")
        assert data["failed"] == 0 and data["dry_run"] == ran.option("dry_run")
    else:
        assert f"#1 {playlist['name']}" in ran.out and ", 0 failed" in ran.out
    if ran.option("dry_run"):
        assert playlist["refreshed_at"] is None, "a dry run writes nothing"
        assert "dry run: nothing written" in ran.out or ran.option("as_json")
    else:
        assert playlist["refreshed_at"] is not None
        assert playlist["written_keys"] == ",".join(keys) == ",".join(in_plex), "Plex holds what PlexMix wrote"
        with ran.db() as conn:
            run = conn.execute("SELECT status FROM refresh_runs ORDER BY id DESC").fetchone()
        assert run["status"] == "completed"
    recipe = json.loads(str(playlist["recipe"]))
    assert recipe["command"] == "create" and recipe["mood"] == playlist["mood_query"]


@checks("extend")
def check_extend(ran: Ran) -> None:
    playlist, keys = _keys_in_db(ran, 1)
    add = ran.option("add")
    in_plex = [str(k) for k in plexapi_track_keys(ran.emulator, str(playlist["name"]))]
    if ran.option("dry_run"):
        assert len(in_plex) == len(keys), "a dry run writes nothing"
        return
    assert len(keys) == len(set(keys)) and in_plex == keys
    if ran.option("as_json"):
        data = ran.json()
        assert len(data["added"]) == add and data["total"] == len(keys) and data["based_on"] == "its recipe"
    else:
        assert f"Added {add} tracks to {playlist['name']}" in ran.out
        assert ran.out.count("  + ") == add
