"""The funnel plot: each area's observed ÷ expected people seen against its expected
count, with the 95% and 99.8% control limits around the scope's own ratio (issue 11;
DESIGN 7.8). It draws a :class:`~rehabdash.plan.funnel_data.FunnelData` (Qt-free); the
table, interval toggle, copy and save are the :class:`ChartFrame`'s.

* the pyqtgraph items are made once and updated in place;
* an area's class is its shape as well as its colour: a hollow circle within the
  limits, a triangle up (more seen than expected) or down (fewer), hollow beyond 95%
  and filled beyond 99.8%; the 95% limits are dashed and the 99.8% limits solid;
* one area is highlighted by a ring and its name, with its own 95% interval (the
  interval toggle shows and hides it);
* clicking a point shows its numbers in the details line and emits
  :attr:`row_clicked` with its code.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from rehabdash.plan.funnel_data import FunnelData, FunnelPoint
from rehabdash.ui.charts.frame import ChartFrame, details_text
from rehabdash.ui.theme import DARK_BLUE, DARK_PINK, GREY, TURQUOISE

__all__ = ["SHAPES", "FunnelChart"]

#: Each outlier class: pyqtgraph symbol, colour, filled, size (and the legend's symbol).
SHAPES: dict[float, tuple[str, str, bool, int, str]] = {
    2.0: ("t1", DARK_BLUE, True, 12, "▲"),
    1.0: ("t1", DARK_BLUE, False, 11, "△"),
    0.0: ("o", GREY, False, 7, "○"),
    -1.0: ("t", DARK_PINK, False, 11, "▽"),
    -2.0: ("t", DARK_PINK, True, 12, "▼"),
}
#: The legend's words of each class (the axis says what above and below mean).
_LEGEND_WORDS = {
    2.0: "above the 99.8% limit",
    1.0: "above 95%",
    0.0: "within the limits",
    -1.0: "below 95%",
    -2.0: "below 99.8%",
}


class FunnelChart(ChartFrame):
    """Areas as points on a funnel plot of O/E against expected, one highlighted."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(name, parent)
        self._data: FunnelData | None = None
        self.highlighted: str | None = None
        item = self.plot.getPlotItem()
        item.showGrid(x=True, y=True, alpha=0.2)
        dashed, solid = Qt.PenStyle.DashLine, Qt.PenStyle.SolidLine
        self.limits = {
            name: pg.PlotDataItem(x=[], y=[], pen=pg.mkPen(colour, width=w, style=style))
            for name, colour, w, style in (
                ("lower_95", TURQUOISE, 2, dashed),
                ("upper_95", TURQUOISE, 2, dashed),
                ("lower_998", DARK_BLUE, 2, solid),
                ("upper_998", DARK_BLUE, 2, solid),
            )
        }
        self.centre = pg.InfiniteLine(pos=1.0, angle=0, pen=pg.mkPen(GREY, width=1))
        self.points = pg.ScatterPlotItem(hoverable=False)
        self._styles = {
            c: (pg.mkPen(v[1], width=1.5), pg.mkBrush(v[1] if v[2] else "white"))
            for c, v in SHAPES.items()
        }
        self.ring = pg.ScatterPlotItem(
            symbol="o", size=22, brush=pg.mkBrush(None), pen=pg.mkPen(DARK_PINK, width=3)
        )
        self.ring_ci = pg.ErrorBarItem(x=np.zeros(0), y=np.zeros(0), beam=0.0)
        self.ring_ci.setData(pen=pg.mkPen(DARK_PINK, width=2))
        self.label = pg.TextItem(
            "", color=DARK_PINK, anchor=(0, 1), fill=pg.mkBrush(255, 255, 255, 220)
        )
        self.label.setVisible(False)
        item.addItem(self.centre)
        for line in self.limits.values():
            item.addItem(line)
        for chart_item in (self.ring_ci, self.points, self.ring, self.label):
            item.addItem(chart_item)
        self.add_interval_item(self.ring_ci)
        self.points.sigClicked.connect(self._clicked)

    # ---------------------------------------------------------------- drawing

    def show_data(self, data: FunnelData, highlight: str | None = None) -> None:
        """Draw ``data`` and highlight the area ``highlight`` (its code)."""
        self._data = data
        self.details.clear()
        self.title.setText(
            "People seen, observed ÷ expected (age-sex adjusted), each area against its "
            f"expected count: {data.title}"
        )
        for name, line in self.limits.items():
            line.setData(x=list(data.expected), y=list(getattr(data, name)))
        self.centre.setPos(data.centre)
        pts = data.points
        # One pen and brush a class, shared: pyqtgraph renders each symbol style once.
        styles = self._styles
        self.points.setData(
            x=[p.expected for p in pts],
            y=[p.oe for p in pts],
            data=[p.code for p in pts],
            symbol=[SHAPES[p.outlier][0] for p in pts],
            size=[SHAPES[p.outlier][3] for p in pts],
            pen=[styles[p.outlier][0] for p in pts],
            brush=[styles[p.outlier][1] for p in pts],
        )
        item = self.plot.getPlotItem()
        item.setLabel("bottom", "Expected people seen (age-sex adjusted), people")
        item.setLabel("left", "Observed ÷ expected (1 = as expected)")
        right = max([p.expected for p in pts], default=1.0) * 1.05
        values = [p.oe for p in pts] + [data.centre]
        values += [v for v in (*data.upper_998, *data.lower_998) if v is not None]
        # The points and limits fill the height (a few large areas sit close to 1).
        span = max(values) - min(values) or 1.0
        top, low = max(values) + span * 0.08, max(0.0, min(values) - span * 0.08)
        item.setXRange(0.0, right, padding=0)
        item.setYRange(low, top, padding=0)
        self.set_table(data.table())
        self.legend.setText(self._legend_text(data))
        self.highlight(highlight if highlight is not None else data.default_highlight())
        left = len(data.left_out)
        if not pts:
            self.say(
                "No area has an observed ÷ expected ratio here: the areas need a population "
                "by sex and age band (import one), or every value is suppressed or not available."
            )
        elif left:
            names = ", ".join(n for n, _ in data.left_out[:3]) + (", …" if left > 3 else "")
            why = data.left_out[0][1]
            self.say(f"{left:,} area{'s' if left > 1 else ''} not drawn ({names}): {why}.")
        else:
            self.say(None)

    def highlight(self, code: str | None) -> FunnelPoint | None:
        """Ring the area ``code`` (None: no area) with its name and 95% interval."""
        point = self._data.point(code) if self._data is not None and code else None
        self.highlighted = point.code if point is not None else None
        if point is None:
            self.ring.setData(x=[], y=[])
            self.ring_ci.setData(x=np.zeros(0), y=np.zeros(0), top=None, bottom=None)
            self.label.setVisible(False)
            return None
        self.ring.setData(x=[point.expected], y=[point.oe])
        if point.lower is None or point.upper is None:
            self.ring_ci.setData(x=np.zeros(0), y=np.zeros(0), top=None, bottom=None)
        else:
            self.ring_ci.setData(
                x=np.array([point.expected]),
                y=np.array([point.oe]),
                top=np.array([point.upper - point.oe]),
                bottom=np.array([point.oe - point.lower]),
            )
        self.label.setText(f" {point.name}")
        self.label.setPos(point.expected, point.oe)
        self.label.setVisible(True)
        return point

    @staticmethod
    def _legend_text(data: FunnelData) -> str:
        used = dict.fromkeys(p.outlier for p in data.points)
        parts = [
            f'<span style="color:{SHAPES[c][1]}">{SHAPES[c][4]}</span> {_LEGEND_WORDS[c]}'
            for c in SHAPES
            if c in used
        ]
        parts += [
            f'<span style="color:{TURQUOISE}">‒ ‒</span> 95% limits',
            f'<span style="color:{DARK_BLUE}">──</span> 99.8% limits',
            f'<span style="color:{DARK_PINK}">◯</span> highlighted area (with its 95% CI)',
        ]
        caveats = f"<br>{'; '.join(data.caveats)}." if data.caveats else ""
        return "&nbsp;&nbsp; ".join(parts) + caveats

    # ---------------------------------------------------------------- clicks

    def _clicked(self, _item: object, points: object, *_: object) -> None:
        found = list(points) if points is not None else []  # type: ignore[call-overload]
        if found:
            self.select(str(found[0].data()))

    def select(self, code: str) -> FunnelPoint | None:
        """Show the numbers of area ``code`` and emit :attr:`row_clicked`."""
        point = self._data.point(code) if self._data is not None else None
        if point is None:
            return None
        self.details.setText(details_text(point.name, point.details()))
        self.row_clicked.emit(point.code)
        return point
