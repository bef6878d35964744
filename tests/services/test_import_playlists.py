"""``import`` (issue 18): playlist files from elsewhere matched to the library line by line, on real
tracks served by the emulator and synced. Expected tracks come from the emulator's library."""

from __future__ import annotations

import json
from pathlib import Path

from travel_world import Travel, travel_fixture, travel_template_fixture  # noqa: F401

from plexmix.devserver.library import EmuTrack


def picked(travel: Travel, count: int, start: int = 0) -> list[EmuTrack]:
    """``count`` tracks of the home library with a title of their own (several words, ASCII)."""
    lib = travel.home.library
    titles: dict[str, int] = {}
    for t in lib.tracks.values():
        titles[t.title.casefold()] = titles.get(t.title.casefold(), 0) + 1
    fit = [t for t in sorted(lib.tracks.values(), key=lambda t: t.rating_key)
           if titles[t.title.casefold()] == 1 and t.title.isascii() and len(t.title) >= 8
           and " - " not in t.title and "(" not in t.title and lib.artists[t.artist_key].title.isascii()]
    return fit[start : start + count]


def plex_titles(travel: Travel, name: str) -> list[str]:
    """The ratingKeys of the Plex playlist ``name`` on home, in order."""
    found = [p for p in travel.home.playlists.find() if p.title == name]
    assert len(found) == 1, [p.title for p in travel.home.playlists.find()]
    return [str(entry[1]) for entry in found[0].entries]


def test_m3u_with_another_machines_paths_matches_through_the_mapping(travel: Travel, tmp_path: Path) -> None:
    tracks = picked(travel, 6)
    lines = ["#EXTM3U", "#PLAYLIST:From the laptop"]
    for t in tracks:  # Windows paths of a laptop whose music folder is D:\Music; no #EXTINF to fall back on
        lines.append("D:\\Music\\" + t.file.removeprefix("/music/").replace("/", "\\"))
    lines.append("D:\\Music\\Nobody\\Nothing\\01 - Qwxzv Plorbt.flac")
    m3u = tmp_path / "laptop.m3u"
    m3u.write_text("\n".join(lines) + "\n", encoding="utf-8")

    unmapped = travel.pm.import_playlist(m3u, dry_run=True)
    assert not any(m.how == "path" for m in unmapped.matches), "without the mapping no path is found"

    (travel.folder / "config.yaml").write_text(
        (travel.folder / "config.yaml").read_text() + "matching:\n  path_map:\n    - ['D:\\Music', /music]\n")
    from plexmix import PlexMix

    report = PlexMix.open().import_playlist(m3u)
    assert [m.how for m in report.matches[:6]] == ["path"] * 6
    assert [m.track.plex_key for m in report.matches[:6] if m.track] == [str(t.rating_key) for t in tracks]
    last = report.matches[6]
    assert last.status == "missing" and last.track is None
    assert report.name == "From the laptop" and report.count("exact") == 6 and report.count("missing") == 1
    assert plex_titles(travel, "From the laptop") == [str(t.rating_key) for t in tracks]
    saved = travel.pm.playlist_tracks(report.playlist_id or 0)
    assert [e.track.plex_key for e in saved] == [str(t.rating_key) for t in tracks]
    assert travel.pm.playlists()[0].recipe is None, "an import keeps no recipe"


def _typo(text: str) -> str:
    """Two different neighbouring letters swapped in the middle of the longest word, as fingers do."""
    word = max(text.split(), key=len)
    i = next(i for i in range(len(word) // 2, len(word))
             if word[i - 1] != word[i] and word[i - 1].isalpha() and word[i].isalpha())
    return text.replace(word, word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :], 1)


