"""``copy`` (issue 18): a playlist of one server written to another server profile, each track
matched again in that server's own mirror. The two emulators serve the same songs under other
ratingKeys (and cabin lacks some); the expected tracks come from their libraries."""

from __future__ import annotations

from pathlib import Path

import pytest
from travel_world import CABIN_TOKEN, Travel, travel_fixture, travel_template_fixture  # noqa: F401

from plexmix import PlexMix
from plexmix.devserver.library import EmuTrack, MusicLibrary
from plexmix.errors import ConfigError, UsageError


def song(lib: MusicLibrary, t: EmuTrack) -> tuple[str, str, str]:
    return lib.artists[t.artist_key].title, t.title, lib.albums[t.album_key].title


def cabin_twin(travel: Travel, t: EmuTrack) -> EmuTrack | None:
    """The cabin's track of the same song and album as home's ``t`` (None: cabin lacks it)."""
    wanted = song(travel.home.library, t)
    twins = [c for c in travel.cabin.library.tracks.values() if song(travel.cabin.library, c) == wanted]
    return twins[0] if len(twins) == 1 else None


def source_playlist(travel: Travel, tmp_path: Path, present: int, absent: int) -> tuple[list[EmuTrack], str]:
    """A PlexMix playlist on home of ``present`` songs cabin has too and ``absent`` it lacks,
    interleaved; made by importing their keys."""
    have, lack = [], []
    for t in sorted(travel.home.library.tracks.values(), key=lambda t: t.rating_key):
        same = [o for o in travel.home.library.tracks.values() if song(travel.home.library, o)[:2]
                == song(travel.home.library, t)[:2]]
        if len(same) != 1:
            continue  # one version of the song only, so the expected match is clear
        twin = cabin_twin(travel, t)
        if twin is not None and len(have) < present:
            have.append(t)
        elif twin is None and not any(song(travel.cabin.library, c)[:2] == song(travel.home.library, t)[:2]
                                      for c in travel.cabin.library.tracks.values()) and len(lack) < absent:
            lack.append(t)
    chosen = [t for pair in zip(have, lack + [None] * len(have), strict=False) for t in pair if t is not None]
    listed = tmp_path / "source.json"
    listed.write_text('{"name": "Road trip", "tracks": [' + ", ".join(
        f'{{"plex_key": "{t.rating_key}"}}' for t in chosen) + "]}", encoding="utf-8")
    report = travel.pm.import_playlist(listed)
    assert report.count("exact") == len(chosen) == present + absent
    return chosen, "Road trip"


def test_copy_writes_the_playlist_on_the_other_server_with_tracks_matched_again(
    travel: Travel, tmp_path: Path
) -> None:
    chosen, name = source_playlist(travel, tmp_path, present=8, absent=3)
    twins = [cabin_twin(travel, t) for t in chosen]
    expected = [str(t.rating_key) for t in twins if t is not None]
    assert [str(t.rating_key) for t in chosen if cabin_twin(travel, t)] != expected, "keys differ between servers"

    dry = travel.pm.copy_playlist(name, to="cabin", dry_run=True)
    assert dry.server == "cabin" and not travel.cabin.playlists.find(), "a dry run writes nothing"

    report = travel.pm.copy_playlist(name, to="cabin", name="Road trip at the cabin")
    assert [m.track.plex_key for m in report.matches if m.track] == expected
    assert [m.status for m in report.matches] == ["exact" if t else "missing" for t in twins]
    assert report.count("missing") == 3 and report.plex_error is None
    written = travel.cabin.playlists.find("Road trip at the cabin")
    assert len(written) == 1 and [str(k) for k in written[0].track_keys] == expected
    assert not travel.home.playlists.find("Road trip at the cabin"), "nothing new on the source server"
    cabin = PlexMix.open(settings={"plex.server": "cabin"})
    saved = [p for p in cabin.playlists() if p.name == "Road trip at the cabin"]
    assert len(saved) == 1 and saved[0].plex_key == report.plex_key, "saved in the cabin's own database"
    assert [e.track.plex_key for e in cabin.playlist_tracks(saved[0].id or 0)] == expected


def test_copy_of_a_plex_playlist_and_back(travel: Travel) -> None:
    """A playlist made in Plex (not by PlexMix) is read from the server by its title."""
    picks = sorted(travel.home.library.tracks.values(), key=lambda t: t.rating_key)
    picks = [t for t in picks if cabin_twin(travel, t)][:5]
    uri = f"server://home-server/com.plexapp.plugins.library/library/metadata/{','.join(str(t.rating_key) for t in picks)}"
    travel.home.playlists.create("Made in Plex", uri)
    report = travel.pm.copy_playlist("Made in Plex", to="cabin")
    wanted = [str(t.rating_key) for t in (cabin_twin(travel, p) for p in picks) if t is not None]
    assert [str(k) for k in travel.cabin.playlists.find("Made in Plex")[0].track_keys] == wanted
    assert report.count("exact") == 5
    back = PlexMix.open(settings={"plex.server": "cabin"}).copy_playlist("Made in Plex", to="default", name="Back")
    assert [str(k) for k in travel.home.playlists.find("Back")[0].track_keys] == [str(t.rating_key) for t in picks]
    assert back.server == "default"


def test_copy_errors_say_what_to_do(travel: Travel, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError) as unknown:
        travel.pm.copy_playlist("whatever", to="attic")
    assert "no Plex server profile 'attic'" in unknown.value.message
    with pytest.raises(UsageError) as same:
        travel.pm.copy_playlist("whatever", to="default")
    assert "already on the server 'default'" in same.value.message
    (travel.folder / "config.yaml").write_text(
        (travel.folder / "config.yaml").read_text().replace("servers:\n", "servers:\n  attic:\n    url: "
                                                            f"{travel.cabin.url}\n"))
    monkeypatch.setenv("PLEX_TOKEN_ATTIC", CABIN_TOKEN)
    with pytest.raises(UsageError) as unsynced:
        PlexMix.open().copy_playlist("whatever", to="attic")
    assert unsynced.value.message.startswith("No playlist 'whatever'")
    made = travel.pm.import_playlist(_one_line(travel), name="One")
    with pytest.raises(UsageError) as never:
        PlexMix.open().copy_playlist("One", to="attic")
    assert "The server 'attic' has not been synced yet" in never.value.message
    assert never.value.hint == "Run `plexmix --server attic sync` first."
    assert made.playlist_id is not None


def _one_line(travel: Travel) -> Path:
    t = min(travel.home.library.tracks.values(), key=lambda t: t.rating_key)
    path = travel.folder.parent / "one.txt"
    path.write_text(f"{travel.artist(t)} - {t.title}\n", encoding="utf-8")
    return path
