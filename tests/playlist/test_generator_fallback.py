"""Who curated is always visible: a good LLM answer is used (order and reasons), a broken one falls
back to the similarity ranking and says so, a rejected key is a clear error. The real OpenAI SDK
talks to a fake endpoint on 127.0.0.1."""

from __future__ import annotations

import random
from itertools import pairwise

import pytest
from data_picks import artists_in, main_genre, most_playable_artist, reachable, tracks_by
from playlist_helpers import (
    FAKE_KEY,
    Cli,
    FakeCurator,
    Reply,
    Work,
    assert_clean_error,
    load_facts,
    saved_playlists,
)

from plexmix.devserver.server import PlexEmulator
from plexmix.playlist.generator import FILL_REASON, PlaylistGenerator, PlaylistRequest
from plexmix.providers.ai import OpenAICurator
from plexmix.providers.embeddings.local_onnx import LocalOnnxProvider
from plexmix.storage.sqlite_manager import SQLiteManager
from plexmix.storage.vector_index import VectorIndex

OPENAI = ["--provider", "openai"]


def _reason(title: str) -> str:
    """The fake model's reason for a track (single-spaced: the curator tidies the spacing)."""
    return " ".join(f"LLM: {title[:40]} fits".split())


def test_broken_json_twice_falls_back_visibly(
    cli: Cli, curator: FakeCurator, emu: PlexEmulator, work: Work
) -> None:
    curator.default = curator.broken()
    data = cli.json("create", "cozy autumn evening", "--limit", "10", "--name", "Broken", *OPENAI,
                    env=curator.cli_env)
    assert data["provider"] == "openai" and data["fallback"] is True
    assert "valid JSON" in data["fallback_reason"]
    assert len(data["tracks"]) == 10
    assert all(t["reason"].startswith("Similar to the mood (score") for t in data["tracks"])
    first, second = (curator.kit.prompt_text(r.json) for r in curator.received)
    assert "not valid JSON" not in first and "not valid JSON" in second  # one corrective retry

    human = cli(
        "create", "cozy autumn evening", "--limit", "10", "--name", "Broken 2", *OPENAI, env=curator.cli_env
    )
    assert human.exit_code == 0, human.output
    assert "Fallback:" in human.output and "ranked by similarity" in human.output
    assert "valid JSON" in human.output
    (pl,) = emu.playlists.find("Broken 2")
    assert "ranked by similarity" in pl.summary
    with work.connect() as conn:
        rows = saved_playlists(conn)
    assert [(r["provider"], r["created_by_ai"]) for r in rows] == [("openai", 0), ("openai", 0)]


def test_server_errors_fall_back_after_retries(
    shared_db: SQLiteManager,
    shared_index: VectorIndex,
    query_embedder: LocalOnnxProvider,
    curator: FakeCurator,
) -> None:
    curator.default = Reply(500, curator.kit.error(500, "The server had an error"))
    llm = OpenAICurator(
        api_key=FAKE_KEY, base_url=curator.base_url, timeout=10, max_retries=2, retry_backoff=0.01
    )
    generator = PlaylistGenerator(shared_db.conn, llm, index=shared_index, embedder=query_embedder)
    playlist = generator.generate(PlaylistRequest(mood="upbeat summer party", length=15))
    assert playlist.fallback is True and "after 3 attempts" in (playlist.fallback_reason or "")
    assert len(curator.received) == 3 and len(playlist.tracks) == 15


def test_a_rejected_key_is_a_clear_error_and_writes_nothing(
    cli: Cli, curator: FakeCurator, emu: PlexEmulator, work: Work
) -> None:
    curator.default = Reply(401, curator.kit.error(401, "Incorrect API key provided"))
    result = cli("create", "cozy autumn evening", "--limit", "10", *OPENAI, env=curator.cli_env)
    assert_clean_error(result, 1, "OpenAI rejected the API key", "OPENAI_API_KEY")
    assert FAKE_KEY not in result.output
    assert emu.playlists.find() == []
    with work.connect() as conn:
        assert saved_playlists(conn) == []


def test_a_good_answer_is_used_in_the_llm_order_with_its_reasons(
    cli: Cli, curator: FakeCurator, work: Work
) -> None:
    with work.connect() as conn:
        facts = load_facts(conn)
    picks: list[int] = []

    def respond(ids: list[int]) -> Reply:
        """Twelve candidates of distinct artists and albums, shuffled: diversity keeps them as they are."""
        artists, albums = set(), set()
        for track_id in random.Random(7).sample(ids, len(ids)):
            f = facts[track_id]
            if f.artist_id not in artists and f.album_id not in albums and len(picks) < 12:
                picks.append(track_id)
                artists.add(f.artist_id)
                albums.add(f.album_id)
        return curator.answer((i, _reason(facts[i].title)) for i in picks)

    curator.respond = respond
    data = cli.json(
        "create", "melancholy piano and rain", "--limit", "12", "--no-plex", *OPENAI, env=curator.cli_env
    )
    assert data["fallback"] is False and data["provider"] == "openai" and data["model"] == "gpt-4o-mini"
    assert [t["plex_key"] for t in data["tracks"]] == [facts[i].plex_key for i in picks]
    assert [t["reason"] for t in data["tracks"]] == [_reason(facts[i].title) for i in picks]

    picks.clear()
    human = cli(
        "create", "melancholy piano and rain", "--limit", "12", "--no-plex", *OPENAI, env=curator.cli_env
    )
    assert human.exit_code == 0, human.output
    assert "Fallback" not in human.output and "curated by openai (gpt-4o-mini)" in human.output
    assert _reason(facts[picks[0]].title)[:30] in human.output


