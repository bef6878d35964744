"""`plexmix create` end to end: the CLI, the synced database, the local embedder and the Plex emulator."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playlist_helpers import Cli, FakeCurator, Work, assert_clean_error, saved_playlists, spy_statuses

from datafiles import shared_data
from plexmix.devserver.csv_loader import load_library
from plexmix.devserver.server import PlexEmulator
from plexmix.plex.client import PlexClient

TRACK_KEYS = {"plex_key", "title", "artist", "album", "year", "genres", "score", "reason"}
TOP_KEYS = {"name", "plex_key", "provider", "fallback", "tracks"}


def plex_keys_on_server(emu: PlexEmulator, rating_key: str) -> list[str]:
    """What a real plexapi client reads back from the server, in playlist order."""
    with PlexClient(emu.url, emu.token, backoff_factor=0.0) as client:
        client.connect()
        return client.playlist_track_keys(rating_key)


def test_create_lands_on_plex_in_the_printed_order_and_is_saved(
    cli: Cli, emu: PlexEmulator, work: Work
) -> None:
    data = cli.json("create", "energetic rock anthems", "--limit", "10", "--name", "E2E Rock")

    assert set(data) >= TOP_KEYS
    assert data["name"] == "E2E Rock" and data["provider"] == "none" and data["fallback"] is False
    # "rock" is a genre and "energetic" a Plex mood of this library: both are filters.
    assert data["filters"] == ["genre: rock", "mood: energetic"]
    assert data["understood"] == {"genres": ["rock"], "moods": ["energetic"]}
    tracks = data["tracks"]
    assert len(tracks) == 10  # the bundled tracks have 13 energetic rock tracks
    for t in tracks:
        assert set(t) >= TRACK_KEYS
        assert "rock" in t["genres"] and t["reason"].strip()
        assert isinstance(t["score"], float)
    keys = [t["plex_key"] for t in tracks]
    with work.connect() as conn:
        energetic = {row[0] for row in conn.execute(
            "SELECT t.plex_key FROM tracks t JOIN track_tags tt ON tt.track_id = t.id"
            " JOIN tags x ON x.id = tt.tag_id WHERE x.kind = 'mood' AND x.name = 'energetic'")}
    assert set(keys) <= energetic
    assert len(set(keys)) == 10

    # On the server: one playlist of that name, exactly these tracks in this order.
    (on_server,) = emu.playlists.find("E2E Rock")
    assert str(on_server.rating_key) == data["plex_key"]
    assert [str(k) for k in on_server.track_keys] == keys
    assert plex_keys_on_server(emu, data["plex_key"]) == keys
    assert "energetic rock anthems" in on_server.summary

    # In the database: the playlist, its tracks in order with their reasons, provider and mood.
    with work.connect() as conn:
        (saved,) = saved_playlists(conn)
    assert saved["id"] == data["playlist_id"] and saved["plex_key"] == data["plex_key"]
    assert (saved["name"], saved["mood_query"], saved["provider"]) == (
        "E2E Rock",
        "energetic rock anthems",
        "none",
    )
    assert saved["keys"] == keys and saved["positions"] == list(range(1, 11))
    assert saved["reasons"] == [t["reason"] for t in tracks]


def test_replace_updates_in_place_and_existing_name_needs_consent(
    cli: Cli, emu: PlexEmulator, work: Work
) -> None:
    first = cli.json("create", "calm evening", "--limit", "8", "--name", "Same Name")
    key = first["plex_key"]

    # Without --replace or --yes, and no terminal to ask on: refuse, change nothing.
    refused = cli("create", "loud party", "--limit", "8", "--name", "Same Name")
    assert_clean_error(refused, 1, "already exists", "--replace")
    (pl,) = emu.playlists.find("Same Name")
    assert [str(k) for k in pl.track_keys] == [t["plex_key"] for t in first["tracks"]]

    second = cli.json("create", "loud party", "--limit", "9", "--name", "Same Name", "--replace")
    assert second["plex_key"] == key and second["replaced"] is True
    third = cli.json("create", "sunny morning", "--limit", "7", "--name", "Same Name", "--yes")
    assert third["plex_key"] == key and third["replaced"] is True

    (pl,) = emu.playlists.find("Same Name")
    assert str(pl.rating_key) == key
    assert plex_keys_on_server(emu, key) == [t["plex_key"] for t in third["tracks"]]
    assert "sunny morning" in pl.summary
    with work.connect() as conn:
        (saved,) = saved_playlists(conn)  # the same row, updated
    assert saved["id"] == first["playlist_id"] == third["playlist_id"]
    assert (
        saved["keys"] == [t["plex_key"] for t in third["tracks"]] and saved["mood_query"] == "sunny morning"
    )


def test_no_plex_writes_nothing_to_the_server(cli: Cli, emu: PlexEmulator, work: Work) -> None:
    emu.reset_counts()
    result = cli("create", "late night drive", "--limit", "12", "--name", "Local Only", "--no-plex")
    assert result.exit_code == 0, result.output
    assert "locally only" in result.output
    assert emu.total_requests == 0 and emu.playlists.find() == []
    with work.connect() as conn:
        (saved,) = saved_playlists(conn)
    assert saved["plex_key"] is None and len(saved["keys"]) == 12 and saved["name"] == "Local Only"


def test_export_m3u_and_json(cli: Cli, work: Work, tmp_path: Path) -> None:
    m3u, as_json = tmp_path / "out" / "mix.m3u", tmp_path / "mix.json"
    data = cli.json("create", "sad acoustic songs", "--limit", "10", "--name", "Exported", "--no-plex",
                    "--export", "m3u", str(m3u))
    keys = [t["plex_key"] for t in data["tracks"]]
    with work.connect() as conn:
        paths = dict(conn.execute("SELECT plex_key, file_path FROM tracks").fetchall())
    lines = m3u.read_text(encoding="utf-8").splitlines()
    assert lines[:2] == ["#EXTM3U", "#PLAYLIST:Exported"]
    infos, files = lines[2::2], lines[3::2]
    assert len(infos) == len(files) == len(keys)
    assert files == [paths[k] for k in keys] and all(f.startswith("/music/") for f in files)
    for info, track in zip(infos, data["tracks"], strict=True):
        assert info.startswith("#EXTINF:") and info.endswith(f"{track['artist']} - {track['title']}")

    again = cli.json("create", "sad acoustic songs", "--limit", "10", "--name", "Exported 2", "--no-plex",
                     "--export", "json", str(as_json))
    exported = json.loads(as_json.read_text(encoding="utf-8"))
    assert set(exported) >= TOP_KEYS and exported["name"] == "Exported 2"
    assert exported["tracks"] == again["tracks"]


def test_dry_run_shows_the_estimate_and_writes_nothing(
    cli: Cli, emu: PlexEmulator, work: Work, curator: FakeCurator
) -> None:
    emu.reset_counts()
    result = cli(
        "create", "90s hip hop", "--limit", "25", "--provider", "openai", "--dry-run", env=curator.cli_env
    )
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Dry run" in out and "filter: year: 1990–1999" in out and "estimated cost $" in out
    data = cli.json("create", "90s hip hop", "--limit", "25", "--provider", "openai", "--dry-run",
                    env=curator.cli_env)
    assert data["provider"] == "openai" and data["candidates"] > 0
    assert data["prompt_tokens"] > 0 and data["estimated_cost_usd"] > 0
    with work.connect() as conn:
        nineties = conn.execute("SELECT COUNT(*) FROM tracks WHERE year BETWEEN 1990 AND 1999").fetchone()[0]
        assert conn.execute("SELECT COUNT(*) FROM playlists").fetchone()[0] == 0
    assert data["matching_tracks"] == nineties
    assert curator.received == [] and emu.total_requests == 0 and emu.playlists.find() == []


@pytest.mark.needs_shared_data
def test_600_tracks_in_a_handful_of_requests_without_414(cli: Cli, emu: PlexEmulator) -> None:
    emu.max_url_length = 2000
    seen = spy_statuses(emu)
    relaxed = {"PLEXMIX_PLAYLIST__MAX_PER_ARTIST": "1000", "PLEXMIX_PLAYLIST__MAX_PER_ALBUM": "1000"}
    data = cli.json("create", "something for a long drive", "--limit", "600", "--pool", "1500",
                    "--provider", "none", "--name", "Six Hundred", env=relaxed)
    assert data["filters"] == [] and data["plex_error"] is None
    keys = [t["plex_key"] for t in data["tracks"]]
    assert len(keys) == len(set(keys)) == 600

    assert seen and all(s.status != 414 for s in seen), [s for s in seen if s.status == 414]
    assert max(len(s.path) for s in seen) <= 2000
    writes = [s for s in seen if s.method in ("POST", "PUT", "DELETE")]
    assert all(s.path.startswith("/playlists") and s.status == 200 for s in writes)
    assert 2 <= len(writes) <= 10, [(s.method, len(s.path)) for s in writes]
    (pl,) = emu.playlists.find("Six Hundred")
    assert [str(k) for k in pl.track_keys] == keys
    assert plex_keys_on_server(emu, data["plex_key"]) == keys


def test_600_tracks_from_any_data_in_a_handful_of_requests_without_414(tmp_path: Path) -> None:
    """The test above on a library that any data fills (2,000 rows: the bundled tracks are enough),
    synced without embeddings: `create` then ranks by keywords and fills from the rest, and what is
    tested, the writes to a server with a 2,000-character URL limit, is the same."""
    data_dir = shared_data()
    library = load_library([data_dir / "spotify_114_genres_sample.csv", data_dir / "tidytuesday_spotify_songs.csv.gz"],
                           limit=2000, track_genres=True)
    assert len(library.tracks) == 2000
    with PlexEmulator(library) as emu:
        cli = Cli(env={"PLEXMIX_HOME": str(tmp_path / "home"), "PLEX_URL": emu.url, "PLEX_TOKEN": emu.token,
                       "PLEX_LIBRARY": "Music", "DEFAULT_AI_PROVIDER": "none", "DEFAULT_EMBEDDING_PROVIDER": "local",
                       "PLEXMIX_PLAYLIST__MAX_PER_ARTIST": "1000", "PLEXMIX_PLAYLIST__MAX_PER_ALBUM": "1000"})
        assert cli.json("sync", "--no-embeddings")["added"] == 2000
        emu.max_url_length = 2000
        seen = spy_statuses(emu)
        data = cli.json("create", "something for a long drive", "--limit", "600", "--pool", "1500",
                        "--name", "Six Hundred")
        assert data["filters"] == [] and data["plex_error"] is None
        keys = [t["plex_key"] for t in data["tracks"]]
        assert len(keys) == len(set(keys)) == 600

        assert seen and all(s.status != 414 for s in seen), [s for s in seen if s.status == 414]
        assert max(len(s.path) for s in seen) <= 2000
        writes = [s for s in seen if s.method in ("POST", "PUT", "DELETE")]
        assert all(s.path.startswith("/playlists") and s.status == 200 for s in writes)
        assert 2 <= len(writes) <= 10, [(s.method, len(s.path)) for s in writes]
        (pl,) = emu.playlists.find("Six Hundred")
        assert [str(k) for k in pl.track_keys] == keys
        assert plex_keys_on_server(emu, data["plex_key"]) == keys


@pytest.mark.parametrize(
    ("args", "code", "needles"),
    [
        (["rainy jazz", "--year", "19x"], 2, ["Bad --year value '19x'", "90s"]),
        (["rainy jazz", "--limit", "0"], 2, ["--limit must be between 1 and 1000"]),
        (["rainy jazz", "--limit", "-5"], 2, ["--limit must be between 1 and 1000"]),
        (["rainy jazz", "--provider", "bogus"], 2, ["Unknown AI provider 'bogus'", "none"]),
        (["rainy jazz", "--rating", "11"], 2, ["Bad --rating value '11'"]),
        (["rainy jazz", "--pool", "0"], 2, ["--pool must be at least 1"]),
        (["rainy jazz", "--avoid-recent", "-3"], 2, ["--avoid-recent"]),
        (["rainy jazz", "--export", "xml", "out.xml"], 2, ["Unknown export format 'xml'", "m3u"]),
        ([""], 2, ["The mood is empty"]),
        (["   "], 2, ["The mood is empty"]),
        (["rainy jazz", "--provider", "openai"], 1, ["OpenAI API key", "OPENAI_API_KEY"]),
    ],
    ids=["year", "limit-0", "limit-negative", "provider", "rating", "pool", "avoid-recent", "export",
         "empty-mood", "blank-mood", "missing-key"],
)
def test_bad_input_is_one_clear_error_and_writes_nothing(
    cli: Cli, emu: PlexEmulator, work: Work, args: list[str], code: int, needles: list[str]
) -> None:
    emu.reset_counts()
    result = cli("create", *args, "--name", "Never")
    assert_clean_error(result, code, *needles)
    assert emu.total_requests == 0 and emu.playlists.find() == []
    with work.connect() as conn:
        assert conn.execute("SELECT COUNT(*) FROM playlists").fetchone()[0] == 0
    assert not (work.home / "out.xml").exists()
