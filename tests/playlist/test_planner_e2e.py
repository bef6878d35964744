"""The LLM planning call end to end: ``plexmix create`` (and :class:`plexmix.PlexMix`) on the synced
bundled library, with the real OpenAI SDK talking over loopback to the fake endpoint, which answers
the planning call with a scripted plan and the curator's call with every candidate it was offered.

Each test checks outcomes on the returned tracks against plain SQL facts (``load_facts``), what
``understood`` says, the notes, and which requests reached the fake.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

import pytest
from ai_fakes import Reply
from playlist_helpers import Cli, Expect, Fact, FakeCurator, Work, load_facts

from plexmix.api import PlexMix
from plexmix.devserver.server import PlexEmulator
from plexmix.providers.ai.plan_prompt import PLAN_OUTPUT_TOKENS, PLAN_TEMPLATE

WEDDING = "songs my parents danced to at their wedding"  # the rules read nothing from it
RULES_ALONE = "the mood was read by the rules alone"


def plan_reply(curator: FakeCurator, **fields: Any) -> Reply:
    """The planner's answer: the empty plan with ``fields`` filled in."""
    plan = json.loads(PLAN_TEMPLATE)
    assert set(fields) <= set(plan), f"not plan fields: {set(fields) - set(plan)}"
    plan.update(fields)
    return Reply(200, curator.kit.ok(json.dumps(plan)))


@pytest.fixture
def llm(curator: FakeCurator) -> FakeCurator:
    """The fake endpoint, picking every candidate it is offered, in the order offered."""
    curator.respond = lambda ids: curator.answer((i, f"fits the mood ({i})") for i in ids)
    return curator


@pytest.fixture
def facts(work: Work) -> dict[str, Fact]:
    """Every track by plex key, read with plain SQL."""
    with work.connect() as conn:
        return {f.plex_key: f for f in load_facts(conn).values()}


def create(cli: Cli, curator: FakeCurator, mood: str, *args: str, env: dict[str, str] | None = None) -> Any:
    """``plexmix create MOOD --provider openai --no-plex ... --json`` against the fake endpoint."""
    return cli.json("create", mood, "--provider", "openai", "--no-plex", *args, env={**curator.cli_env, **(env or {})})


def tracks_of(data: dict[str, Any], facts: dict[str, Fact]) -> list[Fact]:
    return [facts[t["plex_key"]] for t in data["tracks"]]


def a_decade_and_a_genre(facts: dict[str, Fact]) -> tuple[int, str, int]:
    """A decade and a genre of this library (shared or bundled data) such that the library has
    tracks of that decade outside the genre, the genre inside the decade, and the genre outside
    the decade: (first year, genre, tracks of the decade outside the genre)."""
    best: tuple[int, str, int] | None = None
    for start in range(1950, 2030, 10):
        inside = [f for f in facts.values() if f.year is not None and start <= f.year <= start + 9]
        counts = Counter(g for f in inside for g in f.genre_tags)
        if not counts:
            continue
        genre = min(counts, key=lambda g: (-counts[g], g))
        others = sum(genre not in f.genres for f in inside)
        elsewhere = any(genre in f.genres and (f.year or 0) not in range(start, start + 10) for f in facts.values())
        if elsewhere and (best is None or others > best[2]):
            best = (start, genre, others)
    assert best is not None and best[2] >= 4, best
    return best


