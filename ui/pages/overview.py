"""Overview: the latest financial year's headline figures and monthly activity, then
what the data plan finds for the session's filter.

The first paint is fast: the four count tiles and the monthly chart come from
queries.overview (live batches, rehab team types; saved as a snapshot), which the window
hands to :meth:`OverviewPage.show_overview`. Given a session, the page also holds a
:class:`~rehabdash.ui.pages.findings_panel.FindingsPanel`: the plan's headline tiles
with 95% intervals and its ranked findings, worked out in the background once the store
is open; a click on a finding emits :attr:`OverviewPage.finding_opened` with the page,
breakdown and level behind it.
"""

from __future__ import annotations

import sys

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from rehabdash.queries.summaries import Monthly, Overview
from rehabdash.ui.pages.findings_panel import FindingsPanel, TileRow
from rehabdash.ui.pages.plan_page import PlanPage
from rehabdash.ui.session import Session
from rehabdash.ui.settings import Settings
from rehabdash.ui.tasks import TaskRunner
from rehabdash.ui.theme import DARK_BLUE, GREY, TURQUOISE
from rehabdash.ui.widgets import Tile

__all__ = ["SIDE_BY_SIDE_WIDTH", "SPLIT_MIN_HEIGHT", "OverviewPage"]

SPLIT_MIN_HEIGHT = 240  # the findings and the chart: never squeezed below this
SIDE_BY_SIDE_WIDTH = 960  # narrower (a small screen at 150%): the chart under the findings


def _n(value: float) -> str:
    return f"{value:,.0f}"


class _Split(QSplitter):
    """The findings beside the chart, asking only for its minimum height: in the
    window's scroll area the page is as tall as the screen allows (the findings scroll
    inside), not as tall as the chart would like, and the tiles above keep the height
    their wrapped words need."""

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), self.minimumHeight())


