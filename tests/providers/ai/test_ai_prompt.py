"""Prompt building, token estimates, trimming to a budget, cost estimates."""

from __future__ import annotations

import dataclasses

import pytest
from ai_fakes import load_candidates

from plexmix.providers.ai import Candidate, get_curator
from plexmix.providers.ai.pricing import PRICES_PER_MTOK, estimate_cost, price_for
from plexmix.providers.ai.prompt import (
    SYSTEM_PROMPT,
    TABLE_HEADER,
    build_prompt,
    candidate_line,
    estimate_tokens,
    expected_output_tokens,
)


def make(id_: int, score: float, **kw: object) -> Candidate:
    base = dict(title=f"Song {id_}", artist=f"Artist {id_ % 3}", album="Album", year=2001,
                genres=["rock"], moods=["happy"])
    base.update(kw)
    return Candidate(id=id_, score=score, **base)  # type: ignore[arg-type]


def test_candidate_line_has_all_columns_in_order():
    c = make(42, 0.9, title="Blue", artist="Miles Davis", album="Kind of Blue", year=1959,
             genres=["jazz", "modal"], moods=["calm"])
    assert candidate_line(c) == "42|Blue|Miles Davis|Kind of Blue|1959|jazz,modal|calm"
    assert TABLE_HEADER == "id|title|artist|album|year|genres|moods"


def test_candidate_line_escapes_separators_and_handles_missing_values():
    c = make(7, 0.5, title="A|B\nC", artist=None, album=None, year=None, genres=[], moods=[])
    line = candidate_line(c)
    assert line == "7|A/B C|||||"
    assert line.count("|") == 6


def test_candidate_line_shortens_long_fields_and_tag_lists():
    c = make(1, 0.5, title="x" * 300, genres=[f"g{i}" for i in range(10)])
    title, genres = candidate_line(c).split("|")[1], candidate_line(c).split("|")[5]
    assert len(title) <= 60 and title.endswith("…")
    assert genres.split(",") == ["g0", "g1", "g2", "g3"]


def test_prompt_contains_rules_mood_length_and_every_candidate():
    cands = load_candidates(12)
    provider = get_curator("openai", api_key="k")
    system, user, used = provider.build_prompt("sunny beach party", cands, 5)

    assert system == SYSTEM_PROMPT
    for rule in ("only from the ids", "No duplicates", "exactly the requested number",
                 "listening sequence", "same artist apart", "12 words"):
        assert rule in system
    assert '"tracks"' in system
    assert "Mood: sunny beach party" in user
    assert "Number of tracks to choose: 5" in user
    assert used == sorted(cands, key=lambda c: -c.score)
    lines = user.split(TABLE_HEADER + "\n", 1)[1].splitlines()
    assert [int(line.split("|", 1)[0]) for line in lines] == [c.id for c in used]


def test_length_larger_than_pool_asks_for_what_exists():
    cands = load_candidates(3)
    _, user, _ = get_curator("openai", api_key="k").build_prompt("calm", cands, 50)
    assert "Number of tracks to choose: 3" in user


def test_duplicate_candidates_are_sent_once():
    c = make(5, 0.7)
    _, _, used = get_curator("openai", api_key="k").build_prompt("x", [c, c, make(6, 0.2)], 2)
    assert [x.id for x in used] == [5, 6]


def test_tiny_budget_keeps_top_scored_candidates():
    cands = load_candidates(40)
    shuffled = cands[::3] + cands[1::3] + cands[2::3]  # arrival order must not matter
    full = build_prompt("focus", shuffled, 10)
    per_line = (full.prompt_tokens - build_prompt("focus", shuffled[:1], 10).prompt_tokens) / 39
    fixed = full.prompt_tokens - per_line * 40
    budget = int(fixed + per_line * 8)

    trimmed = build_prompt("focus", shuffled, 10, budget_tokens=budget)

    ranked = sorted(cands, key=lambda c: -c.score)
    kept = trimmed.candidates_used
    assert 1 <= len(kept) < len(cands)
    assert kept == ranked[: len(kept)]
    assert trimmed.prompt_tokens <= budget
    dropped = {c.id for c in ranked[len(kept):]}
    assert not any(f"\n{i}|" in trimmed.user for i in dropped)


