"""The bar chart panel: an indicator's groups as bars with their intervals (issue 11
item 2; DESIGN 10). The table, interval toggle, copy and save are the
:class:`~rehabdash.ui.charts.frame.ChartFrame`'s, shared with every other chart type.

* the pyqtgraph items are made once and updated in place (``setOpts``/``setData``);
* the table shows exactly the rows drawn (:meth:`ChartData.table`);
* colour is never the only cue: the "All" bar is turquoise and hatched, values of low
  reliability are stippled, and the empty states (true zero, ``[c]``, ``[x]``, ``[z]``)
  have their own marker and a legend in words;
* clicking a bar shows its numbers (value, interval, numerator, denominator, method,
  note) and emits :attr:`ChartPanel.row_clicked` with the level's code, to drill into.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QWidget

from rehabdash.plan.chart_data import STATES, ChartData, ChartRow, State
from rehabdash.plan.result import ALL
from rehabdash.ui.charts.frame import ChartFrame, brush, details_text
from rehabdash.ui.theme import DARK_BLUE, DARK_PINK, GREY, TURQUOISE

__all__ = [
    "BAR_HEIGHT",
    "MARKERS",
    "ROW_PIXELS",
    "ChartPanel",
    "fit_rows",
    "marker_fill",
    "state_legend",
]

#: The height a bar's row needs for its label to be read (the page scrolls beyond it).
ROW_PIXELS = 18


def fit_rows(plot: QWidget, rows: int) -> None:
    """The least height ``plot`` needs to label ``rows`` bars one under another: a page
    of many groups (a pair of characteristics) then scrolls instead of overprinting."""
    plot.setMinimumHeight(max(160, rows * ROW_PIXELS + 90))


BAR_HEIGHT = 0.6
#: Each state without a bar: its marker (pyqtgraph symbol) and colour.
MARKERS: dict[State, tuple[str, str]] = {
    "zero": ("d", DARK_BLUE),
    "suppressed": ("x", DARK_PINK),
    "not_available": ("o", GREY),
    "not_applicable": ("t", GREY),
}
_LEGEND_SYMBOL = {"zero": "◆", "suppressed": "✕", "not_available": "○", "not_applicable": "▽"}


def state_legend(states: Iterable[State], whole: bool = False) -> list[str]:
    """The legend's words for each empty state (and low reliability) among ``states``:
    its marker, in its colour, then what it means (``whole``: never broken across lines;
    the marker never leaves its words). Every chart type says them alike."""
    parts = []
    for state in dict.fromkeys(states):
        words = STATES[state].replace(" ", "&nbsp;") if whole else STATES[state]
        if state in _LEGEND_SYMBOL:
            colour, symbol = MARKERS[state][1], _LEGEND_SYMBOL[state]
            parts.append(f'<span style="color:{colour}">{symbol}</span>&nbsp;{words}')
        elif state == "low":
            parts.append(f'<span style="color:{DARK_BLUE}">▒</span>&nbsp;{words}')
    return parts


def marker_fill(state: State) -> str:
    """A marker's fill: hollow for not available (no value at all), else its colour."""
    return "white" if state == "not_available" else MARKERS[state][1]


