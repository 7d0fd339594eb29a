"""The one chart panel: an indicator's groups as bars with their intervals, the same
numbers as a table, and copy and save (issue 11 item 2; DESIGN 10).

Every dashboard page draws through it, so every chart behaves the same way:

* the pyqtgraph items are made once and updated in place (``setOpts``/``setData``);
* the table shows exactly the rows drawn (:meth:`ChartData.table`), and its button is
  the first control in the tab order, for keyboard and screen-reader users;
* intervals can be switched off; "Copy" puts the table on the clipboard as cells;
  "Save" writes PNG or SVG by the file's suffix;
* colour is never the only cue: the "All" bar is turquoise and hatched, values of low
  reliability are stippled, and the empty states (true zero, ``[c]``, ``[x]``, ``[z]``)
  have their own marker and a legend in words;
* clicking a bar shows its numbers (value, interval, numerator, denominator, method,
  note) and emits :attr:`ChartPanel.row_clicked` with the level's code, to drill into.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFontMetrics, QImage, QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from rehabdash.plan.chart_data import STATES, ChartData, ChartRow, State
from rehabdash.plan.result import ALL
from rehabdash.ui.frame_model import FrameModel, fit_columns, frame_view
from rehabdash.ui.theme import DARK_BLUE, DARK_PINK, GREY, TURQUOISE

__all__ = ["BAR_HEIGHT", "MARKERS", "ChartPanel"]

BAR_HEIGHT = 0.6
#: Each state without a bar: its marker (pyqtgraph symbol) and colour.
MARKERS: dict[State, tuple[str, str]] = {
    "zero": ("d", DARK_BLUE),
    "suppressed": ("x", DARK_PINK),
    "not_available": ("o", GREY),
    "not_applicable": ("t", GREY),
}
_LEGEND_SYMBOL = {"zero": "◆", "suppressed": "✕", "not_available": "○", "not_applicable": "▽"}


def _fill(state: State) -> str:
    """A marker's fill: hollow for not available (no value at all), else its colour."""
    return "white" if state == "not_available" else MARKERS[state][1]


def _brush(colour: str, style: Qt.BrushStyle = Qt.BrushStyle.SolidPattern) -> QBrush:
    return QBrush(QColor(colour), style)


