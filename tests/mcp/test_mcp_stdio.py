"""``plexmix mcp`` over stdio, as an assistant uses it: a subprocess driven by the real MCP client
SDK, against the emulator serving a synced and embedded library (radio_world's, provider
``none``, the local embedding model: no network, no key).

Asserted: the tools listed with schemas and typed results (write tools say so and take
``dry_run``; none deletes); a playlist made through ``create_playlist`` is on the emulator with
the tracks the result lists, each passing the genre asked for; a dry run writes nothing; bad
arguments are tool errors (the CLI's message and hint for one the services reject); an
unreachable Plex gives the CLI's own ``Error:``/``Hint:`` lines and never the token; ``sync``
is incremental and sends progress notifications; the resources count what the server holds.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections import Counter
from typing import Any

import pytest
from mcp_harness import closed_port, run_session, structured, text_of
from radio_world import Here, plain_fixture, worlds_fixture  # noqa: F401 - fixtures

from plexmix.errors import UsageError
from plexmix.playlist.modes import check_mode

TOOLS = {"search_tracks", "create_playlist", "radio", "journey", "refresh_playlist", "list_playlists",
         "playlist_tracks", "list_players", "play", "library_stats", "sync"}
WRITERS = {"create_playlist", "radio", "journey", "refresh_playlist", "play"}


def test_tools_are_listed_with_schemas_and_typed_results() -> None:
    async def steps(session: Any) -> Any:
        return (await session.list_tools()).tools

    tools, _ = run_session(steps)
    by_name = {t.name: t for t in tools}
    assert set(by_name) == TOOLS
    for tool in tools:
        assert tool.description and "\n" not in tool.description, tool.name
        assert tool.inputSchema["type"] == "object", tool.name
        assert tool.outputSchema and tool.outputSchema.get("properties"), tool.name
        assert "delete" not in tool.name and "delete" not in tool.description.lower()
    for name in WRITERS:
        assert "dry_run" in by_name[name].inputSchema["properties"], name
        assert "plex" in by_name[name].description.lower() and not by_name[name].annotations.readOnlyHint, name
    for name in TOOLS - WRITERS - {"sync"}:
        assert by_name[name].annotations.readOnlyHint, name
    props = by_name["create_playlist"].inputSchema["properties"]
    assert {"mood", "length", "genres", "year", "rating", "artists", "mode", "added_within", "provider",
            "dry_run"} <= set(props)
    assert by_name["create_playlist"].inputSchema["required"] == ["mood"]


def test_create_playlist_writes_it_to_plex(plain: Here) -> None:
    genre, _ = Counter(g for t in plain.library.tracks.values() for g in t.genres).most_common(1)[0]
    args = {"mood": "a rainy drive at night", "length": 8, "genres": [genre], "name": "MCP rainy drive",
            "provider": "none"}

    async def steps(session: Any) -> Any:
        planned = await session.call_tool("create_playlist", {**args, "dry_run": True})
        before = [p.title for p in plain.emu.playlists.find()]
        made = await session.call_tool("create_playlist", args)
        return structured(planned), before, structured(made)

    (plan, before, made), _ = run_session(steps)
    assert plan["dry_run"] is True and plan["matching_tracks"] > 0 and before == []
    (in_plex,) = plain.emu.playlists.find("MCP rainy drive")
    assert made["plex_error"] is None and made["plex_key"] == str(in_plex.rating_key)
    keys = [int(t["plex_key"]) for t in made["tracks"]]
    assert in_plex.track_keys == keys and len(keys) == 8
    assert all(genre in plain.library.tracks[k].genres for k in keys)
    saved = plain.pm.playlists()
    assert [(p.id, p.name) for p in saved] == [(made["playlist_id"], "MCP rainy drive")]


def test_bad_arguments_are_tool_errors(plain: Here) -> None:
    with pytest.raises(UsageError) as cli:
        check_mode("sideways")  # what `plexmix create --mode sideways` reports

    async def steps(session: Any) -> Any:
        return [await session.call_tool("create_playlist", args) for args in (
            {"mood": "calm", "length": 0}, {"length": 5}, {"mood": "calm", "mode": "sideways"},
        )] + [await session.call_tool("no_such_tool", {})]

    (too_short, no_mood, bad_mode, unknown), stderr = run_session(steps)
    assert all(r.isError for r in (too_short, no_mood, bad_mode, unknown))
    assert "length" in text_of(too_short) and "mood" in text_of(no_mood)
    assert f"Error: {cli.value.message}\nHint: {cli.value.hint}" in text_of(bad_mode)
    assert "Traceback" not in stderr and not any("Traceback" in text_of(r) for r in (too_short, bad_mode))
    assert plain.emu.playlists.find() == []


def test_unreachable_plex_gives_the_cli_message(tmp_path: Any) -> None:
    token = "never-show-this-token-9f8e7d"
    env = dict(os.environ, PLEX_URL=f"http://127.0.0.1:{closed_port()}", PLEX_TOKEN=token, COLUMNS="400")
    cli = subprocess.run([sys.executable, "-m", "plexmix", "players"], env=env, capture_output=True, text=True,
                         timeout=60)
    lines = [line.strip() for line in cli.stderr.splitlines() if line.startswith(("Error:", "Hint:"))]
    assert cli.returncode == 1 and [line.split(":")[0] for line in lines] == ["Error", "Hint"], cli.stderr

    async def steps(session: Any) -> Any:
        return await session.call_tool("list_players", {}), await session.call_tool("sync", {})

    (players, sync), stderr = run_session(steps, env)
    for result in (players, sync):
        assert result.isError
        assert lines[0] in text_of(result) and "Hint:" in text_of(result)
    assert "\n".join(lines) in text_of(players)
    assert token not in text_of(players) + text_of(sync) + stderr and "Traceback" not in stderr


def test_sync_is_incremental_with_progress(plain: Here) -> None:
    seen: list[tuple[float, float | None, str | None]] = []
    before = plain.pm.sync_history(5)

    async def progress(done: float, total: float | None, message: str | None) -> None:
        seen.append((done, total, message))

    async def steps(session: Any) -> Any:
        return await session.call_tool("sync", {}, progress_callback=progress)

    result, _ = run_session(steps)
    data = structured(result)
    assert data["mode"] == "incremental" and data["status"] == "success"
    assert seen and all(message for _, _, message in seen)
    assert [done for done, _, _ in seen] == sorted(done for done, _, _ in seen)
    latest = plain.pm.sync_history(1)[0]
    assert latest.mode == "incremental" and latest.id not in {r.id for r in before}


def test_resources_count_what_the_library_holds(plain: Here) -> None:
    async def steps(session: Any) -> Any:
        listed = {str(r.uri) for r in (await session.list_resources()).resources}
        read = {}
        for kind in ("genres", "decades", "moods"):
            contents = (await session.read_resource(f"plexmix://{kind}")).contents
            read[kind] = contents[0].text
        return listed, read

    (listed, read), _ = run_session(steps)
    assert listed == {"plexmix://genres", "plexmix://moods", "plexmix://decades"}
    tracks = plain.library.tracks.values()
    genres = Counter(g.casefold() for t in tracks for g in t.genres)  # stored folded
    decades = Counter(f"{t.year // 10 * 10}s" for t in tracks if t.year)
    with sqlite3.connect(plain.home / "plexmix.db") as conn:  # the mirror's own text column
        moods = Counter(m.strip() for (text,) in conn.execute("SELECT moods_text FROM tracks")
                        for m in text.split(",") if m.strip())

    def counted(kind: str) -> dict[str, int]:
        return {item["name"]: item["tracks"] for item in json.loads(read[kind])["items"]}

    assert counted("genres") == dict(genres) and counted("decades") == dict(decades)
    assert counted("moods") == dict(moods) and moods
    assert list(counted("genres").values()) == sorted(genres.values(), reverse=True)


def test_the_other_tools_against_the_emulator(plain: Here) -> None:
    """One session: make a playlist, then read it back, refresh it (dry run), play it on the
    emulator's player, and run search, radio and journey (dry runs write nothing)."""
    ordered = sorted(plain.library.tracks.values(), key=lambda t: t.rating_key)
    start, end = ordered[0], ordered[-1]

    async def steps(session: Any) -> dict[str, Any]:
        made = structured(await session.call_tool(
            "create_playlist", {"mood": "sunny morning", "length": 6, "name": "MCP morning", "provider": "none"}))
        calls = {
            "made": made,
            "stats": await session.call_tool("library_stats", {}),
            "listed": await session.call_tool("list_playlists", {}),
            "tracks": await session.call_tool("playlist_tracks", {"playlist_id": made["playlist_id"]}),
            "refresh": await session.call_tool("refresh_playlist", {"playlists": ["MCP morning"], "dry_run": True}),
            "search": await session.call_tool("search_tracks", {"query": start.title, "limit": 5}),
            "radio": await session.call_tool("radio", {"song": str(start.rating_key), "length": 5,
                                                       "provider": "none", "dry_run": True}),
            "journey": await session.call_tool("journey", {"start": str(start.rating_key),
                                                           "end": str(end.rating_key), "steps": 5,
                                                           "dry_run": True}),
            "players": await session.call_tool("list_players", {}),
            "check": await session.call_tool("play", {"playlist": "MCP morning", "dry_run": True}),
            "play": await session.call_tool("play", {"playlist": "MCP morning", "player": "Living Room"}),
        }
        return {k: v if k == "made" else structured(v) for k, v in calls.items()}

    out, _ = run_session(steps)
    made = out["made"]
    assert out["stats"]["counts"] == plain.pm.counts() and out["stats"]["last_sync"]["mode"] == "full"
    assert [(p["id"], p["name"], p["refreshable"]) for p in out["listed"]["playlists"]] == [
        (made["playlist_id"], "MCP morning", True)]
    assert [t["plex_key"] for t in out["tracks"]["tracks"]] == [t["plex_key"] for t in made["tracks"]]
    assert out["refresh"]["dry_run"] and [c["name"] for c in out["refresh"]["playlists"]] == ["MCP morning"]
    assert str(start.rating_key) in [t["plex_key"] for t in out["search"]["results"]]
    assert out["radio"]["dry_run"] and out["radio"]["candidates"] > 0
    journey = [t["plex_key"] for t in out["journey"]["tracks"]]
    assert out["journey"]["dry_run"] and journey[0] == str(start.rating_key) and journey[-1] == str(end.rating_key)
    assert [p["name"] for p in out["players"]["players"]] == ["Living Room"]
    assert out["check"]["dry_run"] and out["check"]["player"] == "Living Room"
    (in_plex,) = plain.emu.playlists.find("MCP morning")  # the dry runs made no other playlist
    assert out["play"]["player"] == "Living Room" and out["play"]["tracks"] == len(made["tracks"])
    queue = plain.emu.players.queues.get(out["play"]["play_queue_id"])
    assert queue is not None and queue.track_keys == in_plex.track_keys
    assert [c.play_queue_id for c in plain.emu.players.commands] == [out["play"]["play_queue_id"]]
