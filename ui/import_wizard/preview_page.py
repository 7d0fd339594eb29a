"""Wizard page 4: the normalised rows, the validation report, the failing rows, the rejects.

Preparing runs on the task runner with progress and Cancel. "Export rejected rows…"
writes the rows to fix (original columns, row number, reasons) as CSV or XLSX. Pressing
Import asks first when the file repeats rows of live batches, naming each batch.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWizard,
)

from rehabdash.ingest.rejects import REJECTS_WARNING
from rehabdash.ui.frame_model import FrameModel, fit_columns, frame_view
from rehabdash.ui.import_wizard.base import BasePage, Failure, PageId
from rehabdash.ui.import_wizard.prepare import (
    Job,
    Preview,
    overlap_notice,
    overlap_question,
    prepare,
    rules_note,
)
from rehabdash.ui.import_wizard.task_status import TaskStatus
from rehabdash.ui.settings import Settings

__all__ = ["PREVIEW_ROWS", "PreviewPage"]

PREVIEW_ROWS = 200
_REPORT_LABELS = {"rule": "Rule", "severity": "Outcome", "count": "Rows", "example": "Example"}
_FAILURE_LABELS = {
    "source_row": "Row",
    "column": "Column",
    "rule": "Rule",
    "severity": "Outcome",
    "value": "Value",
    "message": "Reason",
}


class PreviewPage(BasePage):
    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self._settings = settings
        self.setTitle("Check the preview")
        self.setSubTitle("Nothing has been written yet. Press Import to write the accepted rows.")
        self.setButtonText(QWizard.WizardButton.NextButton, "&Import")
        self.status = TaskStatus("Preparing")
        self.status.cancel_requested.connect(lambda: self.wiz.cancel("prepare"))
        self.summary = self._label("Summary of the preview")
        self.overlap = self._label("Rows already in the store")
        self.overlap.setStyleSheet("color: #801650;")
        self.gaps = self._label("Measures this batch will leave empty")
        self.rows_model, self.report_model, self.failures_model = (FrameModel() for _ in "abc")
        self.rows_view = frame_view("Normalised rows (first 200)", self.rows_model, numbered=True)
        self.report_view = frame_view("Validation report: rows per rule", self.report_model)
        self.failures_view = frame_view("Failing rows", self.failures_model)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Preview tables")
        self.tabs.addTab(self.report_view, "&Validation report")
        self.tabs.addTab(self.failures_view, "Failing &rows")
        self.tabs.addTab(self.rows_view, f"&Normalised rows (first {PREVIEW_ROWS})")
        self.export_button = QPushButton("&Export rejected rows…")
        self.export_button.setAccessibleName("Export rejected rows to CSV or Excel")
        self.export_button.clicked.connect(self._choose_export)
        self.export_status = TaskStatus("Exporting")
        bar = QHBoxLayout()
        bar.addWidget(self.export_button)
        bar.addWidget(self.export_status, 1)
        layout = QVBoxLayout(self)
        for widget in (self.status, self.summary, self.overlap, self.gaps):
            layout.addWidget(widget)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(bar)

    def _label(self, name: str) -> QLabel:
        label = QLabel("")
        label.setWordWrap(True)
        label.setAccessibleName(name)
        return label

    def initializePage(self) -> None:
        s = self.state
        assert s.path is not None
        s.prepared, s.overlaps, s.replace, s.loss, s.allow_loss = None, {}, (), {}, False
        for model in (self.rows_model, self.report_model, self.failures_model):
            model.set_frame(None)
        self.summary.setText("")
        self.overlap.setText("")
        self.gaps.setText("")
        self.export_button.setEnabled(False)
        self.export_status.done("")
        job = Job(s.engine, s.kind, s.path, s.sheet, s.provider_code, s.mapping)
        self.status.start(f"Preparing {s.path.name}…")
        self.wiz.start(
            "prepare", lambda rep, can: prepare(job, rep, can), self._prepared, self.status.progress
        )

    def _prepared(self, result: Any) -> None:
        if isinstance(result, Failure):
            message = result.message
            if result.cancelled:
                message = "Preparation cancelled. Press Back to change the file or mapping."
            self.status.done(message, error=True)
            return
        preview: Preview = result
        s, p = self.state, preview.prepared
        s.prepared, s.overlaps, s.batch_names = p, preview.overlaps, preview.batch_names
        s.loss = preview.loss
        self.rows_model.set_frame(p.rows.head(PREVIEW_ROWS))
        self.report_model.set_frame(preview.report, _REPORT_LABELS)
        self.failures_model.set_frame(preview.failures, _FAILURE_LABELS)
        fit_columns(self.rows_view, max_width=170)  # 64-character keys would crowd the rest
        for view in (self.report_view, self.failures_view):
            fit_columns(view)
        self.status.done(self._saved_note())
        self.summary.setText(self._summary(p, sum(preview.overlaps.values())))
        if preview.gaps:
            self.gaps.setText(
                "What this file cannot show (map the column on the previous page if the "
                "file has it):\n" + "\n".join(f"• {gap}" for gap in preview.gaps)
            )
        if preview.overlaps:
            self.overlap.setText(overlap_notice(preview.overlaps, preview.batch_names))
        self.export_button.setEnabled(p.rows_rejected > 0)
        self.completeChanged.emit()

    def _saved_note(self) -> str:
        name = self.state.save_as
        return f"The mapping will be saved as “{name}” when you import." if name else ""

    @staticmethod
    def _summary(p: Any, held: int = 0) -> str:
        warnings = int(p.failures.filter(p.failures["severity"] == "warning").height)
        where = f", sheet “{p.sheet}”" if p.sheet else ""
        if held >= p.rows_accepted:
            fate = f"all {p.rows_accepted:,} usable rows are already in the store (see below)"
        elif held:
            fate = (
                f"{p.rows_accepted - held:,} new rows will be imported and {held:,} are already "
                "in the store (see below)"
            )
        else:
            fate = f"{p.rows_accepted:,} will be imported"
        text = (
            f"{p.source_name}{where}: {p.rows_read:,} rows read; {fate}; "
            f"{p.rows_rejected:,} rejected; {warnings:,} warning(s) on rows kept. "
            f"Header found on row {p.header_row:,}."
        )
        if note := rules_note(p.rule_counts, p.rows_rejected):
            text += " " + note
        notes = list(p.notes) + ([p.footer_note] if p.footer_note else [])
        if notes:
            text += "\nNotes: " + "; ".join(notes) + "."
        return text

    def isComplete(self) -> bool:
        return self.state.prepared is not None and not self.status.busy

    def validatePage(self) -> bool:
        s = self.state
        if s.overlaps:
            accepted = s.prepared.rows_accepted if s.prepared is not None else 0
            question = overlap_question(s.overlaps, s.batch_names, accepted, s.loss)
            answer = self.wiz.confirm_replace(question)
            if answer is None:
                return False
            s.replace = tuple(sorted(s.overlaps)) if answer else ()
            s.allow_loss = bool(answer)  # the question said what replacing leaves out
        return True

    def nextId(self) -> int:
        return PageId.RUN

    def _choose_export(self) -> None:
        s = self.state
        assert s.path is not None
        folder = self._settings.last_folder("rejects") or str(s.path.parent)
        default = str(Path(folder) / f"{s.path.stem}-rejected.csv")
        filters = "CSV, UTF-8 (*.csv);;Excel workbook (*.xlsx)"
        chosen, selected = QFileDialog.getSaveFileName(
            self, "Export rejected rows", default, filters
        )
        if not chosen:
            return
        target = Path(chosen)
        if target.suffix.lower() not in (".csv", ".xlsx"):
            target = target.with_suffix(".xlsx" if "xlsx" in selected else ".csv")
        self._settings.set_last_folder("rejects", str(target.parent))
        self.export_to(target)

    def export_to(self, target: Path) -> None:
        prepared = self.state.prepared
        if prepared is None:
            return
        self.export_status.start(f"Writing {target.name}…", cancellable=False)
        self.wiz.start("export", lambda _r, _c: prepared.write_rejects(target), self._exported)

    def _exported(self, result: Any) -> None:
        if isinstance(result, Failure):
            self.export_status.done(f"Could not export: {result.message}", error=True)
            return
        n = self.state.prepared.rows_rejected if self.state.prepared else 0
        self.export_status.done(
            f"Saved {n:,} rejected row(s) with their reasons to {result}. Note: {REJECTS_WARNING}."
        )
