"""`plexmix config validate` against the Plex emulator and a fake AI endpoint on 127.0.0.1."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from config_fakes import BAD_KEY, GOOD_KEY, PLEX_TOKEN, closed_port, emulator, key_server
from typer.testing import CliRunner

from plexmix.cli.main import app
from plexmix.devserver.server import PlexEmulator
from plexmix.storage.sqlite_manager import SQLiteManager
from plexmix.storage.vector_index import VectorIndex

runner = CliRunner()
LOCAL_ID = "local:all-MiniLM-L6-v2-onnx-int8:384"


@pytest.fixture(scope="module")
def emu() -> Iterator[PlexEmulator]:
    with emulator() as server:
        yield server


@pytest.fixture
def plex_env(emu: PlexEmulator, monkeypatch: pytest.MonkeyPatch) -> PlexEmulator:
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("PLEX_URL", emu.url)
    monkeypatch.setenv("PLEX_TOKEN", PLEX_TOKEN)
    monkeypatch.setenv("PLEX_LIBRARY", "Music")
    return emu


def validate() -> tuple[int, dict[str, dict[str, Any]], str]:
    """(exit code, checks by name, human output of a second, table-rendering run)."""
    result = runner.invoke(app, ["config", "validate", "--json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    data = json.loads(result.stdout)
    assert data["ok"] == (result.exit_code == 0)
    return result.exit_code, {c["check"]: c for c in data["checks"]}, result.output


def test_all_checks_pass_with_a_good_setup(plex_env: PlexEmulator) -> None:
    code, checks, _ = validate()
    assert code == 0, checks
    assert checks["Plex server"]["status"] == "ok" and "PlexMix Emulator" in checks["Plex server"]["detail"]
    assert checks["Plex token"]["status"] == "ok" and "env:PLEX_TOKEN" in checks["Plex token"]["detail"]
    tracks = len(plex_env.library.tracks)
    assert checks["Music library"]["detail"] == f"'Music' with {tracks:,} tracks"
    # no key anywhere: the default providers fall back to offline ones, which is not a failure
    assert checks["AI curator"]["detail"].startswith("none")
    assert checks["Embedding provider"]["detail"].startswith("local")
    assert (
        checks["Local embedding model"]["status"] == "ok"
        and "384 dims" in checks["Local embedding model"]["detail"]
    )
    assert {checks[k]["status"] for k in ("Google API key", "OpenAI API key", "Anthropic API key")} == {
        "skip"
    }
    for name in ("Data folder", "Database", "Vector index file", "Log file"):
        assert checks[name]["status"] == "ok"
    table = runner.invoke(app, ["config", "validate"])
    assert table.exit_code == 0 and "All checks passed." in table.stdout and "✓" in table.stdout
    assert PLEX_TOKEN not in table.output


def test_wrong_token_is_a_failed_check(plex_env: PlexEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLEX_TOKEN", "wrong-token-5555")
    code, checks, output = validate()
    assert code == 1
    assert checks["Plex server"]["status"] == "ok"
    assert checks["Plex token"]["status"] == "fail" and "rejected the token" in checks["Plex token"]["detail"]
    assert checks["Music library"]["status"] == "skip"
    assert "wrong-token-5555" not in output
    table = runner.invoke(app, ["config", "validate"])
    assert table.exit_code == 1 and "✗" in table.stdout and "check(s) failed" in table.stdout
    assert "Traceback" not in table.output


def test_unreachable_server_fails_fast(plex_env: PlexEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLEX_URL", f"http://127.0.0.1:{closed_port()}")
    started = time.monotonic()
    code, checks, _ = validate()
    assert time.monotonic() - started < 10
    assert code == 1
    assert checks["Plex server"]["status"] == "fail" and "Cannot reach" in checks["Plex server"]["detail"]
    assert checks["Plex token"]["status"] == "skip"


def test_wrong_library_lists_the_real_ones(plex_env: PlexEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLEX_LIBRARY", "Jazz")
    code, checks, _ = validate()
    assert code == 1
    row = checks["Music library"]
    assert row["status"] == "fail" and "'Jazz'" in row["detail"]
    assert "1. Music" in row["hint"] and "2. Audiobooks" in row["hint"]


def test_missing_plex_settings_are_failures(monkeypatch: pytest.MonkeyPatch) -> None:
    code, checks, _ = validate()
    assert (
        code == 1
        and checks["Plex server"]["status"] == "fail"
        and "PLEX_URL" in checks["Plex server"]["hint"]
    )
    monkeypatch.setenv("PLEX_URL", "http://127.0.0.1:9")
    code, checks, _ = validate()
    assert checks["Plex token"]["status"] == "fail" and "PLEX_TOKEN" in checks["Plex token"]["hint"]


@pytest.mark.parametrize("key", [GOOD_KEY, BAD_KEY], ids=["good", "bad"])
def test_openai_key_is_checked_with_one_request(
    plex_env: PlexEmulator, monkeypatch: pytest.MonkeyPatch, key: str
) -> None:
    with key_server() as fake:
        monkeypatch.setenv("DEFAULT_AI_PROVIDER", "openai")
        monkeypatch.setenv("OPENAI_BASE_URL", fake.url + "/v1")
        monkeypatch.setenv("OPENAI_API_KEY", key)
        code, checks, output = validate()
    row = checks["OpenAI API key"]
    assert [path for path, _ in fake.requests] == ["/v1/models"]
    assert fake.requests[0][1]["authorization"] == f"Bearer {key}"
    assert key not in output
    assert checks["AI curator"]["detail"] == "openai"
    if key == GOOD_KEY:
        assert code == 0 and row["status"] == "ok" and "env:OPENAI_API_KEY" in row["detail"]
    else:
        assert code == 1 and row["status"] == "fail" and "rejected (HTTP 401)" in row["detail"]
        assert "OPENAI_API_KEY" in row["hint"]


@pytest.mark.parametrize(
    ("provider", "secret_var", "base_var", "label"),
    [
        ("claude", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "Anthropic API key"),
        ("gemini", "GOOGLE_API_KEY", "GOOGLE_GEMINI_BASE_URL", "Google API key"),
        ("gemini", "GEMINI_API_KEY", "GOOGLE_GEMINI_BASE_URL", "Google API key"),  # the alias alone
    ],
    ids=["claude", "gemini", "gemini-alias"],
)
def test_anthropic_and_gemini_keys(
    plex_env: PlexEmulator, monkeypatch: pytest.MonkeyPatch,
    provider: str, secret_var: str, base_var: str, label: str,
) -> None:
    monkeypatch.setenv("DEFAULT_AI_PROVIDER", provider)
    monkeypatch.setenv("DEFAULT_EMBEDDING_PROVIDER", "local")
    with key_server() as fake:
        monkeypatch.setenv(base_var, fake.url)  # these SDKs add /v1 and /v1beta themselves
        monkeypatch.setenv(secret_var, GOOD_KEY)
        code, checks, _ = validate()
        assert code == 0 and checks[label]["status"] == "ok", checks[label]
        assert f"env:{secret_var}" in checks[label]["detail"]
        assert checks["AI curator"]["detail"] == provider
        assert len(fake.requests) == 1 and "/models" in fake.requests[0][0]
        monkeypatch.setenv(secret_var, BAD_KEY)
        code, checks, output = validate()
    assert code == 1 and checks[label]["status"] == "fail" and "rejected" in checks[label]["detail"]
    assert BAD_KEY not in output


def test_missing_key_of_the_chosen_provider_fails_unused_ones_do_not(
    plex_env: PlexEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEFAULT_AI_PROVIDER", "claude")
    code, checks, _ = validate()
    assert code == 1
    assert checks["AI curator"]["status"] == "fail"
    assert (
        checks["Anthropic API key"]["status"] == "fail"
        and "ANTHROPIC_API_KEY" in checks["Anthropic API key"]["hint"]
    )
    assert checks["OpenAI API key"] == {
        **checks["OpenAI API key"],
        "status": "skip",
        "detail": "not configured",
    }


def test_local_llm_endpoint_and_model(plex_env: PlexEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEFAULT_AI_PROVIDER", "local")
    with key_server(open_access=True) as fake:
        monkeypatch.setenv("LOCAL_LLM_BASE_URL", fake.url + "/v1")
        code, checks, _ = validate()
        assert code == 0 and checks["Local LLM"]["status"] == "ok"
        monkeypatch.setenv("LOCAL_LLM_MODEL", "mistral")
        code, checks, _ = validate()
    assert code == 1 and "no model 'mistral'" in checks["Local LLM"]["detail"]


def _store_vectors(db_path: Path, model: str, dimension: int, count: int = 3) -> None:
    SQLiteManager(db_path).conn.close()  # creates the schema
    conn = sqlite3.connect(db_path)
    with conn:
        conn.executemany(
            "INSERT INTO embeddings (track_id, model, dimension, text_hash, vector, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, 0, 0)",
            [
                (i, model, dimension, f"h{i}", np.zeros(dimension, dtype=np.float32).tobytes())
                for i in range(1, count + 1)
            ],
        )
    conn.close()


def test_stored_vectors_and_index_must_match_the_embedding_settings(
    plex_env: PlexEmulator, isolated_env: Path
) -> None:
    _store_vectors(isolated_env / "plexmix.db", LOCAL_ID, 384)
    vectors = np.eye(3, 384, dtype=np.float32)
    VectorIndex.from_arrays(np.array([1, 2, 3]), vectors, LOCAL_ID).save(isolated_env / "embeddings.index")
    code, checks, _ = validate()
    assert code == 0
    assert checks["Stored embeddings"]["detail"] == f"3 vectors of {LOCAL_ID}"
    assert checks["Vector index"]["detail"] == f"3 vectors of {LOCAL_ID}"

    other = "openai:text-embedding-3-small:1536"
    (isolated_env / "plexmix.db").unlink()
    _store_vectors(isolated_env / "plexmix.db", other, 1536, count=5)
    big = np.eye(5, 1536, dtype=np.float32)
    VectorIndex.from_arrays(np.arange(1, 6), big, other).save(isolated_env / "embeddings.index")
    code, checks, _ = validate()
    assert code == 1
    assert (
        checks["Stored embeddings"]["status"] == "fail"
        and f"5 of {other}" in checks["Stored embeddings"]["detail"]
    )
    assert (
        checks["Vector index"]["status"] == "fail"
        and "plexmix embeddings rebuild" in checks["Vector index"]["hint"]
    )


def test_unwritable_database_path(
    plex_env: PlexEmulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("DATABASE_PATH", str(blocker / "plexmix.db"))
    code, checks, _ = validate()
    assert (
        code == 1
        and checks["Database"]["status"] == "fail"
        and "is not a folder" in checks["Database"]["detail"]
    )


def test_broken_config_file_is_reported_without_traceback(isolated_env: Path) -> None:
    isolated_env.mkdir(parents=True, exist_ok=True)
    (isolated_env / "config.yaml").write_text("plex: [unclosed\n")
    code, checks, _ = validate()
    assert code == 1 and list(checks) == ["Config file"] and checks["Config file"]["status"] == "fail"
    table = runner.invoke(app, ["config", "validate"])
    assert table.exit_code == 1 and "cannot be read" in table.stdout and "Traceback" not in table.output
