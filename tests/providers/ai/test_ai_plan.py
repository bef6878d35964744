"""The planning call (Curator.plan) of every LLM provider through its real SDK against a fake
HTTP endpoint on 127.0.0.1, plus its token estimate."""

from __future__ import annotations

import json

import pytest
from ai_fakes import Reply

from plexmix.errors import AIProviderError
from plexmix.providers.ai import PlanVocabulary, PromptEstimate
from plexmix.providers.ai.none import NoneCurator
from plexmix.providers.ai.plan_prompt import PLAN_OUTPUT_TOKENS, PLAN_SCHEMA, VOCABULARY_CAP
from plexmix.providers.ai.pricing import estimate_cost

MOOD = "90s hip hop but no Eminem, under 4 minutes, like Juicy by The Notorious B.I.G."
VOCABULARY = PlanVocabulary(
    genres=["hip hop", "rock", "jazz"], styles=["boom bap", "g-funk"],
    moods=["confident", "melancholy"], newest_year=2023,
)
PLAN = {
    "genres": ["hip hop"], "styles": ["boom bap"], "moods": [], "artists": [],
    "exclude_artists": ["Eminem"], "exclude_genres": [], "exclude_moods": [], "exclude_styles": [],
    "year_min": 1990, "year_max": 1999, "min_minutes": 0, "max_minutes": 4, "min_rating": 0,
    "never_played": False, "most_played": False,
    "seeds": [{"title": "Juicy", "artist": "The Notorious B.I.G."}],
    "description": "laid-back 90s east coast boom bap",
}


def sent_prompt(kit, received) -> str:
    return kit.prompt_text(received.json)


def test_plan_comes_back_with_the_schema_and_mood_sent(kit, fake_server):
    fake_server.script(Reply(200, kit.ok(json.dumps(PLAN))))
    provider = kit.make(fake_server)

    result = provider.plan(MOOD, VOCABULARY)

    assert result.plan == PLAN
    assert result.reason is None
    assert result.usage is not None and result.usage["calls"] == 1
    assert result.usage["prompt_tokens"] == kit.prompt_tokens
    (received,) = fake_server.received
    assert kit.path_ok(received.path, provider.model)
    assert kit.key_sent(received)
    prompt = sent_prompt(kit, received)
    assert MOOD in prompt
    assert "Genres: hip hop, rock, jazz" in prompt
    assert "Styles: boom bap, g-funk" in prompt
    assert "Moods: confident, melancholy" in prompt
    assert "Newest year in the library: 2023" in prompt
    schema = kit.schema_sent(received.json)
    if kit.name == "local":  # JSON mode without a schema: the prompt names every field
        assert kit.json_mode_ok(received.json)
        assert all(name in prompt for name in PLAN_SCHEMA["properties"])
    else:
        assert schema is not None
        assert set(schema["properties"]) == set(PLAN_SCHEMA["properties"])
        assert set(schema["required"]) == set(PLAN_SCHEMA["properties"])
        assert "tracks" not in schema["properties"]


def test_invalid_json_then_a_valid_plan_on_the_corrective_retry(kit, fake_server):
    fake_server.script(
        Reply(200, kit.ok('{"genres": ["hip hop"], "year_min": 19')),
        Reply(200, kit.ok(json.dumps(PLAN))),
    )
    result = kit.make(fake_server).plan(MOOD, VOCABULARY)

    assert result.plan == PLAN and result.reason is None
    assert result.usage is not None and result.usage["calls"] == 2
    first, second = (sent_prompt(kit, r) for r in fake_server.received)
    assert "not valid JSON" not in first
    assert "not valid JSON" in second and MOOD in second


def test_invalid_json_twice_gives_none_and_a_reason(kit, fake_server):
    fake_server.script(default=Reply(200, kit.ok('{"tracks": []}')))  # JSON, but not a plan
    result = kit.make(fake_server).plan(MOOD, VOCABULARY)

    assert len(fake_server.received) == 2
    assert result.plan is None
    assert "did not return a valid plan" in (result.reason or "")
    assert result.usage is not None and result.usage["calls"] == 2


