"""Run a real sync in another process, SIGKILL it, and check what it left behind.

The worker is a small script written to a temporary folder. It builds ``PlexClient`` +
``SQLiteManager`` + ``SyncEngine`` (and, optionally, embeds the tracks with a cheap hash
embedder) against an emulator that runs in the test process on 127.0.0.1.

* ``--once JOB``: run one job and exit (a plain subprocess per run).
* ``--serve``: a fork server. It imports everything once, then reads one JSON job per line
  from stdin and runs each in a freshly forked child, so twenty kills do not pay twenty Python
  start-ups. A child prints ``START <pid>`` just before the sync begins, ``SYNCED`` after it
  and ``DONE`` at the end; the server prints ``EXIT <pid> <wait status>`` once it is reaped.

Kill points are events, never delays: the emulator holds the n-th sync request (a ``Trap``)
and the child is killed while it waits for that answer (:meth:`ForkServer.run`), or the child
kills itself inside its n-th embedding batch (``die_in_batch``) or track write
(``die_inside_write``).
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from plexmix.devserver.faults import Trap
from plexmix.devserver.library import MusicLibrary
from plexmix.providers.embeddings.base import EmbeddingProvider
from plexmix.storage.models import normalize_tags

HERE = Path(__file__).resolve().parent
PAGE_SIZE = 100
BATCH_SIZE = 100
# The requests a sync makes (listing pages, tracks fetched by key); not connect/select_library.
SYNC_REQUESTS = r"^/library/(sections/\d+/all$|metadata/)"


class HashEmbedder(EmbeddingProvider):
    """A deterministic stand-in for a real model: 16 dimensions from a hash of the text.

    With ``die_in_batch`` = n the process SIGKILLs itself inside its n-th batch.
    """

    name = "hash"
    model = "sha256"
    dimension = 16
    batch_size = 50

    def __init__(self, die_in_batch: int | None = None) -> None:
        self.die_in_batch = die_in_batch
        self.batches = 0

    def _embed_batch(self, texts: list[str], *, query: bool) -> np.ndarray:
        self.batches += 1
        if self.batches == self.die_in_batch:
            os.kill(os.getpid(), signal.SIGKILL)
        rows = []
        for text in texts:
            seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
            rows.append(np.random.default_rng(seed).standard_normal(self.dimension))
        return np.asarray(rows, dtype=np.float32) + 0.01


WORKER = r'''
"""Sync worker for the kill tests (see tests/reliability/kill_harness.py)."""
import json
import os
import sys
import time

sys.path.insert(0, HARNESS_DIR)

from kill_harness import BATCH_SIZE, PAGE_SIZE, HashEmbedder
from plexmix.services.embed import refresh_embeddings
from plexmix.storage.sqlite_manager import SQLiteManager
from plexmix.plex.client import PlexClient
from plexmix.services.sync import SyncEngine
import plexapi.server  # noqa: F401  (imported before forking)
import faiss  # noqa: F401


def die_inside_write(number):
    """SIGKILL this process inside the ``number``-th track write transaction (before COMMIT)."""
    import signal

    from plexmix.storage import library

    original, calls = library.upsert_tracks, [0]

    def dying(*args, **kwargs):
        result = original(*args, **kwargs)
        calls[0] += 1
        if calls[0] >= number:
            os.kill(os.getpid(), signal.SIGKILL)
        return result

    library.upsert_tracks = dying


def run(job):
    if job.get("die_inside_write"):
        die_inside_write(job["die_inside_write"])
    page_size, batch_size = job.get("page_size", PAGE_SIZE), job.get("batch_size", BATCH_SIZE)
    with PlexClient(job["url"], job["token"], page_size=page_size, backoff_factor=0.0, timeout=10) as client:
        client.connect()
        client.select_library("Music")
        with SQLiteManager(job["db"]) as db:
            print(f"START {os.getpid()}", flush=True)
            started = time.monotonic()
            report = SyncEngine(client, db, batch_size=batch_size).sync(job["mode"])
            print(f"SYNCED {os.getpid()} {time.monotonic() - started:.3f} {report.mode}", flush=True)
            if job.get("index"):
                embedder = HashEmbedder(die_in_batch=job.get("die_in_batch"))
                # Commits by count only (every batch of 50), never by elapsed time.
                refresh_embeddings(db.conn, embedder, job["index"], commit_every=50, commit_seconds=1e9)
            print(f"DONE {os.getpid()} {time.monotonic() - started:.3f}", flush=True)


def serve():
    for line in sys.stdin:
        job = json.loads(line)
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                run(job)
            except BaseException:
                import traceback

                traceback.print_exc()
                code = 1
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        print(f"EXIT {pid} {status}", flush=True)


if sys.argv[1] == "--once":
    run(json.loads(sys.argv[2]))
else:
    serve()
'''


def write_worker(folder: Path) -> Path:
    path = folder / "sync_worker.py"
    path.write_text(WORKER.replace("HARNESS_DIR", repr(str(HERE))), encoding="utf-8")
    return path


def worker_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONUNBUFFERED"] = "1"
    env.setdefault("OMP_NUM_THREADS", "1")
    return env


@dataclass
class Outcome:
    killed: bool  # SIGKILL arrived while the sync (or embedding) was still running
    reached: str  # the last milestone printed: START, SYNCED or DONE
    seconds: float  # from START to the kill or to DONE (for messages only)

    @property
    def phase(self) -> str:
        """Where the kill landed (or that it came too late)."""
        if not self.killed:
            return "after the end"
        return "in the sync" if self.reached == "START" else "in the embedding step"


class _Lines:
    """Lines of a pipe, read in a thread so waits can time out."""

    def __init__(self, stream: Any) -> None:
        self.queue: queue.Queue[str | None] = queue.Queue()
        self.thread = threading.Thread(target=self._pump, args=(stream,), daemon=True)
        self.thread.start()

    def _pump(self, stream: Any) -> None:
        for line in stream:
            self.queue.put(line.rstrip("\n"))
        self.queue.put(None)

    def next(self, timeout: float) -> str:
        line = self.queue.get(timeout=timeout)
        if line is None:
            raise EOFError("the worker exited")
        return line


def run_once(
    folder: Path,
    job: dict[str, Any],
    *,
    kill_when: Callable[[], bool] | None = None,
    poll: float = 0.005,
    timeout: float = 90.0,
) -> Outcome:
    """Run ``job`` in a new Python process; SIGKILL it as soon as ``kill_when()`` is true."""
    script = write_worker(folder)
    proc = subprocess.Popen(
        [sys.executable, str(script), "--once", json.dumps(job)], stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, env=worker_env(),
    )
    assert proc.stdout is not None
    lines = _Lines(proc.stdout)
    seen: list[str] = []
    try:
        _wait_line(lines, "START", timeout, seen)
        began = time.monotonic()
        killed = False
        while kill_when is not None and proc.poll() is None:
            if kill_when():
                proc.send_signal(signal.SIGKILL)
                killed = True
                break
            if time.monotonic() - began > timeout:
                raise AssertionError("the kill condition never came true")
            time.sleep(poll)
        code = proc.wait(timeout=timeout)
    except (queue.Empty, EOFError) as exc:
        proc.kill()
        proc.wait()
        raise AssertionError(
            f"the worker failed: {seen}\n{proc.stderr.read() if proc.stderr else ''}"
        ) from exc
    finally:
        if proc.poll() is None:
            proc.kill()
    lines.thread.join(timeout=5)
    while True:
        try:
            line = lines.queue.get_nowait()
        except queue.Empty:
            break
        if line is not None:
            seen.append(line)
    stderr = proc.stderr.read() if proc.stderr else ""
    done = any(s.startswith("DONE") for s in seen)
    if code == -signal.SIGKILL and not done:
        reached = "SYNCED" if any(s.startswith("SYNCED") for s in seen) else "START"
        return Outcome(killed=True, reached=reached, seconds=time.monotonic() - began)
    assert code == 0 and done, f"the worker failed (exit {code}): {seen}\n{stderr[-3000:]}"
    return Outcome(killed=killed and not done, reached="DONE", seconds=time.monotonic() - began)


def _wait_line(lines: _Lines, prefix: str | tuple[str, ...], timeout: float, seen: list[str]) -> str:
    deadline = time.monotonic() + timeout
    while True:
        line = lines.next(max(0.01, deadline - time.monotonic()))
        seen.append(line)
        if line.startswith(prefix):
            return line


class ForkServer:
    """The worker in ``--serve`` mode: ``run(job, trap=...)`` per sync."""

    def __init__(self, folder: Path) -> None:
        script = write_worker(folder)
        self.stderr_path = folder / "worker-stderr.txt"
        self._stderr = open(self.stderr_path, "w", encoding="utf-8")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, str(script), "--serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=self._stderr, text=True, env=worker_env(),
        )
        assert self.proc.stdout is not None
        self.lines = _Lines(self.proc.stdout)

    def stderr(self) -> str:
        self._stderr.flush()
        return self.stderr_path.read_text(encoding="utf-8")

    def run(self, job: dict[str, Any], *, trap: Trap | None = None, timeout: float = 60.0) -> Outcome:
        """Run ``job`` in a forked child and wait until it has been reaped.

        ``trap`` (set on the emulator before this call) is the kill point: once the child's
        request reaches it, the child is SIGKILLed while the emulator still holds that request
        unanswered, then the trap is released. A child may also kill itself (``die_in_batch``,
        ``die_inside_write`` in ``job``). Either way the outcome says whether it died before
        ``DONE``.
        """
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(job) + "\n")
        self.proc.stdin.flush()
        seen: list[str] = []
        try:
            start = _wait_line(self.lines, "START", timeout, seen)
        except (queue.Empty, EOFError) as exc:
            raise AssertionError(f"the worker did not start: {seen}\n{self.stderr()}") from exc
        began = time.monotonic()
        pid = int(start.split()[1])
        if trap is not None:
            self._kill_at(trap, pid, seen, began + timeout)
        try:
            exit_line = next((s for s in seen if s.startswith("EXIT")), None) or _wait_line(
                self.lines, "EXIT", timeout, seen
            )
        except (queue.Empty, EOFError) as exc:
            raise AssertionError(f"the worker never ended: {seen}\n{self.stderr()}") from exc
        status = int(exit_line.split()[2])
        done = any(s.startswith("DONE") for s in seen)
        killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        assert killed or (os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0 and done), (
            f"the sync failed: {seen}\n{self.stderr()[-3000:]}"
        )
        reached = "DONE" if done else ("SYNCED" if any(s.startswith("SYNCED") for s in seen) else "START")
        return Outcome(killed=killed and not done, reached=reached, seconds=time.monotonic() - began)

    def _kill_at(self, trap: Trap, pid: int, seen: list[str], deadline: float) -> None:
        """SIGKILL ``pid`` once its request reaches ``trap``, unless the child ends first."""
        try:
            while not trap.reached.wait(0.005):
                while not self.lines.queue.empty():
                    line = self.lines.next(1.0)
                    seen.append(line)
                    if line.startswith("EXIT"):
                        return  # it ended without making that many requests
                if time.monotonic() > deadline:
                    raise AssertionError(f"neither the trap nor the end came: {seen}\n{self.stderr()}")
            os.kill(pid, signal.SIGKILL)
        finally:
            trap.release.set()  # the held request is answered only now, to a dead client

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._stderr.close()


# -- what a killed sync must leave behind ---------------------------------------------------------
def expected_genres(lib: MusicLibrary) -> dict[str, list[str]]:
    """Genres each emulator track must have: its own, else its album's, else its artist's."""
    out: dict[str, list[str]] = {}
    with lib.lock:
        for t in lib.tracks.values():
            album, artist = lib.albums[t.album_key], lib.artists[t.artist_key]
            out[str(t.rating_key)] = (
                normalize_tags(t.genres) or normalize_tags(album.genres) or normalize_tags(artist.genres)
            )
    return out


def consistency_problems(db_path: Path, lib: MusicLibrary) -> list[str]:
    """Everything wrong with the database a killed sync left (empty when it is healthy)."""
    conn = sqlite3.connect(db_path, isolation_level=None)
    try:
        return _problems(conn, lib)
    finally:
        conn.close()


def _problems(conn: sqlite3.Connection, lib: MusicLibrary) -> list[str]:
    problems = [f"integrity: {r[0]}" for r in conn.execute("PRAGMA integrity_check") if r[0] != "ok"]
    problems += [f"foreign key: {tuple(r)}" for r in conn.execute("PRAGMA foreign_key_check")]
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "tracks" not in tables:
        return problems  # killed before the schema existed: nothing else to check

    def scalar(sql: str) -> Any:
        return conn.execute(sql).fetchone()[0]

    tracks, fts = scalar("SELECT COUNT(*) FROM tracks"), scalar("SELECT COUNT(*) FROM tracks_fts")
    if fts != tracks:
        problems.append(f"{fts} full-text rows for {tracks} tracks")
    stale = scalar(
        "SELECT COUNT(*) FROM tracks t LEFT JOIN tracks_fts f ON f.rowid = t.id "
        "WHERE f.rowid IS NULL OR f.title IS NOT t.title OR f.genres IS NOT t.genres_text"
    )
    if stale:
        problems.append(f"{stale} tracks whose full-text row is missing or stale")
    if scalar("SELECT bulk FROM fts_control WHERE id = 1") != 0:
        problems.append("fts_control.bulk was left on")
    linked: dict[str, set[str]] = {}
    for key, name in conn.execute(
        "SELECT t.plex_key, g.name FROM tracks t JOIN track_genres tg ON tg.track_id = t.id "
        "JOIN genres g ON g.id = tg.genre_id"
    ):
        linked.setdefault(key, set()).add(name)
    wanted = expected_genres(lib)
    for key, text in conn.execute("SELECT plex_key, genres_text FROM tracks"):
        names = {p for p in text.split(", ") if p}
        if names != linked.get(key, set()):
            problems.append(
                f"track {key}: genres_text {sorted(names)} != genre rows {sorted(linked.get(key, []))}"
            )
        elif wanted.get(key) and not names:
            problems.append(f"track {key} has no genres, Plex has {wanted[key]}")
    moods = scalar(
        "SELECT COUNT(*) FROM tracks t WHERE t.moods_text != '' AND NOT EXISTS (SELECT 1 FROM track_tags tt "
        "JOIN tags x ON x.id = tt.tag_id WHERE tt.track_id = t.id AND x.kind = 'mood')"
    )
    if moods:
        problems.append(f"{moods} tracks with mood text but no mood rows")
    loose = scalar("SELECT COUNT(*) FROM tracks WHERE album_id IS NULL OR artist_id IS NULL")
    if loose:
        problems.append(f"{loose} tracks without their album or artist")
    return problems[:20]


def statuses(db_path: Path) -> dict[int, str]:
    """sync_history id -> status (empty before the table exists)."""
    conn = sqlite3.connect(db_path, isolation_level=None)
    try:
        return {i: s for i, s in conn.execute("SELECT id, status FROM sync_history")}
    except sqlite3.OperationalError:
        return {}
    finally:
        conn.close()


def copy_db(source: Path, target: Path) -> Path:
    """Copy a closed database with its -wal and -shm files (what a killed process left)."""
    import shutil

    target.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        src = Path(f"{source}{suffix}")
        if src.exists():
            shutil.copyfile(src, f"{target}{suffix}")
    return target


def remove_db(db_path: Path, index_path: Path | None = None) -> None:
    for path in (db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-shm"), index_path):
        if path is not None:
            path.unlink(missing_ok=True)