class ChartPanel(ChartFrame):
    """A horizontal bar chart of one :class:`ChartData`, with its table and actions."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(name, parent)
        self._data: ChartData | None = None
        self._rows: tuple[ChartRow, ...] = ()
        item = self.plot.getPlotItem()
        item.invertY(True)  # "All" at the top, the levels below in their order
        item.showGrid(x=True, y=False, alpha=0.25)
        self.bars = pg.BarGraphItem(x0=[], y=[], width=[], height=BAR_HEIGHT)
        self.all_bar = pg.BarGraphItem(x0=[], y=[], width=[], height=BAR_HEIGHT)
        self.low_bars = pg.BarGraphItem(x0=[], y=[], width=[], height=BAR_HEIGHT)
        self.errors = pg.ErrorBarItem(x=np.zeros(0), y=np.zeros(0), beam=0.25)
        self.markers = pg.ScatterPlotItem(size=11)
        self.bars.setOpts(brush=brush(DARK_BLUE), pen=pg.mkPen(DARK_BLUE))
        self.all_bar.setOpts(
            brush=brush(TURQUOISE, Qt.BrushStyle.BDiagPattern), pen=pg.mkPen(TURQUOISE, width=2)
        )
        self.low_bars.setOpts(
            brush=brush(DARK_BLUE, Qt.BrushStyle.Dense5Pattern), pen=pg.mkPen(DARK_BLUE)
        )
        self.errors.setData(pen=pg.mkPen(GREY, width=1.5))
        for chart_item in (self.bars, self.all_bar, self.low_bars, self.errors, self.markers):
            item.addItem(chart_item)
        self.add_interval_item(self.errors)
        self.plot.scene().sigMouseClicked.connect(self._clicked)

    # ---------------------------------------------------------------- drawing

    def show_data(self, data: ChartData) -> None:
        """Draw ``data``: the same items, new numbers."""
        self._data, self._rows = data, data.rows
        fit_rows(self.plot, len(data.rows))
        self.title.setText(data.title)
        self.details.clear()
        ys = np.arange(len(data.rows), dtype=float)
        self._set_bars(data.rows, ys)
        self._set_errors(data.rows, ys)
        item = self.plot.getPlotItem()
        ticks = [(float(y), r.label) for y, r in zip(ys, data.rows, strict=True)]
        left = item.getAxis("left")
        left.setTicks([ticks])
        # Wide enough for the longest label: pyqtgraph hides the labels that do not fit.
        metrics = QFontMetrics(left.style.get("tickFont") or self.plot.font())
        widest = max((metrics.horizontalAdvance(r.label) for r in data.rows), default=0)
        left.setWidth(widest + 40)
        item.setLabel("bottom", data.value_title)
        item.setLabel("left", data.axis_title)
        top = max([r.upper or r.value or 0.0 for r in data.rows], default=0.0)
        top = top * 1.05 if top > 0 else 1.0
        self._set_markers(data.rows, ys, top * 0.012)  # just clear of the axis, not cut
        item.setXRange(0.0, top, padding=0)
        item.setYRange(-0.6, max(len(data.rows) - 0.4, 0.6), padding=0)
        self.set_table(data.table())
        self.legend.setText(self._legend_text(data))
        self.say(
            None
            if data.recorded
            else f"No group of {data.breakdown.lower() or 'this breakdown'} has a recorded "
            "value here: the characteristic is not recorded for these referrals, or "
            "every value is suppressed or not available."
        )

    def _bar_of(self, row: ChartRow) -> pg.BarGraphItem | None:
        """The item that draws ``row``'s bar (None: no bar, a marker instead)."""
        if row.value is None or row.state == "zero":
            return None
        if row.code == ALL:
            return self.all_bar
        return self.low_bars if row.state == "low" else self.bars

    def _set_bars(self, rows: tuple[ChartRow, ...], ys: np.ndarray) -> None:
        chosen: dict[pg.BarGraphItem, list[int]] = {
            bars: [] for bars in (self.all_bar, self.low_bars, self.bars)
        }
        for i, row in enumerate(rows):
            if (bars := self._bar_of(row)) is not None:
                chosen[bars].append(i)
        for bars, index in chosen.items():
            widths = [float(rows[i].value or 0.0) for i in index]
            bars.setOpts(x0=[0.0] * len(index), y=ys[index], width=widths, height=BAR_HEIGHT)

    def _set_errors(self, rows: tuple[ChartRow, ...], ys: np.ndarray) -> None:
        chosen = [
            i
            for i, r in enumerate(rows)
            if r.value is not None and r.lower is not None and r.upper is not None
        ]
        x = np.array([rows[i].value for i in chosen], dtype=float)
        lower = np.array([rows[i].lower for i in chosen], dtype=float)
        upper = np.array([rows[i].upper for i in chosen], dtype=float)
        self.errors.setData(x=x, y=ys[chosen], left=x - lower, right=upper - x)

    def _set_markers(self, rows: tuple[ChartRow, ...], ys: np.ndarray, x: float) -> None:
        chosen = [i for i, r in enumerate(rows) if r.state in MARKERS]
        self.markers.setData(
            x=[x] * len(chosen),
            y=ys[chosen],
            symbol=[MARKERS[rows[i].state][0] for i in chosen],
            brush=[pg.mkBrush(marker_fill(rows[i].state)) for i in chosen],
            pen=[pg.mkPen(MARKERS[rows[i].state][1], width=2) for i in chosen],
        )

    @staticmethod
    def _legend_text(data: ChartData) -> str:
        parts = [
            f'<span style="color:{DARK_BLUE}">■</span> value',
            f'<span style="color:{TURQUOISE}">▨</span> All (everyone in scope)',
        ]
        if data.has_intervals:
            parts.append(f'<span style="color:{GREY}">├┤</span> 95% confidence interval')
        parts += state_legend(data.states())
        caveats = "".join(f"<br>{c}" for c in data.caveats)
        return "&nbsp;&nbsp; ".join(parts) + caveats

    def _clicked(self, event: object) -> None:
        point = self.view_point(event)
        index = round(point.y()) if point is not None else -1
        if 0 <= index < len(self._rows):
            self.select(index)

    def select(self, index: int) -> ChartRow:
        """Show the numbers of row ``index`` and emit :attr:`row_clicked`."""
        row = self._rows[index]
        numbers = [
            f"{row.shorthand or STATES[row.state]}{row.interval}",
            f"numerator {row.numerator:,.0f}" if row.numerator is not None else "",
            f"denominator {row.denominator:,.0f}" if row.denominator is not None else "",
            row.method,
            row.note,
            *(self._data.caveats if self._data is not None else ()),
        ]
        self.details.setText(details_text(row.label, numbers))
        self.row_clicked.emit(row.code)
        return row
