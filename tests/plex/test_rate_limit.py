"""The token bucket on its own (fake clock) and applied to real requests."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from plexmix.devserver.server import PlexEmulator
from plexmix.plex.client import PlexClient
from plexmix.plex.rate_limit import TokenBucket


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_bucket_allows_burst_then_paces() -> None:
    t = FakeTime()
    bucket = TokenBucket(4.0, burst=2, clock=t.clock, sleep=t.sleep)
    assert bucket.acquire() == 0 and bucket.acquire() == 0
    assert bucket.try_acquire() is False
    waited = sum(bucket.acquire() for _ in range(8))
    assert waited == pytest.approx(2.0)
    assert t.now == pytest.approx(2.0)
    t.now += 10  # idle time refills only up to the burst
    assert bucket.try_acquire() and bucket.try_acquire() and not bucket.try_acquire()


def test_bucket_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        TokenBucket(0)


def test_bucket_is_thread_safe() -> None:
    bucket = TokenBucket(50.0)
    started = time.perf_counter()
    threads = [threading.Thread(target=lambda: [bucket.acquire() for _ in range(5)]) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert time.perf_counter() - started >= (20 - 1) / 50 - 0.02


def test_client_requests_are_rate_limited(
    emulator: PlexEmulator, make_client: Callable[..., PlexClient]
) -> None:
    client = make_client(emulator, requests_per_second=20.0, page_size=40)
    client.connect()
    client.select_library()
    emulator.reset_counts()
    started = time.perf_counter()
    tracks = list(client.iter_tracks())  # 400 tracks / 40 = 10 requests
    elapsed = time.perf_counter() - started
    assert len(tracks) == len(emulator.library.tracks)
    assert emulator.total_requests == 10
    assert elapsed >= (10 - 1) / 20 - 0.02
    unlimited = make_client(emulator, page_size=40)
    unlimited.select_library()
    started = time.perf_counter()
    list(unlimited.iter_tracks())
    assert time.perf_counter() - started < elapsed
