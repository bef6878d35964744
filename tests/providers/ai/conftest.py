"""Fixtures for the AI provider tests (helpers live in ai_fakes.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from ai_fakes import KITS, FakeLLMServer, Kit, load_candidates, start_server

from plexmix.providers.ai import Candidate


@pytest.fixture
def fake_server() -> Iterator[FakeLLMServer]:
    fake, httpd = start_server()
    try:
        yield fake
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def candidates() -> list[Candidate]:
    return load_candidates(24)


@pytest.fixture(params=list(KITS))
def kit(request: pytest.FixtureRequest) -> Kit:
    return KITS[request.param]


@pytest.fixture
def kits() -> dict[str, Kit]:
    return KITS


@pytest.fixture(autouse=True)
def _no_provider_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never see real keys or endpoints from the environment."""
    for var in (
        "GOOGLE_API_KEY", "GEMINI_API_KEY", "OPENAI_API_KEY", "ANTHROPIC_API_KEY",
        "OPENAI_BASE_URL", "ANTHROPIC_BASE_URL", "GOOGLE_GENAI_USE_VERTEXAI",
        "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_PROFILE", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID",
    ):
        monkeypatch.delenv(var, raising=False)
