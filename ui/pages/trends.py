"""Trends: is access getting better? SPC charts of the plan's monthly and quarterly
series in the NHS "Making Data Count" style, a summary of every series' icons, and the
gaps between groups, baseline vs latest (issue 11 item 1; DESIGN 7.7 and 10).

The page asks the plan for its "trends" extra: the monthly and quarterly series of
people referred, people seen and people seen per 1,000 per year ("All", IMD quintile,
ethnic group), the SPC chart of the monthly rate and the gaps. The board of what is
drawn (:func:`rehabdash.plan.spc_chart.trend_board`: each level's chart, its icons in
words, the gaps) is made off the GUI thread, on the compute lane, then the chosen series
is drawn in the SPC chart. Choosing another series redraws from the board: no recompute.
The summary table lists every series' latest value and icons, exactly as its chart
shows them; selecting a row there draws that series.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from rehabdash.ui.pages.plan_page import PlanPage, run_alone
from rehabdash.ui.session import PageRequest, PageResult

if TYPE_CHECKING:
    from PySide6.QtWidgets import QComboBox, QLabel, QTableView, QTabWidget

    from rehabdash.plan.spc_chart import SpcSeries, TrendBoard
    from rehabdash.ui.charts.spc import SpcChart
    from rehabdash.ui.frame_model import FrameModel

__all__ = ["TrendsPage"]

_DEFAULTS = {"measure": "seen_rate", "every": "monthly", "breakdown": "All", "group": "All"}


class TrendsPage(PlanPage):
    """SPC charts of the series, their icons in a summary table, and the gaps."""

    key = "trends"
    heading = "Trends"
    working = "Working out the trends and gaps…"

    chart: SpcChart
    measure: QComboBox
    every: QComboBox
    breakdown_choice: QComboBox
    group: QComboBox
    tabs: QTabWidget
    summary: QTableView
    summary_model: FrameModel
    gaps: QTableView
    gaps_model: FrameModel
    gaps_note: QLabel
    board: TrendBoard | None = None
    drawn: SpcSeries | None = None  # what the chart shows now
    _summary_keys: list[str]

    def build(self) -> None:
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import (
            QHBoxLayout,
            QLabel,
            QSplitter,
            QTabWidget,
            QVBoxLayout,
            QWidget,
        )

        from rehabdash.plan.spc_chart import BREAKDOWNS, FREQS, MEASURES
        from rehabdash.ui.charts.spc import SpcChart
        from rehabdash.ui.frame_model import FrameModel, frame_view

        self._summary_keys = []
        first, second = QHBoxLayout(), QHBoxLayout()  # two rows: a narrow page keeps them

        def choice(
            label: str, items: dict[str, str], what: str, row: QHBoxLayout, chars: int = 20
        ) -> QComboBox:
            default = _DEFAULTS[label.lower()]
            changed = self._group_chosen if label == "Group" else self._series_chosen
            return self.add_choice(
                label, list(items.items()), default, what, changed=changed, chars=chars, row=row
            )

        self.measure = choice("Measure", MEASURES, "the series to chart", first, 30)
        self.every = choice("Every", FREQS, "monthly or quarterly points", first, 10)
        self.breakdown_choice = choice("Breakdown", BREAKDOWNS, "the groups", second)
        self.group = choice("Group", {}, "the group whose series is charted", second)
        for part in (first, second):
            part.addStretch(1)
            self.body.addLayout(part)

        self.chart = SpcChart("SPC chart")
        self.summary_model = FrameModel()
        self.summary = frame_view(
            "Every series: latest value, variation and assurance", self.summary_model
        )
        self.summary.clicked.connect(self._summary_clicked)
        self.summary.activated.connect(self._summary_clicked)
        self.gaps_model = FrameModel()
        self.gaps = frame_view("Gaps between groups: baseline vs latest", self.gaps_model)
        self.gaps_note = QLabel()
        self.gaps_note.setWordWrap(True)
        gaps_box = QWidget()
        gaps_layout = QVBoxLayout(gaps_box)
        gaps_layout.setContentsMargins(0, 4, 0, 0)
        gaps_layout.addWidget(self.gaps_note)
        gaps_layout.addWidget(self.gaps, 1)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Trends: summary of every series, and the gaps")
        self.tabs.tabBar().setAccessibleName(f"{self.tabs.accessibleName()}: tabs")
        self.tabs.addTab(self.summary, "Every series: latest point and icons")
        self.tabs.addTab(gaps_box, "Gaps: baseline vs latest")
        split = QSplitter(Qt.Orientation.Vertical)
        split.setChildrenCollapsible(False)
        split.addWidget(self.chart)
        split.addWidget(self.tabs)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([600, 400])
        self.body.addWidget(split, 1)

    def _last(self, name: str) -> str:
        default = _DEFAULTS[name]
        return (
            self.settings.last_choice(f"{self.key}/{name}", default) if self.settings else default
        )

    # ------------------------------------------------------------ the request

    def request(self) -> PageRequest:
        return PageRequest(extras=("trends",))

    @staticmethod
    def prepare_result(result: PageResult) -> TrendBoard:
        """The board, made on the worker (the derived charts take a blink)."""
        from rehabdash.plan.spc_chart import trend_board

        return trend_board(result.indicators)

    def show_result(self, result: PageResult) -> None:
        self.show_board(result.prepared)

    def show_board(self, board: TrendBoard) -> None:
        """Draw ``board``: the summary, the gaps and the chosen series."""
        from rehabdash.ui.charts.frame import text_frame
        from rehabdash.ui.frame_model import fit_columns

        self.board = board
        summary = board.summary()
        self._summary_keys = [s.key for s in board.summary_series()]
        self.summary_model.set_frame(text_frame(summary))
        fit_columns(self.summary, max_width=340)
        self.gaps_model.set_frame(text_frame(board.gaps_table()))
        fit_columns(self.gaps, max_width=250)
        self.gaps_note.setText(_gaps_note(board))
        self._fill_groups()
        self._draw()

    # ------------------------------------------------------------ choosing a series

    def _series_chosen(self) -> None:
        self._fill_groups()
        self._draw()

    def _group_chosen(self) -> None:
        self._draw()

    def _fill_groups(self) -> None:
        """The groups of the chosen breakdown, keeping the chosen one where it exists."""
        if self.board is None:
            return
        wanted = str(self.group.currentData() or self._last("group"))
        levels = self.board.find(
            str(self.measure.currentData()),
            str(self.every.currentData()),
            str(self.breakdown_choice.currentData()),
        )
        self.group.blockSignals(True)
        try:
            self.group.clear()
            for s in levels:
                self.group.addItem(
                    "All (everyone in scope)" if s.level_code == "All" else s.level, s.level_code
                )
            found = self.group.findData(wanted)
            if found < 0:  # the first group with a chart, else the first
                found = next((i for i, s in enumerate(levels) if s.charted), 0)
            self.group.setCurrentIndex(found)
        finally:
            self.group.blockSignals(False)

    def chosen(self) -> SpcSeries | None:
        """The series the choices name (None before the board, or when it has none)."""
        if self.board is None:
            return None
        found = self.board.find(
            str(self.measure.currentData()),
            str(self.every.currentData()),
            str(self.breakdown_choice.currentData()),
            str(self.group.currentData()),
        )
        return found[0] if found else None

    def _draw(self) -> None:
        if self.board is None:
            return
        series = self.chosen()
        self.drawn = series
        if series is None:
            empty = (
                "The plan returned no series for this period and filter: nobody was "
                "referred, or the period has no months."
                if not self.board.series
                else "This breakdown has no series for the chosen measure."
            )
            self.chart.show_series(None, empty)
        else:
            self.chart.show_series(series)
        self._select_summary_row(series)

    def _select_summary_row(self, series: SpcSeries | None) -> None:
        if series is None:
            return
        key = series.key
        if series.level_code == "All":  # the All level of a breakdown is the All series
            key = f"{series.metric}/All/All"
        if key in self._summary_keys:
            self.summary.selectRow(self._summary_keys.index(key))

    def show_key(self, key: str) -> None:
        """Draw the series ``key`` (``"<metric>/<breakdown>/<level>"``)."""
        if self.board is None:
            return
        series = self.board.by_key(key)
        if series is None:
            return
        for box, value in (
            (self.measure, series.measure),
            (self.every, series.freq),
            (self.breakdown_choice, series.breakdown_key),
        ):
            box.blockSignals(True)
            box.setCurrentIndex(max(box.findData(value), 0))
            box.blockSignals(False)
        self._fill_groups()
        self.group.blockSignals(True)
        self.group.setCurrentIndex(max(self.group.findData(series.level_code), 0))
        self.group.blockSignals(False)
        self._series_chosen()

    def _summary_clicked(self, index: object) -> None:
        row = index.row()  # type: ignore[attr-defined]
        if 0 <= row < len(self._summary_keys):
            self.show_key(self._summary_keys[row])


def _gaps_note(board: TrendBoard) -> str:
    if not board.gaps:
        return "The plan returned no gaps for this period."
    return (
        "Each gap at the first and the last complete financial quarter of the period, with "
        "its 95% confidence interval in brackets; the change is latest ÷ baseline for "
        "ratios and latest − baseline for the SII. Improving: a significant move towards "
        "no gap (a ratio of 1, an SII of 0); worsening: a significant move away from it."
    )


if __name__ == "__main__":
    sys.exit(run_alone(TrendsPage))
