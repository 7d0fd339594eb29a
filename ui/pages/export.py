"""Export: the data plan workbook for the filter bar's filter (issue 12 item 3).

The page works out the whole plan (the filter bar's period and filters, as every page),
then previews the workbook it would write: the cover's lines and the contents, sheet by
sheet. The options are the disclosure rule (HES by default; none is for internal use
and says so), whether to put the previous period beside the chosen one, and which
sheets to include. *Export workbook…* asks where to save, then writes it in the
background with progress and Cancel (a cancelled export leaves no file and keeps an
older one); *Open folder* shows where it went.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rehabdash.ui.pages.plan_page import PlanPage, run_alone
from rehabdash.ui.session import PageRequest, PageResult
from rehabdash.ui.tasks import TaskContext

if TYPE_CHECKING:
    from PySide6.QtWidgets import (
        QComboBox,
        QLabel,
        QListWidget,
        QProgressBar,
        QPushButton,
        QTextBrowser,
    )

    from rehabdash.plan.export.sheet_model import WorkbookModel

__all__ = ["DISCLOSURE_CHOICES", "ExportPage", "Preview", "preview_html"]

#: The disclosure rules offered, the circulated ones first.
DISCLOSURE_CHOICES = (
    ("hes", "HES/ECDS rule (counts 1-7 suppressed, others rounded to 5)"),
    ("mhsds", "MHSDS rule (counts 1-4 suppressed, others rounded to 5)"),
    ("none", "None: internal only, NOT FOR CIRCULATION"),
)
_COMPARE = (("none", "No comparison"), ("previous", "Previous period beside the chosen one"))


@dataclass(frozen=True)
class Preview:
    """What the workbook would hold for the filter: its model and the file's default name."""

    model: WorkbookModel
    name: str


def preview_html(model: WorkbookModel, compare: bool) -> str:
    """The cover's lines and the contents as simple HTML (Qt-free; a test reads it)."""
    from html import escape

    cover = model.sheets[0]
    parts = [f"<h3>{escape(cover.title)}</h3>"]
    for line in cover.lines:
        text = escape(line.text)
        if line.style == "heading":
            parts.append(f"<p><b>{text}</b></p>")
        elif line.style == "warning":
            parts.append(f"<p style='color:#801650'><b>{text}</b></p>")
        elif line.style != "link":
            parts.append(f"<p>{text}</p>")
    parts.append("<h3>Contents</h3><ol>")
    for sheet in model.sheets[2:]:
        parts.append(f"<li><b>{escape(sheet.name)}</b>: {escape(sheet.summary)}</li>")
        if compare and sheet.name == "4b Gaps":
            parts.append(
                "<li><b>4c Previous period</b>: the previous period beside the chosen one</li>"
            )
    parts.append("</ol>")
    return "".join(parts)


