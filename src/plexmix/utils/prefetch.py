"""Run an iterator ahead in a background thread, so fetching overlaps with processing."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Generator, Iterable
from typing import TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")
_DONE = object()
JOIN_TIMEOUT_S = 10.0  # how long closing waits for the producer's current item (a safety bound)


class _Failure:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


def prefetch(iterable: Iterable[T], depth: int = 2, name: str = "prefetch") -> Generator[T, None, None]:
    """Yield the items of ``iterable``, produced up to ``depth`` items ahead in a thread.

    An exception in the producer is re-raised in the consumer. When the generator ends —
    exhausted, failed, or closed early (``close()``, ``break``, an exception in the consumer
    once the generator is released) — the producer stops after its current item, the source
    iterator is closed in the producer's thread, and the thread has ended before control returns
    (waiting at most ``JOIN_TIMEOUT_S`` for that item). Hold the generator in
    ``contextlib.closing`` to stop the thread at a known point.
    """
    source = iter(iterable)
    items: queue.Queue[object] = queue.Queue(maxsize=max(1, depth))
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                items.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in source:
                if not put(item):
                    return
        except BaseException as exc:
            put(_Failure(exc))
            return
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()
        put(_DONE)

    worker = threading.Thread(target=produce, name=name, daemon=True)
    worker.start()
    try:
        while True:
            item = items.get()
            if item is _DONE:
                return
            if isinstance(item, _Failure):
                raise item.exc
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        if worker is not threading.current_thread():  # a garbage collection may run anywhere
            worker.join(JOIN_TIMEOUT_S)
        if worker.is_alive():
            log.debug("The %s thread is still busy; it stops after its current item.", name)
