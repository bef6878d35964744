"""Every LLM provider through its real SDK against a fake HTTP endpoint on 127.0.0.1."""

from __future__ import annotations

import json
import logging

import pytest
from ai_fakes import SECRET, Reply

from plexmix.config.credentials import secret_for
from plexmix.errors import AIProviderError
from plexmix.providers.ai import Candidate

MOOD = "rainy sunday morning with coffee"


def answer(picks: list[tuple[int, str]]) -> str:
    return json.dumps({"tracks": [{"id": i, "reason": r} for i, r in picks]})


def top_ids(candidates: list[Candidate], n: int) -> list[int]:
    return [c.id for c in sorted(candidates, key=lambda c: -c.score)[:n]]


def test_good_answer_is_used_in_model_order(kit, fake_server, candidates, caplog):
    caplog.set_level(logging.DEBUG)
    chosen = [candidates[9], candidates[2], candidates[15], candidates[0]]
    picks = [(c.id, f"fits {c.title[:20]}") for c in chosen]
    fake_server.script(Reply(200, kit.ok(answer(picks))))
    provider = kit.make(fake_server)

    selection = provider.select(MOOD, candidates, len(chosen))

    assert selection.track_ids == [c.id for c in chosen]
    assert selection.reasons == dict(picks)
    assert selection.fallback is False and selection.fallback_reason is None
    assert selection.filled_ids == []
    assert selection.provider == kit.name and selection.model == provider.model
    assert selection.usage is not None and selection.usage["calls"] == 1
    assert selection.usage["prompt_tokens"] == kit.prompt_tokens

    (received,) = fake_server.received
    assert received.method == "POST"
    assert kit.path_ok(received.path, provider.model)
    assert kit.model_sent(received) == provider.model
    assert kit.json_mode_ok(received.json)
    assert kit.key_sent(received)
    prompt = kit.prompt_text(received.json)
    assert MOOD in prompt
    for c in candidates:
        assert f"\n{c.id}|" in prompt
    assert f"Number of tracks to choose: {len(chosen)}" in prompt
    # Logged at DEBUG (duration, usage) and never the key.
    assert any("took" in r.getMessage() for r in caplog.records if r.name.startswith("plexmix"))
    assert SECRET not in caplog.text


def test_broken_json_then_good_answer_on_corrective_retry(kit, fake_server, candidates):
    picks = [(candidates[3].id, "warm"), (candidates[1].id, "soft")]
    fake_server.script(
        Reply(200, kit.ok('{"tracks": [{"id": 12, "reason": "oops"')),
        Reply(200, kit.ok(answer(picks))),
    )
    selection = kit.make(fake_server).select(MOOD, candidates, 2)

    assert selection.track_ids == [i for i, _ in picks]
    assert selection.fallback is False
    assert selection.usage is not None and selection.usage["calls"] == 2
    first, second = (kit.prompt_text(r.json) for r in fake_server.received)
    assert "not valid JSON" not in first
    assert "not valid JSON" in second
    assert MOOD in second


def test_broken_json_twice_falls_back_to_ranking(kit, fake_server, candidates):
    fake_server.script(default=Reply(200, kit.ok("Sure! Here are some great songs.")))
    selection = kit.make(fake_server).select(MOOD, candidates, 5)

    assert len(fake_server.received) == 2
    assert selection.fallback is True
    assert "valid JSON" in (selection.fallback_reason or "")
    assert selection.track_ids == top_ids(candidates, 5)
    for c in candidates[:5]:
        assert f"{c.score:.2f}" in selection.reasons[c.id]


def test_invented_and_repeated_ids_dropped_short_answer_filled(kit, fake_server, candidates):
    a, b = candidates[6], candidates[4]
    invented = max(c.id for c in candidates) + 1
    picks = [(a.id, "first"), (invented, "made up"), (a.id, "again"), (b.id, "second")]
    fake_server.script(Reply(200, kit.ok(answer(picks))))
    length = 5

    selection = kit.make(fake_server).select(MOOD, candidates, length)

    expected_fill = [i for i in top_ids(candidates, length + 2) if i not in (a.id, b.id)]
    expected_fill = expected_fill[: length - 2]
    assert selection.track_ids == [a.id, b.id, *expected_fill]
    assert selection.filled_ids == expected_fill
    assert invented not in selection.track_ids
    assert len(set(selection.track_ids)) == length
    assert selection.reasons[a.id] == "first"
    assert selection.fallback is False
    assert selection.fallback_reason is not None and "filled 3" in selection.fallback_reason
    assert len(fake_server.received) == 1


