"""Caseload share beside population share: two bars a group (issue 11 item 1).

A group under-represented among the people seen has its dark blue bar (share of people
seen, with its 95% interval) shorter than its hatched turquoise bar (share of the
population). Drawn from :func:`rehabdash.plan.shares.shares`.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QWidget

from rehabdash.plan.chart_data import number
from rehabdash.ui.charts.frame import ChartFrame, brush
from rehabdash.ui.theme import DARK_BLUE, GREY, TURQUOISE

__all__ = ["HEADER", "ShareChart"]

HEIGHT = 0.36  # each of a group's two bars
HEADER = [
    "Group",
    "Share of people seen (%)",
    "Lower 95%",
    "Upper 95%",
    "Share of population (%)",
    "People seen",
    "Population",
]


class ShareChart(ChartFrame):
    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(name, parent)
        item = self.plot.getPlotItem()
        item.invertY(True)
        item.showGrid(x=True, y=False, alpha=0.25)
        self.seen = pg.BarGraphItem(x0=[], y=[], width=[], height=HEIGHT)
        self.seen.setOpts(brush=brush(DARK_BLUE), pen=pg.mkPen(DARK_BLUE))
        self.population = pg.BarGraphItem(x0=[], y=[], width=[], height=HEIGHT)
        self.population.setOpts(
            brush=brush(TURQUOISE, Qt.BrushStyle.BDiagPattern), pen=pg.mkPen(TURQUOISE, width=2)
        )
        self.errors = pg.ErrorBarItem(x=np.zeros(0), y=np.zeros(0), beam=0.15)
        self.errors.setData(pen=pg.mkPen(GREY, width=1.5))
        for part in (self.seen, self.population, self.errors):
            item.addItem(part)
        self.add_interval_item(self.errors)
        item.setLabel("bottom", "Share (%)")
        self.legend.setText(
            f'<span style="color:{DARK_BLUE}">■</span> share of people seen &nbsp;&nbsp; '
            f'<span style="color:{TURQUOISE}">▨</span> share of the population &nbsp;&nbsp; '
            f'<span style="color:{GREY}">├┤</span> 95% confidence interval (Wilson)'
        )

    def show_shares(self, frame: pl.DataFrame, breakdown: str) -> None:
        """Draw ``frame`` (the columns of :func:`rehabdash.plan.shares.shares`)."""
        self.title.setText(f"Share of people seen beside share of the population, by {breakdown}")
        ys = np.arange(frame.height, dtype=float)
        seen = frame["caseload_share"].to_numpy().astype(float)
        pop = frame["population_share"].to_numpy().astype(float)
        self.seen.setOpts(x0=np.zeros(frame.height), y=ys - HEIGHT / 2, width=seen, height=HEIGHT)
        self.population.setOpts(
            x0=np.zeros(frame.height), y=ys + HEIGHT / 2, width=pop, height=HEIGHT
        )
        lower = frame["lower"].to_numpy().astype(float)
        upper = frame["upper"].to_numpy().astype(float)
        self.errors.setData(x=seen, y=ys - HEIGHT / 2, left=seen - lower, right=upper - seen)
        item = self.plot.getPlotItem()
        labels = frame["level"].to_list()
        left = item.getAxis("left")
        left.setTicks([list(zip(ys.tolist(), labels, strict=True))])
        metrics = QFontMetrics(self.plot.font())
        left.setWidth(max((metrics.horizontalAdvance(t) for t in labels), default=0) + 30)
        top = max([*upper.tolist(), *pop.tolist(), 1.0])
        item.setXRange(0.0, top * 1.05, padding=0)
        item.setYRange(-0.6, max(frame.height - 0.4, 0.6), padding=0)
        self.set_table(
            [
                HEADER,
                *(
                    [
                        str(r["level"]),
                        number(r["caseload_share"]),
                        number(r["lower"]),
                        number(r["upper"]),
                        number(r["population_share"]),
                        number(r["people_seen"]),
                        number(r["population"]),
                    ]
                    for r in frame.iter_rows(named=True)
                ),
            ]
        )
        self.say(
            None
            if frame.height
            else "No group has both a recorded value and a population here, so shares "
            "cannot be compared."
        )
