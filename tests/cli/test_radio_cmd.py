"""``plexmix radio`` and ``plexmix journey`` as a user runs them: the table and its footer, the
``--json`` and ``--dry-run`` shapes, and errors with one sentence, a hint, no traceback."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from cli_run import as_json, run, runner
from playlist_helpers import assert_clean_error
from radio_world import Here, plain_fixture, song_arg, sonic_fixture, unique_titles, worlds_fixture  # noqa: F401 - fixtures

from plexmix.cli.main import app


def test_radio_json_says_which_signals_ranked_it(sonic: Here) -> None:
    lib = sonic.library
    seed = unique_titles(lib)[0]
    data = as_json("radio", song_arg(lib, seed), "--limit", "8", "--name", "My radio")
    assert data["signals"][:2] == ["sonic", "embeddings"] and data["seed"]["kind"] == "track"
    assert data["name"] == "My radio" and data["plex_key"] and len(data["tracks"]) == 8
    assert data["tracks"][0]["plex_key"] == str(seed.rating_key)
    assert {"title", "artist", "album", "year", "genres", "score", "reason"} <= set(data["tracks"][0])


def test_radio_table_footer_names_the_signals_without_sonic_analysis(plain: Here) -> None:
    lib = plain.library
    result = run("radio", song_arg(lib, unique_titles(lib)[0]), "--limit", "6", "--no-plex")
    assert result.exit_code == 0, result.output
    assert "signals: embeddings, tags, era" in result.output and "sonic" not in result.output
    assert "Saved 6 tracks" in result.output and "locally only" in result.output


def test_radio_artist_seed_and_only_artist_filter(plain: Here) -> None:
    lib = plain.library
    artists = [name for name, _ in Counter(lib.artists[t.artist_key].title for t in lib.tracks.values()).most_common(2)]
    data = as_json("radio", "--artist", artists[0], "--only-artist", artists[0], "--only-artist", artists[1],
                   "--limit", "4", "--no-plex")
    assert data["seed"] == {"kind": "artist", "label": artists[0], "tracks": data["seed"]["tracks"]}
    assert data["tracks"] and {t["artist"] for t in data["tracks"]} <= set(artists)


def test_radio_dry_run_json_writes_nothing(sonic: Here) -> None:
    lib = sonic.library
    data = as_json("radio", song_arg(lib, unique_titles(lib)[1]), "--dry-run", "--genre", "pop")
    assert {"seed", "signals", "filters", "candidates", "matching_tracks", "estimated_cost_usd"} <= set(data)
    assert data["filters"] and sonic.emu.playlists.find() == [] and sonic.pm.playlists() == []
    shown = run("radio", song_arg(lib, unique_titles(lib)[1]), "--dry-run")
    assert shown.exit_code == 0 and "Dry run" in shown.output and "Signals: embeddings" in shown.output


def test_an_ambiguous_seed_lists_the_candidates(plain: Here) -> None:
    lib = plain.library
    words = Counter(w for t in lib.tracks.values() for w in t.title.lower().split() if len(w) > 3)
    word = next(w for w, n in words.most_common() if n >= 3)
    result = run("radio", word, "--json")
    assert_clean_error(result, 2, f"'{word}' matches", "ratingKey")


def test_an_unknown_seed_and_two_seeds_are_usage_errors(plain: Here) -> None:
    assert_clean_error(run("radio", "zzqxv qqq"), 2, "No song matching 'zzqxv qqq'", "plexmix search")
    assert_clean_error(run("radio", "x", "--artist", "y"), 2, "Give one seed")
    assert_clean_error(run("radio", "--album", "zzqxv album"), 2, "No album matching")
    assert_clean_error(run("radio", "--playlist", "nope", "--no-plex"), 2, "No playlist 'nope'")


def test_journey_json_reports_method_and_smoothness(sonic: Here) -> None:
    lib = sonic.library
    a, b = unique_titles(lib)[:2]
    data = as_json("journey", song_arg(lib, a), song_arg(lib, b), "--steps", "7", "--name", "Trip")
    assert data["method"] == "sonic" and data["steps"] == 7 and len(data["tracks"]) == 7
    assert isinstance(data["smoothness"], float) and data["from"]["kind"] == data["to"]["kind"] == "track"
    assert [data["tracks"][0]["plex_key"], data["tracks"][-1]["plex_key"]] == [str(a.rating_key), str(b.rating_key)]
    assert [p.title for p in sonic.emu.playlists.find()] == ["Trip"]


def test_journey_table_and_dry_run(plain: Here) -> None:
    lib = plain.library
    a, b = unique_titles(lib)[2:4]
    result = run("journey", song_arg(lib, a), song_arg(lib, b), "-n", "5", "--dry-run")
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())  # the footer may wrap at the terminal width
    assert "method: embeddings; smoothness 0." in said and "Saved" not in said
    assert plain.pm.playlists() == []
    assert_clean_error(run("journey", song_arg(lib, a), song_arg(lib, b), "--steps", "1"), 2, "at least 2")


def test_radio_play_and_journey_queue_only(sonic: Here) -> None:
    lib = sonic.library
    a, b = unique_titles(lib)[4:6]
    data = as_json("radio", song_arg(lib, a), "--limit", "5", "--name", "Now", "--play")
    (command,) = sonic.emu.players.commands
    assert data["playback"]["player"] == "Living Room" and command.player == "living-room-id"
    queue = sonic.emu.players.queues.get(command.play_queue_id or 0)
    assert queue is not None and queue.track_keys == [int(t["plex_key"]) for t in data["tracks"]]
    trip = as_json("journey", song_arg(lib, a), song_arg(lib, b), "-n", "4", "--name", "Q", "--queue-only")
    assert trip["playback"]["queue_only"] is True and len(sonic.emu.players.commands) == 1
    queue = sonic.emu.players.queues.get(trip["playback"]["play_queue_id"])
    assert queue is not None and queue.track_keys == [int(t["plex_key"]) for t in trip["tracks"]]


def test_in_a_terminal_an_ambiguous_seed_is_asked(plain: Here, monkeypatch: pytest.MonkeyPatch) -> None:
    lib = plain.library
    words = Counter(w for t in lib.tracks.values() for w in t.title.lower().split() if len(w) > 3)
    word = next(w for w, n in words.most_common() if n >= 3)
    monkeypatch.setattr("plexmix.cli.radio.interactive", lambda: True)
    result = runner.invoke(app, ["radio", word, "--limit", "4", "--no-plex"], input="2\n", env={"COLUMNS": "220"})
    assert result.exit_code == 0, result.output
    listed = re.findall(r"^\s+(\d+)\. (.+)$", result.output, re.M)
    assert len(listed) >= 2 and "Which one?" in result.output
    picked = listed[1][1]
    assert f"more like {picked.split(' - ')[0]}" in " ".join(result.output.split())
    declined = runner.invoke(app, ["radio", word, "--no-plex"], input="0\n", env={"COLUMNS": "220"})
    assert_clean_error(declined, 2, f"'{word}' matches")
