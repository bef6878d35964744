"""The token bucket on its own (fake clock) and applied to real requests."""

from __future__ import annotations

import functools
import math
import threading
from collections.abc import Callable

import pytest

from plexmix.devserver.server import PlexEmulator
from plexmix.plex.client import PlexClient
from plexmix.plex.rate_limit import TokenBucket
from plexmix.plex.transport import LimitedAdapter


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert self.now + seconds > self.now, "a wait too short to move the clock: it would spin"
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


class SharedFakeTime:
    """A fake clock for several threads, run as a discrete-event simulation.

    ``sleep()`` blocks its thread until ``run()`` moves the clock to its wake-up time. ``run()``
    does so only when every live thread is asleep, always to the earliest wake-up, so where
    the threads are in fake time never depends on how the OS schedules them.
    """

    def __init__(self, timeout: float = 10.0) -> None:
        self.now = 0.0
        self.timeout = timeout  # real seconds: a stuck thread fails the test instead of hanging it
        self._cond = threading.Condition()
        self._wakeups: dict[int, float] = {}
        self._finished = 0

    def clock(self) -> float:
        with self._cond:
            return self.now

    def sleep(self, seconds: float) -> None:
        me = threading.get_ident()
        with self._cond:
            start = self.now
            until = max(start + seconds, math.nextafter(start, math.inf))  # time always moves on
            self._wakeups[me] = until
            self._cond.notify_all()
            woke = self._cond.wait_for(lambda: self.now >= until, self.timeout)
            del self._wakeups[me]
            self._cond.notify_all()
        assert woke, "the fake clock never reached this thread's wake-up time"

    def run(self, targets: list[Callable[[], None]]) -> None:
        """Run each target in its own thread until all have returned."""

        def wrapped(target: Callable[[], None]) -> None:
            try:
                target()
            finally:
                with self._cond:
                    self._finished += 1
                    self._cond.notify_all()

        threads = [threading.Thread(target=wrapped, args=(t,), daemon=True) for t in targets]
        for thread in threads:
            thread.start()
        with self._cond:
            while self._finished < len(threads):
                all_asleep = self._cond.wait_for(
                    lambda: self._finished == len(threads)
                    or (
                        len(self._wakeups) + self._finished == len(threads)
                        and min(self._wakeups.values()) > self.now
                    ),
                    self.timeout,
                )
                assert all_asleep, "a thread neither slept nor finished"
                if self._wakeups and self._finished < len(threads):
                    self.now = min(self._wakeups.values())
                    self._cond.notify_all()
        for thread in threads:
            thread.join(self.timeout)


def test_bucket_is_thread_safe() -> None:
    t = SharedFakeTime()
    rate, burst = 8.0, 2
    bucket = TokenBucket(rate, burst=burst, clock=t.clock, sleep=t.sleep)
    granted: list[tuple[float, int]] = []  # (fake time, worker) of every token handed out
    lock = threading.Lock()

    def worker(n: int) -> None:
        for _ in range(5):
            bucket.acquire()
            with lock:
                granted.append((t.clock(), n))

    t.run([lambda n=n: worker(n) for n in range(4)])  # type: ignore[misc]
    assert sorted(n for _, n in granted) == [0] * 5 + [1] * 5 + [2] * 5 + [3] * 5
    times = sorted(when for when, _ in granted)
    # Never more tokens than the burst plus what the rate refilled by then ...
    for count, when in enumerate(times, start=1):
        assert count <= burst + rate * when + 1e-9, (count, when)
    # ... and none lost: the 20th token came exactly when the bucket could first give it.
    assert times[-1] == pytest.approx((20 - burst) / rate)
    assert times[:burst] == [0.0] * burst


def test_client_requests_are_rate_limited(
    emulator: PlexEmulator, make_client: Callable[..., PlexClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    t = FakeTime()
    waits: list[tuple[int, float]] = []  # (requests the server had seen, seconds) per wait

    def sleep(seconds: float) -> None:
        waits.append((emulator.total_requests, seconds))
        t.sleep(seconds)

    # The client builds its own TokenBucket from requests_per_second: give it the fake clock.
    monkeypatch.setattr(
        "plexmix.plex.client.TokenBucket", functools.partial(TokenBucket, clock=t.clock, sleep=sleep)
    )
    # 16 per second: waits of 1/16 s add up exactly in binary floating point.
    client = make_client(emulator, requests_per_second=16.0, page_size=40)
    assert client.limiter is not None and client.limiter.rate == 16.0
    adapter = client.session.get_adapter(emulator.url)
    assert isinstance(adapter, LimitedAdapter) and adapter.limiter is client.limiter
    client.connect()
    client.select_library()
    emulator.reset_counts()
    waits.clear()
    started = t.now
    tracks = list(client.iter_tracks())  # 400 tracks / 40 = 10 requests
    assert len(tracks) == len(emulator.library.tracks)
    assert emulator.total_requests == 10
    # Each request waited 1/16 s for its token before it was sent (the clock stands still
    # between requests, so the bucket is empty every time).
    assert [seen for seen, _ in waits] == list(range(10))
    assert [seconds for _, seconds in waits] == [0.0625] * 10
    assert t.now - started == 0.625

    waits.clear()
    unlimited = make_client(emulator, page_size=40)
    assert unlimited.limiter is None
    unlimited.select_library()
    assert len(list(unlimited.iter_tracks())) == len(tracks)
    assert waits == []