def test_timeout_is_retried_then_falls_back(kit, fake_server, candidates):
    fake_server.script(default=Reply(200, kit.ok(answer([])), delay=0.4))
    provider = kit.make(fake_server, timeout=0.1, max_retries=2)
    sleeps: list[float] = []
    provider.sleep = sleeps.append

    selection = provider.select(MOOD, candidates, 4)

    assert len(fake_server.received) == 3
    assert sleeps == [0.01, 0.02]
    assert selection.fallback is True
    assert "timed out" in (selection.fallback_reason or "")
    assert selection.track_ids == top_ids(candidates, 4)


def test_server_error_is_retried_then_falls_back(kit, fake_server, candidates):
    fake_server.script(default=Reply(500, kit.error(500, "internal error")))
    selection = kit.make(fake_server, max_retries=2).select(MOOD, candidates, 3)

    assert len(fake_server.received) == 3
    assert selection.fallback is True
    assert "HTTP 500" in (selection.fallback_reason or "")
    assert selection.track_ids == top_ids(candidates, 3)


def test_server_error_then_success_recovers(kit, fake_server, candidates):
    picks = [(candidates[5].id, "good")]
    fake_server.script(
        Reply(503, kit.error(503, "overloaded")), Reply(200, kit.ok(answer(picks)))
    )
    selection = kit.make(fake_server).select(MOOD, candidates, 1)

    assert len(fake_server.received) == 2
    assert selection.fallback is False
    assert selection.track_ids == [candidates[5].id]


def test_rate_limit_waits_as_long_as_the_server_asks(kit, fake_server, candidates):
    picks = [(candidates[2].id, "worth the wait")]
    fake_server.script(
        Reply(429, kit.error(429, "slow down"), headers={"Retry-After": "3"}),
        Reply(200, kit.ok(answer(picks))),
    )
    provider = kit.make(fake_server)
    sleeps: list[float] = []
    provider.sleep = sleeps.append

    selection = provider.select(MOOD, candidates, 1)

    assert sleeps == [3.0]  # the server's Retry-After, not the 0.01 s backoff
    assert len(fake_server.received) == 2
    assert selection.fallback is False and selection.track_ids == [candidates[2].id]


def test_bad_key_raises_naming_the_key_setting(kit, fake_server, candidates, caplog):
    caplog.set_level(logging.DEBUG)
    fake_server.script(default=Reply(401, kit.error(401, "invalid api key")))
    provider = kit.make(fake_server)

    with pytest.raises(AIProviderError) as info:
        provider.select(MOOD, candidates, 3)

    assert len(fake_server.received) == 1  # not retried
    assert "API key" in info.value.message
    hint = info.value.hint or ""
    if provider.needs_key:
        spec = secret_for(provider.name)
        assert spec is not None and spec.env_var in hint
        assert f"plexmix config set {spec.setting}" in hint
    else:  # local servers: the hint says how to get past the server's key check
        assert "key" in hint
    assert SECRET not in caplog.text
    assert SECRET not in str(info.value) + hint


def test_unknown_model_raises_naming_ai_model(kit, fake_server, candidates):
    fake_server.script(default=Reply(404, kit.error(404, "model not found")))
    provider = kit.make(fake_server, model="no-such-model-9")

    with pytest.raises(AIProviderError) as info:
        provider.select(MOOD, candidates, 3)

    assert len(fake_server.received) == 1
    assert kit.model_sent(fake_server.received[0]) == "no-such-model-9"
    assert "'no-such-model-9' is not served" in info.value.message
    assert ("ai.local_model" if kit.name == "local" else "ai.model") in (info.value.hint or "")


def test_unreachable_server_falls_back(kit, fake_server, candidates):
    provider = kit.make(fake_server, max_retries=1)
    # Point at a port where nothing listens: bind, note the port, close.
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    dead = f"http://127.0.0.1:{port}"
    provider.base_url = dead + ("/v1" if kit.name in ("openai", "local") else "")
    provider.sleep = lambda _s: None

    selection = provider.select(MOOD, candidates, 2)

    assert selection.fallback is True
    assert selection.track_ids == top_ids(candidates, 2)
    assert fake_server.received == []
