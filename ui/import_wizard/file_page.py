"""Wizard page 1: what kind of data, which file, and the optional provider code and period."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
)

from rehabdash.ingest.store_rows import check_period
from rehabdash.ui.import_wizard.base import KINDS, BasePage, PageId, is_workbook
from rehabdash.ui.settings import Settings

__all__ = ["FilePage"]

FILTER = (
    "Extracts (*.csv *.tsv *.txt *.xlsx *.xlsm *.xlsb *.xls *.ods);;"
    "CSV or text (*.csv *.tsv *.txt);;Excel workbooks (*.xlsx *.xlsm *.xlsb *.xls);;All files (*)"
)
_PROVIDER = re.compile(r"^[A-Z0-9]{3,6}$")


class FilePage(BasePage):
    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self._settings = settings
        self.setTitle("Choose the file")
        self.setSubTitle(
            "Pick the kind of data and the file (CSV or Excel). Nothing is written to the "
            "store until you press Import on the preview page."
        )
        self.kind = QComboBox()
        for key, label in KINDS.items():
            self.kind.addItem(label, key)
        self.kind.setAccessibleName("Kind of data")
        self.path = QLineEdit()
        self.path.setAccessibleName("File to import")
        self.path.setPlaceholderText("Type a path or press Browse…")
        self.path.textChanged.connect(self.completeChanged)
        self.browse = QPushButton("&Browse…")
        self.browse.setAccessibleName("Browse for the file")
        self.browse.clicked.connect(self._browse)
        self.provider = QLineEdit()
        self.provider.setAccessibleName("Provider code (optional)")
        self.provider.setPlaceholderText("e.g. RY1 — used where the file has no provider column")
        self.provider.setMaxLength(16)
        self.period = QLineEdit()
        self.period.setAccessibleName("Reporting period (optional)")
        self.period.setPlaceholderText("the reporting month as YYYY-MM, e.g. 2025-04")
        self.period.setMaxLength(16)
        self.problem = QLabel("")
        self.problem.setWordWrap(True)
        self.problem.setAccessibleName("Problem with the file choice")

        file_row = QHBoxLayout()
        file_row.addWidget(self.path, 1)
        file_row.addWidget(self.browse)
        form = QFormLayout(self)
        form.addRow("&Kind of data:", self.kind)
        form.addRow("&File:", file_row)
        form.addRow("&Provider code (optional):", self.provider)
        form.addRow("P&eriod (optional):", self.period)
        form.addRow(self.problem)
        for field in (self.kind, self.path, self.provider, self.period):
            label = form.labelForField(field)
            if isinstance(label, QLabel):
                label.setBuddy(field)
        label = form.labelForField(file_row)
        if isinstance(label, QLabel):
            label.setBuddy(self.path)

    def initializePage(self) -> None:
        self.path.setFocus()  # the officer types or pastes the path first

    def _browse(self) -> None:
        start = self._settings.last_folder("import") or str(Path.home())
        chosen, _ = QFileDialog.getOpenFileName(self, "Choose a file to import", start, FILTER)
        if chosen:
            self.path.setText(chosen)
            self._settings.set_last_folder("import", str(Path(chosen).parent))

    def chosen_path(self) -> Path | None:
        text = self.path.text().strip().strip('"')
        return Path(text).expanduser() if text else None

    def isComplete(self) -> bool:
        return self.chosen_path() is not None

    def validatePage(self) -> bool:
        path = self.chosen_path()
        if path is None or not path.is_file():
            self.problem.setText(f"There is no file at {self.path.text().strip()!r}.")
            return False
        provider = self.provider.text().strip().upper()
        if provider and not _PROVIDER.match(provider):
            self.problem.setText(
                f"Provider code {provider!r} should be 3 to 6 letters or digits (e.g. RY1)."
            )
            return False
        period = self.period.text().strip() or None
        try:
            check_period(period)
        except ValueError as exc:
            self.problem.setText(str(exc)[:1].upper() + str(exc)[1:] + ".")
            return False
        self.problem.setText("")
        state = self.state
        if state.path != path or state.kind != self.kind.currentData():
            state.sheet, state.saved, state.mapping, state.prepared = None, None, None, None
        state.kind = str(self.kind.currentData())
        state.path = path
        state.provider_code = provider or None
        state.period = period
        return True

    def nextId(self) -> int:
        if is_workbook(self.chosen_path()):
            return PageId.SHEET
        return PageId.MAPPING if self.kind.currentData() == "activity" else PageId.PREVIEW
