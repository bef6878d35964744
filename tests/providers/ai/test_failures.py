"""The one failure classifier and retry policy of the curators and embedding providers, on the
exceptions the real SDKs raise (built here without any network)."""

from __future__ import annotations

import anthropic
import httpx2
import openai
import pytest
from google.genai import errors as genai_errors

from plexmix.providers.failures import CallFailedError, Kind, RetryPolicy, classify

REQUEST = httpx2.Request("POST", "http://127.0.0.1:9/v1/chat/completions")


def openai_error(status: int, headers: dict[str, str] | None = None) -> openai.APIStatusError:
    response = httpx2.Response(status, headers=headers or {}, request=REQUEST)
    return openai.APIStatusError(f"Error code: {status}", response=response, body=None)


def anthropic_error(status: int) -> anthropic.APIStatusError:
    response = httpx2.Response(status, request=REQUEST)
    return anthropic.APIStatusError(f"Error code: {status}", response=response, body=None)


def gemini_error(code: int, message: str, **extra: object) -> genai_errors.APIError:
    return genai_errors.APIError(code, {"error": {"code": code, "message": message, **extra}})


@pytest.mark.parametrize(
    ("exc", "kind", "summary"),
    [
        (openai_error(401), Kind.AUTH, "HTTP 401"),
        (anthropic_error(403), Kind.AUTH, "HTTP 403"),
        (gemini_error(400, "API key not valid. Please pass a valid API key.", status="INVALID_ARGUMENT"),
         Kind.AUTH, "HTTP 400"),
        (openai_error(404), Kind.NOT_FOUND, "HTTP 404"),
        (gemini_error(404, "models/nope is not found"), Kind.NOT_FOUND, "HTTP 404"),
        (openai_error(429), Kind.RATE_LIMITED, "HTTP 429"),
        (openai_error(408), Kind.TIMEOUT, "HTTP 408"),
        (anthropic_error(529), Kind.SERVER_ERROR, "HTTP 529"),
        (gemini_error(503, "overloaded"), Kind.SERVER_ERROR, "HTTP 503"),
        (openai_error(409), Kind.SERVER_ERROR, "HTTP 409"),
        (openai_error(400), Kind.BAD_REQUEST, "HTTP 400"),
        (gemini_error(400, "input too long"), Kind.BAD_REQUEST, "HTTP 400"),
        (openai.APITimeoutError(request=REQUEST), Kind.TIMEOUT, "the request timed out"),
        (httpx2.ReadTimeout("read timed out"), Kind.TIMEOUT, "the request timed out"),
        (TimeoutError(), Kind.TIMEOUT, "the request timed out"),
        (anthropic.APIConnectionError(request=REQUEST), Kind.NETWORK, "the server could not be reached"),
        (httpx2.ConnectError("refused"), Kind.NETWORK, "the server could not be reached"),
        (ConnectionResetError(), Kind.NETWORK, "the server could not be reached"),
        (httpx2.RemoteProtocolError("closed early"), Kind.NETWORK, "the connection failed (RemoteProtocolError)"),
        (ValueError("odd"), Kind.BAD_REQUEST, "ValueError"),
    ],
)
def test_classify(exc: BaseException, kind: Kind, summary: str) -> None:
    failure = classify(exc)
    assert (failure.kind, failure.summary) == (kind, summary)
    assert failure.retryable == (kind in (Kind.RATE_LIMITED, Kind.TIMEOUT, Kind.NETWORK, Kind.SERVER_ERROR))
    assert failure.fatal == (kind in (Kind.AUTH, Kind.NOT_FOUND))


def test_the_server_asked_delay_is_read_from_headers_and_gemini_retry_info() -> None:
    assert classify(openai_error(429, {"retry-after": "7"})).retry_after == 7.0
    assert classify(openai_error(429, {"retry-after-ms": "250", "retry-after": "9"})).retry_after == 0.25
    retry_info = [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "37s"}]
    failure = classify(gemini_error(429, "quota", status="RESOURCE_EXHAUSTED", details=retry_info))
    assert (failure.kind, failure.retry_after) == (Kind.RATE_LIMITED, 37.0)
    assert failure.detail == "HTTP 429: quota"
    assert classify(openai_error(500)).retry_after is None


class Script:
    """Raises the given exceptions in turn, then returns "done"."""

    def __init__(self, *errors: BaseException) -> None:
        self.errors = list(errors)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "done"


def policy(sleeps: list[float], **kwargs: object) -> RetryPolicy:
    return RetryPolicy(base_delay=0.5, jitter=0.0, sleep=sleeps.append, **kwargs)  # type: ignore[arg-type]


def test_backoff_doubles_and_retry_after_wins_capped() -> None:
    sleeps: list[float] = []
    script = Script(openai_error(500), TimeoutError(), openai_error(429, {"retry-after": "500"}))
    assert policy(sleeps, max_retry_after=60.0).call(script, label="test") == "done"
    assert sleeps == [0.5, 1.0, 60.0] and script.calls == 4


def test_a_request_that_cannot_succeed_is_not_repeated() -> None:
    sleeps: list[float] = []
    for error, kind in ((openai_error(401), Kind.AUTH), (openai_error(400), Kind.BAD_REQUEST)):
        script = Script(error)
        with pytest.raises(CallFailedError) as info:
            policy(sleeps).call(script, label="test")
        assert (info.value.failure.kind, info.value.attempts, script.calls) == (kind, 1, 1)
        assert info.value.__cause__ is error
    assert sleeps == []


def test_retries_run_out() -> None:
    sleeps: list[float] = []
    script = Script(*(openai_error(503) for _ in range(5)))
    with pytest.raises(CallFailedError) as info:
        policy(sleeps, max_attempts=3).call(script, label="test")
    assert (info.value.attempts, script.calls, sleeps) == (3, 3, [0.5, 1.0])
    assert info.value.failure.kind is Kind.SERVER_ERROR


def test_the_callers_own_errors_pass_through() -> None:
    class OwnError(Exception):
        pass

    script = Script(OwnError())
    with pytest.raises(OwnError):
        policy([]).call(script, label="test", passthrough=(OwnError,))
    assert script.calls == 1
