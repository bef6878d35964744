"""The select() template method with a scripted in-process provider (no HTTP).

The SDK-backed providers are tested over loopback HTTP elsewhere; here the edge cases of
the shared logic: retries and backoff, usage accounting, fills and fallbacks."""

from __future__ import annotations

import json
from typing import ClassVar

import pytest
from ai_fakes import load_candidates

from plexmix.errors import AIProviderError, UsageError
from plexmix.providers.ai.base import Curator
from plexmix.providers.ai.none import NoneCurator


class StatusError(Exception):
    def __init__(self, status_code: int) -> None:
        super().__init__(f"HTTP {status_code}")
        self.status_code = status_code


class ScriptedProvider(Curator):
    name: ClassVar[str] = "scripted"
    display_name: ClassVar[str] = "Scripted"
    default_model: ClassVar[str | None] = "script-1"
    needs_key: ClassVar[bool] = False

    def __init__(self, outcomes: list[object], **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.outcomes = list(outcomes)
        self.calls: list[tuple[str, str, int]] = []

    def _call(self, system: str, user: str, schema: dict, *, max_output_tokens: int = 1024
              ) -> str:
        self.calls.append((system, user, max_output_tokens))
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        self._last_usage = {"prompt_tokens": 100, "output_tokens": 10}
        return str(outcome)


def answer(ids: list[int]) -> str:
    return json.dumps({"tracks": [{"id": i, "reason": f"r{i}"} for i in ids]})


@pytest.fixture
def cands():
    return load_candidates(15)


def test_backoff_doubles_between_retries(cands):
    p = ScriptedProvider([TimeoutError(), ConnectionError(), answer([cands[0].id])],
                         max_retries=2, retry_backoff=0.25)
    sleeps: list[float] = []
    p.sleep = sleeps.append
    sel = p.select("m", cands, 1)
    assert sleeps == [0.25, 0.5]
    assert sel.fallback is False and sel.track_ids == [cands[0].id]
    assert sel.usage is not None and sel.usage["calls"] == 1


def test_max_retries_zero_means_one_attempt(cands):
    p = ScriptedProvider([StatusError(502)], max_retries=0)
    p.sleep = lambda s: pytest.fail("should not sleep")
    sel = p.select("m", cands, 4)
    assert len(p.calls) == 1
    assert sel.fallback is True and "after 1 attempts" in (sel.fallback_reason or "")
    assert sel.usage is None  # no call succeeded


def test_rate_limit_is_retried(cands):
    p = ScriptedProvider([StatusError(429), answer([cands[1].id])], retry_backoff=0)
    assert p.select("m", cands, 1).track_ids == [cands[1].id]
    assert len(p.calls) == 2


@pytest.mark.parametrize("status", [401, 403])
def test_auth_errors_raise_immediately(cands, status):
    p = ScriptedProvider([StatusError(status)], retry_backoff=0)
    with pytest.raises(AIProviderError, match="rejected the API key"):
        p.select("m", cands, 3)
    assert len(p.calls) == 1


def test_usage_adds_up_over_the_corrective_retry(cands):
    p = ScriptedProvider(["not json", answer([cands[2].id, cands[3].id])])
    sel = p.select("m", cands, 2)
    assert sel.usage is not None
    assert (sel.usage["calls"], sel.usage["prompt_tokens"], sel.usage["output_tokens"]) == (
        2, 200, 20)
    assert "not valid JSON" in p.calls[1][1] and p.calls[1][1].startswith(p.calls[0][1])


def test_network_failure_during_corrective_retry_falls_back(cands):
    p = ScriptedProvider(["garbage", StatusError(500), StatusError(500)], max_retries=1,
                         retry_backoff=0)
    sel = p.select("m", cands, 3)
    assert sel.fallback is True and "HTTP 500" in (sel.fallback_reason or "")
    assert sel.usage is not None and sel.usage["calls"] == 1


def test_only_invented_ids_is_a_fallback(cands):
    unknown = max(c.id for c in cands) + 1
    sel = ScriptedProvider([answer([unknown, unknown + 1])]).select("m", cands, 3)
    assert sel.fallback is True
    assert "chose no track" in (sel.fallback_reason or "")
    assert sel.track_ids == [c.id for c in sorted(cands, key=lambda c: -c.score)[:3]]


def test_long_answer_is_cut_to_length(cands):
    ids = [c.id for c in cands[::-1]]
    sel = ScriptedProvider([answer(ids)]).select("m", cands, 4)
    assert sel.track_ids == ids[:4] and sel.filled_ids == [] and sel.fallback_reason is None


def test_missing_reason_gets_a_default(cands):
    sel = ScriptedProvider([json.dumps({"tracks": [{"id": cands[0].id}]})]).select("m", cands, 1)
    assert sel.reasons[cands[0].id]


def test_length_must_be_positive(cands):
    with pytest.raises(UsageError):
        ScriptedProvider([]).select("m", cands, 0)
    with pytest.raises(UsageError):
        NoneCurator().select("m", cands, 0)


def test_no_candidates_makes_no_call():
    p = ScriptedProvider([])
    sel = p.select("m", [], 5)
    assert sel.track_ids == [] and p.calls == [] and sel.fallback is False


def test_request_cap_leaves_room_for_the_answer(cands):
    p = ScriptedProvider([answer([cands[0].id])])
    p.select("m", cands, 10)
    assert p.calls[0][2] >= 2 * 28 * 10


def test_none_provider_ranks_by_score_with_score_reasons(cands):
    shuffled = cands[1::2] + cands[::2]
    sel = NoneCurator().select("anything", shuffled + shuffled[:2], 6)
    ranked = sorted(cands, key=lambda c: -c.score)[:6]
    assert sel.track_ids == [c.id for c in ranked]
    assert sel.fallback is False and sel.provider == "none" and sel.model is None
    for c in ranked:
        assert sel.reasons[c.id] == f"Similar to the mood (score {c.score:.2f})"
    est = NoneCurator().estimate("x", cands, 5)
    assert (est.prompt_tokens, est.candidates_sent, est.estimated_cost_usd) == (0, 0, 0.0)


def test_repr_never_shows_the_key():
    p = ScriptedProvider([], api_key="sk-very-secret")
    assert "sk-very-secret" not in repr(p)
