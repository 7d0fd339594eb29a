"""The heat map: a :class:`~rehabdash.plan.completeness_grid.CompletenessGrid` of the
share of people with a valid value, characteristic × provider or month (issue 11 item 1;
DESIGN 6 and 10). The table, copy and save are the
:class:`~rehabdash.ui.charts.frame.ChartFrame`'s.

* one ``ImageItem`` colours the cells in bands (95% or more, 80% to under 95%, under
  80%: the CSDS publication threshold, no share), white lines part them;
* every cell says its percentage, and below 80% a warning mark, in text with WCAG AA
  contrast on its colour, so the band is never told by colour alone; the legend names
  the bands and both thresholds;
* the items are made once and updated in place (the text items are kept and reused);
* clicking a cell outlines it, shows its numbers (valid, not stated, not known, blank,
  invalid, people referred) and emits :attr:`row_clicked` with ``"<characteristic>|<group>"``.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QFont, QFontMetrics
from PySide6.QtWidgets import QGraphicsRectItem, QWidget

from rehabdash.plan.completeness_grid import BANDS, BELOW_MARK, Band, CompletenessGrid, GridCell
from rehabdash.ui.charts.frame import ChartFrame, details_text
from rehabdash.ui.theme import DARK_BLUE, GREY, ORANGE

__all__ = ["BAND_COLOURS", "HeatMap"]

#: Each band's (cell colour, text colour): text is at least 4.5:1 on its cell.
BAND_COLOURS: dict[Band, tuple[str, str]] = {
    "target": (DARK_BLUE, "#FFFFFF"),
    "below_target": ("#A9C6E3", "#000000"),
    "below_csds": (ORANGE, "#000000"),
    "none": ("#EDEDED", GREY),
}
_ORDER: tuple[Band, ...] = ("target", "below_target", "below_csds", "none")


def _rgba(colour: str) -> tuple[int, int, int, int]:
    c = QColor(colour)
    return c.red(), c.green(), c.blue(), 255


class HeatMap(ChartFrame):
    """A grid of cells coloured in bands, each with its text."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(name, parent, intervals=False)
        self.grid: CompletenessGrid | None = None
        self.selected: tuple[int, int] | None = None
        item = self.plot.getPlotItem()
        item.invertY(True)  # the first characteristic at the top
        self.image = pg.ImageItem(axisOrder="col-major")
        self.lines = pg.PlotCurveItem([], [], connect="pairs", pen=pg.mkPen("w", width=2))
        # The "All" column (the margin) set apart from the groups by a wider line.
        self.margin = pg.PlotCurveItem([], [], pen=pg.mkPen("w", width=6))
        self.outline = QGraphicsRectItem()
        self.outline.setPen(pg.mkPen("#000000", width=3, cosmetic=True))
        self.outline.setVisible(False)
        for chart_item in (self.image, self.lines, self.margin, self.outline):
            item.addItem(chart_item)
        self.texts: list[pg.TextItem] = []  # reused: grown when a grid needs more
        self.cell_font = QFont(self.plot.font())
        self.cell_font.setPointSizeF(max(self.cell_font.pointSizeF() * 0.95, 8.0))
        self.plot.scene().sigMouseClicked.connect(self._clicked)

    # ---------------------------------------------------------------- drawing

    def show_grid(self, grid: CompletenessGrid, title: str) -> None:
        """Draw ``grid``: the same items, new cells."""
        self.grid, self.selected = grid, None
        self.title.setText(title)
        self.details.clear()
        self.outline.setVisible(False)
        n_rows, n_cols = len(grid.rows), len(grid.columns)
        if grid.empty:
            self.image.clear()
            self.lines.setData([], [])
            self.margin.setData([], [])
            self._set_texts([])
            self.set_table(grid.table())
            self.legend.setText("")
            self.say(
                "Nothing to draw: nobody was referred in this period and filter, so no "
                "characteristic has a share recorded."
            )
            return
        self.say(None)
        pixels = np.zeros((n_cols, n_rows, 4), dtype=np.uint8)
        cells: list[tuple[float, float, GridCell]] = []
        for i in range(n_rows):
            for j in range(n_cols):
                cell = grid.cell(i, j)
                pixels[j, i] = _rgba(BAND_COLOURS[cell.band][0])
                cells.append((j + 0.5, i + 0.5, cell))
        self.image.setImage(pixels, autoLevels=False, levels=(0, 255))
        self.image.setRect(QRectF(0, 0, n_cols, n_rows))
        self._set_lines(n_rows, n_cols)
        self._set_texts(cells)
        item = self.plot.getPlotItem()
        left, bottom = item.getAxis("left"), item.getAxis("bottom")
        left.setTicks([[(i + 0.5, t) for i, (_k, t) in enumerate(grid.rows)]])
        metrics = QFontMetrics(left.style.get("tickFont") or self.plot.font())
        left.setWidth(max((metrics.horizontalAdvance(t) for _k, t in grid.rows), default=0) + 20)
        labels = [(j + 0.5, label) for j, (_c, label) in enumerate(grid.columns)]
        widest = max((metrics.horizontalAdvance(label) for _x, label in labels), default=0)
        room = max(self.plot.width() - left.width(), 1) / max(n_cols, 1)
        step = max(1, int(np.ceil((widest + 12) / room)))
        bottom.setTicks([labels[::step], labels])
        item.setLabel("bottom", "Provider" if grid.by == "provider" else "Month of referral")
        item.setLabel("left", "Characteristic")
        item.setXRange(0, n_cols, padding=0)
        item.setYRange(0, n_rows, padding=0)
        self.set_table(grid.table())
        self.legend.setText(self._legend_text(grid))

    def _set_lines(self, n_rows: int, n_cols: int) -> None:
        xs: list[float] = []
        ys: list[float] = []
        for j in range(1, n_cols):
            xs += [j, j]
            ys += [0, n_rows]
        for i in range(1, n_rows):
            xs += [0, n_cols]
            ys += [i, i]
        self.lines.setData(np.array(xs, dtype=float), np.array(ys, dtype=float))
        self.margin.setData(
            [1.0, 1.0], [0.0, float(n_rows)]
        ) if n_cols > 1 else self.margin.setData([], [])

    def _set_texts(self, cells: list[tuple[float, float, GridCell]]) -> None:
        item = self.plot.getPlotItem()
        while len(self.texts) < len(cells):
            text = pg.TextItem("", anchor=(0.5, 0.5))
            text.setFont(self.cell_font)
            item.addItem(text)
            self.texts.append(text)
        for text, (x, y, cell) in zip(self.texts, cells, strict=False):
            text.setText(cell.text, color=BAND_COLOURS[cell.band][1])
            text.setPos(x, y)
            text.setVisible(True)
        for text in self.texts[len(cells) :]:
            text.setVisible(False)

    def cell_texts(self) -> list[tuple[float, float, str]]:
        """(x, y, text) of every text drawn: what a test reads back."""
        return [(t.pos().x(), t.pos().y(), t.toPlainText()) for t in self.texts if t.isVisible()]

    @staticmethod
    def _legend_text(grid: CompletenessGrid) -> str:
        parts = []
        for band in _ORDER:
            if band == "none" and band not in grid.bands():
                continue
            fill, ink = BAND_COLOURS[band]
            sample = {"target": "97%", "below_target": "88%", "below_csds": f"62% {BELOW_MARK}"}
            parts.append(
                f'<span style="background:{fill}; color:{ink}">&nbsp;'
                f"{sample.get(band, '–')}&nbsp;</span> {BANDS[band]}"
            )
        return (
            "&nbsp;&nbsp; ".join(parts)
            + "<br>Each cell: the share of people referred whose value is valid (not "
            "stated, not known, blank and invalid are not). Thresholds: 95% (target) and "
            "80% (CSDS publication threshold)."
        )

    # ---------------------------------------------------------------- clicking

    def _clicked(self, event: object) -> None:
        point = self.view_point(event)
        if self.grid is None or self.grid.empty or point is None:
            return
        row, column = int(np.floor(point.y())), int(np.floor(point.x()))
        if 0 <= row < len(self.grid.rows) and 0 <= column < len(self.grid.columns):
            self.select(row, column)

    def select(self, row: int, column: int) -> GridCell:
        """Outline cell (row, column), show its numbers and emit :attr:`row_clicked`."""
        assert self.grid is not None
        cell = self.grid.cell(row, column)
        self.selected = (row, column)
        self.outline.setRect(QRectF(column, row, 1, 1))
        self.outline.setVisible(True)
        self.details.setText(
            details_text(self.grid.title(row, column), self.grid.describe(row, column))
        )
        self.row_clicked.emit(f"{cell.row}|{cell.column}")
        return cell
