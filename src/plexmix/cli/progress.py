"""Rich progress bars (with ETA) for the library's :class:`~plexmix.services.progress.Progress`."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.status import Status
from rich.text import Text


class EtaColumn(ProgressColumn):
    """The ETA the library reported for a stage (``eta``), else Rich's own estimate."""

    def __init__(self) -> None:
        super().__init__()
        self._fallback = TimeRemainingColumn()

    def render(self, task: Task) -> Text:
        seconds = task.fields.get("eta")
        if seconds is None or task.finished:
            return self._fallback.render(task)
        minutes, secs = divmod(round(seconds), 60)
        hours, minutes = divmod(minutes, 60)
        return Text(f"{hours}:{minutes:02d}:{secs:02d}", style="progress.remaining")


class RichProgress:
    """One bar per stage (Artists, Albums, Tracks, Embeddings); silent when disabled."""

    def __init__(self, console: Console, enabled: bool = True) -> None:
        self.enabled = enabled
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("[bold]{task.description:<11}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("•"),
            TimeElapsedColumn(),
            TextColumn("• ETA"),
            EtaColumn(),
            console=console,
            transient=False,
            disable=not enabled,
        )
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> RichProgress:
        self._progress.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._progress.stop()

    def start(self, stage: str, total: int | None = None) -> None:
        if stage in self._tasks:
            self._progress.reset(self._tasks[stage], total=total, eta=None)
        else:
            self._tasks[stage] = self._progress.add_task(stage, total=total, eta=None)

    def advance(self, stage: str, amount: int = 1) -> None:
        if stage not in self._tasks:
            self.start(stage)
        self._progress.advance(self._tasks[stage], amount)

    def eta(self, stage: str, seconds: float) -> None:
        if stage in self._tasks:
            self._progress.update(self._tasks[stage], eta=seconds)

    def finish(self, stage: str) -> None:
        task_id = self._tasks.get(stage)
        if task_id is None:
            return
        task = self._progress.tasks[task_id]
        done = task.completed if task.total is None else task.total
        self._progress.update(task_id, total=done, completed=done)


class StatusSpinner:
    """A spinner with the current stage's name (for steps without a count, like curating)."""

    def __init__(self, console: Console, enabled: bool = True) -> None:
        self.console = console
        self.enabled = enabled
        self._status: Status | None = None

    def __enter__(self) -> StatusSpinner:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop()

    def start(self, stage: str, total: int | None = None) -> None:
        self._stop()
        if self.enabled:
            self._status = self.console.status(f"{stage}…")
            self._status.start()

    def advance(self, stage: str, amount: int = 1) -> None:
        return None

    def finish(self, stage: str) -> None:
        self._stop()

    def _stop(self) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None