def test_a_list_with_typos_matches_fuzzily_and_unknown_lines_are_reported_not_invented(
    travel: Travel, tmp_path: Path
) -> None:
    tracks = picked(travel, 8, start=10)
    lines = [f"{travel.artist(t)} - {t.title}" for t in tracks[:3]]  # as written
    lines += [f"{travel.artist(t).upper()} - {t.title.lower()}" for t in tracks[3:5]]  # case aside
    lines += [f"{_typo(travel.artist(t))} - {_typo(t.title)}" for t in tracks[5:]]  # typos
    unknown = ["Zyxwv Quorpl - Blenticular Frazzmatazz", "Mxyzptlk Orchestra - Nothing Like It At All Here"]
    listed = tmp_path / "list.txt"
    listed.write_text("# my list\n\n" + "\n".join(lines + unknown) + "\n", encoding="utf-8")

    report = travel.pm.import_playlist(listed, name="Typed by hand", dry_run=True)
    statuses = [m.status for m in report.matches]
    assert statuses[:5] == ["exact"] * 5 and [m.how for m in report.matches[:5]] == ["name"] * 5
    assert statuses[5:8] == ["fuzzy"] * 3
    assert all(0.85 <= m.score < 1 for m in report.matches[5:8])
    assert [m.track.plex_key for m in report.matches[:8] if m.track] == [str(t.rating_key) for t in tracks]
    for m in report.matches[8:]:
        assert m.status == "missing" and m.track is None and m.score < 0.85
    assert report.playlist_id is None and not travel.home.playlists.find(), "a dry run writes nothing"

    written = travel.pm.import_playlist(listed, name="Typed by hand")
    assert plex_titles(travel, "Typed by hand") == [str(t.rating_key) for t in tracks], "missing lines left out"
    assert written.as_dict()["missing"] == 2 and len(written.as_dict()["lines"]) == 10


def test_title_artist_order_and_version_notes(travel: Travel, tmp_path: Path) -> None:
    """ "Title - Artist" is tried too; "feat." and "- Remastered" notes are set aside."""
    a, b = picked(travel, 2, start=30)
    listed = tmp_path / "list.txt"
    listed.write_text(f"{a.title} - {travel.artist(a)}\n"
                      f"{travel.artist(b)} feat. Somebody Else - {b.title} - Remastered 2011\n", encoding="utf-8")
    report = travel.pm.import_playlist(listed, dry_run=True)
    assert [m.status for m in report.matches] == ["exact", "exact"]
    assert [m.track.plex_key for m in report.matches if m.track] == [str(a.rating_key), str(b.rating_key)]


def test_export_then_import_gives_the_same_tracks_in_order(travel: Travel, tmp_path: Path) -> None:
    made = travel.pm.create_playlist("dance party", limit=12, name="To export", export=("json", tmp_path / "x.json"))
    keys = [item.track.plex_key for item in made.playlist.tracks]
    assert len(keys) == 12
    travel.pm.create_playlist("dance party", limit=12, name="To export m3u", export=("m3u", tmp_path / "x.m3u"))
    exported = json.loads((tmp_path / "x.json").read_text())
    assert [t["file_path"] for t in exported["tracks"]] == [item.track.file_path for item in made.playlist.tracks]
    for fmt in ("json", "m3u"):
        report = travel.pm.import_playlist(tmp_path / f"x.{fmt}", name=f"Back from {fmt}")
        assert [m.status for m in report.matches] == ["exact"] * 12, fmt
        assert [m.track.plex_key for m in report.matches if m.track] == keys, fmt
        assert plex_titles(travel, f"Back from {fmt}") == keys, fmt
    assert exported["name"] == "To export"


def test_json_plex_keys_of_another_server_are_not_trusted(travel: Travel, tmp_path: Path) -> None:
    """A key naming another song here (an export from another server) falls back to the name."""
    a, b = picked(travel, 2, start=40)
    data = {"name": "Elsewhere", "tracks": [
        {"plex_key": str(b.rating_key), "title": a.title, "artist": travel.artist(a)},
        {"plex_key": "999999", "title": b.title, "artist": travel.artist(b), "file_path": "/elsewhere/b.flac"},
    ]}
    path = tmp_path / "elsewhere.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    report = travel.pm.import_playlist(path, dry_run=True)
    assert [(m.how, m.track.plex_key if m.track else None) for m in report.matches] == [
        ("name", str(a.rating_key)), ("name", str(b.rating_key))]


def test_the_threshold_is_a_setting(travel: Travel, tmp_path: Path) -> None:
    """Above a fuzzy line's score it is missing, its match only shown as the best guess."""
    from plexmix import PlexMix

    t = picked(travel, 1, start=20)[0]
    listed = tmp_path / "list.txt"
    listed.write_text(f"{travel.artist(t)} - {_typo(t.title)}\n", encoding="utf-8")
    found = travel.pm.import_playlist(listed, dry_run=True).matches[0]
    assert found.status == "fuzzy" and found.track is not None and found.track.plex_key == str(t.rating_key)
    strict = PlexMix.open(settings={"matching.threshold": 0.99}).import_playlist(listed, dry_run=True).matches[0]
    assert strict.status == "missing" and strict.track is None
    assert strict.guess is not None and strict.guess.plex_key == str(t.rating_key)
    assert strict.score == found.score
