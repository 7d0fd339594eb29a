"""The one background-task runner (DESIGN 2; issue 11 item 3).

Work runs off the GUI thread on one of two lanes. The "database" lane is serialised
(the database sees one writer and readers in order); the "compute" lane runs the plan's
polars work on what is already in memory, so a chart does not wait behind a long
import. Starting a task of a kind cancels the pending one of that kind, and a stale
result is never delivered. Results and errors reach the GUI thread through queued
signals. Tests can switch the runner to synchronous.
"""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from PySide6.QtCore import QElapsedTimer, QObject, QRunnable, QThreadPool, Signal

__all__ = ["LANES", "Lane", "TaskContext", "TaskRunner", "freeze_long_lived"]

log = logging.getLogger(__name__)

Lane = Literal["database", "compute"]
LANES: tuple[Lane, ...] = ("database", "compute")


def freeze_long_lived() -> None:
    """Keep what exists now (modules, widgets, the open store) out of the garbage
    collector's full passes. A full pass holds Python's lock for every thread while it
    scans them all: 50-70 ms on a dashboard's worth of objects, a stall of the window
    whichever thread set it off (measured: a 1M-referral store's first pull stalled the
    GUI 42-52 ms, 17-22 ms frozen). Called when the store opens and a page is built."""
    gc.freeze()


@dataclass
class TaskContext:
    """Handed to the work function: report progress, and check for cancellation."""

    report: Callable[[float, str], None]
    _cancelled: threading.Event = field(default_factory=threading.Event)

    def cancelled(self) -> bool:
        return self._cancelled.is_set()


class _Signals(QObject):
    finished = Signal(str, int, object)  # kind, generation, result
    failed = Signal(str, int, object)  # kind, generation, exception
    progress = Signal(str, int, float, str)  # kind, generation, fraction, message


class _Job(QRunnable):
    def __init__(self, run: Callable[[], None]) -> None:
        super().__init__()
        self._run = run

    def run(self) -> None:
        self._run()


class TaskRunner(QObject):
    """Run ``work(ctx)`` in the background; deliver ``on_done(result)`` on the GUI thread."""

    error = Signal(str, object)  # kind, exception: the one error reporter listens here

    def __init__(self, parent: QObject | None = None, synchronous: bool = False) -> None:
        super().__init__(parent)
        self.synchronous = synchronous
        # One thread a lane: database work is serialised, and computation has its own.
        self._pools: dict[Lane, QThreadPool] = {lane: QThreadPool(self) for lane in LANES}
        for pool in self._pools.values():
            pool.setMaxThreadCount(1)
        self._generation: dict[str, int] = {}
        self._contexts: dict[str, TaskContext] = {}
        self._callbacks: dict[
            tuple[str, int], tuple[Callable[[Any], None], Callable[[float, str], None] | None]
        ] = {}
        self._signals = _Signals()
        self._signals.finished.connect(self._deliver)
        self._signals.failed.connect(self._fail)
        self._signals.progress.connect(self._progress)

    def start(
        self,
        kind: str,
        work: Callable[[TaskContext], Any],
        on_done: Callable[[Any], None],
        on_progress: Callable[[float, str], None] | None = None,
        lane: Lane = "database",
    ) -> None:
        """Run ``work`` on ``lane``: "database" for anything that reads or writes the
        store, "compute" for work on data already in memory."""
        if lane not in self._pools:
            raise ValueError(f"lane {lane!r}: use one of {', '.join(LANES)}")
        self.cancel(kind)
        generation = self._generation.get(kind, 0) + 1
        self._generation[kind] = generation
        signals = self._signals
        ctx = TaskContext(lambda f, m: signals.progress.emit(kind, generation, f, m))
        self._contexts[kind] = ctx
        self._callbacks[(kind, generation)] = (on_done, on_progress)

        def run() -> None:
            if ctx.cancelled():
                return
            try:
                result = work(ctx)
            except Exception as exc:  # noqa: BLE001 - every failure goes to the one reporter
                signals.failed.emit(kind, generation, exc)
            else:
                signals.finished.emit(kind, generation, result)

        if self.synchronous:
            run()
        else:
            self._pools[lane].start(_Job(run))

    def cancel(self, kind: str) -> None:
        ctx = self._contexts.pop(kind, None)
        if ctx is not None:
            ctx._cancelled.set()

    def cancel_all(self) -> None:
        """Cancel every task: queued work is skipped, running work is asked to stop."""
        for kind in list(self._contexts):
            self.cancel(kind)

    def is_busy(self) -> bool:
        return any(pool.activeThreadCount() > 0 for pool in self._pools.values())

    def wait(self, msecs: int = 30_000) -> bool:
        """Wait for both lanes, up to ``msecs`` in all."""
        timer = QElapsedTimer()
        timer.start()
        return all(
            pool.waitForDone(max(msecs - int(timer.elapsed()), 0)) for pool in self._pools.values()
        )

    def _current(self, kind: str, generation: int) -> bool:
        return self._generation.get(kind) == generation and kind in self._contexts

    def _deliver(self, kind: str, generation: int, result: object) -> None:
        callbacks = self._callbacks.pop((kind, generation), None)
        if callbacks is None or not self._current(kind, generation):
            return  # stale: a newer task of this kind has started, or it was cancelled
        self._contexts.pop(kind, None)
        callbacks[0](result)

    def _fail(self, kind: str, generation: int, exc: object) -> None:
        self._callbacks.pop((kind, generation), None)
        if self._current(kind, generation):
            self._contexts.pop(kind, None)
            log.error(
                "task %s failed", kind, exc_info=exc if isinstance(exc, BaseException) else None
            )
            self.error.emit(kind, exc)

    def _progress(self, kind: str, generation: int, fraction: float, message: str) -> None:
        callbacks = self._callbacks.get((kind, generation))
        if callbacks and callbacks[1] and self._current(kind, generation):
            callbacks[1](fraction, message)