def test_budget_smaller_than_anything_still_keeps_the_best_candidate():
    cands = load_candidates(10)
    trimmed = build_prompt("focus", cands, 5, budget_tokens=1)
    assert trimmed.candidates_used == [max(cands, key=lambda c: c.score)]


def test_provider_budget_trims_via_context_tokens():
    cands = load_candidates(200)
    roomy = get_curator("openai", api_key="k")
    tight = get_curator("openai", api_key="k", context_tokens=1500)
    assert roomy.estimate("x", cands, 20).candidates_sent == 200
    est = tight.estimate("x", cands, 20)
    assert 1 <= est.candidates_sent < 200
    assert est.prompt_tokens + est.max_output_tokens <= 1500
    _, _, used = tight.build_prompt("x", cands, 20)
    assert used == sorted(cands, key=lambda c: -c.score)[: est.candidates_sent]


def test_token_estimate_grows_with_text_and_counts_separators():
    assert estimate_tokens("") == 0
    assert estimate_tokens("a|b|c") == 5
    short, long = estimate_tokens("hello world"), estimate_tokens("hello world " * 10)
    assert long >= 10 * short - 1
    # Within a factor of two of the chars/4 rule for ordinary prose.
    text = "The quick brown fox jumps over the lazy dog while the band plays on. " * 5
    assert len(text) / 8 <= estimate_tokens(text) <= len(text) / 2


def test_estimate_reports_tokens_and_cost_for_priced_model():
    cands = load_candidates(30)
    provider = get_curator("openai", api_key="k", model="gpt-4o-mini")
    est = provider.estimate("rainy", cands, 10)
    _, user, used = provider.build_prompt("rainy", cands, 10)

    assert est.candidates_sent == len(used) == 30
    assert est.max_output_tokens == expected_output_tokens(10)
    assert est.prompt_tokens >= estimate_tokens(SYSTEM_PROMPT) + estimate_tokens(user)
    cost_in, cost_out = PRICES_PER_MTOK["gpt-4o-mini"]
    expected = (est.prompt_tokens * cost_in + est.max_output_tokens * cost_out) / 1e6
    assert est.estimated_cost_usd == pytest.approx(expected, rel=1e-3)


def test_estimate_cost_unknown_for_unlisted_model_and_free_for_local():
    cands = load_candidates(5)
    assert get_curator("openai", api_key="k", model="my-finetune").estimate(
        "x", cands, 3).estimated_cost_usd is None
    local = get_curator("local", base_url="http://127.0.0.1:9/v1", model="llama3.1")
    assert local.estimate("x", cands, 3).estimated_cost_usd == 0.0


@pytest.mark.parametrize(
    ("model", "listed"),
    [("gpt-4o-mini", "gpt-4o-mini"), ("gpt-4o-mini-2024-07-18", "gpt-4o-mini"),
     ("gpt-4o", "gpt-4o"), ("models/gemini-2.5-flash", "gemini-2.5-flash"),
     ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5")],
)
def test_price_lookup_accepts_snapshots(model, listed):
    assert price_for(model) == PRICES_PER_MTOK[listed]


def test_price_lookup_does_not_guess():
    assert price_for("gpt-4o-audio-preview") is None
    assert price_for(None) is None
    assert estimate_cost("unknown", 1000, 1000) is None


def test_each_default_model_has_a_price():
    for name in ("gemini", "openai", "claude"):
        provider = get_curator(name, api_key="k")
        assert price_for(provider.model) is not None, name


def test_candidates_are_not_modified():
    cands = load_candidates(6)
    before = [dataclasses.asdict(c) for c in cands]
    get_curator("openai", api_key="k", context_tokens=900).build_prompt("x", cands, 3)
    assert [dataclasses.asdict(c) for c in cands] == before
