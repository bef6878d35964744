"""Provider-specific behaviour over the wire: JSON-mode downgrades, sampling parameters,
servers that ignore JSON mode, Gemini's bad-key answer."""

from __future__ import annotations

import json

import pytest
from ai_fakes import SECRET, Reply

from plexmix.errors import AIProviderError

MOOD = "late night drive through the city"


def answer(ids: list[int]) -> str:
    return json.dumps({"tracks": [{"id": i, "reason": f"reason {i}"} for i in ids]})


def test_openai_sends_temperature_and_token_limit(kits, fake_server, candidates):
    kit = kits["openai"]
    fake_server.script(Reply(200, kit.ok(answer([candidates[0].id]))))
    kit.make(fake_server, temperature=0.3).select(MOOD, candidates, 1)

    body = fake_server.received[0].json
    assert body["temperature"] == 0.3
    assert body["max_completion_tokens"] >= 28
    assert [m["role"] for m in body["messages"]] == ["system", "user"]


def test_openai_reasoning_model_gets_no_temperature(kits, fake_server, candidates):
    kit = kits["openai"]
    fake_server.script(Reply(200, kit.ok(answer([candidates[0].id]))))
    provider = kit.make(fake_server, model="gpt-5-mini")
    provider.select(MOOD, candidates, 1)

    body = fake_server.received[0].json
    assert body["model"] == "gpt-5-mini"
    assert "temperature" not in body
    # room for reasoning tokens on top of the answer
    assert body["max_completion_tokens"] > 4000


def test_openai_falls_back_to_json_object_when_schema_rejected(kits, fake_server, candidates):
    kit = kits["openai"]
    rejected = kit.error(400, "Invalid parameter: 'response_format' of type 'json_schema' "
                              "is not supported with this model.")
    fake_server.script(
        Reply(400, rejected), Reply(200, kit.ok(answer([candidates[2].id])))
    )
    provider = kit.make(fake_server)
    selection = provider.select(MOOD, candidates, 1)

    first, second = (r.json for r in fake_server.received)
    assert first["response_format"]["type"] == "json_schema"
    assert second["response_format"] == {"type": "json_object"}
    assert selection.track_ids == [candidates[2].id] and selection.fallback is False
    assert provider.json_mode == "json_object"  # remembered for later calls


def test_local_server_ignoring_json_mode_is_tolerated(kits, fake_server, candidates):
    kit = kits["local"]
    ids = [candidates[4].id, candidates[1].id]
    chatty = "Sure! Here is your playlist:\n```json\n" + answer(ids) + "\n```\nEnjoy the ride."
    fake_server.script(Reply(200, kit.ok(chatty)))
    selection = kit.make(fake_server).select(MOOD, candidates, 2)

    assert selection.track_ids == ids
    assert selection.fallback is False
    assert len(fake_server.received) == 1


def test_local_server_rejecting_response_format_is_asked_without_it(
    kits, fake_server, candidates
):
    kit = kits["local"]
    fake_server.script(
        Reply(400, kit.error(400, "'response_format.type' must be 'json_schema' or 'text'")),
        Reply(200, kit.ok(answer([candidates[3].id]))),
    )
    selection = kit.make(fake_server).select(MOOD, candidates, 1)

    first, second = (r.json for r in fake_server.received)
    assert first["response_format"] == {"type": "json_object"}
    assert "response_format" not in second
    assert "max_tokens" in second
    assert selection.track_ids == [candidates[3].id]


def test_local_provider_sends_placeholder_key_and_model(kits, fake_server, candidates):
    kit = kits["local"]
    fake_server.script(Reply(200, kit.ok(answer([candidates[0].id]))))
    kit.make(fake_server, model="qwen2.5:7b-instruct").select(MOOD, candidates, 1)

    received = fake_server.received[0]
    assert received.json["model"] == "qwen2.5:7b-instruct"
    assert received.headers["authorization"] == "Bearer not-needed"


