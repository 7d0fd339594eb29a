"""The mapping editor: one row per canonical field, a drop-down of the file's columns.

Required fields are marked with an asterisk (and say so to a screen reader); each row
shows an example value from the chosen column so a wrong choice is easy to see, and why
the column was suggested. A drop-down takes the mouse wheel only once it has focus:
scrolling the table must never change a mapping (issue 13).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QWheelEvent
from PySide6.QtWidgets import QComboBox, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from rehabdash.ingest.fields import INPUT_FIELDS, field_label

__all__ = ["NOT_MAPPED", "MappingTable", "field_label"]

NOT_MAPPED = "— not in this file —"
_MISSING = QColor("#F6E3EC")  # a pale tint of the palette's dark pink: a required gap


class WheelSafeCombo(QComboBox):
    """A drop-down that leaves the wheel to the table it sits in until it is focused."""

    def __init__(self) -> None:
        super().__init__()
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # a wheel turn alone gives no focus

    def wheelEvent(self, event: QWheelEvent) -> None:
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()  # the table scrolls instead


class MappingTable(QTableWidget):
    """Field | source column (a drop-down) | example value | why; ``changed`` on any edit."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(len(INPUT_FIELDS), 4, parent)
        self.setAccessibleName("Column mapping: canonical field to source column")
        self.setHorizontalHeaderLabels(
            ["Field", "Source column in the file", "Example value", "Why suggested"]
        )
        self.verticalHeader().hide()
        self.setTabKeyNavigation(False)  # Tab walks the drop-downs, not the cells
        self.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.setColumnWidth(1, 260)
        self.setColumnWidth(2, 160)
        self._samples: dict[str, str] = {}
        self._required: set[str] = set()
        self._reasons: dict[str, tuple[str, str]] = {}  # field -> (column, why)
        self.combos: dict[str, QComboBox] = {}
        for row, name in enumerate(INPUT_FIELDS):
            combo = WheelSafeCombo()
            combo.currentIndexChanged.connect(lambda _i, r=row: self._on_change(r))
            self.combos[name] = combo
            self.setCellWidget(row, 1, combo)
            self.setItem(row, 0, QTableWidgetItem(field_label(name)))
            self.setItem(row, 2, QTableWidgetItem(""))
            self.setItem(row, 3, QTableWidgetItem(""))

    def load(
        self,
        headers: Sequence[str],
        samples: dict[str, str],
        fields: dict[str, str],
        required: Collection[str],
        reasons: dict[str, tuple[str, str]] | None = None,
    ) -> None:
        """Offer ``headers``, choose ``fields`` (field -> header), mark ``required``;
        ``reasons``: field -> (column, why it was suggested), shown while that column is chosen."""
        self._samples = dict(samples)
        self._required = set(required)
        self._reasons = dict(reasons or {})
        bold = QFont(self.font())
        bold.setBold(True)
        for row, name in enumerate(INPUT_FIELDS):
            combo = self.combos[name]
            combo.blockSignals(True)
            combo.clear()
            combo.addItems([NOT_MAPPED, *headers])
            chosen = fields.get(name)
            combo.setCurrentIndex(combo.findText(chosen) if chosen in headers and chosen else 0)
            combo.blockSignals(False)
            need = name in self._required
            item = self._cell(row, 0)
            item.setText(field_label(name) + (" *" if need else ""))
            item.setFont(bold if need else self.font())
            item.setToolTip(f"{name} — required" if need else name)
            what = "required" if need else "optional"
            combo.setAccessibleName(f"Source column for {field_label(name)} ({what})")
            self._show_sample(row)
        self.changed.emit()

    def fields(self) -> dict[str, str]:
        """The chosen mapping: field -> source header (unmapped fields left out)."""
        return {n: c.currentText() for n, c in self.combos.items() if c.currentIndex() > 0}

    def set_field(self, name: str, header: str) -> None:
        combo = self.combos[name]
        combo.setCurrentIndex(max(combo.findText(header), 0))

    def _cell(self, row: int, col: int) -> QTableWidgetItem:
        item = self.item(row, col)
        assert item is not None  # every cell is filled in __init__
        return item

    def _on_change(self, row: int) -> None:
        self._show_sample(row)
        self.changed.emit()

    def _show_sample(self, row: int) -> None:
        name = INPUT_FIELDS[row]
        combo = self.combos[name]
        sample = self._samples.get(combo.currentText(), "") if combo.currentIndex() > 0 else ""
        column, why = self._reasons.get(name, ("", ""))
        chosen = combo.currentIndex() > 0 and column == combo.currentText()
        self._cell(row, 3).setText(why if chosen else "")
        item = self._cell(row, 2)
        item.setText(sample)
        item.setForeground(Qt.GlobalColor.darkGray)
        gap = name in self._required and combo.currentIndex() == 0
        for col in (0, 2):
            self._cell(row, col).setBackground(QBrush(_MISSING) if gap else QBrush())
        if gap:
            item.setText("required: choose the column that holds it")