@pytest.mark.needs_shared_data
def test_diversity_trims_a_one_sided_answer_and_keeps_the_rest_in_llm_order(
    cli: Cli, curator: FakeCurator, work: Work
) -> None:
    with work.connect() as conn:
        facts = load_facts(conn)
    picks: list[int] = []

    def respond(ids: list[int]) -> Reply:
        queen = [i for i in ids if facts[i].artist == "Queen"]
        others = [i for i in reversed(ids) if facts[i].artist != "Queen"]
        seen_artists, distinct = set(), []
        for i in others:
            if facts[i].artist_id not in seen_artists:
                seen_artists.add(facts[i].artist_id)
                distinct.append(i)
        picks.extend([*queen[:6], *distinct[:14]])
        return curator.answer((i, f"LLM reason {i}") for i in picks)

    curator.respond = respond
    data = cli.json(
        "create", "classic rock anthems", "--limit", "20", "--no-plex", *OPENAI, env=curator.cli_env
    )
    by_key = {f.plex_key: f for f in facts.values()}
    chosen = [by_key[t["plex_key"]] for t in data["tracks"]]
    reasons = {by_key[t["plex_key"]].id: t["reason"] for t in data["tracks"]}
    assert data["fallback"] is False and len(chosen) == 20
    assert sum(f.artist == "Queen" for f in chosen) <= 3
    assert all(a.artist_id != b.artist_id for a, b in pairwise(chosen))
    kept = [i for i in picks if i in reasons]
    assert len(kept) >= 17  # 3 Queen + the 14 others
    assert all(reasons[i] == f"LLM reason {i}" for i in kept)
    assert all(reasons[f.id] == FILL_REASON for f in chosen if f.id not in set(picks))
    # The non-Queen picks keep the model's order.
    order = [f.id for f in chosen if f.id in set(picks) and f.artist != "Queen"]
    assert order == [i for i in picks if facts[i].artist != "Queen" and i in reasons]
    assert any("replaced to respect the diversity limits" in n for n in data["notes"])


def test_diversity_trims_a_one_sided_answer_on_any_library(
    cli: Cli, curator: FakeCurator, work: Work
) -> None:
    """The test above for the library at hand: its most playable artist and that artist's genre."""
    with work.connect() as conn:
        facts = load_facts(conn)
    top = most_playable_artist(facts.values(), max_per_album=2)
    genre = main_genre(facts.values(), top)
    assert len(tracks_by(facts.values(), top, genre)) > 3, "more than the per-artist limit to offer"
    others: list[int] = []
    picks: list[int] = []

    def respond(ids: list[int]) -> Reply:
        mine = [i for i in ids if facts[i].artist == top]
        seen_artists: set[int | None] = set()
        for i in reversed(ids):
            if facts[i].artist != top and facts[i].artist_id not in seen_artists:
                seen_artists.add(facts[i].artist_id)
                others.append(i)
        del others[14:]
        picks.extend([*mine[:6], *others])
        return curator.answer((i, f"LLM reason {i}") for i in picks)

    curator.respond = respond
    data = cli.json("create", f"{genre} anthems", "--limit", "20", "--no-plex", *OPENAI, env=curator.cli_env)
    by_key = {f.plex_key: f for f in facts.values()}
    chosen = [by_key[t["plex_key"]] for t in data["tracks"]]
    reasons = {by_key[t["plex_key"]].id: t["reason"] for t in data["tracks"]}
    assert data["fallback"] is False and data["filters"] == [f"genre: {genre}"]
    fits = sum(
        min(3, reachable(tracks_by(facts.values(), a, genre), 2)) for a in artists_in(facts.values(), genre)
    )
    assert len(chosen) == min(20, fits)
    assert all(genre in f.genres for f in chosen)
    assert 1 <= sum(f.artist == top for f in chosen) <= 3
    assert all(a.artist_id != b.artist_id for a, b in pairwise(chosen))
    # Every pick of another artist is kept, in the model's order, with its reason; the rest is filled.
    assert [f.id for f in chosen if f.id in set(others)] == others
    assert all(reasons[i] == f"LLM reason {i}" for i in picks if i in reasons)
    assert all(reasons[f.id] == FILL_REASON for f in chosen if f.id not in set(picks))
    assert any("replaced to respect the diversity limits" in n for n in data["notes"])
