"""PlexClient failure handling: retries, auth, unreachable servers, and no token in URLs/logs."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable

import pytest

from plexmix.devserver.server import PlexEmulator
from plexmix.errors import PlexAuthError, PlexConnectionError, PlexError
from plexmix.plex.client import PlexClient
from plexmix.plex.transport import PlexHTTPError

ClientFactory = Callable[..., PlexClient]


@pytest.mark.parametrize("status", [429, 503])
def test_every_fifth_request_failing_still_returns_everything(
    emulator: PlexEmulator, make_client: ClientFactory, status: int
) -> None:
    emulator.set_fault(every_nth=5, status=status, retry_after=0 if status == 429 else None)
    client = make_client(emulator, page_size=40)
    keys = {t.rating_key for t in client.iter_tracks()}
    assert keys == {str(k) for k in emulator.library.tracks}
    assert {a.rating_key for a in client.iter_albums()} == {str(k) for k in emulator.library.albums}
    assert emulator.hooks.faults[0].fired >= 3
    playlist = client.create_playlist("Retry me", sorted(keys)[:50])
    assert playlist.leaf_count == 50


def test_retry_after_is_honoured(emulator: PlexEmulator, make_client: ClientFactory) -> None:
    client = make_client(emulator)
    client.connect()
    emulator.set_fault(status=429, first_n=1, retry_after=1)
    started = time.perf_counter()
    assert client.count("track") == len(emulator.library.tracks)
    assert time.perf_counter() - started >= 0.95


def test_retries_run_out_into_a_plex_error(emulator: PlexEmulator, make_client: ClientFactory) -> None:
    client = make_client(emulator, max_retries=2)
    client.connect()
    emulator.set_fault(status=503)
    with pytest.raises(PlexHTTPError) as err:
        client.count("track")
    assert err.value.status == 503 and "503" in err.value.message
    assert isinstance(err.value, PlexError)
    assert emulator.hooks.faults[0].fired == 3  # first try + 2 retries


def test_wrong_token_is_an_auth_error_without_the_token(
    emulator: PlexEmulator, make_client: ClientFactory
) -> None:
    client = make_client(emulator, token="not-the-token-1234")
    with pytest.raises(PlexAuthError) as err:
        client.connect()
    assert "401" in err.value.message
    assert err.value.hint and "X-Plex-Token" in err.value.hint
    assert "not-the-token-1234" not in err.value.message + err.value.hint
    assert emulator.hooks.faults == []  # a real 401, not an injected one


def test_token_revoked_mid_session(emulator: PlexEmulator, make_client: ClientFactory) -> None:
    client = make_client(emulator)
    client.connect()
    emulator.token = "rotated"
    with pytest.raises(PlexAuthError):
        list(client.iter_tracks())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unreachable_server_fails_fast(make_client: ClientFactory) -> None:
    client = PlexClient(f"http://127.0.0.1:{_free_port()}", "tok", timeout=2)
    started = time.perf_counter()
    with pytest.raises(PlexConnectionError) as err:
        client.connect()
    assert time.perf_counter() - started < 3
    assert "Cannot reach the Plex server at http://127.0.0.1:" in err.value.message
    assert err.value.hint == "Check PLEX_URL / plex.url and that the server is running"
    client.close()


def test_timeout_is_a_connection_error(emulator: PlexEmulator, make_client: ClientFactory) -> None:
    client = make_client(emulator, timeout=0.3, max_retries=0)
    emulator.set_latency(0.8)
    with pytest.raises(PlexConnectionError):
        client.connect()


def test_invalid_url(make_client: ClientFactory) -> None:
    client = PlexClient("plex.local:32400", "tok")
    with pytest.raises(PlexConnectionError) as err:
        client.connect()
    assert "not a valid Plex server URL" in err.value.message
    client.close()


def test_token_travels_as_header_only(
    emulator: PlexEmulator, make_client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    emulator.token = "very-secret-token-42"
    caplog.set_level(logging.DEBUG)
    client = make_client(emulator, token="very-secret-token-42")
    client.connect()
    keys = [t.rating_key for t in client.iter_tracks()]
    playlist = client.create_playlist("Secret-free", keys[:20], summary="s")
    client.replace_playlist(playlist.rating_key, keys[20:30], title="Still secret-free")
    client.delete_playlist(playlist.rating_key)
    assert emulator.request_log
    assert all("very-secret-token-42" not in path for _, path in emulator.request_log)
    assert "very-secret-token-42" not in caplog.text
    assert "very-secret-token-42" not in repr(client)
