"""Long work in the background: each job runs one service call in its own thread and records its
progress (the :class:`~plexmix.services.progress.Progress` stages), its result or its error; the
page polls it. One sync (or refresh, which may sync) at a time: a second is refused at once, and
the services' run lock also keeps out a CLI run on the same data folder.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from plexmix.errors import BusyError, PlexMixError
from plexmix.utils.logging import redact

log = logging.getLogger(__name__)
KEEP = 50  # finished jobs remembered
EXCLUSIVE = frozenset({"sync", "refresh"})  # kinds that hold the run lock: one at a time


@dataclass
class Stage:
    name: str
    total: int | None = None
    done: int = 0
    finished: bool = False


@dataclass
class Job:
    id: str
    kind: str
    title: str
    status: str = "running"  # running, done or failed
    stages: list[Stage] = field(default_factory=list)
    result: Any = None
    error: str | None = None
    hint: str | None = None
    started: float = field(default_factory=time.time)
    ended: float | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # -- the Progress protocol -------------------------------------------------------------------
    def start(self, stage: str, total: int | None = None) -> None:
        with self._lock:
            self.stages.append(Stage(stage, total))

    def advance(self, stage: str, amount: int = 1) -> None:
        with self._lock:
            found = self._stage(stage)
            found.done += amount

    def finish(self, stage: str) -> None:
        with self._lock:
            found = self._stage(stage)
            found.finished = True
            if found.total is not None:
                found.done = found.total

    def eta(self, stage: str, seconds: float) -> None:
        """Accepted and ignored: the page shows counts."""

    def _stage(self, name: str) -> Stage:
        for stage in reversed(self.stages):
            if stage.name == name:
                return stage
        self.stages.append(Stage(name))
        return self.stages[-1]

    def as_dict(self) -> dict[str, Any]:
        with self._lock:
            stages = [{"name": s.name, "total": s.total, "done": s.done, "finished": s.finished}
                      for s in self.stages]
        return {"id": self.id, "kind": self.kind, "title": self.title, "status": self.status,
                "stages": stages, "error": self.error, "hint": self.hint,
                "seconds": round((self.ended or time.time()) - self.started, 1)}


class Jobs:
    """The jobs of one running page, newest last."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._ids = itertools.count(1)

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def recent(self, kind: str | None = None) -> list[Job]:
        with self._lock:
            jobs = list(self._jobs.values())
        return [j for j in reversed(jobs) if kind is None or j.kind == kind]

    def start(self, kind: str, title: str, work: Callable[[Job], Any]) -> Job:
        """Run ``work(job)`` in a thread (``job`` is its Progress); BusyError if a job of an
        exclusive kind is asked for while one runs."""
        with self._lock:
            if kind in EXCLUSIVE and any(j.kind in EXCLUSIVE and j.status == "running"
                                         for j in self._jobs.values()):
                raise BusyError("A sync or refresh is already running on this page.",
                                hint="Wait for it to finish (see the Sync page), then try again.")
            job = Job(str(next(self._ids)), kind, title)
            self._jobs[job.id] = job
            for old in list(self._jobs)[:-KEEP]:
                if self._jobs[old].status != "running":
                    del self._jobs[old]
        threading.Thread(target=self._run, args=(job, work), name=f"plexmix-web-{kind}", daemon=True).start()
        return job

    @staticmethod
    def _run(job: Job, work: Callable[[Job], Any]) -> None:
        try:
            job.result = work(job)
            job.status = "done"
        except PlexMixError as exc:
            job.error, job.hint, job.status = redact(exc.message), redact(exc.hint or "") or None, "failed"
        except Exception as exc:  # shown on the page, never a traceback; the log has the details
            log.debug("web job %s failed", job.id, exc_info=True)
            job.error, job.status = f"Unexpected error: {type(exc).__name__}.", "failed"
            job.hint = "Run `plexmix web --debug` (or the same command in the CLI) to see more."
        finally:
            job.ended = time.time()
