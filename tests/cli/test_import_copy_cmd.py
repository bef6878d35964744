"""``plexmix import`` and ``plexmix copy`` on the command line: the match report, --json, and
errors as one sentence with a hint (exit 2, no traceback)."""

from __future__ import annotations

import json
from pathlib import Path

from travel_world import Travel, travel_fixture, travel_template_fixture  # noqa: F401
from typer.testing import CliRunner

from plexmix.cli.main import app

runner = CliRunner(env={"COLUMNS": "200"})


def _list(travel: Travel, tmp_path: Path) -> tuple[Path, list[str]]:
    tracks = sorted(travel.home.library.tracks.values(), key=lambda t: t.rating_key)[-3:]  # cabin has these too
    lines = [f"{travel.artist(t)} - {t.title}" for t in tracks] + ["Qwxzv Plorbt - Zzzyx Unheard Of"]
    path = tmp_path / "my list.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, [str(t.rating_key) for t in tracks]


def test_import_prints_the_report_and_writes(travel: Travel, tmp_path: Path) -> None:
    path, keys = _list(travel, tmp_path)
    dry = runner.invoke(app, ["import", str(path), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    said = " ".join(dry.output.split())
    assert "my list: 4 lines: 3 exact, 0 fuzzy, 1 missing" in said
    assert "Qwxzv Plorbt - Zzzyx Unheard Of" in said and "Dry run: nothing written" in said
    assert not travel.home.playlists.find()

    done = runner.invoke(app, ["import", str(path), "--name", "Mine", "--json"])
    assert done.exit_code == 0, done.output
    data = json.loads(done.stdout)
    assert (data["exact"], data["fuzzy"], data["missing"]) == (3, 0, 1)
    assert [line["track"]["plex_key"] for line in data["lines"][:3]] == keys
    assert data["lines"][3]["track"] is None and data["lines"][3]["status"] == "missing"
    assert [str(k) for k in travel.home.playlists.find("Mine")[0].track_keys] == keys

    again = runner.invoke(app, ["import", str(path), "--name", "Mine"])
    assert again.exit_code == 1 and "already exists" in again.output and "--replace" in again.output
    replaced = runner.invoke(app, ["import", str(path), "--name", "Mine", "--replace"])
    assert replaced.exit_code == 0 and "Replaced Mine in Plex with 3 tracks" in " ".join(replaced.output.split())


def test_import_errors(travel: Travel, tmp_path: Path) -> None:
    missing = runner.invoke(app, ["import", str(tmp_path / "nope.m3u")])
    assert missing.exit_code == 2 and "Traceback" not in missing.output
    said = " ".join(missing.output.split())
    assert "does not exist." in said and "Hint:" in said
    empty = tmp_path / "empty.m3u"
    empty.write_text("#EXTM3U\n", encoding="utf-8")
    result = runner.invoke(app, ["import", str(empty)])
    assert result.exit_code == 2 and "lists no tracks" in result.output
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    result = runner.invoke(app, ["import", str(broken)])
    assert result.exit_code == 2 and "is not valid JSON" in result.output and "Traceback" not in result.output
    nothing = tmp_path / "nothing.txt"
    nothing.write_text("Qwxzv Plorbt - Zzzyx Unheard Of\n", encoding="utf-8")
    result = runner.invoke(app, ["import", str(nothing)])
    assert result.exit_code == 1 and "None of the 1 lines matched" in result.output


def test_copy_on_the_command_line(travel: Travel, tmp_path: Path) -> None:
    path, _ = _list(travel, tmp_path)
    assert runner.invoke(app, ["import", str(path), "--name", "Mine"]).exit_code == 0
    copied = runner.invoke(app, ["copy", "Mine", "--to", "cabin"])
    assert copied.exit_code == 0, copied.output
    said = " ".join(copied.output.split())
    assert "Mine: 3 lines:" in said and "in Plex on cabin" in said
    assert len(travel.cabin.playlists.find("Mine")) == 1

    same = runner.invoke(app, ["copy", "Mine", "--to", "default"])
    assert same.exit_code == 2 and "already on the server 'default'" in same.output
    no_to = runner.invoke(app, ["copy", "Mine"])
    assert no_to.exit_code == 2 and "--to" in no_to.output
    unknown = runner.invoke(app, ["copy", "Mine", "--to", "attic"])
    assert unknown.exit_code != 0 and "Traceback" not in unknown.output
    assert "no Plex server profile 'attic'" in " ".join(unknown.output.split())
