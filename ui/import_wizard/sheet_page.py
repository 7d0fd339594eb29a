"""Wizard page 2 (workbooks only): which sheet holds the table.

The sheets are listed on the task runner (opening a large workbook takes a moment); the
one whose top rows name the most known activity fields is chosen for the officer.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QVBoxLayout

from rehabdash.ui.import_wizard.base import BasePage, Failure, PageId
from rehabdash.ui.import_wizard.task_status import TaskStatus

__all__ = ["SheetInfo", "SheetPage", "list_sheets"]

_PROBE_ROWS = 60


@dataclass(frozen=True)
class SheetInfo:
    name: str
    columns: int  # filled cells in the likely header row; 0 for an empty sheet
    known: int  # of those, how many name a known activity field


def list_sheets(path: Path) -> list[SheetInfo]:
    """Each sheet's name and how table-like its top rows look (runs off the GUI thread)."""
    from rehabdash.codes._normalise import clean_key
    from rehabdash.ingest.excel_reader import open_workbook, read_sheet_grid
    from rehabdash.ingest.fields import ACTIVITY_SYNONYMS, vocabulary
    from rehabdash.ingest.header_detect import find_header_row

    words = vocabulary(ACTIVITY_SYNONYMS)
    reader, names = open_workbook(path.read_bytes(), path)
    found = []
    for name in names:
        grid, _ = read_sheet_grid(path, reader, name, n_rows=_PROBE_ROWS)
        rows = grid.rows()
        header = find_header_row(rows, words)
        cells = [] if header is None else [c for c in rows[header] if c is not None]
        known = sum(clean_key(c) in words for c in cells)
        found.append(SheetInfo(name, len(cells), known))
    return found


class SheetPage(BasePage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Choose the sheet")
        self.setSubTitle("Pick the sheet that holds the table.")
        self.sheets = QListWidget()
        self.sheets.setAccessibleName("Sheets in the workbook")
        self.sheets.currentRowChanged.connect(lambda _row: self.completeChanged.emit())
        self.status = TaskStatus("Reading the workbook")
        self.status.cancel_requested.connect(lambda: self.wiz.cancel("sheets"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.sheets, 1)
        self._loaded_for: Path | None = None

    def initializePage(self) -> None:
        path = self.state.path
        if path is None or (path == self._loaded_for and self.sheets.count()):
            return
        self.sheets.clear()
        self.status.start(f"Listing the sheets in {path.name}…", cancellable=False)
        self.wiz.start("sheets", lambda _report, _cancelled: list_sheets(path), self._listed)

    def _listed(self, result: Any) -> None:
        if isinstance(result, Failure):
            self.status.done(result.message, error=True)
            return
        sheets: list[SheetInfo] = result
        self._loaded_for = self.state.path
        best = max(range(len(sheets)), key=lambda i: (sheets[i].known, sheets[i].columns > 0))
        for info in sheets:
            detail = f"{info.columns} columns" if info.columns else "empty"
            item = QListWidgetItem(f"{info.name}   ({detail})")
            item.setData(Qt.ItemDataRole.UserRole, info.name)
            if not info.columns:
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
            self.sheets.addItem(item)
        self.sheets.setCurrentRow(best)
        self.sheets.setFocus()
        name = self.state.path.name if self.state.path else "the workbook"
        if len(sheets) == 1:
            self.status.done(f"{name} has one sheet, “{sheets[0].name}”: press Next.")
        else:
            chosen = sheets[best].name
            self.status.done(
                f"{name} has {len(sheets)} sheets; “{chosen}” looks most like the table."
            )

    def isComplete(self) -> bool:
        item = self.sheets.currentItem()
        return item is not None and bool(item.flags() & Qt.ItemFlag.ItemIsEnabled)

    def validatePage(self) -> bool:
        item = self.sheets.currentItem()
        if item is None:
            return False
        sheet = str(item.data(Qt.ItemDataRole.UserRole))
        if sheet != self.state.sheet:
            self.state.saved, self.state.mapping, self.state.prepared = None, None, None
        self.state.sheet = sheet
        return True

    def nextId(self) -> int:
        return PageId.MAPPING if self.state.kind == "activity" else PageId.PREVIEW