class ChartPanel(QWidget):
    """A horizontal bar chart of one :class:`ChartData`, with its table and actions."""

    row_clicked = Signal(str)  # the level code of the bar clicked

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(name)
        self._data: ChartData | None = None
        self._rows: tuple[ChartRow, ...] = ()

        self.table_button = QPushButton("Table")
        self.table_button.setCheckable(True)
        self.table_button.setAccessibleName(f"{name}: show the numbers as a table")
        self.intervals = QCheckBox("95% intervals")
        self.intervals.setChecked(True)
        self.intervals.setAccessibleName(f"{name}: show the 95% confidence intervals")
        self.copy_button = QPushButton("Copy")
        self.copy_button.setAccessibleName(f"{name}: copy the table")
        self.save_button = QPushButton("Save…")
        self.save_button.setAccessibleName(f"{name}: save the chart as PNG or SVG")
        bar = QHBoxLayout()
        controls: tuple[QWidget, ...] = (
            self.table_button,
            self.intervals,
            self.copy_button,
            self.save_button,
        )
        for control in controls:
            bar.addWidget(control)
        bar.addStretch(1)

        self.title = QLabel()
        self.title.setObjectName("chartTitle")
        self.title.setWordWrap(True)
        self.message = QLabel()  # says why nothing is drawn, instead of drawing nothing
        self.message.setWordWrap(True)
        self.message.setVisible(False)

        self.plot = pg.PlotWidget(background="w")
        self.plot.setAccessibleName(f"{name}: chart")
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        item = self.plot.getPlotItem()
        item.invertY(True)  # "All" at the top, the levels below in their order
        item.showGrid(x=True, y=False, alpha=0.25)
        for side in ("left", "bottom"):
            axis = item.getAxis(side)
            axis.setPen(pg.mkPen(GREY))
            axis.setTextPen(pg.mkPen(GREY))  # 10.9:1 on white (WCAG AA wants 4.5:1)
        self.bars = pg.BarGraphItem(x0=[], y=[], width=[], height=BAR_HEIGHT)
        self.all_bar = pg.BarGraphItem(x0=[], y=[], width=[], height=BAR_HEIGHT)
        self.low_bars = pg.BarGraphItem(x0=[], y=[], width=[], height=BAR_HEIGHT)
        self.errors = pg.ErrorBarItem(x=np.zeros(0), y=np.zeros(0), beam=0.25)
        self.markers = pg.ScatterPlotItem(size=11)
        self.bars.setOpts(brush=_brush(DARK_BLUE), pen=pg.mkPen(DARK_BLUE))
        self.all_bar.setOpts(
            brush=_brush(TURQUOISE, Qt.BrushStyle.BDiagPattern), pen=pg.mkPen(TURQUOISE, width=2)
        )
        self.low_bars.setOpts(
            brush=_brush(DARK_BLUE, Qt.BrushStyle.Dense5Pattern), pen=pg.mkPen(DARK_BLUE)
        )
        self.errors.setData(pen=pg.mkPen(GREY, width=1.5))
        for chart_item in (self.bars, self.all_bar, self.low_bars, self.errors, self.markers):
            item.addItem(chart_item)
        self.plot.scene().sigMouseClicked.connect(self._clicked)

        self.model = FrameModel()
        self.table = frame_view(f"{name}: table of the numbers drawn", self.model)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.plot)
        self.stack.addWidget(self.table)
        self.legend = QLabel()
        self.legend.setWordWrap(True)
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        for part in (self.title, self.message, self.stack, self.legend, self.details):
            layout.addWidget(part)
        layout.setStretchFactor(self.stack, 1)
        # The table's button first: keyboard and screen-reader users reach the numbers
        # before the picture.
        QWidget.setTabOrder(self.table_button, self.intervals)
        QWidget.setTabOrder(self.intervals, self.copy_button)
        QWidget.setTabOrder(self.copy_button, self.save_button)

        self.table_button.toggled.connect(self._show_table)
        self.intervals.toggled.connect(self.errors.setVisible)
        self.copy_button.clicked.connect(self.copy)
        self.save_button.clicked.connect(self._ask_save)

    # ---------------------------------------------------------------- drawing

    def show_data(self, data: ChartData) -> None:
        """Draw ``data``: the same items, new numbers."""
        self._data, self._rows = data, data.rows
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
        item.setLabel("left", data.breakdown)
        top = max([r.upper or r.value or 0.0 for r in data.rows], default=0.0)
        top = top * 1.05 if top > 0 else 1.0
        self._set_markers(data.rows, ys, top * 0.012)  # just clear of the axis, not cut
        item.setXRange(0.0, top, padding=0)
        item.setYRange(-0.6, max(len(data.rows) - 0.4, 0.6), padding=0)
        table = data.table()
        self.model.set_frame(_text_frame(table))
        fit_columns(self.table)
        self.legend.setText(self._legend_text(data))
        if data.recorded:
            self.message.setVisible(False)
        else:
            self.message.setText(
                f"No group of {data.breakdown.lower() or 'this breakdown'} has a recorded "
                "value here: the characteristic is not recorded for these referrals, or "
                "every value is suppressed or not available."
            )
            self.message.setVisible(True)

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
            brush=[pg.mkBrush(_fill(rows[i].state)) for i in chosen],
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
        for state in data.states():
            if state in _LEGEND_SYMBOL:
                colour = MARKERS[state][1]
                parts.append(
                    f'<span style="color:{colour}">{_LEGEND_SYMBOL[state]}</span> {STATES[state]}'
                )
            elif state == "low":
                parts.append(f'<span style="color:{DARK_BLUE}">▒</span> {STATES[state]}')
        caveats = "".join(f"<br>{c}" for c in data.caveats)
        return "&nbsp;&nbsp; ".join(parts) + caveats

    # ---------------------------------------------------------------- actions

    def _show_table(self, as_table: bool) -> None:
        self.stack.setCurrentWidget(self.table if as_table else self.plot)

    def copy(self) -> str:
        """Put the table on the clipboard as tab-separated cells; return that text."""
        text = self._data.tsv() if self._data is not None else ""
        QApplication.clipboard().setText(text)
        return text

    def save(self, path: Path) -> Path:
        """Write the chart as it is on the screen to ``path``: SVG for ``.svg``, else PNG."""
        if path.suffix.lower() == ".svg":
            # Qt's own SVG writer: pyqtgraph 0.14's exporter misreads Qt 6.11's paths.
            generator = QSvgGenerator()
            generator.setFileName(str(path))
            generator.setSize(self.plot.size())
            generator.setViewBox(self.plot.rect())
            generator.setTitle(self._data.title if self._data is not None else "chart")
            painter = QPainter(generator)
            try:
                self.plot.render(painter)
            finally:
                painter.end()
        else:  # what is on the screen
            path = path if path.suffix.lower() == ".png" else path.with_suffix(".png")
            image = QImage(self.plot.size(), QImage.Format.Format_ARGB32)
            image.fill(QColor("white"))
            painter = QPainter(image)
            try:
                self.plot.render(painter)
            finally:
                painter.end()
            if not image.save(str(path)):  # the format from the suffix
                raise OSError(f"could not write {path}")
        return path

    def _ask_save(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "Save the chart", "chart.png", "PNG image (*.png);;SVG drawing (*.svg)"
        )
        if name:
            self.save(Path(name))

    def _clicked(self, event: object) -> None:
        pos = event.scenePos()  # type: ignore[attr-defined]
        item = self.plot.getPlotItem()
        if not self._rows or not item.sceneBoundingRect().contains(pos):
            return
        point: QPointF = item.vb.mapSceneToView(pos)
        index = round(point.y())
        if 0 <= index < len(self._rows):
            self.select(index)

    def select(self, index: int) -> ChartRow:
        """Show the numbers of row ``index`` and emit :attr:`row_clicked`."""
        row = self._rows[index]
        interval = (
            f", 95% CI {row.lower:,.4g} to {row.upper:,.4g}"
            if row.lower is not None and row.upper is not None
            else ""
        )
        numbers = [
            f"<b>{row.label}</b>: {row.shorthand or STATES[row.state]}{interval}",
            f"numerator {row.numerator:,.0f}" if row.numerator is not None else "",
            f"denominator {row.denominator:,.0f}" if row.denominator is not None else "",
            row.method,
            row.note,
        ]
        self.details.setText("; ".join(t for t in numbers if t))
        self.row_clicked.emit(row.code)
        return row


def _text_frame(table: list[list[str]]) -> pl.DataFrame:
    header, *rows = table
    return pl.DataFrame(rows, schema=dict.fromkeys(header, pl.String), orient="row")