class ExportPage(PlanPage):
    """Options, a preview of the cover and contents, and the export with progress."""

    key = "export"
    heading = "Export the data plan"
    working = "Working out the plan to export…"

    disclosure: QComboBox
    compare: QComboBox
    sheets: QListWidget
    preview: QTextBrowser
    export_button: QPushButton
    open_folder: QPushButton
    export_cancel: QPushButton
    progress: QProgressBar
    export_status: QLabel
    written: Path | None = None
    drawn: Preview | None = None

    def build(self) -> None:
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import (
            QHBoxLayout,
            QLabel,
            QListWidget,
            QListWidgetItem,
            QProgressBar,
            QPushButton,
            QSplitter,
            QTextBrowser,
            QVBoxLayout,
            QWidget,
        )

        from rehabdash.plan.export.workbook import OPTIONAL_SHEETS

        options = QHBoxLayout()
        self.disclosure = self.add_choice(
            "Small numbers",
            list(DISCLOSURE_CHOICES),
            "hes",
            "the disclosure rule applied to everything in the workbook",
            changed=self._options_changed,
            chars=40,
            row=options,
        )
        self.compare = self.add_choice(
            "Comparison",
            list(_COMPARE),
            "none",
            "whether section 4 shows the previous period beside the chosen one",
            changed=self._options_changed,
            chars=30,
            row=options,
        )
        options.addStretch(1)
        self.body.addLayout(options)
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        caption = QLabel(
            "Sheets (the cover, contents, notes, methods and provenance always go in):"
        )
        caption.setWordWrap(True)
        self.sheets = QListWidget()
        self.sheets.setAccessibleName("Sheets to include in the workbook")
        for name in OPTIONAL_SHEETS:
            item = QListWidgetItem(name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.sheets.addItem(item)
        self.sheets.itemChanged.connect(lambda _item: self._options_changed())
        caption.setBuddy(self.sheets)
        column.addWidget(caption)
        column.addWidget(self.sheets, 1)
        self.preview = QTextBrowser()
        self.preview.setAccessibleName("Preview of the workbook's cover and contents")
        self.preview.setPlaceholderText(
            "The cover and contents appear here once the plan is worked out."
        )
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(self.preview)
        split.setStretchFactor(1, 3)
        self.body.addWidget(split, 1)
        actions = QHBoxLayout()
        self.export_button = QPushButton("Export workbook…")
        self.export_button.setAccessibleName("Export the data plan workbook")
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self._choose_file)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setAccessibleName("Export progress")
        self.progress.setVisible(False)
        self.export_cancel = QPushButton("Cancel export")
        self.export_cancel.setVisible(False)
        self.export_cancel.clicked.connect(self._cancel_export)
        self.open_folder = QPushButton("Open folder")
        self.open_folder.setAccessibleName("Open the folder the workbook was written to")
        self.open_folder.setEnabled(False)
        self.open_folder.clicked.connect(self._open_folder)
        self.export_status = QLabel("")
        self.export_status.setWordWrap(True)
        for widget in (self.export_button, self.progress, self.export_cancel, self.open_folder):
            actions.addWidget(widget)
        actions.addWidget(self.export_status, 1)
        self.body.addLayout(actions)

    # ------------------------------------------------------------ the plan and preview

    def request(self) -> PageRequest:
        return PageRequest(whole_plan=True)

    def show_result(self, result: PageResult) -> None:
        self._start_preview(result)

    def _options_changed(self) -> None:
        if self.result is not None:
            self._start_preview(self.result)

    def chosen_sheets(self) -> list[str] | None:
        """The sheets ticked (None: every one)."""
        from PySide6.QtCore import Qt

        items = [self.sheets.item(i) for i in range(self.sheets.count())]
        ticked = [i.text() for i in items if i.checkState() == Qt.CheckState.Checked]
        return None if len(ticked) == len(items) else ticked

    def _start_preview(self, result: PageResult) -> None:
        session, flt = self.session, result.filter
        rule, sheets = str(self.disclosure.currentData()), self.chosen_sheets()

        def work(_ctx: TaskContext) -> Preview:
            from rehabdash.plan.export.workbook import plan_workbook
            from rehabdash.store.batches import batch_records

            plan = session.plan.plan(flt)  # kept from the page's request: no recompute
            batches = batch_records(session.engine, plan.scope.batches)
            model = plan_workbook(plan, rule, batches, sheets=sheets)
            name = f"rehab-data-plan-{flt.period.label.replace(' ', '-').replace('..', '_to_')}"
            return Preview(model, name + ("-INTERNAL" if rule == "none" else "") + ".xlsx")

        self.export_button.setEnabled(False)
        self.runner.start(f"{self.key}_preview", work, self._previewed, lane="database")

    def _previewed(self, preview: Preview) -> None:
        self.drawn = preview
        self.preview.setHtml(preview_html(preview.model, self.compare.currentData() == "previous"))
        self.export_button.setEnabled(True)

    # ------------------------------------------------------------ the export

    def _choose_file(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        if self.drawn is None:
            return
        folder = self.settings.last_folder("export") if self.settings else ""
        start = str(Path(folder or Path.home()) / self.drawn.name)
        path, _ = QFileDialog.getSaveFileName(
            self, "Export the data plan workbook", start, "Excel workbook (*.xlsx)"
        )
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> None:
        """Write the workbook to ``path`` in the background (the button's file, or a test's)."""
        if self.result is None:
            return
        if path.suffix.lower() != ".xlsx":
            path = path.with_suffix(".xlsx")
        if self.settings is not None:
            self.settings.set_last_folder("export", str(path.parent))
        session, flt = self.session, self.result.filter
        rule, sheets = str(self.disclosure.currentData()), self.chosen_sheets()
        compare = self.compare.currentData() == "previous"

        def work(ctx: TaskContext) -> Path:
            from rehabdash.plan.export.workbook import write_plan_workbook
            from rehabdash.queries.periods import previous_period
            from rehabdash.store.batches import batch_records

            plan = session.plan.plan(flt, cancel=ctx.cancelled)
            previous = None
            if compare:
                ctx.report(0.0, "Working out the previous period…")
                before = replace(flt, period=previous_period(flt.period))
                previous = session.plan.plan(before, cancel=ctx.cancelled)
            batches = batch_records(session.engine, plan.scope.batches)
            return write_plan_workbook(
                plan,
                path,
                rule,
                batches,
                previous=previous,
                sheets=sheets,
                progress=ctx.report,
                cancel=ctx.cancelled,
            )

        self._exporting(True)
        self.export_status.setText(f"Writing {path.name}…")
        self.runner.start(
            f"{self.key}_write", work, self._exported, self._export_progress, lane="database"
        )

    def _export_progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(int(fraction * 100))
        self.export_status.setText(message)

    def _exported(self, path: Path) -> None:
        self._exporting(False)
        self.written = path
        self.open_folder.setEnabled(True)
        rule = str(self.disclosure.currentData())
        warning = (
            " NOT FOR CIRCULATION: no disclosure control was applied." if rule == "none" else ""
        )
        self.export_status.setText(f"Written: {path}.{warning}")

    def _exporting(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.progress.setValue(0)
        self.export_cancel.setVisible(busy)
        self.export_button.setEnabled(not busy)

    def _cancel_export(self) -> None:
        self.runner.cancel(f"{self.key}_write")
        self._exporting(False)
        self.export_status.setText("Export cancelled: no file was written.")

    def _failed(self, kind: str, exc: object) -> None:
        if kind in (f"{self.key}_write", f"{self.key}_preview"):
            from rehabdash.ui.errors import short_message

            self._exporting(False)
            self.export_status.setText(f"Could not export: {short_message(exc)}")
            return
        super()._failed(kind, exc)

    def _open_folder(self) -> None:
        from PySide6.QtCore import QUrl
        from PySide6.QtGui import QDesktopServices

        if self.written is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.written.parent)))


def _main() -> Any:
    return run_alone(ExportPage)


if __name__ == "__main__":
    sys.exit(_main())
