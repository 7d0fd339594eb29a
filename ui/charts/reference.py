"""The bar chart panel with a vertical reference line (18 weeks, an MCID) and a value axis
that goes below zero when a value does (a mean change can be negative).

The one :class:`~rehabdash.ui.charts.panel.ChartPanel` draws bars from 0 to the largest
upper limit. The waits page wants a line at 18 weeks on a chart of days, and the
outcomes page one at the tool's MCID on a chart of mean change, whose values (and
limits) can be negative: this subclass adds one dashed line (made once, moved in place;
hidden when there is no reference), widens the axis to show it and anything below 0,
and names the line in the legend, in words as well as by its dash.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from rehabdash.plan.chart_data import ChartData
from rehabdash.ui.charts.panel import ChartPanel
from rehabdash.ui.theme import DARK_PINK

__all__ = ["ReferencePanel"]


class ReferencePanel(ChartPanel):
    """A :class:`ChartPanel` with an optional vertical line at a reference value."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        self.reference: tuple[float, str] | None = None  # (value, words) drawn now
        super().__init__(name, parent)
        pen = pg.mkPen(DARK_PINK, width=2, style=Qt.PenStyle.DashLine)
        self.line = pg.InfiniteLine(
            angle=90,
            movable=False,
            pen=pen,
            label="",
            labelOpts={  # at the foot of the line, to its left: clear of the plot's right edge
                "position": 0.97,
                "color": DARK_PINK,
                "fill": (255, 255, 255, 220),
                "anchors": [(1.0, 1.0), (1.0, 1.0)],
            },
        )
        self.line.setVisible(False)
        self.line.setZValue(5)  # over the bars
        self.plot.getPlotItem().addItem(self.line, ignoreBounds=True)

    def set_reference(self, value: float | None, words: str = "") -> None:
        """Where the line goes (None: no line) and what it is, for the next draw."""
        self.reference = None if value is None else (float(value), words)

    def show_data(self, data: ChartData) -> None:
        super().show_data(data)
        values = [v for r in data.rows for v in (r.value, r.lower, r.upper) if v is not None]
        low, high = min([0.0, *values]), max([0.0, *values])
        if self.reference is not None:
            at, words = self.reference
            self.line.setPos(at)
            self.line.label.setFormat(words)
            low, high = min(low, at), max(high, at)
        self.line.setVisible(self.reference is not None)
        span = (high - low) or 1.0
        left = low - 0.05 * span if low < 0 else 0.0
        self.plot.getPlotItem().setXRange(left, high + 0.08 * span, padding=0)

    def _legend_text(self, data: ChartData) -> str:
        text = ChartPanel._legend_text(data)
        if self.reference is None:
            return text
        words = self.reference[1].replace(" ", "&nbsp;")  # one legend item: never broken
        line = f'<span style="color:{DARK_PINK}">┆</span>&nbsp;{words}'
        head, sep, tail = text.partition("<br>")
        return f"{head}&nbsp;&nbsp; {line}{sep}{tail}"
