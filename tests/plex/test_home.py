"""plexmix.plex.home against the emulator's Plex Home, through the real plexapi over loopback.

Every request must stay on 127.0.0.1: the plex.tv account API is the emulator's ``/plex.tv``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from plexmix.devserver.library import MusicLibrary
from plexmix.devserver.server import PlexEmulator
from plexmix.errors import PlexAuthError, PlexError
from plexmix.plex.client import PlexClient
from plexmix.plex.home import HomeUser, HomeUserError, account_session, home_users, user_server_token

pytestmark = pytest.mark.usefixtures("loopback_only")  # no request may leave the machine


@pytest.fixture
def home(small_library: MusicLibrary) -> Iterator[PlexEmulator]:
    with PlexEmulator(small_library, owner="Alice", home_users=["Anna:1234", "Ben"], seed=5) as emu:
        yield emu


def token_for(emu: PlexEmulator, user: str, pin: str | None = None, token: str | None = None) -> str:
    return user_server_token(emu.url, token or emu.token, user, pin, account_url=emu.account_url)


def test_account_session_rewrites_only_plex_tv() -> None:
    session = account_session("http://127.0.0.1:9/plex.tv/")
    assert session.rewrite("https://plex.tv/api/v2/user") == "http://127.0.0.1:9/plex.tv/api/v2/user"  # type: ignore[attr-defined]
    assert session.rewrite("https://clients.plex.tv/api/v2/pins") == "http://127.0.0.1:9/plex.tv/api/v2/pins"  # type: ignore[attr-defined]
    assert session.rewrite("https://plex.tv.example.com/x") == "https://plex.tv.example.com/x"  # type: ignore[attr-defined]
    assert session.rewrite("http://10.0.0.2:32400/library") == "http://10.0.0.2:32400/library"  # type: ignore[attr-defined]
    assert account_session().rewrite("https://clients.plex.tv/a") == "https://clients.plex.tv/a"  # type: ignore[attr-defined]


def test_home_users_are_listed(home: PlexEmulator, loopback_only: list[str]) -> None:
    users = home_users(home.token, account_url=home.account_url)
    ids = {p.name: p.id for p in home.home.people}
    assert users == [
        HomeUser(ids["Alice"], "Alice", False, True, False, True),
        HomeUser(ids["Anna"], "Anna", True, False, False, True),
        HomeUser(ids["Ben"], "Ben", False, False, False, True),
    ]
    assert loopback_only and all("/plex.tv/" in url for url in loopback_only)


def test_switching_gives_each_user_their_server_token_and_plays(
    home: PlexEmulator, make_client: Callable[..., PlexClient]
) -> None:
    anna = token_for(home, "anna", "1234")
    assert anna == home.user_token("Anna") and token_for(home, "Ben") == home.user_token("Ben")
    assert token_for(home, "Alice") == home.token
    plays = {}
    for name, token in (("Alice", home.token), ("Anna", anna)):
        client = make_client(home, token=token)
        client.select_library("Music")
        plays[name] = {t.rating_key: t.view_count for t in client.iter_tracks()}
    assert plays["Alice"] == {str(k): t.view_count for k, t in home.library.tracks.items()}
    state = home.home.user("Anna").state
    assert state is not None
    assert plays["Anna"] == {str(k): state.get(k).view_count for k in home.library.tracks}
    assert plays["Anna"] != plays["Alice"]


def test_a_users_playlist_is_theirs_alone(home: PlexEmulator, make_client: Callable[..., PlexClient]) -> None:
    ben = make_client(home, token=token_for(home, "Ben"))
    alice = make_client(home)
    for client in (ben, alice):
        client.select_library("Music")
    keys = sorted(home.library.tracks)[:3]
    made = ben.create_playlist("Ben only", [str(k) for k in keys])
    assert [p.title for p in ben.list_playlists()] == ["Ben only"]
    assert alice.list_playlists() == [] and alice.find_playlist("Ben only") is None
    assert alice.get_playlist(made.rating_key) is None


@pytest.mark.parametrize(
    ("user", "pin", "message"),
    [
        ("Anna", "0000", "Wrong PIN for the Plex Home user 'Anna'"),
        ("Anna", None, "'Anna' is protected by a PIN"),
        ("Zoe", None, r"There is no Plex user called 'Zoe' \(users: Anna, Ben\)"),
    ],
)
def test_user_errors_are_clear(home: PlexEmulator, user: str, pin: str | None, message: str) -> None:
    with pytest.raises(HomeUserError, match=message) as err:
        token_for(home, user, pin)
    assert err.value.hint and isinstance(err.value, PlexError)
    assert home.token not in str(err.value) + err.value.hint


def test_only_the_admin_can_switch_and_a_bad_token_is_an_auth_error(home: PlexEmulator) -> None:
    from plexapi.myplex import MyPlexAccount

    annas_account_token = MyPlexAccount(
        token=home.token, session=account_session(home.account_url)
    ).switchHomeUser("Anna", "1234").authToken
    with pytest.raises(HomeUserError, match="not the admin"):
        token_for(home, "Ben", token=annas_account_token)
    with pytest.raises(HomeUserError, match="not the admin"):
        home_users(annas_account_token, account_url=home.account_url)
    with pytest.raises(PlexAuthError):
        token_for(home, "Ben", token="wrong-token")