def test_server_error_then_success_is_retried(kit, fake_server):
    fake_server.script(Reply(500, kit.error(500, "internal error")), Reply(200, kit.ok(json.dumps(PLAN))))
    provider = kit.make(fake_server)
    sleeps: list[float] = []
    provider.sleep = sleeps.append

    result = provider.plan(MOOD, VOCABULARY)

    assert len(fake_server.received) == 2
    assert sleeps == [0.01]
    assert result.plan == PLAN


def test_persistent_server_error_gives_none_and_the_reason(kit, fake_server):
    fake_server.script(default=Reply(503, kit.error(503, "overloaded")))
    provider = kit.make(fake_server, max_retries=2)
    provider.sleep = lambda _: None

    result = provider.plan(MOOD, VOCABULARY)

    assert len(fake_server.received) == 3
    assert result.plan is None
    assert result.reason == f"The planning call to {provider.display_name} failed (HTTP 503) after 3 attempts"
    assert result.usage is None  # no call answered


def test_timeout_gives_none_and_says_so(kit, fake_server):
    fake_server.script(default=Reply(200, kit.ok(json.dumps(PLAN)), delay=0.4))
    provider = kit.make(fake_server, timeout=0.1, max_retries=1)
    provider.sleep = lambda _: None

    result = provider.plan(MOOD, VOCABULARY)

    assert len(fake_server.received) == 2
    assert result.plan is None and "timed out" in (result.reason or "")


def test_rejected_key_raises_as_select_does(kit, fake_server):
    fake_server.script(default=Reply(401, kit.error(401, "invalid api key")))
    with pytest.raises(AIProviderError) as info:
        kit.make(fake_server).plan(MOOD, VOCABULARY)
    assert len(fake_server.received) == 1
    assert "API key" in info.value.message


def test_the_prompt_lists_at_most_the_cap_of_each_kind(kits, fake_server):
    kit = kits["openai"]
    genres = [f"genre{i:03d}" for i in range(VOCABULARY_CAP + 50)]
    fake_server.script(Reply(200, kit.ok(json.dumps(PLAN))))
    kit.make(fake_server).plan(MOOD, PlanVocabulary(genres=genres))

    prompt = sent_prompt(kit, fake_server.received[0])
    assert f"genre{VOCABULARY_CAP - 1:03d}" in prompt
    assert f"genre{VOCABULARY_CAP:03d}" not in prompt
    assert "Newest year in the library: unknown" in prompt


def test_none_makes_no_planning_call_and_costs_nothing():
    curator = NoneCurator()  # its _call raises NotImplementedError: reaching it would fail
    result = curator.plan(MOOD, VOCABULARY)

    assert result.plan is None and result.reason is None and result.usage is None
    assert curator.estimate_plan(MOOD, VOCABULARY) == PromptEstimate(0, 0, 0, 0.0)


def test_blank_mood_sends_nothing(kits, fake_server):
    result = kits["openai"].make(fake_server).plan("   ", VOCABULARY)
    assert result.plan is None and result.reason is None
    assert fake_server.received == []


def test_plan_estimate_counts_the_prompt_and_prices_it(kits, fake_server):
    provider = kits["openai"].make(fake_server)
    small = provider.estimate_plan(MOOD, VOCABULARY)
    big = provider.estimate_plan(MOOD, PlanVocabulary(genres=[f"genre number {i}" for i in range(100)]))

    assert small.max_output_tokens == PLAN_OUTPUT_TOKENS and small.candidates_sent == 0
    assert 100 < small.prompt_tokens < big.prompt_tokens
    assert small.estimated_cost_usd == estimate_cost("gpt-4o-mini", small.prompt_tokens, PLAN_OUTPUT_TOKENS)
    assert fake_server.received == []  # estimating sends nothing
    free = kits["local"].make(fake_server).estimate_plan(MOOD, VOCABULARY)
    assert free.estimated_cost_usd == 0.0 and free.prompt_tokens == small.prompt_tokens


def test_two_estimates_add_up():
    total = PromptEstimate(1000, 500, 40, 0.0012) + PromptEstimate(300, 400, 0, 0.0004)
    assert total == PromptEstimate(1300, 900, 40, 0.0016)
    unknown = PromptEstimate(1000, 500, 40, None) + PromptEstimate(300, 400, 0, 0.0004)
    assert unknown.estimated_cost_usd is None and unknown.prompt_tokens == 1300
