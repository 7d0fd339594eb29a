"""The gradient chart: vertical bars of a rate by deprivation quantile, most deprived on
the left, with their intervals and the fitted SII line over them (issue 11; DESIGN 7.6).

It draws a :class:`~rehabdash.plan.gradient.Gradient` (Qt-free): each bar spans its
quantile's share of the population on the x axis (relative rank 0 to 1), so the fitted
line is straight and its ends at 0 and 1 are the ends the SII compares. The table, the
interval toggle, copy and save are the :class:`ChartFrame`'s.

* the pyqtgraph items are made once and updated in place;
* colour is never the only cue: the line is thick and dashed with square ends, the
  "All" rate a dotted line, values of low reliability stippled, and the empty states
  (true zero, ``[c]``, ``[x]``, ``[z]``) have their own marker and legend words;
* clicking a bar shows its numbers and emits :attr:`row_clicked` with its code.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from rehabdash.plan.chart_data import STATES
from rehabdash.plan.gradient import Gradient, GradientBar
from rehabdash.ui.charts.frame import ChartFrame, brush, details_text
from rehabdash.ui.charts.panel import MARKERS, marker_fill, state_legend
from rehabdash.ui.theme import DARK_BLUE, DARK_PINK, GREY, TURQUOISE

__all__ = ["GAP", "GradientChart"]

GAP = 0.12  # the share of each bar's span left blank between bars


class GradientChart(ChartFrame):
    """Vertical bars by deprivation quantile with CI error bars and the SII line."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(name, parent)
        self._data: Gradient | None = None
        item = self.plot.getPlotItem()
        item.showGrid(x=False, y=True, alpha=0.25)
        item.getAxis("left").setStyle(hideOverlappingLabels=False)  # the 0 at the foot
        self.bars = pg.BarGraphItem(x0=[], width=[], y0=[], height=[])
        self.low_bars = pg.BarGraphItem(x0=[], width=[], y0=[], height=[])
        self.bars.setOpts(brush=brush(DARK_BLUE), pen=pg.mkPen(DARK_BLUE))
        self.low_bars.setOpts(
            brush=brush(DARK_BLUE, Qt.BrushStyle.Dense5Pattern), pen=pg.mkPen(DARK_BLUE)
        )
        self.errors = pg.ErrorBarItem(x=np.zeros(0), y=np.zeros(0), beam=0.02)
        self.errors.setData(pen=pg.mkPen(GREY, width=1.5))
        self.markers = pg.ScatterPlotItem(size=11)
        self.line = pg.PlotDataItem(
            x=[],
            y=[],
            pen=pg.mkPen(DARK_PINK, width=3, style=Qt.PenStyle.DashLine),
            symbol="s",
            symbolSize=9,
            symbolBrush=pg.mkBrush(DARK_PINK),
            symbolPen=pg.mkPen(DARK_PINK),
        )
        self.everyone = pg.InfiniteLine(
            pos=0.0, angle=0, pen=pg.mkPen(TURQUOISE, width=2, style=Qt.PenStyle.DotLine)
        )
        self.everyone.setVisible(False)
        for chart_item in (self.bars, self.low_bars, self.errors, self.markers):
            item.addItem(chart_item)
        item.addItem(self.everyone)
        item.addItem(self.line)
        self.add_interval_item(self.errors)
        self.plot.scene().sigMouseClicked.connect(self._clicked)

    # ---------------------------------------------------------------- drawing

    def show_data(self, data: Gradient) -> None:
        """Draw ``data``: the same items, new numbers."""
        self._data = data
        self.details.clear()
        self.title.setText(f"{data.value_title}, by {data.breakdown}")
        self._set_bars(data.bars)
        valued = [b for b in data.bars if b.row.value is not None]
        with_ci = [b for b in valued if b.row.lower is not None and b.row.upper is not None]
        x = np.array([b.centre for b in with_ci], dtype=float)
        y = np.array([b.row.value for b in with_ci], dtype=float)
        self.errors.setData(
            x=x,
            y=y,
            top=np.array([b.row.upper for b in with_ci], dtype=float) - y,
            bottom=y - np.array([b.row.lower for b in with_ci], dtype=float),
            beam=min((b.right - b.left for b in data.bars), default=0.1) * 0.3,
        )
        tops = [b.row.upper or b.row.value or 0.0 for b in data.bars]
        if data.line is not None:
            self.line.setData(x=[0.0, 1.0], y=list(data.line))
            tops += list(data.line)
        else:
            self.line.setData(x=[], y=[])
        everyone = data.everyone.value if data.everyone is not None else None
        self.everyone.setVisible(everyone is not None)
        if everyone is not None:
            self.everyone.setPos(everyone)
            tops.append(everyone)
        top = max(tops, default=0.0)
        top = top * 1.08 if top > 0 else 1.0
        self._set_markers(data.bars, top * 0.015)
        item = self.plot.getPlotItem()
        bottom = item.getAxis("bottom")
        bottom.setTicks([[(b.centre, b.row.code) for b in data.bars]])
        what = data.quantile
        width = "bar width: share of the population" if data.by_population else "equal widths"
        item.setLabel("bottom", f"IMD {what}, 1 = most deprived, on the left ({width})")
        item.setLabel("left", data.value_title)
        item.setXRange(0.0, 1.0, padding=0.01)
        item.setYRange(-top * 0.02, top, padding=0)  # room for the 0 tick
        self.set_table(data.table())
        self.legend.setText(self._legend_text(data))
        self.say(
            None
            if valued
            else f"No {what} has a rate here: deprivation is not recorded for these referrals, "
            "or every value is suppressed or not available."
        )

    def _set_bars(self, bars: tuple[GradientBar, ...]) -> None:
        for item, low in ((self.bars, False), (self.low_bars, True)):
            chosen = [
                b
                for b in bars
                if b.row.value is not None
                and b.row.state != "zero"
                and (b.row.state == "low") == low
            ]
            spans = [(b.right - b.left) for b in chosen]
            item.setOpts(
                x0=[b.left + s * GAP / 2 for b, s in zip(chosen, spans, strict=True)],
                width=[s * (1 - GAP) for s in spans],
                y0=[0.0] * len(chosen),
                height=[float(b.row.value or 0.0) for b in chosen],
            )

    def _set_markers(self, bars: tuple[GradientBar, ...], y: float) -> None:
        chosen = [b for b in bars if b.row.state in MARKERS]
        self.markers.setData(
            x=[b.centre for b in chosen],
            y=[y] * len(chosen),
            symbol=[MARKERS[b.row.state][0] for b in chosen],
            brush=[pg.mkBrush(marker_fill(b.row.state)) for b in chosen],
            pen=[pg.mkPen(MARKERS[b.row.state][1], width=2) for b in chosen],
        )

    @staticmethod
    def _legend_text(data: Gradient) -> str:
        parts = [f'<span style="color:{DARK_BLUE}">■</span> {data.value_title.lower()}']
        if any(b.row.lower is not None for b in data.bars):
            parts.append(f'<span style="color:{GREY}">┬┴</span> 95% confidence interval')
        if data.line is not None:
            parts.append(
                f'<span style="color:{DARK_PINK}">■ ‒ ‒ ■</span> fitted SII line '
                f"(weighted by population)"
            )
        if data.everyone is not None and data.everyone.value is not None:
            parts.append(f'<span style="color:{TURQUOISE}">┈┈</span> All (everyone in scope)')
        parts += state_legend(b.row.state for b in data.bars)
        caveats = "".join(f"<br>{c}" for c in data.caveats)
        return "&nbsp;&nbsp; ".join(parts) + caveats

    # ---------------------------------------------------------------- clicks

    def _clicked(self, event: object) -> None:
        point = self.view_point(event)
        if self._data is None or point is None:
            return
        for index, bar in enumerate(self._data.bars):
            if bar.left <= point.x() < bar.right:
                self.select(index)
                return

    def select(self, index: int) -> GradientBar:
        """Show the numbers of bar ``index`` and emit :attr:`row_clicked`."""
        assert self._data is not None
        bar = self._data.bars[index]
        row = bar.row
        numbers = [
            f"{row.shorthand or STATES[row.state]} per 1,000{row.interval}",
            f"people seen {row.numerator:,.0f}" if row.numerator is not None else "",
            f"population {bar.population:,.0f}" if bar.population is not None else "",
            row.method,
            row.note,
        ]
        self.details.setText(details_text(row.label, numbers))
        self.row_clicked.emit(row.code)
        return bar
