"""Data quality: how completely each characteristic is recorded, by provider or by month
of referral, and how many rows each validation rule rejected or warned about (issue 11
item 1; DESIGN 6 and 10).

The page asks the plan for its "quality" extra (it reads the store for the rows
rejected, so it runs on the database lane) and draws, from
:func:`rehabdash.plan.completeness_grid.completeness_grid`, a heat map of the share of
people with a valid value, characteristic × provider or × month (a choice that redraws
without a recompute and comes back on the next start), with the 80% (CSDS publication)
and 95% thresholds in the legend and in every cell's text. Clicking a cell shows its
numbers. Below, the rows rejected and warned per rule per import batch.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from rehabdash.ui.pages.plan_page import PlanPage, run_alone
from rehabdash.ui.session import PageRequest, PageResult

if TYPE_CHECKING:
    from PySide6.QtWidgets import QComboBox, QLabel, QTableView

    from rehabdash.plan.completeness_grid import CompletenessGrid
    from rehabdash.ui.charts.heatmap import HeatMap
    from rehabdash.ui.frame_model import FrameModel

__all__ = ["BY", "QualityPage"]

#: The heat map's columns: (key, choice).
BY = {"provider": "Provider", "month": "Month of referral"}


class QualityPage(PlanPage):
    """The completeness heat map and the rows rejected per rule per batch."""

    key = "quality"
    heading = "Data quality"
    working = "Working out recording quality…"

    heatmap: HeatMap
    by: QComboBox
    issues: QTableView
    issues_model: FrameModel
    issues_note: QLabel
    drawn: CompletenessGrid | None = None  # what the heat map shows now

    def build(self) -> None:
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QLabel, QSplitter, QVBoxLayout, QWidget

        from rehabdash.ui.charts.heatmap import HeatMap
        from rehabdash.ui.frame_model import FrameModel, frame_view

        what = "provider or month of referral"
        self.by = self.add_choice(
            "Columns", list(BY.items()), "provider", what, changed=self._by_chosen, chars=10
        )

        self.heatmap = HeatMap("Completeness heat map")
        self.issues_model = FrameModel()
        self.issues = frame_view("Rows rejected and warned per rule per batch", self.issues_model)
        self.issues_note = QLabel()
        self.issues_note.setWordWrap(True)
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 4, 0, 0)
        heading = QLabel("<b>Rows rejected and warned per validation rule, per import batch</b>")
        lower_layout.addWidget(heading)
        lower_layout.addWidget(self.issues_note)
        lower_layout.addWidget(self.issues, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.setChildrenCollapsible(False)
        split.addWidget(self.heatmap)
        split.addWidget(lower)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setSizes([700, 220])
        self.body.addWidget(split, 1)

    @property
    def by_key(self) -> str:
        return str(self.by.currentData() or "provider")

    def request(self) -> PageRequest:
        return PageRequest(extras=("quality",))

    def show_result(self, result: PageResult) -> None:
        from rehabdash.plan.completeness_grid import issues_table
        from rehabdash.ui.charts.frame import text_frame
        from rehabdash.ui.frame_model import fit_columns

        self._draw_grid(result)
        table = issues_table(result.indicators)
        self.issues_model.set_frame(text_frame(table))
        fit_columns(self.issues, max_width=520)
        self.issues_note.setText(_issues_note(table))

    def _draw_grid(self, result: PageResult) -> None:
        from rehabdash.plan.completeness_grid import completeness_grid

        grid = completeness_grid(result.indicators, self.by_key)  # type: ignore[arg-type]
        self.drawn = grid
        title = "Share of people referred with a valid value, by characteristic and " + (
            "provider" if grid.by == "provider" else "month of referral"
        )
        self.heatmap.show_grid(grid, title)

    def _by_chosen(self) -> None:
        """A redraw of what the page has: both views are in the result."""
        if self.result is not None:
            self._draw_grid(self.result)


def _issues_note(table: list[list[str]]) -> str:
    rows = table[1:]
    if not rows:
        return "The plan returned no import batches for this period: nothing was read."
    everyone = rows[-1]
    rejected, warned = everyone[1], everyone[2]
    if rejected == "0" and warned == "0":
        return (
            "No row of the batches read was rejected or imported with a warning. A row "
            "breaking a rule in several columns counts once for the rule."
        )
    return (
        f"{rejected} rows rejected (not imported) and {warned} imported with a warning, in "
        "the batches read. A row breaking a rule in several columns counts once for the "
        "rule; a row breaking several rules counts under each, and once in its batch's total."
    )


if __name__ == "__main__":
    sys.exit(run_alone(QualityPage))