class OverviewPage(QWidget):
    shown_with_data = Signal()  # the fast figures are drawn (start-up is ready)
    #: A finding was opened: (page key, breakdown key, level code) behind it.
    finding_opened = Signal(str, str, str)

    def __init__(
        self,
        session: Session | None = None,
        runner: TaskRunner | None = None,
        settings: Settings | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """With a ``session`` (and the window's ``runner``) the page also shows the
        plan's headlines and findings; without, only the fast summary."""
        super().__init__(parent)
        self.findings: FindingsPanel | None = None
        if session is not None:
            self.findings = FindingsPanel(session, runner or TaskRunner(self), settings)
            self.findings.finding_opened.connect(self.finding_opened)
        #: The page's parts that draw the plan: they follow the store and the filter
        #: like the dashboard pages do (registry.plan_pages may gather them).
        self.plan_parts: list[PlanPage] = [self.findings] if self.findings else []
        self.title = QLabel("Overview")
        self.title.setObjectName("pageTitle")
        self.status = QLabel("Loading the store…")
        self.status.setWordWrap(True)
        self.tiles = {
            "referrals": Tile("Referrals received"),
            "people": Tile("People referred"),
            "seen": Tile("People seen"),
            "rate": Tile("People seen per 1,000 population"),
        }
        self.tile_row = TileRow(self.tiles.values())

        self.plot = pg.PlotWidget(background="w")
        self.plot.setAccessibleName("Referrals and referrals seen by month")
        self.plot.setTitle("Referrals received and seen, by month", color=DARK_BLUE)
        self.plot.showGrid(y=True, alpha=0.25)
        # The legend in a row of its own under the axis: never over the bars, however
        # small the chart (a small screen, 150% scaling).
        self.legend = pg.LegendItem(labelTextColor=GREY, colCount=2)
        self.plot.getPlotItem().layout.addItem(self.legend, 4, 1)
        for side in ("left", "bottom"):  # WCAG AA: the axis text in the theme's grey
            self.plot.getAxis(side).setTextPen(GREY)
            self.plot.getAxis(side).setPen(GREY)
        # Retained-mode items, updated with setOpts on each refresh.
        self._bars_ref = pg.BarGraphItem(
            x=[], height=[], width=0.38, brush=DARK_BLUE, name="Referrals"
        )
        self._bars_seen = pg.BarGraphItem(
            x=[],
            height=[],
            width=0.38,
            brush=pg.mkBrush(TURQUOISE),
            pen=pg.mkPen(TURQUOISE),
            name="Seen (attended contact)",
        )
        self.plot.addItem(self._bars_ref)
        self.plot.addItem(self._bars_seen)
        self.legend.addItem(self._bars_ref, "Referrals")
        self.legend.addItem(self._bars_seen, "Seen (attended contact)")
        self.table = QTableWidget(0, 3)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table
        self.table.setHorizontalHeaderLabels(["Month", "Referrals", "Seen"])
        self.table.setAccessibleName("Monthly referrals table")
        self.views = QStackedWidget()
        self.views.addWidget(self.plot)
        self.views.addWidget(self.table)
        self.toggle = QPushButton("Show as table")
        self.toggle.setAccessibleName("Show the monthly referrals as a table")
        self.toggle.setCheckable(True)
        self.toggle.toggled.connect(self._toggle_view)
        bar = QHBoxLayout()
        bar.addStretch(1)
        bar.addWidget(self.toggle)

        title_row = QHBoxLayout()
        title_row.addWidget(self.title)
        if self.findings is not None:  # "Demo data (synthetic)", while the demo is open
            title_row.addWidget(self.findings.banner)
        title_row.addStretch(1)
        caption = QLabel(
            "Seen = referrals with an attended contact by the extract date, so the latest "
            "months look lower while people are still waiting."
        )
        caption.setObjectName("tileNote")
        caption.setWordWrap(True)
        chart = QWidget()
        chart_layout = QVBoxLayout(chart)
        chart_layout.setContentsMargins(0, 0, 0, 0)
        chart_layout.addLayout(bar)
        chart_layout.addWidget(self.views, 1)
        chart_layout.addWidget(caption)

        layout = QVBoxLayout(self)
        layout.addLayout(title_row)
        layout.addWidget(self.status)
        layout.addWidget(self.tile_row)
        if self.findings is None:
            layout.addWidget(chart, 1)
            return
        layout.addWidget(self.findings)
        #: The findings beside the monthly chart; the splitter keeps both visible.
        self.split = _Split(Qt.Orientation.Horizontal)
        self.split.setChildrenCollapsible(False)
        self.split.addWidget(self.findings.findings_area)
        self.split.addWidget(chart)
        self.split.setStretchFactor(0, 3)
        self.split.setStretchFactor(1, 2)
        self.split.setSizes([600, 400])  # 3:2 of whatever width the page has
        self.split.setMinimumHeight(SPLIT_MIN_HEIGHT)
        layout.addWidget(self.split, 1)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.findings is None:
            return
        side_by_side = event.size().width() >= SIDE_BY_SIDE_WIDTH
        want = Qt.Orientation.Horizontal if side_by_side else Qt.Orientation.Vertical
        if self.split.orientation() != want:
            self.split.setOrientation(want)
            self.split.setMinimumHeight(SPLIT_MIN_HEIGHT * (1 if side_by_side else 2))
            self.split.setSizes([600, 400] if side_by_side else [500, 500])

    def _toggle_view(self, as_table: bool) -> None:
        self.views.setCurrentIndex(1 if as_table else 0)
        self.toggle.setText("Show as chart" if as_table else "Show as table")

    def show_message(self, text: str) -> None:
        self.status.setText(text)

    def store_changed(self) -> None:
        """The store was opened or changed: the plan is worked out again (now, if the
        page is shown; else when it is next shown)."""
        if self.findings is not None:
            self.findings.store_changed()

    def filter_changed(self) -> None:
        """The session's filter changed: the plan follows it (the fast figures do not:
        they are the latest financial year's)."""
        if self.findings is not None:
            self.findings.filter_changed()

    def show_overview(self, data: Overview | None) -> None:
        if self.findings is not None:
            # The store has activity to plan (or none); the window starts the plan once
            # the filter is known (store_changed), so it is worked out once.
            self.findings.armed = data is not None
            self.findings.banner.setVisible(self.findings.session.demo)
        if data is None:
            self.status.setText(
                "This store holds no rehab activity yet. Import an extract "
                "(rehabdash import) or build the demo (rehabdash demo)."
            )
            return
        h = data.headline
        p = h.period
        self.title.setText(f"Overview — financial year {p.label}")
        self.status.setText(
            f"Referrals received {p.start:%d %b %Y} to {p.end:%d %b %Y}; "
            "rehab team types; live import batches: the whole year, not the filter bar's "
            "choice (the figures with intervals below follow it)."
        )
        self.tiles["referrals"].set(_n(h.referrals), "referral episodes received in the year")
        self.tiles["people"].set(_n(h.people_referred), "distinct people with a referral")
        self.tiles["seen"].set(_n(h.people_seen), "people with at least one attended contact")
        rate = h.seen_per_1000
        if rate is None:
            self.tiles["rate"].set(
                "–", "no population imported (the figures below use ONS estimates)"
            )
        else:
            self.tiles["rate"].set(
                f"{rate:,.1f}",
                f"of {h.population:,.0f} residents (mid-{h.population_year} estimates)",
            )
        self._draw(data.monthly)
        self.shown_with_data.emit()

    def _draw(self, monthly: Monthly) -> None:
        x = np.arange(len(monthly.months), dtype=float)
        self._bars_ref.setOpts(x=x - 0.2, height=np.asarray(monthly.referrals, dtype=float))
        self._bars_seen.setOpts(x=x + 0.2, height=np.asarray(monthly.seen, dtype=float))
        labels = [d.strftime("%b %y") for d in monthly.months]
        ticks = list(zip(x.tolist(), labels, strict=True))
        # Every third month always labelled, the others where there is room for them.
        self.plot.getAxis("bottom").setTicks(
            [ticks[::3], [t for i, t in enumerate(ticks) if i % 3]]
        )
        self.plot.setLabel("left", "Referrals")
        top = max([*monthly.referrals, *monthly.seen, 1])
        self.plot.setXRange(-0.7, len(labels) - 0.3, padding=0)
        self.plot.setYRange(0, top * 1.1, padding=0)
        self.table.setRowCount(len(labels))
        rows = zip(labels, monthly.referrals, monthly.seen, strict=True)
        for row, (label, refs, seen) in enumerate(rows):
            for col, value in enumerate((label, _n(refs), _n(seen))):
                item = QTableWidgetItem(value)
                if col:
                    align = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    item.setTextAlignment(align)
                self.table.setItem(row, col, item)


def _alone() -> int:
    """``python -m rehabdash.ui.pages.overview``: the page alone on a demo store."""
    from typing import Any

    from rehabdash.queries.overview import overview
    from rehabdash.ui.standalone import show_page

    def make() -> OverviewPage:
        return OverviewPage(Session(url=""), TaskRunner(synchronous=True))

    def load(engine: Any) -> tuple[Any, Overview | None]:
        return engine, overview(engine)

    def show(page: QWidget, loaded: tuple[Any, Overview | None]) -> None:
        assert isinstance(page, OverviewPage)
        assert page.findings is not None
        engine, data = loaded
        page.findings.session.opened(engine)
        page.findings.session.demo = True
        page.show_overview(data)
        page.store_changed()

    return show_page(make, load, show)


if __name__ == "__main__":
    sys.exit(_alone())
