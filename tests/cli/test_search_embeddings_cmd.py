"""`plexmix sync`, `embeddings` and `search` through the CLI against the emulator, offline."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from plexmix.cli.main import app
from plexmix.devserver.csv_loader import load_library
from plexmix.devserver.library import MusicLibrary
from plexmix.devserver.server import PlexEmulator

runner = CliRunner()


@pytest.fixture
def lib(shared_data_dir: Path) -> MusicLibrary:
    return load_library(shared_data_dir / "spotify_114_genres_sample.csv", limit=120, track_genres=True)


@pytest.fixture
def emu(lib: MusicLibrary, monkeypatch: pytest.MonkeyPatch) -> Iterator[PlexEmulator]:
    with PlexEmulator(lib) as emulator:
        monkeypatch.setenv("PLEX_URL", emulator.url)
        monkeypatch.setenv("PLEX_TOKEN", emulator.token)
        monkeypatch.setenv("DEFAULT_EMBEDDING_PROVIDER", "local")
        yield emulator


def run(*args: str) -> tuple[int, str]:
    """Exit code and output; with --json only stdout (logs and notes go to stderr)."""
    result = runner.invoke(app, list(args))
    assert "Traceback" not in result.output
    return result.exit_code, result.stdout if "--json" in args else result.output


def test_sync_embeds_then_search_and_status(emu: PlexEmulator, lib: MusicLibrary) -> None:
    code, out = run("sync", "--json")
    assert code == 0, out
    data = json.loads(out)
    assert data["mode"] == "full" and data["added"] == len(lib.tracks)
    assert data["embeddings"]["embedded"] == len(lib.tracks)
    assert data["embeddings"]["model"] == "local:all-MiniLM-L6-v2-onnx-int8:384"

    code, out = run("embeddings", "status", "--json")
    status = json.loads(out)
    assert code == 0 and status["embedded"] == status["tracks"] == len(lib.tracks)
    assert status["consistent"] is True and status["dimension"] == 384

    code, out = run("embeddings", "generate", "--json")
    assert code == 0 and json.loads(out)["embedded"] == 0  # nothing changed: nothing re-embedded

    target = next(iter(lib.tracks.values()))
    code, out = run("search", target.title, "--json", "--limit", "5")
    results = json.loads(out)["results"]
    assert code == 0 and str(target.rating_key) in [r["plex_key"] for r in results]
    assert all(r["score"] > 0 for r in results)
    first = results[0]
    assert first["similarity"] is not None or first["keyword"] is not None

    code, out = run("search", "calm guitar", "--genre", "folk", "--json", "--limit", "10")
    results = json.loads(out)["results"]
    assert code == 0 and results and all("folk" in r["genres"] for r in results)


def test_deleted_track_disappears_from_search_after_next_sync(emu: PlexEmulator, lib: MusicLibrary) -> None:
    assert run("sync", "--json")[0] == 0
    target = next(iter(lib.tracks.values()))
    lib.delete_track(target.rating_key)
    code, out = run("sync", "--json")
    assert code == 0 and json.loads(out)["removed"] == 1
    code, out = run("search", target.title, "--json", "--limit", "50")
    assert str(target.rating_key) not in [r["plex_key"] for r in json.loads(out)["results"]]
    status = json.loads(run("embeddings", "status", "--json")[1])
    assert status["consistent"] and status["index_count"] == len(lib.tracks)


def test_changed_genre_re_embeds_only_that_track(emu: PlexEmulator, lib: MusicLibrary) -> None:
    assert run("sync", "--json")[0] == 0
    target = next(iter(lib.tracks.values()))
    lib.update_track(target.rating_key, genres=["Polka"])
    data = json.loads(run("sync", "--json")[1])
    assert data["updated"] == 1 and data["embeddings"]["embedded"] == 1


@pytest.mark.local_model  # rebuilds with the sentence-transformers route
def test_model_switch_is_detected_and_rebuild_fixes_it(emu: PlexEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run("sync", "--json")[0] == 0
    monkeypatch.setenv("PLEXMIX_EMBEDDINGS__MODEL", "all-MiniLM-L6-v2")  # the sentence-transformers route
    code, out = run("search", "anything")
    assert code == 1 and "embeddings rebuild" in out
    code, out = run("embeddings", "rebuild")  # not a TTY and no --yes: refuse
    assert code == 2 and "--yes" in out


def test_embeddings_without_any_sync_are_a_clear_message(emu: PlexEmulator) -> None:
    code, out = run("search", "jazz")
    assert code == 0 and "No matches" in out
    code, out = run("embeddings", "status", "--json")
    assert code == 0 and json.loads(out)["tracks"] == 0


def test_search_bad_input(emu: PlexEmulator) -> None:
    for args, fragment in ((["search", "x", "--year", "19x"], "--year"), (["search", "  "], "empty"),
                           (["search", "x", "--limit", "0"], "--limit")):
        code, out = run(*args)
        assert code == 2 and fragment in out and "Hint:" in out
