"""Provision against need: observed ÷ expected people seen and unmet need by group, and
a funnel plot of areas with one highlighted and a table of the outlying areas (issue 11
item 1; DESIGN 6 section 3, 7.3, 7.8 and 10).

One request a choice: the access and need sections of the chosen breakdown (``seen_oe``,
``unmet_need``) and the area table of the chosen level (``areas:msoa``, ``areas:lad``,
``areas:lsoa``). The page draws only what the engine returns: the group charts from the
indicators, the funnel from :func:`rehabdash.plan.funnel_data.funnel_data`, the outliers
from :func:`rehabdash.plan.need.outlying_areas`. Choosing the highlighted area (or
clicking a point or an outlier's row) redraws the highlight only: no task.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from rehabdash.ui.pages.plan_page import PlanPage, run_alone
from rehabdash.ui.session import PageRequest, PageResult

if TYPE_CHECKING:
    import polars as pl
    from PySide6.QtCore import QModelIndex
    from PySide6.QtWidgets import QComboBox, QLabel, QTableView, QTabWidget

    from rehabdash.plan.funnel_data import FunnelData
    from rehabdash.plan.result import Indicator
    from rehabdash.ui.charts.funnel import FunnelChart
    from rehabdash.ui.charts.panel import ChartPanel
    from rehabdash.ui.charts.reference import ReferencePanel
    from rehabdash.ui.frame_model import FrameModel
    from rehabdash.ui.pages.page_fit import ChartRow

__all__ = ["DEFAULT", "LEVELS", "NeedPage"]

DEFAULT = "imd_quintile"
#: The area levels with a resident population (a PCN has none: no funnel).
LEVELS = [("msoa", "MSOA (neighbourhood)"), ("lad", "Local authority"), ("lsoa", "LSOA")]


class NeedPage(PlanPage):
    """O/E and unmet need by group; a funnel plot of areas and its outliers."""

    key = "need"
    heading = "Provision against need"
    working = "Working out provision against need…"

    choice: QComboBox
    level_choice: QComboBox
    area_choice: QComboBox
    tabs: QTabWidget
    oe_panel: ReferencePanel
    unmet_panel: ChartPanel
    group_charts: ChartRow
    funnel: FunnelChart
    outliers: QTableView
    outlier_model: FrameModel
    outlier_caption: QLabel
    outlier_codes: list[str]
    drawn_oe: Indicator | None = None
    drawn_unmet: Indicator | None = None
    drawn_funnel: FunnelData | None = None

    def build(self) -> None:
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import (
            QComboBox,
            QLabel,
            QSplitter,
            QTabWidget,
            QVBoxLayout,
            QWidget,
        )

        from rehabdash.ui.charts.funnel import FunnelChart
        from rehabdash.ui.charts.panel import ChartPanel
        from rehabdash.ui.charts.reference import ReferencePanel
        from rehabdash.ui.frame_model import FrameModel, frame_view
        from rehabdash.ui.pages.page_fit import ChartRow, fit_combo

        self.choice = self.add_breakdown_choice(DEFAULT)
        what = "the kind of area in the funnel plot"
        self.level_choice = self.add_choice("Areas", LEVELS, "msoa", what, chars=14)
        self.outlier_codes = []

        groups = QWidget()
        group_column = QVBoxLayout(groups)
        explain = QLabel(
            "Observed ÷ expected: people seen ÷ the people expected to be seen at the "
            "scope's own rates for the group's age and sex (1 = as expected, below 1 = "
            "fewer). Unmet need: expected − observed people where observed is significantly "
            "below expected, else 0."
        )
        explain.setWordWrap(True)
        group_column.addWidget(explain)
        self.oe_panel = ReferencePanel("People seen, observed ÷ expected")
        self.oe_panel.set_reference(1.0, "1: as expected")
        self.unmet_panel = ChartPanel("Unmet need by group")
        # Side by side, or one above the other when the groups' labels are long.
        self.group_charts = ChartRow(self.oe_panel, self.unmet_panel)
        group_column.addWidget(self.group_charts, 1)

        areas = QWidget()
        column = QVBoxLayout(areas)
        self.funnel = FunnelChart("Funnel plot of areas")
        self.area_choice = fit_combo(QComboBox(), 20)
        self.area_choice.setAccessibleName("Highlight an area on the funnel plot")
        caption = QLabel("Highlight area:")
        caption.setBuddy(self.area_choice)
        self.funnel.actions_row.addWidget(caption)  # the chart's own row of controls
        self.funnel.actions_row.addWidget(self.area_choice)
        self.outlier_caption = QLabel()
        self.outlier_caption.setWordWrap(True)
        self.outlier_model = FrameModel()
        self.outliers = frame_view("Areas outside the funnel limits", self.outlier_model)
        lower = QWidget()
        lower_column = QVBoxLayout(lower)
        lower_column.setContentsMargins(0, 0, 0, 0)
        lower_column.addWidget(self.outlier_caption)
        lower_column.addWidget(self.outliers, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.funnel)
        split.addWidget(lower)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setChildrenCollapsible(False)
        self.outliers.setMinimumHeight(120)  # a few rows, whatever the screen
        column.addWidget(split, 1)

        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Provision against need: by group or by area")
        self.tabs.tabBar().setAccessibleName(f"{self.tabs.accessibleName()}: tabs")
        self.tabs.addTab(groups, "By group")
        self.tabs.addTab(areas, "By area: funnel plot")
        self.body.addWidget(self.tabs, 1)

        self.area_choice.currentIndexChanged.connect(self._area_chosen)
        self.funnel.row_clicked.connect(self.choose_area)
        self.outliers.clicked.connect(self._outlier_clicked)

    @property
    def breakdown_key(self) -> str:
        return str(self.choice.currentData() or DEFAULT)

    @property
    def level(self) -> str:
        return str(self.level_choice.currentData() or "msoa")

    def request(self) -> PageRequest:
        return PageRequest(
            breakdown=self.breakdown_key,
            sections=("access", "need"),
            extras=(f"areas:{self.level}",),
        )

    @staticmethod
    def prepare_result(result: PageResult) -> tuple[FunnelData, pl.DataFrame]:
        """The funnel's points and the outliers' table, made on the worker."""
        from rehabdash.plan.funnel_data import funnel_data, outlier_table

        level = next(e.split(":", 1)[1] for e in result.request.extras if e.startswith("areas:"))
        areas = [i for i in result.indicators if i.breakdown_key == level]
        return funnel_data(areas, level), outlier_table(areas, level)

    def show_result(self, result: PageResult) -> None:
        key = self.breakdown_key
        self.drawn_oe = _draw(self.oe_panel, result.get("seen_oe", key), "observed ÷ expected")
        self.drawn_unmet = _draw(self.unmet_panel, result.get("unmet_need", key), "unmet need")
        self.group_charts.fit_charts(self.oe_panel, self.unmet_panel)
        funnel, table = result.prepared
        keep = self.funnel.highlighted if self.drawn_funnel is not None else None
        chosen = keep if keep is not None and funnel.point(keep) else funnel.default_highlight()
        self.drawn_funnel = funnel
        self.funnel.show_data(funnel, chosen)
        self._fill_areas(funnel, chosen)
        self.outlier_codes = table["Code"].to_list()
        self.outlier_model.set_frame(table)
        from rehabdash.ui.frame_model import fit_columns

        fit_columns(self.outliers)
        self.outlier_caption.setText(
            f"<b>Areas outside the 95% limits</b> ({table.height:,} of {len(funnel.points):,}), "
            "furthest below expected first. Click a row to highlight the area."
            if table.height
            else "No area lies outside the 95% limits: every area's O/E is within what "
            "chance alone would give around the scope's own rate."
        )

    # ------------------------------------------------------------ the highlighted area

    def _fill_areas(self, funnel: FunnelData, chosen: str | None) -> None:
        combo = self.area_choice
        combo.blockSignals(True)
        combo.clear()
        for point in sorted(funnel.points, key=lambda p: p.name):
            combo.addItem(f"{point.name} ({point.code})", point.code)
        combo.setCurrentIndex(combo.findData(chosen) if chosen is not None else -1)
        combo.setEnabled(bool(funnel.points))
        combo.blockSignals(False)

    def choose_area(self, code: str) -> None:
        """Highlight the area ``code`` (the combo follows)."""
        found = self.area_choice.findData(code)
        if found >= 0:
            self.area_choice.setCurrentIndex(found)

    def _area_chosen(self, _index: int) -> None:
        code = self.area_choice.currentData()
        point = self.funnel.highlight(str(code) if code is not None else None)
        if point is not None:
            self.funnel.select(point.code)

    def _outlier_clicked(self, index: QModelIndex) -> None:
        if 0 <= index.row() < len(self.outlier_codes):
            self.choose_area(self.outlier_codes[index.row()])


def _draw(panel: ChartPanel, indicator: Indicator | None, what: str) -> Indicator | None:
    """Draw ``indicator`` in ``panel``, or say why there is nothing to draw."""
    from rehabdash.plan.chart_data import ChartData, chart_data

    if indicator is None:
        panel.show_data(ChartData("", what, what, "", "", (), ()))
        panel.say(
            f"No {what} for this breakdown: it needs the population of each group by sex "
            "and age band."
        )
        return None
    panel.show_data(chart_data(indicator))
    return indicator


if __name__ == "__main__":
    sys.exit(run_alone(NeedPage))