def test_local_404_hint_names_model_and_base_url(kits, fake_server, candidates):
    kit = kits["local"]
    fake_server.script(default=Reply(404, kit.error(404, "model 'mystery' not found")))
    provider = kit.make(fake_server, model="mystery")
    with pytest.raises(AIProviderError) as info:
        provider.select(MOOD, candidates, 2)
    assert fake_server.url in info.value.message
    hint = info.value.hint or ""
    assert "ai.local_model" in hint and "ai.local_base_url" in hint


def test_claude_5_gets_low_effort_and_no_temperature(kits, fake_server, candidates):
    kit = kits["claude"]
    fake_server.script(Reply(200, kit.ok(answer([candidates[0].id]))))
    kit.make(fake_server).select(MOOD, candidates, 1)

    body = fake_server.received[0].json
    assert body["model"] == "claude-sonnet-5-5"
    assert "temperature" not in body
    assert body["output_config"]["effort"] == "low"
    assert "tool_choice" not in body  # forced tool use is refused by current models
    assert "tracks" in body["system"] or "tracks" in json.dumps(body["output_config"])


def test_claude_4_model_gets_temperature(kits, fake_server, candidates):
    kit = kits["claude"]
    fake_server.script(Reply(200, kit.ok(answer([candidates[0].id]))))
    kit.make(fake_server, model="claude-haiku-4-5", temperature=0.4).select(MOOD, candidates, 1)

    body = fake_server.received[0].json
    assert body["temperature"] == 0.4
    assert "effort" not in body["output_config"]
    assert body["output_config"]["format"]["type"] == "json_schema"


def test_claude_without_structured_outputs_retries_plain(kits, fake_server, candidates):
    kit = kits["claude"]
    fake_server.script(
        Reply(400, kit.error(400, "output_config.format: structured outputs are not "
                                  "supported for this model")),
        Reply(200, kit.ok(answer([candidates[1].id]))),
    )
    selection = kit.make(fake_server, model="claude-3-haiku-20240307").select(
        MOOD, candidates, 1
    )
    first, second = (r.json for r in fake_server.received)
    assert "output_config" in first
    assert "output_config" not in second
    assert selection.track_ids == [candidates[1].id]


def test_gemini_bad_key_400_raises_naming_google_api_key(kits, fake_server, candidates):
    kit = kits["gemini"]
    body = {
        "error": {
            "code": 400,
            "message": "API key not valid. Please pass a valid API key.",
            "status": "INVALID_ARGUMENT",
            "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                         "reason": "API_KEY_INVALID"}],
        }
    }
    fake_server.script(default=Reply(400, body))
    with pytest.raises(AIProviderError) as info:
        kit.make(fake_server).select(MOOD, candidates, 2)
    assert "GOOGLE_API_KEY" in (info.value.hint or "")
    assert len(fake_server.received) == 1


def test_gemini_sends_schema_without_additional_properties(kits, fake_server, candidates):
    kit = kits["gemini"]
    fake_server.script(Reply(200, kit.ok(answer([candidates[0].id]))))
    kit.make(fake_server, temperature=0.2).select(MOOD, candidates, 1)

    config = fake_server.received[0].json["generationConfig"]
    assert config["temperature"] == 0.2
    assert "additionalProperties" not in json.dumps(config["responseSchema"])
    assert config["maxOutputTokens"] > 28
    assert fake_server.received[0].headers["x-goog-api-key"] == SECRET


def test_other_client_error_falls_back_without_retry(kit, fake_server, candidates):
    fake_server.script(default=Reply(422, kit.error(422, "unprocessable")))
    selection = kit.make(fake_server).select(MOOD, candidates, 3)
    assert len(fake_server.received) == 1
    assert selection.fallback is True
    assert "HTTP 422" in (selection.fallback_reason or "")


def test_gemini_ignores_vertex_environment(kits, fake_server, candidates, monkeypatch):
    monkeypatch.setenv("GOOGLE_GENAI_USE_VERTEXAI", "true")
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "some-project")
    kit = kits["gemini"]
    fake_server.script(Reply(200, kit.ok(answer([candidates[0].id]))))
    selection = kit.make(fake_server).select(MOOD, candidates, 1)

    assert selection.fallback is False
    assert kit.path_ok(fake_server.received[0].path, "gemini-2.5-flash")
    assert "projects/" not in fake_server.received[0].path
