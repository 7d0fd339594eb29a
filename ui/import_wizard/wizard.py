"""The import wizard: file → sheet → mapping → preview → import → result (issue 8, DESIGN 1).

One QWizardPage per module; the choices they share live in :class:`ImportState`. Every
read, prepare and write runs on the main window's TaskRunner, off the GUI thread: pages
call :meth:`ImportWizard.start`, which also turns any exception into a :class:`Failure`
that the page shows in plain English (the detail goes to the log file).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, NamedTuple

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QMessageBox, QWidget, QWizard

from rehabdash.errors import StoreError
from rehabdash.ingest import ImportCancelled, ImportFileError
from rehabdash.ui.import_wizard.base import Failure, ImportState, PageId, Work
from rehabdash.ui.import_wizard.file_page import FilePage
from rehabdash.ui.import_wizard.mapping_page import MappingPage
from rehabdash.ui.import_wizard.preview_page import PreviewPage
from rehabdash.ui.import_wizard.result_page import ResultPage
from rehabdash.ui.import_wizard.run_page import RunPage
from rehabdash.ui.import_wizard.sheet_page import SheetPage
from rehabdash.ui.settings import Settings
from rehabdash.ui.tasks import TaskRunner

__all__ = ["ImportWizard", "Running"]

log = logging.getLogger(__name__)


class Running(NamedTuple):
    """A long task in flight, which closing the window would interrupt."""

    source: str  # the file's name
    text: str  # what is happening to it, as a clause: "… is being written to the store"


class ImportWizard(QWizard):
    """The wizard; ``overview_requested`` and ``show_batch`` leave it for the rest of the app."""

    overview_requested = Signal()
    show_batch = Signal(int)
    task_ended = Signal(str, bool)  # name, succeeded: a task's result has been delivered

    def __init__(
        self,
        engine: Any,
        runner: TaskRunner,
        settings: Settings | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.state = ImportState(engine)
        self.runner = runner
        self.settings = settings or Settings()
        self._stops: dict[str, threading.Event] = {}
        self._running: set[str] = set()  # tasks whose result is still to come
        self.setWindowTitle("Import a file")
        self.setAccessibleName("Import wizard")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.setPage(PageId.FILE, FilePage(self.settings))
        self.setPage(PageId.SHEET, SheetPage())
        self.setPage(PageId.MAPPING, MappingPage())
        self.setPage(PageId.PREVIEW, PreviewPage(self.settings))
        self.setPage(PageId.RUN, RunPage())
        self.setPage(PageId.RESULT, ResultPage())
        self.setStartId(PageId.FILE)
        self.confirm_replace: Callable[[str], bool | None] = self._ask_replace

    def start(
        self,
        name: str,
        work: Work,
        on_done: Callable[[Any], None],
        on_progress: Callable[[float, str], None] | None = None,
    ) -> None:
        """Run ``work(report, cancelled)`` off the GUI thread; ``on_done`` gets result/Failure."""
        stop = threading.Event()
        self._stops[name] = stop

        def run(ctx: Any) -> Any:
            def cancelled() -> bool:
                return stop.is_set() or ctx.cancelled()

            try:
                return work(ctx.report, cancelled)
            except Exception as exc:  # shown on the page; unexpected ones logged in full
                if isinstance(exc, ImportFileError | ImportCancelled | StoreError | ValueError):
                    log.warning("import wizard %s: %s", name, exc)
                else:
                    log.error("import wizard task %s failed", name, exc_info=exc)
                return Failure(exc)

        def done(result: Any) -> None:
            self._running.discard(name)
            on_done(result)
            self.task_ended.emit(name, not isinstance(result, Failure))

        self._running.add(name)
        self.runner.start(f"import-wizard.{name}", run, done, on_progress)

    def running(self) -> Running | None:
        """The import being written or the file being prepared, if one is (else None)."""
        s = self.state
        if "import" in self._running and s.prepared is not None:
            rows, source = s.prepared.rows_accepted, s.prepared.source_name
            return Running(source, f"{source} ({rows:,} rows) is being written to the store")
        if "prepare" in self._running and s.path is not None:
            return Running(s.path.name, f"{s.path.name} is being prepared (nothing is written yet)")
        return None

    def cancel_running(self) -> None:
        """Cancel the import or preparation :meth:`running` names; its result still arrives."""
        for name in ("import", "prepare"):
            self.cancel(name)

    def cancel(self, name: str) -> None:
        """Ask the running task ``name`` to stop; its Failure(ImportCancelled) still arrives."""
        stop = self._stops.get(name)
        if stop is not None:
            stop.set()

    def abandon(self) -> None:
        """Stop every task and drop its result (the wizard closes, or the officer goes Back)."""
        for name, stop in self._stops.items():
            stop.set()
            self.runner.cancel(f"import-wizard.{name}")
        self._running.clear()

    def done(self, result: int) -> None:
        self.abandon()
        super().done(result)

    def _ask_replace(self, text: str) -> bool | None:
        buttons = (
            QMessageBox.StandardButton.Yes
            | QMessageBox.StandardButton.No
            | QMessageBox.StandardButton.Cancel
        )
        answer = QMessageBox.question(
            self, "Replace earlier imports?", text, buttons, QMessageBox.StandardButton.Cancel
        )
        if answer == QMessageBox.StandardButton.Cancel:
            return None
        return answer == QMessageBox.StandardButton.Yes
