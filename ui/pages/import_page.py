"""Import: start the import wizard, and the history of every batch in the store (DESIGN 10).

The wizard is embedded in the page (one window; the rest of the app stays usable while a
file is prepared or written on the task runner). The history is read on the runner too.
Polars and the import pipeline load only when the page first needs them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from rehabdash.ui.frame_model import FrameModel, fit_columns, frame_view
from rehabdash.ui.settings import Settings
from rehabdash.ui.tasks import TaskContext, TaskRunner

if TYPE_CHECKING:
    from rehabdash.ui.import_wizard.wizard import Running

__all__ = ["ImportPage"]

_HISTORY_LABELS = {
    "id": "Batch",
    "kind": "Kind",
    "status": "Status",
    "source_name": "File",
    "rows_read": "Read",
    "rows_accepted": "Imported",
    "rows_rejected": "Rejected",
    "period": "Period",
    "provider_code": "Provider",
    "finished_at": "Finished",
    "user_name": "By",
}


class ImportPage(QWidget):
    """``engine()`` gives the open store's Engine (None while it is still opening)."""

    overview_requested = Signal()
    history_loaded = Signal()
    task_ended = Signal(str, bool)  # the wizard's: name, succeeded

    def __init__(
        self,
        engine: Callable[[], Any],
        runner: TaskRunner,
        settings: Settings | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._engine, self._runner = engine, runner
        self._settings = settings or Settings()
        self.wizard: Any = None  # the ImportWizard while one is open
        self._select: int | None = None
        title = QLabel("Import")
        title.setObjectName("pageTitle")
        intro = QLabel(
            "Bring in a monthly activity extract, a population table, deprivation (IMD) "
            "or need weights, as CSV or Excel. The wizard matches the columns, shows every "
            "row it would reject and why, and writes the file in one transaction."
        )
        intro.setWordWrap(True)
        self.start_button = QPushButton("&Start import…")
        self.start_button.setAccessibleName("Start importing a file")
        self.start_button.clicked.connect(self.start_import)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Import page status")
        self.history_model = FrameModel()
        self.history = frame_view("Import history: every batch, newest first", self.history_model)
        history_title = QLabel("Import history (newest first)")
        history_title.setBuddy(self.history)
        top = QHBoxLayout()
        top.addWidget(self.start_button)
        top.addWidget(self.status, 1)
        home = QWidget()
        layout = QVBoxLayout(home)
        for widget in (title, intro):
            layout.addWidget(widget)
        layout.addLayout(top)
        layout.addWidget(history_title)
        layout.addWidget(self.history, 1)
        self.stack = QStackedWidget()
        self.stack.addWidget(home)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.stack)

    def start_import(self) -> None:
        engine = self._engine()
        if engine is None:
            self.status.setText("The store is still opening; try again in a moment.")
            return
        from rehabdash.ui.import_wizard import ImportWizard

        self.status.setText("")
        wizard = ImportWizard(engine, self._runner, self._settings)
        wizard.setWindowFlags(Qt.WindowType.Widget)
        wizard.finished.connect(self._wizard_closed)
        wizard.overview_requested.connect(self.overview_requested)
        wizard.task_ended.connect(self.task_ended)
        wizard.show_batch.connect(self._remember_batch)
        self.wizard = wizard
        self.stack.addWidget(wizard)
        self.stack.setCurrentWidget(wizard)
        wizard.show()
        wizard.currentPage().setFocus()

    def running(self) -> Running | None:
        """The import being written or the file being prepared, if one is."""
        return self.wizard.running() if self.wizard is not None else None

    def cancel_running(self) -> None:
        """Cancel what :meth:`running` names; ``task_ended`` follows once it has stopped."""
        if self.wizard is not None:
            self.wizard.cancel_running()

    def _remember_batch(self, batch_id: int) -> None:
        self._select = batch_id

    def _wizard_closed(self, _result: int) -> None:
        wizard, self.wizard = self.wizard, None
        if wizard is not None and wizard.state.result is not None and self._select is None:
            self._select = int(wizard.state.result.batch_id)
        self.stack.setCurrentIndex(0)
        if wizard is not None:
            self.stack.removeWidget(wizard)
            wizard.deleteLater()
        self.start_button.setFocus()
        self.refresh()

    def refresh(self) -> None:
        """Reload the import history on the task runner."""
        engine = self._engine()
        if engine is None:
            return

        def work(_ctx: TaskContext) -> Any:
            from rehabdash.store.batches import list_batches

            return list_batches(engine).drop("sha256")

        self._runner.start("import-page.history", work, self.show_history)

    def show_history(self, frame: Any) -> None:
        """Show ``frame`` (list_batches without the hashes); select the batch just imported."""
        self.history_model.set_frame(frame, _HISTORY_LABELS)
        fit_columns(self.history)
        if self._select is not None and frame.height:
            ids = frame["id"].to_list()
            if self._select in ids:
                self.history.selectRow(ids.index(self._select))
                self.status.setText(f"Batch {self._select} is selected below.")
            self._select = None
        self.history_loaded.emit()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._load_when_open()

    def _load_when_open(self) -> None:
        """Load the history once the store is open (it opens in the background at start-up)."""
        if self.history_model.frame is not None or not self.isVisible():
            return
        if self._engine() is None:
            self.status.setText("Opening the store…")
            QTimer.singleShot(300, self, self._load_when_open)
            return
        self.status.setText("")
        self.refresh()


if __name__ == "__main__":
    import sys

    from rehabdash.store.batches import list_batches
    from rehabdash.ui.standalone import show_page

    opened: dict[str, Any] = {}

    def _load(engine: Any) -> Any:
        opened["engine"] = engine
        return list_batches(engine).drop("sha256")

    def _show(page: QWidget, history: Any) -> None:
        if isinstance(page, ImportPage):
            page.show_history(history)

    sys.exit(
        show_page(lambda: ImportPage(lambda: opened.get("engine"), TaskRunner()), _load, _show)
    )
