"""A stacked horizontal bar chart: each group's share in each of a few ordered bands
(the waits' week bands), one bar a group (issue 11; DESIGN 10).

It draws a :class:`~rehabdash.plan.stacked_data.StackedData` and, like every chart, is
a :class:`~rehabdash.ui.charts.frame.ChartFrame`: the table (exactly the shares drawn)
first in the tab order, copy, save, a legend in words, the numbers of a clicked bar.

* one ``BarGraphItem`` a band, made once and updated in place; the bands run from the
  shortest wait on the left, so the segments at the right are the longest waits;
* colour is never the only cue: each band has its own fill pattern as well as a
  palette colour (the legend shows both, with the band's words), and the bands are in
  a fixed order; waits of 18 weeks or more are in the warm colours;
* a group with no bar (nobody to band ``[z]``, suppressed ``[c]``, not available
  ``[x]``) has the bar chart panel's marker for its state, and the legend says which.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QWidget

from rehabdash.plan.chart_data import STATES, axis_title, number
from rehabdash.plan.stacked_data import StackedData, StackedRow
from rehabdash.ui.charts.frame import ChartFrame, brush, details_text
from rehabdash.ui.charts.panel import BAR_HEIGHT, MARKERS, fit_rows, marker_fill, state_legend
from rehabdash.ui.theme import DARK_BLUE, DARK_PINK, GREY, ORANGE, TURQUOISE

__all__ = ["BAND_STYLES", "LIGHT_PURPLE", "StackedChart"]

LIGHT_PURPLE = "#A285D1"  # the Analysis Function categorical palette's sixth colour
_P = Qt.BrushStyle
#: Each band's (colour, fill pattern, legend symbol), shortest wait first: no two alike,
#: neighbours differ in pattern as well as colour.
BAND_STYLES: tuple[tuple[str, Qt.BrushStyle, str], ...] = (
    (DARK_BLUE, _P.SolidPattern, "■"),
    (DARK_BLUE, _P.BDiagPattern, "▨"),
    (TURQUOISE, _P.SolidPattern, "■"),
    (TURQUOISE, _P.FDiagPattern, "▧"),
    (LIGHT_PURPLE, _P.SolidPattern, "■"),
    (ORANGE, _P.DiagCrossPattern, "▩"),
    (DARK_PINK, _P.SolidPattern, "■"),
)


def _whole(words: str) -> str:
    """Words a legend keeps on one line (a legend item never breaks inside)."""
    return words.replace(" ", "&nbsp;")


class StackedChart(ChartFrame):
    """Stacked horizontal bars of ``bands`` ordered bands, with table and actions."""

    def __init__(self, name: str, bands: int, parent: QWidget | None = None) -> None:
        super().__init__(name, parent, intervals=False)  # shares of one total: no intervals
        if bands > len(BAND_STYLES):
            raise ValueError(f"at most {len(BAND_STYLES)} bands")
        self._data: StackedData | None = None
        self._rows: tuple[StackedRow, ...] = ()
        item = self.plot.getPlotItem()
        item.invertY(True)  # "All" at the top
        item.showGrid(x=True, y=False, alpha=0.25)
        self.segments: list[pg.BarGraphItem] = []
        for colour, pattern, _ in BAND_STYLES[:bands]:
            bars = pg.BarGraphItem(x0=[], y=[], width=[], height=BAR_HEIGHT)
            bars.setOpts(brush=brush(colour, pattern), pen=pg.mkPen(colour, width=1))
            item.addItem(bars)
            self.segments.append(bars)
        self.markers = pg.ScatterPlotItem(size=11)
        item.addItem(self.markers)
        self.plot.scene().sigMouseClicked.connect(self._clicked)

    def show_data(self, data: StackedData) -> None:
        """Draw ``data``: the same items, new numbers."""
        if len(data.bands) != len(self.segments):
            raise ValueError(f"{len(data.bands)} bands for a chart of {len(self.segments)}")
        self._data, self._rows = data, data.rows
        self.title.setText(data.title)
        self.details.clear()
        ys = np.arange(len(data.rows), dtype=float)
        drawn = [i for i, r in enumerate(data.rows) if r.drawn]
        for band, bars in enumerate(self.segments):
            starts = [data.rows[i].starts()[band] for i in drawn]
            widths = [float(data.rows[i].shares[band] or 0.0) for i in drawn]
            bars.setOpts(x0=starts, y=ys[drawn], width=widths, height=BAR_HEIGHT)
        missing = [i for i, r in enumerate(data.rows) if not r.drawn and r.state in MARKERS]
        self.markers.setData(
            x=[1.2] * len(missing),
            y=ys[missing],
            symbol=[MARKERS[data.rows[i].state][0] for i in missing],
            brush=[pg.mkBrush(marker_fill(data.rows[i].state)) for i in missing],
            pen=[pg.mkPen(MARKERS[data.rows[i].state][1], width=2) for i in missing],
        )
        item = self.plot.getPlotItem()
        left = item.getAxis("left")
        left.setTicks([[(float(y), r.label) for y, r in zip(ys, data.rows, strict=True)]])
        metrics = QFontMetrics(left.style.get("tickFont") or self.plot.font())
        left.setWidth(max((metrics.horizontalAdvance(r.label) for r in data.rows), default=0) + 40)
        item.setLabel("bottom", data.value_title)
        item.setLabel("left", axis_title(data.breakdown))
        item.setXRange(-1.0, 104.0, padding=0)  # room for the "100" tick's label
        item.setYRange(-0.6, max(len(data.rows) - 0.4, 0.6), padding=0)
        fit_rows(self.plot, len(data.rows))
        self.set_table(data.table())
        self.legend.setText(self._legend_text(data))
        self.say(
            None
            if data.recorded
            else "No group has waits to split into bands here: nobody in these groups "
            "was seen, or every group's shares are suppressed or not available."
        )

    def _legend_text(self, data: StackedData) -> str:
        parts = [
            f'<span style="color:{colour}">{symbol}</span>&nbsp;{_whole(band)}'
            for (colour, _, symbol), band in zip(BAND_STYLES, data.bands, strict=False)
        ]
        parts += state_legend((s for s in data.states() if s != "low"), whole=True)
        if "low" in data.states():
            parts.append(f'<span style="color:{GREY}">{STATES["low"]}</span>: see the table')
        caveats = "".join(f"<br>{c}" for c in data.caveats)
        return "Bands, shortest wait first: " + "&nbsp;&nbsp; ".join(parts) + caveats

    def _clicked(self, event: object) -> None:
        point = self.view_point(event)
        index = round(point.y()) if point is not None else -1
        if 0 <= index < len(self._rows):
            self.select(index)

    def select(self, index: int) -> StackedRow:
        """Show the shares of row ``index`` and emit :attr:`row_clicked`."""
        row = self._rows[index]
        assert self._data is not None
        if row.drawn:
            parts = [
                f"{band} {number(share)}% ({number(count)})"
                for band, share, count in zip(self._data.bands, row.shares, row.counts, strict=True)
            ]
            parts.append(f"of {number(row.total)} {self._data.total_title.lower()}")
        else:
            parts = [STATES[row.state]]
        self.details.setText(details_text(row.label, [*parts, row.note]))
        self.row_clicked.emit(row.code)
        return row