def busiest_decade(facts: dict[str, Fact]) -> int:
    decades = Counter((f.year // 10) * 10 for f in facts.values() if f.year is not None)
    return min(decades, key=lambda d: (-decades[d], d))


def a_mood_share(facts: dict[str, Fact], low: float, high: float, *, rarest: bool = False) -> tuple[str, int]:
    """A mood carried by between ``low`` and ``high`` of the library's tracks (the most carried
    of those, or the least)."""
    counts = Counter(m for f in facts.values() for m in f.moods)
    fitting = [m for m in counts if low * len(facts) <= counts[m] <= high * len(facts)]
    assert fitting, counts
    mood = min(fitting, key=lambda m: (counts[m] if rarest else -counts[m], m))
    return mood, counts[mood]


def plan_request_text(received: Any) -> str:
    """The user message of a planning request (the mood and the library's names)."""
    return str(received.json["messages"][-1]["content"])


# ------------------------------------------------------------------------------- (a)
def test_a_plan_the_rules_could_not_read_is_applied_and_shown(
    cli: Cli, llm: FakeCurator, facts: dict[str, Fact], emu: PlexEmulator
) -> None:
    start, genre, others = a_decade_and_a_genre(facts)
    end, limit = start + 9, min(12, others)
    era_not_genre = Expect(year_min=start, year_max=end, blocked_genres={genre})
    # Not vacuous: the library has the genre in that decade and outside it, and other genres in it.
    assert any(Expect(year_min=start, year_max=end, genres={genre}).ok(f) for f in facts.values())

    unplanned = create(cli, llm, WEDDING, "--limit", str(limit), "--no-plan")
    assert unplanned["understood"] == {}
    assert not all(era_not_genre.ok(f) for f in tracks_of(unplanned, facts))  # the words alone do not do it

    llm.plan_reply = plan_reply(llm, year_min=start, year_max=end, exclude_genres=[genre],
                                description="warm romantic slow dance songs")
    data = cli.json("create", WEDDING, "--provider", "openai", "--limit", str(limit), "--name", "Wedding",
                    env=llm.cli_env)
    (asked,) = llm.plans
    assert WEDDING in plan_request_text(asked)

    returned = tracks_of(data, facts)
    assert len(returned) == limit
    assert all(era_not_genre.ok(f) for f in returned), [(f.title, f.year, sorted(f.genres)) for f in returned]
    assert data["understood"] == {"exclude_genres": [genre], "year_min": start, "year_max": end}
    assert f"not genre {genre}" in data["understood_line"] and f"{start}–{end}" in data["understood_line"]
    assert data["plex_error"] is None
    (on_server,) = emu.playlists.find("Wedding")
    assert [str(k) for k in on_server.track_keys] == [t["plex_key"] for t in data["tracks"]]


# ------------------------------------------------------------------------------- (b)
def test_what_the_rules_read_wins_over_the_plan(cli: Cli, llm: FakeCurator, facts: dict[str, Fact]) -> None:
    assert any("pop" in f.genres and "rock" not in f.genres for f in facts.values())
    llm.plan_reply = plan_reply(llm, genres=["pop"])
    data = create(cli, llm, "rock", "--limit", "15")

    assert len(llm.plans) == 1
    assert data["understood"] == {"genres": ["rock"]}
    returned = tracks_of(data, facts)
    assert len(returned) == 15
    assert all("rock" in f.genres for f in returned), [(f.title, sorted(f.genres)) for f in returned]
    assert all("rock" in t["genres"] for t in data["tracks"])


# ------------------------------------------------------------------------------- (c)
def test_an_artist_the_library_lacks_is_reported_and_changes_nothing(
    cli: Cli, llm: FakeCurator, facts: dict[str, Fact]
) -> None:
    ghost = "The Velvet Nobodies"
    assert not any((f.artist or "").lower() == ghost.lower() for f in facts.values())
    mood = "music for a rainy afternoon"
    baseline = create(cli, llm, mood, "--limit", "10")  # the empty plan

    llm.plan_reply = plan_reply(llm, artists=[ghost])
    data = create(cli, llm, mood, "--limit", "10")

    assert len(llm.plans) == 2
    named = [n for n in data["notes"] if ghost in n]
    assert len(named) == 1 and "lacks" in named[0], data["notes"]
    assert [n for n in data["notes"] if n not in named] == baseline["notes"]
    assert data["understood"] == baseline["understood"]
    assert data["filters"] == baseline["filters"]
    assert [t["plex_key"] for t in data["tracks"]] == [t["plex_key"] for t in baseline["tracks"]]


# ------------------------------------------------------------------------------- (d)
def test_a_failed_planning_call_leaves_the_rules_and_still_makes_the_playlist(
    cli: Cli, llm: FakeCurator, facts: dict[str, Fact]
) -> None:
    start = busiest_decade(facts)
    assert sum(Expect(year_min=start, year_max=start + 9).ok(f) for f in facts.values()) >= 10
    llm.plan_reply = Reply(500, {"error": {"message": "planner overloaded", "type": "server_error"}})
    data = create(cli, llm, f"{start}s songs my parents danced to", "--limit", "10")

    assert llm.plans, "the planning call was never made"
    failed = [n for n in data["notes"] if RULES_ALONE in n]
    assert len(failed) == 1 and "planning call" in failed[0].lower(), data["notes"]
    assert f"after {len(llm.plans)} attempts" in failed[0]  # retried, then given up
    assert data["fallback"] is False and data["provider"] == "openai"  # the curator's own call worked
    assert data["understood"] == {"year_min": start, "year_max": start + 9}  # what the rules read
    returned = tracks_of(data, facts)
    assert len(returned) == 10 and all(Expect(year_min=start, year_max=start + 9).ok(f) for f in returned)


# ------------------------------------------------------------------------------- (e)
def test_dry_run_counts_the_planning_call_and_calls_nothing(cli: Cli, llm: FakeCurator) -> None:
    args = ("create", WEDDING, "--limit", "20", "--provider", "openai", "--dry-run")
    planned = cli.json(*args, env=llm.cli_env)
    unplanned = cli.json(*args, "--no-plan", env=llm.cli_env)

    assert llm.received == [] and llm.plans == []
    (note,) = [n for n in planned["notes"] if "planning call" in n]
    counted = int(re.search(r"\((\d[\d,]*) prompt tokens\)", note).group(1).replace(",", ""))  # type: ignore[union-attr]
    assert counted > 500  # the system prompt and the library's names
    assert planned["prompt_tokens"] == unplanned["prompt_tokens"] + counted
    assert planned["max_output_tokens"] == unplanned["max_output_tokens"] + PLAN_OUTPUT_TOKENS
    assert planned["estimated_cost_usd"] > unplanned["estimated_cost_usd"] > 0
    assert not any("planning call" in n for n in unplanned["notes"])
    assert planned["candidates"] == unplanned["candidates"] > 0


# ------------------------------------------------------------------------------- (f)
def test_provider_none_makes_no_planning_call(cli: Cli, llm: FakeCurator, facts: dict[str, Fact]) -> None:
    llm.plan_reply = plan_reply(llm, year_min=1990, year_max=1999)  # would show if it were asked
    data = cli.json("create", WEDDING, "--provider", "none", "--no-plex", "--limit", "10", env=llm.cli_env)
    dry = cli.json("create", WEDDING, "--provider", "none", "--dry-run", env=llm.cli_env)

    assert llm.plans == [] and llm.received == []
    assert data["provider"] == "none" and len(data["tracks"]) == 10
    assert data["understood"] == {} and dry["understood"] == {}
    assert not any("plan" in n.lower() for n in [*data["notes"], *dry["notes"]])


# ------------------------------------------------------------------------------- (g)
def test_no_plan_and_the_setting_turn_the_call_off(cli: Cli, llm: FakeCurator) -> None:
    create(cli, llm, WEDDING, "--limit", "8")
    assert len(llm.plans) == 1 and len(llm.received) == 1  # one planning call, one curator call

    create(cli, llm, WEDDING, "--limit", "8", "--no-plan")
    create(cli, llm, WEDDING, "--limit", "8", env={"PLEXMIX_AI__PLAN": "false"})
    assert len(llm.plans) == 1 and len(llm.received) == 3

    assert cli("config", "set", "ai.plan", "false").exit_code == 0
    create(cli, llm, WEDDING, "--limit", "8")
    assert len(llm.plans) == 1 and len(llm.received) == 4


def test_the_library_api_plan_keyword_overrides_the_setting(
    cli: Cli, llm: FakeCurator, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in {**cli.env, **llm.cli_env, "PLEXMIX_AI__PLAN": "false"}.items():
        monkeypatch.setenv(name, value)
    pm = PlexMix.open()
    assert pm.settings.ai.plan is False

    pm.create_playlist(WEDDING, provider="openai", write_to_plex=False, limit=6)
    assert llm.plans == []
    llm.plan_reply = plan_reply(llm, year_min=1990, year_max=1999)
    made = pm.create_playlist(WEDDING, provider="openai", write_to_plex=False, limit=6, plan=True)
    assert len(llm.plans) == 1
    assert made.playlist.understood_dict == {"year_min": 1990, "year_max": 1999}
    assert all(1990 <= (item.track.year or 0) <= 1999 for item in made.playlist.tracks)

    dry_off = pm.plan_playlist(WEDDING, provider="openai", limit=6)
    dry_on = pm.plan_playlist(WEDDING, provider="openai", limit=6, plan=True)
    assert dry_on.prompt_tokens > dry_off.prompt_tokens and len(llm.plans) == 1


# ------------------------------------------------------------------------------- (h)
def test_plan_request_text_are_preferred_not_required(
    cli: Cli, llm: FakeCurator, facts: dict[str, Fact]
) -> None:
    mood = "music for a long train ride"
    common, carried = a_mood_share(facts, 0.15, 0.5)  # many carry it, most do not
    assert carried >= 40

    baseline = create(cli, llm, mood, "--limit", "20", "--no-plan")
    llm.plan_reply = plan_reply(llm, moods=[common.title()])
    data = create(cli, llm, mood, "--limit", "20")

    assert data["understood"] == {"prefer_moods": [common]}
    assert f"preferring moods {common}" in data["understood_line"]
    assert f"mood: {common}" not in data["filters"]
    returned, before = tracks_of(data, facts), tracks_of(baseline, facts)
    assert len(returned) == 20
    carrying = sum(common in f.moods for f in returned)
    assert carrying >= 16 and carrying > sum(common in f.moods for f in before), carrying

    # A mood few tracks carry: the playlist is still full, not cut to the mood.
    rare, few = a_mood_share(facts, 8 / len(facts), 0.05, rarest=True)
    limit = min(60, len(facts) // 3)
    assert few < limit
    llm.plan_reply = plan_reply(llm, moods=[rare])
    data = create(cli, llm, mood, "--limit", str(limit), "--pool", "200")
    assert data["understood"] == {"prefer_moods": [rare]}
    returned = tracks_of(data, facts)
    assert len(returned) == limit and not any(n.startswith("Only ") for n in data["notes"])
    assert sum(rare in f.moods for f in returned) >= few * 2 // 3
    assert sum(rare not in f.moods for f in returned) >= limit - few


# ------------------------------------------------------------------------- known bugs (generator.resolve)
@pytest.mark.parametrize(
    ("flag", "plan", "expect"),
    [
        (("--genre", "rock"), {"exclude_genres": ["rock"]}, Expect(genres={"rock"})),
        (("--artist", "Queen"), {"exclude_artists": ["Queen"]}, Expect(artists={"queen"})),
    ],
    ids=["genre", "artist"],
)
def test_a_planners_exclusion_never_removes_what_a_flag_asks_for(
    cli: Cli, llm: FakeCurator, facts: dict[str, Fact], flag: tuple[str, str], plan: dict[str, Any],
    expect: Expect,
) -> None:
    llm.plan_reply = plan_reply(llm, **plan)
    data = create(cli, llm, WEDDING, *flag, "--limit", "6")

    assert len(llm.plans) == 1
    assert not any(key.startswith("exclude_") for key in data["understood"]), data["understood"]
    returned = tracks_of(data, facts)
    assert len(returned) == 6 and all(expect.ok(f) for f in returned)


def test_a_planned_mood_or_style_the_text_excludes_is_not_preferred(
    cli: Cli, llm: FakeCurator, facts: dict[str, Fact]
) -> None:
    llm.plan_reply = plan_reply(llm, moods=["melancholy"], styles=["album rock"])
    data = create(cli, llm, "road trip songs but nothing melancholy and no album rock", "--limit", "10")

    understood = data["understood"]
    assert understood["exclude_moods"] == ["melancholy"] and understood["exclude_styles"] == ["album rock"]
    returned = tracks_of(data, facts)
    assert len(returned) == 10 and not any("melancholy" in f.moods for f in returned)
    assert "melancholy" not in understood.get("prefer_moods", []), data["understood_line"]
    assert "album rock" not in understood.get("prefer_styles", []), data["understood_line"]
