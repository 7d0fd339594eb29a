"""A read-only Qt table model over a polars DataFrame.

The preview shows up to a few hundred normalised rows and the failure table (which can be
long): a QTableView asks only for the cells it paints, so the model reads single cells
from the frame instead of copying it into thousands of QTableWidgetItems.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

if TYPE_CHECKING:
    import polars as pl

__all__ = ["PLAIN", "FrameModel", "fit_columns", "format_cell", "frame_view"]

_Index = QModelIndex | QPersistentModelIndex
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


PLAIN = frozenset({"id", "batch_id", "source_row", "year", "version"})


def format_cell(value: Any, grouped: bool = True) -> str:
    """A cell as a data officer reads it: blank for missing, UK dates, 1,234 for counts."""
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}" if grouped else str(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


class FrameModel(QAbstractTableModel):
    """Shows ``frame``; ``labels`` renames columns for the header (column name -> label)."""

    def __init__(self, frame: pl.DataFrame | None = None, parent: Any = None) -> None:
        super().__init__(parent)
        self._frame: pl.DataFrame | None = None
        self._labels: list[str] = []
        self._numeric: list[bool] = []
        self._grouped: list[bool] = []
        if frame is not None:
            self.set_frame(frame)

    @property
    def frame(self) -> pl.DataFrame | None:
        return self._frame

    def set_frame(
        self,
        frame: pl.DataFrame | None,
        labels: dict[str, str] | None = None,
        plain: frozenset[str] = PLAIN,
    ) -> None:
        """Show ``frame``; integers get thousands separators except in ``plain`` columns."""
        self.beginResetModel()
        self._frame = None if frame is None else frame.rechunk()
        names = [] if frame is None else frame.columns
        self._labels = [(labels or {}).get(n, n) for n in names]
        self._numeric = [] if frame is None else [d.is_numeric() for d in frame.dtypes]
        self._grouped = [n not in plain for n in names]
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if self._frame is None or parent.isValid() else self._frame.height

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if self._frame is None or parent.isValid() else self._frame.width

    def grouped(self, column: int) -> bool:
        """Whether integers in ``column`` get thousands separators."""
        return self._grouped[column]

    def value(self, row: int, column: int) -> Any:
        assert self._frame is not None
        return self._frame.item(row, column)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if self._frame is None or not index.isValid():
            return None
        if role in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ToolTipRole,
            Qt.ItemDataRole.AccessibleTextRole,
        ):
            column = index.column()
            return format_cell(self.value(index.row(), column), self._grouped[column])
        if role == Qt.ItemDataRole.TextAlignmentRole and self._numeric[index.column()]:
            return int(_RIGHT.value)
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by a column (a view with sorting enabled calls it): numbers as numbers,
        empty cells last."""
        frame = self._frame
        if frame is None or not 0 <= column < frame.width:
            return
        self.layoutAboutToBeChanged.emit()
        descending = order == Qt.SortOrder.DescendingOrder
        self._frame = frame.sort(
            frame.columns[column], descending=descending, nulls_last=True, maintain_order=True
        )
        self.layoutChanged.emit()

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self._labels[section] if section < len(self._labels) else None
        return str(section + 1)


FIT_ROWS = 40  # the rows a column's width is measured on


def frame_view(accessible_name: str, model: FrameModel, numbered: bool = False) -> QTableView:
    """A read-only, keyboard-navigable table view over ``model`` (row numbers if ``numbered``)."""
    view = QTableView()
    view.setModel(model)
    view.setAccessibleName(accessible_name)
    view.setAlternatingRowColors(True)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setWordWrap(False)
    view.setTabKeyNavigation(False)  # Tab leaves the table (arrows move within it)
    rows = view.verticalHeader()
    rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    rows.setDefaultSectionSize(view.fontMetrics().height() + 8)
    rows.setVisible(numbered)
    view.horizontalHeader().setStretchLastSection(True)
    # Columns sized to their header and first rows only: a table of thousands of rows
    # would otherwise hold the GUI thread while every cell is measured.
    view.horizontalHeader().setResizeContentsPrecision(FIT_ROWS)
    return view


def fit_columns(view: QTableView, max_width: int = 260) -> None:
    """Size columns to their header and first :data:`FIT_ROWS` rows, none wider than
    ``max_width``: measured here from the frame's text, not cell by cell through the
    model (Qt asks the model for each role of each cell, which holds the GUI thread)."""
    model = view.model()
    if not isinstance(model, FrameModel) or model.frame is None:
        view.resizeColumnsToContents()
    else:
        frame = model.frame
        metrics = view.fontMetrics()
        head = view.horizontalHeader().fontMetrics()
        top = frame.head(FIT_ROWS)
        for col, name in enumerate(frame.columns):
            label = str(model.headerData(col, Qt.Orientation.Horizontal) or name)
            grouped = model.grouped(col)
            texts = (format_cell(v, grouped) for v in top.get_column(name).to_list())
            width = max((metrics.horizontalAdvance(t) for t in texts), default=0)
            view.setColumnWidth(col, max(width, head.horizontalAdvance(label) + 12) + 16)
    header = view.horizontalHeader()
    for col in range(header.count()):
        header.resizeSection(col, min(header.sectionSize(col), max_width))
