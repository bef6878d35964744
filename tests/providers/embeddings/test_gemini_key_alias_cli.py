"""With only GEMINI_API_KEY set (no GOOGLE_API_KEY), `sync` embeds with Gemini and `create` curates
with Gemini, through the real CLI, the real SDK and a fake Gemini endpoint on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from embedding_fakes import SECRET, FakeEmbeddingAPI, fake_embedding_api
from typer.testing import CliRunner

from plexmix.cli.main import app
from plexmix.devserver.csv_loader import load_library
from plexmix.devserver.library import MusicLibrary
from plexmix.devserver.server import PlexEmulator

runner = CliRunner()
GEMINI_MODEL_ID = "gemini:gemini-embedding-001:768"  # the default embedding model and size


@pytest.fixture
def lib(shared_data_dir: Path) -> MusicLibrary:
    return load_library(shared_data_dir / "spotify_114_genres_sample.csv", limit=30, track_genres=True)


@pytest.fixture
def gemini(lib: MusicLibrary, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeEmbeddingAPI]:
    """Plex emulator and fake Gemini endpoint; the key is only in GEMINI_API_KEY."""
    with PlexEmulator(lib) as emulator, fake_embedding_api() as api:
        monkeypatch.setenv("PLEX_URL", emulator.url)
        monkeypatch.setenv("PLEX_TOKEN", emulator.token)
        monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
        monkeypatch.setenv("GEMINI_API_KEY", SECRET)
        monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", api.url)
        yield api


def run_json(*args: str) -> dict:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    assert SECRET not in result.output
    return json.loads(result.stdout)


def test_sync_embeds_with_gemini_and_create_curates_with_gemini(
    gemini: FakeEmbeddingAPI, lib: MusicLibrary
) -> None:
    synced = run_json("sync")
    assert synced["embeddings"]["model"] == GEMINI_MODEL_ID
    assert synced["embeddings"]["embedded"] == len(lib.tracks)
    assert gemini.requests, "the embedding step never called the Gemini endpoint"
    assert {r.headers["x-goog-api-key"] for r in gemini.requests} == {SECRET}
    assert {t for r in gemini.requests for t in r.body["requests"] for t in [t["taskType"]]} == {
        "RETRIEVAL_DOCUMENT"
    }

    before = len(gemini.requests)
    plan = run_json("create", "calm acoustic evening", "--limit", "5", "--dry-run")
    assert (plan["provider"], plan["model"]) == ("gemini", "gemini-2.5-flash")
    assert not any("No Google API key" in note for note in plan["notes"]), plan["notes"]
    assert plan["prompt_tokens"] > 0 and plan["candidates"] > 0
    # the mood was embedded as a query by the same endpoint with the same key
    query = gemini.requests[before:]
    assert len(query) == 1 and query[0].body["requests"][0]["taskType"] == "RETRIEVAL_QUERY"
    assert query[0].headers["x-goog-api-key"] == SECRET


def test_create_dry_run_curates_with_gemini_before_any_embedding(gemini: FakeEmbeddingAPI) -> None:
    assert "embeddings" not in run_json("sync", "--no-embeddings")
    plan = run_json("create", "calm acoustic evening", "--limit", "5", "--dry-run")
    assert (plan["provider"], plan["model"]) == ("gemini", "gemini-2.5-flash")
    assert plan["estimated_cost_usd"] > 0  # a paid model's prompt, not the free similarity ranking
    assert gemini.requests == []  # nothing embedded yet: keyword retrieval, and a dry run calls no LLM
