"""Import: start the import wizard, and the history of every batch in the store (DESIGN 10).

The wizard is embedded in the page (one window; the rest of the app stays usable while a
file is prepared or written on the task runner). The history is read on the runner too.
Polars and the import pipeline load only when the page first needs them.

A batch selected in the history can be withdrawn (kept for audit, excluded from
analysis; a dialog says what leaves and asks why) or reinstated (issue 11 item 5). Both
run on the runner's database lane; then the history is read again and
``batches_changed`` tells the window that what the dashboard counts has changed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
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
from rehabdash.ui.theme import DARK_PINK

if TYPE_CHECKING:
    from rehabdash.store.withdrawal import BatchChange, BatchSummary
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
#: The store's batch statuses a user may act on (rehabdash.store.schema LIVE, WITHDRAWN;
#: not imported here: the window loads this page before SQLAlchemy).
_LIVE, _WITHDRAWN = "committed", "withdrawn"
#: The Status column's widest (a withdrawal's words are long; the line below the history
#: and the cell's tooltip show them whole).
_STATUS_WIDTH = 200
#: Task kinds of the batch actions (ui/errors.py says what failed for each).
_BATCH_TASKS = ("import-page.batch", "import-page.withdraw", "import-page.reinstate")


class ImportPage(QWidget):
    """``engine()`` gives the open store's Engine (None while it is still opening)."""

    overview_requested = Signal()
    history_loaded = Signal()
    task_ended = Signal(str, bool)  # the wizard's: name, succeeded
    #: A batch was withdrawn or reinstated: what the dashboard counts has changed (the
    #: window recomputes the overview and marks the plan pages stale).
    batches_changed = Signal()

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
        self._batches: Any = None  # the history as read (list_batches, raw statuses)
        self._acting = False  # a withdrawal or reinstatement is running
        self._said: str | None = None  # what to say once the history is read again
        #: Asks for the reason to withdraw a batch (None: cancelled); tests replace it.
        self.ask_reason: Callable[[BatchSummary], str | None] = self._ask_reason
        #: Asks whether to reinstate a batch; tests replace it.
        self.confirm_reinstate: Callable[[BatchSummary], bool] = self._confirm_reinstate
        title = QLabel("Import")
        title.setObjectName("pageTitle")
        intro = QLabel(
            "Bring in a monthly activity extract, a population table, deprivation (IMD), "
            "need weights, the ONS postcode directory, your neighbourhoods or your service "
            "sites, as CSV or Excel. The wizard matches the columns, shows every "
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
        history_title = QLabel("Import &history (newest first)")
        history_title.setBuddy(self.history)
        self.history.selectionModel().selectionChanged.connect(self._selection_changed)
        self.batch_note = QLabel("Select a batch to withdraw or reinstate it.")
        self.batch_note.setWordWrap(True)
        self.batch_note.setAccessibleName("Selected batch")
        self.withdraw_button = QPushButton("&Withdraw…")
        self.withdraw_button.setAccessibleName(
            "Withdraw the selected batch: kept for audit, excluded from analysis"
        )
        self.withdraw_button.clicked.connect(self.withdraw_selected)
        self.reinstate_button = QPushButton("&Reinstate")
        self.reinstate_button.setAccessibleName("Reinstate the selected withdrawn batch")
        self.reinstate_button.clicked.connect(self.reinstate_selected)
        self.mapping_button = QPushButton("&Mapping…")
        self.mapping_button.setAccessibleName("Show the column mapping the selected batch used")
        self.mapping_button.clicked.connect(self.show_mapping_selected)
        self.issues_button = QPushButton("Rows to &fix…")
        self.issues_button.setAccessibleName(
            "Export the selected batch's rejected and warned rows: row, column, rule, reason"
        )
        self.issues_button.clicked.connect(self.export_issues_selected)
        #: Asks where to write a batch's rows to fix (None: cancelled); tests replace it.
        self.ask_issues_path: Callable[[int], Path | None] = self._ask_issues_path
        #: Shows a batch's mapping (title, text); tests replace it.
        self.show_text: Callable[[str, str], None] = self._show_text
        self._runner.error.connect(self._batch_task_failed)
        top = QHBoxLayout()
        top.addWidget(self.start_button)
        top.addWidget(self.status, 1)
        actions = QHBoxLayout()
        actions.addWidget(self.batch_note, 1)
        actions.addWidget(self.mapping_button)
        actions.addWidget(self.issues_button)
        actions.addWidget(self.withdraw_button)
        actions.addWidget(self.reinstate_button)
        home = QWidget()
        layout = QVBoxLayout(home)
        for widget in (title, intro):
            layout.addWidget(widget)
        layout.addLayout(top)
        layout.addWidget(history_title)
        layout.addWidget(self.history, 1)
        layout.addLayout(actions)
        self._selection_changed()
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
        file_page = wizard.currentPage()
        getattr(file_page, "path", file_page).setFocus()  # typing goes to the file field

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
        """Show ``frame`` (list_batches without the hashes), each status in words;
        select the batch just imported (or withdrawn, or reinstated)."""
        self._batches = frame
        shown = frame
        if "status_text" in frame.columns:
            shown = frame.with_columns(frame["status_text"].alias("status")).drop("status_text")
        self.history_model.set_frame(shown, _HISTORY_LABELS)
        fit_columns(self.history)
        if "status" in shown.columns:  # in words it can be long: the note below has it all
            column = shown.columns.index("status")
            header = self.history.horizontalHeader()
            header.resizeSection(column, min(header.sectionSize(column), _STATUS_WIDTH))
        if self._select is not None and frame.height:
            ids = frame["id"].to_list()
            if self._select in ids:
                self.history.selectRow(ids.index(self._select))
                if self._said is None:
                    self._say(f"Batch {self._select} is selected below.")
            self._select = None
        if self._said is not None:
            self._say(self._said)
            self._said = None
        self._selection_changed()
        self.history_loaded.emit()

    # ------------------------------------------------------------ withdraw, reinstate

    def selected_batch(self) -> dict[str, Any] | None:
        """The history row selected (as list_batches gives it), if one is."""
        rows = self.history.selectionModel().selectedRows()
        if not rows or self._batches is None or rows[0].row() >= self._batches.height:
            return None
        return dict(self._batches.row(rows[0].row(), named=True))

    def _selection_changed(self, *_args: Any) -> None:
        batch = self.selected_batch()
        status = batch["status"] if batch is not None else None
        self.withdraw_button.setEnabled(status == _LIVE and not self._acting)
        self.reinstate_button.setEnabled(status == _WITHDRAWN and not self._acting)
        self.mapping_button.setEnabled(batch is not None)
        self.issues_button.setEnabled(
            batch is not None and bool(batch.get("rows_rejected") or batch.get("status") == _LIVE)
        )
        if batch is None:
            self.batch_note.setText(
                "Select a batch to see its mapping, export its rows to fix, or withdraw it."
            )
            return
        words = batch.get("status_text") or status
        self.batch_note.setText(f"Batch {batch['id']} ({batch['source_name']}): {words}.")

    # ------------------------------------------------------------ mapping, rows to fix

    def show_mapping_selected(self) -> None:
        """Show the column mapping the selected batch was imported with."""
        batch, engine = self.selected_batch(), self._engine()
        if batch is None or engine is None:
            return
        batch_id, source = int(batch["id"]), str(batch["source_name"])

        def work(_ctx: TaskContext) -> Any:
            from rehabdash.store.batch_record import batch_mapping, describe_mapping

            return describe_mapping(batch_mapping(engine, batch_id))

        def shown(lines: Any) -> None:
            self.show_text(f"Mapping of batch {batch_id} ({source})", "\n".join(lines))

        self._runner.start("import-page.batch", work, shown)

    def export_issues_selected(self) -> None:
        """Write the selected batch's rows to fix (where and why; identifiers masked)."""
        batch, engine = self.selected_batch(), self._engine()
        if batch is None or engine is None:
            return
        batch_id = int(batch["id"])
        target = self.ask_issues_path(batch_id)
        if target is None:
            return

        def work(_ctx: TaskContext) -> Any:
            from rehabdash.store.batch_record import write_batch_issues

            return write_batch_issues(engine, batch_id, target)

        def written(count: Any) -> None:
            self._say(
                f"Wrote {count:,} line(s) for batch {batch_id} to {target}: each names the row "
                "in your file, the column, the rule and the reason."
            )

        self._runner.start("import-page.batch", work, written)

    def _ask_issues_path(self, batch_id: int) -> Path | None:
        from PySide6.QtWidgets import QFileDialog

        folder = self._settings.last_folder("rejects") or str(Path.home())
        default = str(Path(folder) / f"batch-{batch_id}-rows-to-fix.csv")
        chosen, selected = QFileDialog.getSaveFileName(
            self, "Export the rows to fix", default, "CSV, UTF-8 (*.csv);;Excel workbook (*.xlsx)"
        )
        if not chosen:
            return None
        target = Path(chosen)
        if target.suffix.lower() not in (".csv", ".xlsx"):
            target = target.with_suffix(".xlsx" if "xlsx" in selected else ".csv")
        self._settings.set_last_folder("rejects", str(target.parent))
        return target

    def _show_text(self, title: str, text: str) -> None:
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.information(self, title, text)

    def _say(self, text: str, refused: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(f"color: {DARK_PINK};" if refused else "")

    def _set_acting(self, acting: bool) -> None:
        self._acting = acting
        self._selection_changed()

    def withdraw_selected(self) -> None:
        """Withdraw the selected live batch: read what it holds, ask why, then withdraw."""
        self._act("withdraw")

    def reinstate_selected(self) -> None:
        """Reinstate the selected withdrawn batch, once confirmed."""
        self._act("reinstate")

    def _act(self, action: str) -> None:
        engine, batch = self._engine(), self.selected_batch()
        if engine is None or batch is None or self._acting:
            return
        batch_id = int(batch["id"])

        def work(_ctx: TaskContext) -> Any:
            from rehabdash.store.withdrawal import WithdrawalError, batch_summary

            try:
                return batch_summary(engine, batch_id)
            except WithdrawalError as exc:
                return exc

        self._set_acting(True)
        self._say(f"Reading batch {batch_id}…")
        self._runner.start(
            "import-page.batch", work, lambda found: self._asked(action, found), lane="database"
        )

    def _asked(self, action: str, found: Any) -> None:
        """Ask the user about the batch ``found`` (a BatchSummary, or a refusal)."""
        if isinstance(found, Exception):
            self._set_acting(False)
            self._say(str(found)[:1].upper() + str(found)[1:] + ".", refused=True)
            return
        summary: BatchSummary = found
        engine = self._engine()
        reason: str | None = None
        if action == "withdraw":
            reason = self.ask_reason(summary)
            go = reason is not None
        else:
            go = self.confirm_reinstate(summary)
        if not go or engine is None:
            self._set_acting(False)
            self._say(f"Nothing was changed: batch {summary.batch_id} is as it was.")
            return

        def work(_ctx: TaskContext) -> Any:
            from rehabdash.store.withdrawal import WithdrawalError, reinstate_batch, withdraw_batch

            try:
                if action == "withdraw":
                    assert reason is not None
                    return withdraw_batch(engine, summary.batch_id, reason)
                return reinstate_batch(engine, summary.batch_id)
            except WithdrawalError as exc:
                return exc

        doing = "Withdrawing" if action == "withdraw" else "Reinstating"
        self._say(f"{doing} batch {summary.batch_id}…")
        self._runner.start(f"import-page.{action}", work, self._changed, lane="database")

    def _changed(self, done: BatchChange | Exception) -> None:
        self._set_acting(False)
        if isinstance(done, Exception):
            self._say(str(done)[:1].upper() + str(done)[1:] + ".", refused=True)
            return
        summary = done.summary
        noun = "referrals" if summary.kind == "activity" else "rows"
        if done.status == _WITHDRAWN:
            text = (
                f"Batch {summary.batch_id} ({summary.source_name}) was withdrawn: its "
                f"{summary.rows:,} {noun} are kept for audit and no longer counted."
            )
        else:
            text = (
                f"Batch {summary.batch_id} ({summary.source_name}) was reinstated: its "
                f"{summary.rows:,} {noun} are counted again."
            )
        self._say(text)
        self._said, self._select = text, summary.batch_id
        self.refresh()
        self.batches_changed.emit()

    def _batch_task_failed(self, kind: str, _exc: object) -> None:
        """A batch action failed unexpectedly (the window's reporter says why)."""
        if kind in _BATCH_TASKS:
            self._set_acting(False)
            self._say("The batch was not changed: the store could not be read or written.", True)

    def _ask_reason(self, summary: BatchSummary) -> str | None:
        from rehabdash.ui.import_wizard.withdraw_dialog import ask_withdraw_reason

        return ask_withdraw_reason(self, summary)

    def _confirm_reinstate(self, summary: BatchSummary) -> bool:
        from rehabdash.ui.import_wizard.withdraw_dialog import confirm_reinstate

        return confirm_reinstate(self, summary)

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
