"""The one filter bar every dashboard page shares (issue 11 item 1; DESIGN 10).

Period, provider, team types, service, age and area, each a combo of what the store
offers (:mod:`rehabdash.queries.filter_options`), and "Reset filters". A change emits
:attr:`FilterBar.changed` once with the whole :class:`FilterChoice`; the window turns it
into the session's filter and the pages recompute. The choice is kept in settings.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QGridLayout, QLabel, QPushButton, QWidget

from rehabdash.queries.filter_options import FilterOptions
from rehabdash.ui.filter_state import AGE_CHOICES, TEAM_CHOICES, FilterChoice

__all__ = ["FIELDS", "FilterBar"]

#: Each filter: its FilterChoice field, its label, and what "" (the default) says.
FIELDS: tuple[tuple[str, str, str], ...] = (
    ("period", "Period", "Latest year"),
    ("provider", "Provider", "All providers"),
    ("team_types", "Teams", "Rehab team types"),
    ("service", "Service", "All services"),
    ("age", "Age", "All ages"),
    ("area", "Area", "Whole population"),
)


class FilterBar(QWidget):
    changed = Signal(object)  # the new FilterChoice

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Filters for every dashboard page")
        self.options = FilterOptions()
        self.choice = FilterChoice()
        self.combos: dict[str, QComboBox] = {}
        # Two rows of three: narrow enough for a 1366-wide screen at 150% scaling.
        layout = QGridLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.setVerticalSpacing(2)
        for index, (name, label, everything) in enumerate(FIELDS):
            combo = QComboBox()
            combo.setAccessibleName(f"Filter: {label.lower()}")
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(8)
            combo.addItem(everything, "")
            combo.activated.connect(self._picked)
            caption = QLabel(f"{label}:")
            caption.setBuddy(combo)
            row, column = divmod(index, 3)
            layout.addWidget(caption, row, 2 * column)
            layout.addWidget(combo, row, 2 * column + 1)
            layout.setColumnStretch(2 * column + 1, 1)
            self.combos[name] = combo
        self.reset = QPushButton("Reset filters")
        self.reset.setAccessibleName("Reset every filter to its default")
        self.reset.clicked.connect(lambda: self.set_choice(FilterChoice(), emit=True))
        layout.addWidget(self.reset, 0, 6)
        self._fill()

    def set_options(self, options: FilterOptions, choice: FilterChoice | None = None) -> None:
        """What the store offers; keeps (or sets) the choice as far as it is offered."""
        self.options = options
        self._fill()
        self.set_choice((choice or self.choice).offered(options))

    def set_choice(self, choice: FilterChoice, emit: bool = False) -> None:
        self.choice = choice
        for name, combo in self.combos.items():
            found = combo.findData(getattr(choice, name))
            combo.setCurrentIndex(max(found, 0))
        if emit:
            self.changed.emit(choice)

    def drill_to(self, value: str, label: str) -> None:
        """Set the area to ``value`` (a map's area: "lsoa:E01…"), offered under ``label``
        until the store's areas are read again, and say so (``changed``)."""
        combo = self.combos["area"]
        if combo.findData(value) < 0:
            combo.addItem(label, value)
        self.set_choice(replace(self.choice, area=value), emit=True)

    def _fill(self) -> None:
        offered: dict[str, list[tuple[str, str]]] = {
            "period": [(p, p) for p in self.options.periods],
            "provider": [(p, p) for p in self.options.providers],
            "team_types": list(TEAM_CHOICES[1:]),
            "service": [(s, s) for s in self.options.services],
            "age": list(AGE_CHOICES[1:]),
            "area": list(self.options.areas),
        }
        for name, combo in self.combos.items():
            combo.blockSignals(True)
            while combo.count() > 1:
                combo.removeItem(1)
            for value, text in offered[name]:
                combo.addItem(text, value)
            combo.blockSignals(False)

    def _picked(self, _index: int) -> None:
        values = {name: str(combo.currentData() or "") for name, combo in self.combos.items()}
        choice = replace(self.choice, **values)
        if choice != self.choice:
            self.choice = choice
            self.changed.emit(choice)
