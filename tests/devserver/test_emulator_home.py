"""The emulator as a Plex Home: plex.tv account endpoints and per-user state, through the real plexapi.

plexapi's plex.tv requests go to the emulator's ``/plex.tv`` through
:func:`plexmix.plex.home.account_session`; every request of these tests must stay on loopback.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from plexmix.devserver.library import MusicLibrary
from plexmix.devserver.server import PlexEmulator
from plexmix.plex.home import account_session

os.environ.setdefault("PLEXAPI_PLEXAPI_AUTORELOAD", "false")


pytestmark = pytest.mark.usefixtures("loopback_only")  # no request may leave the machine


@pytest.fixture
def emu(small_library: MusicLibrary) -> Iterator[PlexEmulator]:
    with PlexEmulator(small_library, owner="Alice", home_users=["Anna:1234", "Ben"], seed=3) as emulator:
        yield emulator


def account(emu: PlexEmulator, token: str | None = None) -> Any:
    from plexapi.myplex import MyPlexAccount

    return MyPlexAccount(token=token or emu.token, session=account_session(emu.account_url), timeout=10)


def server(emu: PlexEmulator, token: str) -> Any:
    from plexapi.server import PlexServer

    return PlexServer(emu.url, token, session=account_session(emu.account_url), timeout=10)


def test_account_users_and_switch_with_pin(emu: PlexEmulator, loopback_only: list[str]) -> None:
    from plexapi.exceptions import BadRequest

    owner = account(emu)
    assert (owner.title, owner.homeAdmin, owner.authToken) == ("Alice", True, emu.token)
    users = {u.title: u for u in owner.users()}
    assert sorted(users) == ["Anna", "Ben"] and users["Anna"].protected and not users["Ben"].protected
    assert owner.user("anna").id == users["Anna"].id and users["Anna"].servers[0].machineIdentifier == emu.machine_identifier
    anna = owner.switchHomeUser("Anna", pin="1234")
    assert anna.title == "Anna" and not anna.homeAdmin and anna.authToken != emu.token
    (resource,) = anna.resources()
    assert resource.clientIdentifier == emu.machine_identifier
    assert resource.accessToken == emu.user_token("Anna") != emu.token
    assert resource.connect(timeout=5).friendlyName == emu.friendly_name
    for pin in ("9999", None):
        with pytest.raises(BadRequest, match=r"^\(403\)"):
            owner.switchHomeUser("Anna", pin=pin)
    assert any("/plex.tv/api/home/users/" in url for url in loopback_only)


def test_switch_user_through_the_servers_shares(emu: PlexEmulator) -> None:
    from plexapi.exceptions import Unauthorized

    owner_server = server(emu, emu.token)
    ben = owner_server.switchUser("Ben")
    assert ben._token == emu.user_token("Ben")
    assert ben.library.section("Music").key == 1
    anna_account = account(emu).switchHomeUser("Anna", pin="1234")
    with pytest.raises(Unauthorized):  # only the admin lists users and shares
        anna_account.users()
    with pytest.raises(Unauthorized):
        account(emu, "not-a-token")


def test_each_user_sees_their_own_plays_and_ratings(emu: PlexEmulator) -> None:
    lib = emu.library
    mine = {t.ratingKey: t.viewCount for t in server(emu, emu.token).library.section("Music").searchTracks()}
    bens_server = server(emu, emu.user_token("Ben"))
    bens = {t.ratingKey: t.viewCount for t in bens_server.library.section("Music").searchTracks()}
    assert mine == {k: t.view_count for k, t in lib.tracks.items()}
    assert set(bens) == set(mine) and bens != mine
    assert 0.15 < sum(1 for v in bens.values() if v) / len(bens) < 0.45
    annas = {t.ratingKey: t.viewCount for t in server(emu, emu.user_token("Anna")).library.section("Music").searchTracks()}
    assert annas != bens
    played = bens_server.library.section("Music").searchTracks(filters={"viewCount>>": 0})
    assert {t.ratingKey for t in played} == {k for k, v in bens.items() if v}


def test_scrobble_and_rate_change_only_the_requesters_state(emu: PlexEmulator) -> None:
    lib = emu.library
    key = next(k for k, t in lib.tracks.items() if t.user_rating is None)
    before = (lib.tracks[key].view_count, lib.tracks[key].updated_at)
    ben = server(emu, emu.user_token("Ben"))
    ben_before = ben.fetchItem(key).viewCount
    track = ben.fetchItem(key)
    track.markPlayed()
    track.rate(8)
    again = ben.fetchItem(key)
    assert (again.viewCount, again.userRating) == (ben_before + 1, 8.0)
    assert (lib.tracks[key].view_count, lib.tracks[key].updated_at) == before and lib.tracks[key].user_rating is None
    owner = server(emu, emu.token).fetchItem(key)
    assert (owner.viewCount, owner.userRating) == (before[0], None)
    assert server(emu, emu.user_token("Anna")).fetchItem(key).userRating != 8.0
    owner.markPlayed()
    assert lib.tracks[key].view_count == before[0] + 1 and ben.fetchItem(key).viewCount == ben_before + 1


def test_playlists_are_private_to_their_creator(emu: PlexEmulator) -> None:
    from plexapi.exceptions import NotFound

    owner, ben = server(emu, emu.token), server(emu, emu.user_token("Ben"))
    tracks = owner.library.section("Music").searchTracks(maxresults=3)
    bens = ben.createPlaylist("Ben's mix", items=tracks[:2])
    owners = owner.createPlaylist("Alice's mix", items=tracks[1:])
    assert [p.title for p in ben.playlists()] == ["Ben's mix"]
    assert [p.title for p in owner.playlists()] == ["Alice's mix"]
    assert [p.title for p in server(emu, emu.user_token("Anna")).playlists()] == []
    with pytest.raises(NotFound):
        owner.fetchItem(f"/playlists/{bens.ratingKey}")
    with pytest.raises(NotFound):
        ben.fetchItem(f"/playlists/{owners.ratingKey}/items")
    assert [p.owner for p in emu.playlists.find()] == [emu.home.user("Ben").id, emu.home.owner.id]
