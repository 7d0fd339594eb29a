"""The mapping editor: one row per canonical field, a drop-down of the file's columns.

Required fields are marked with an asterisk (and say so to a screen reader); each row
shows an example value from the chosen column so a wrong choice is easy to see.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QComboBox, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from rehabdash.ingest.fields import INPUT_FIELDS

__all__ = ["NOT_MAPPED", "MappingTable", "field_label"]

NOT_MAPPED = "— not in this file —"
_MISSING = QColor("#F6E3EC")  # a pale tint of the palette's dark pink: a required gap
_LABELS = {
    "person_id": "Local patient identifier",
    "nhs_number": "NHS number",
    "referral_id": "Referral identifier",
    "sex": "Sex (person stated gender)",
    "gp_practice": "GP practice code",
    "lsoa": "LSOA code",
    "imd_decile": "IMD decile",
    "contacts_dna": "Contacts not attended (DNA)",
}


def field_label(name: str) -> str:
    """A field's name as the officer reads it ("referral_date" -> "Referral date")."""
    return _LABELS.get(name, name.replace("_", " ").capitalize())


class MappingTable(QTableWidget):
    """Field | source column (a QComboBox) | example value; ``changed`` on any edit."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(len(INPUT_FIELDS), 3, parent)
        self.setAccessibleName("Column mapping: canonical field to source column")
        self.setHorizontalHeaderLabels(["Field", "Source column in the file", "Example value"])
        self.verticalHeader().hide()
        self.setTabKeyNavigation(False)  # Tab walks the drop-downs, not the cells
        self.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.setColumnWidth(1, 300)
        self._samples: dict[str, str] = {}
        self._required: set[str] = set()
        self.combos: dict[str, QComboBox] = {}
        for row, name in enumerate(INPUT_FIELDS):
            combo = QComboBox()
            combo.currentIndexChanged.connect(lambda _i, r=row: self._on_change(r))
            self.combos[name] = combo
            self.setCellWidget(row, 1, combo)
            self.setItem(row, 0, QTableWidgetItem(field_label(name)))
            self.setItem(row, 2, QTableWidgetItem(""))

    def load(
        self,
        headers: Sequence[str],
        samples: dict[str, str],
        fields: dict[str, str],
        required: Collection[str],
    ) -> None:
        """Offer ``headers``, choose ``fields`` (field -> header), mark ``required``."""
        self._samples = dict(samples)
        self._required = set(required)
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
        item = self._cell(row, 2)
        item.setText(sample)
        item.setForeground(Qt.GlobalColor.darkGray)
        gap = name in self._required and combo.currentIndex() == 0
        for col in (0, 2):
            self._cell(row, col).setBackground(QBrush(_MISSING) if gap else QBrush())
        if gap:
            item.setText("required: choose the column that holds it")
