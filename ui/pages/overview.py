"""Overview: the latest financial year's headline figures and monthly activity.

Figures come from queries.overview (live batches, rehab team types); the chart shows
referrals and referrals seen by month, with a table view of the same numbers.
"""

from __future__ import annotations

import sys

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from rehabdash.queries.summaries import Monthly, Overview
from rehabdash.ui.theme import DARK_BLUE, GREY, TURQUOISE
from rehabdash.ui.widgets import Tile

__all__ = ["OverviewPage"]


def _n(value: float) -> str:
    return f"{value:,.0f}"


class OverviewPage(QWidget):
    shown_with_data = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
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
        grid = QGridLayout()
        for i, tile in enumerate(self.tiles.values()):
            grid.addWidget(tile, 0, i)

        self.plot = pg.PlotWidget(background="w")
        self.plot.setAccessibleName("Referrals and referrals seen by month")
        self.plot.setTitle("Referrals received and seen, by month", color=DARK_BLUE)
        self.plot.showGrid(y=True, alpha=0.25)
        self.plot.addLegend(
            offset=(-10, 5), brush=pg.mkBrush(255, 255, 255, 230), labelTextColor=GREY
        )
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
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["Month", "Referrals", "Seen"])
        self.table.setAccessibleName("Monthly referrals table")
        self.views = QStackedWidget()
        self.views.addWidget(self.plot)
        self.views.addWidget(self.table)
        self.toggle = QPushButton("Show as table")
        self.toggle.setCheckable(True)
        self.toggle.toggled.connect(self._toggle_view)
        bar = QHBoxLayout()
        bar.addStretch(1)
        bar.addWidget(self.toggle)

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.status)
        layout.addLayout(grid)
        layout.addLayout(bar)
        layout.addWidget(self.views, 1)
        caption = QLabel(
            "Seen = referrals with an attended contact by the extract date, so the latest "
            "months look lower while people are still waiting."
        )
        caption.setObjectName("tileNote")
        caption.setWordWrap(True)
        layout.addWidget(caption)

    def _toggle_view(self, as_table: bool) -> None:
        self.views.setCurrentIndex(1 if as_table else 0)
        self.toggle.setText("Show as chart" if as_table else "Show as table")

    def show_message(self, text: str) -> None:
        self.status.setText(text)

    def show_overview(self, data: Overview | None) -> None:
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
            "rehab team types; live import batches."
        )
        self.tiles["referrals"].set(_n(h.referrals), "referral episodes received in the year")
        self.tiles["people"].set(_n(h.people_referred), "distinct people with a referral")
        self.tiles["seen"].set(_n(h.people_seen), "people with at least one attended contact")
        rate = h.seen_per_1000
        if rate is None:
            self.tiles["rate"].set("–", "no population loaded for this period")
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
        self.plot.getAxis("bottom").setTicks([list(zip(x.tolist(), labels, strict=True))])
        self.plot.setLabel("left", "Referrals")
        # Headroom above the tallest bar keeps the legend clear of the bars.
        top = max([*monthly.referrals, *monthly.seen, 1])
        self.plot.setXRange(-0.7, len(labels) - 0.3, padding=0)
        self.plot.setYRange(0, top * 1.3, padding=0)
        self.table.setRowCount(len(labels))
        rows = zip(labels, monthly.referrals, monthly.seen, strict=True)
        for row, (label, refs, seen) in enumerate(rows):
            for col, value in enumerate((label, _n(refs), _n(seen))):
                item = QTableWidgetItem(value)
                if col:
                    align = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    item.setTextAlignment(align)
                self.table.setItem(row, col, item)


if __name__ == "__main__":
    from rehabdash.queries.overview import overview
    from rehabdash.ui.standalone import show_page

    sys.exit(show_page(OverviewPage, overview, lambda page, data: page.show_overview(data)))
