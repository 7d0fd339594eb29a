"""What every chart shares (issue 11 item 2): one plot, the same numbers as a table, and
the actions, so a bar chart, a funnel plot, an SPC chart and a heat map behave alike.

* the table's button is the first control in the tab order, for keyboard and
  screen-reader users; the table shows exactly what is drawn (:meth:`set_table`);
* intervals can be switched off (the chart says which of its items are intervals);
* "Copy" puts the table on the clipboard as cells; "Save" writes PNG or SVG by suffix;
* a title above, a legend in words below, and a line for the numbers of what was clicked;
* a message instead of an empty plot when there is nothing to draw.

A chart type subclasses :class:`ChartFrame`, makes its pyqtgraph items once in
``__init__`` and updates them in place.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import polars as pl
import pyqtgraph as pg
from PySide6.QtCore import QPoint, QPointF, QRect, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QImage, QPainter
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

from rehabdash.plan.chart_data import tsv
from rehabdash.ui.frame_model import FrameModel, fit_columns, frame_view
from rehabdash.ui.theme import GREY

_WRAPPED = int(Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap)


def _text_height(widget: QWidget, text: str, width: int) -> int:
    """The height ``text`` takes wrapped to ``width`` in ``widget``'s font, and a margin."""
    if not text:
        return 0
    rect = widget.fontMetrics().boundingRect(QRect(0, 0, width, 10_000), _WRAPPED, text)
    return rect.height() + 6


#: The last line of every table copied from the screen, where small counts are shown.
UNCONTROLLED = (
    "Not disclosure-controlled: counts of 1 to 7 are shown. For internal use only; the "
    "Export page's workbook applies the HES/ECDS rule."
)

__all__ = ["UNCONTROLLED", "ChartFrame", "brush", "details_text", "text_frame"]


def brush(colour: str, style: Qt.BrushStyle = Qt.BrushStyle.SolidPattern) -> QBrush:
    return QBrush(QColor(colour), style)


def text_frame(table: Sequence[Sequence[str]]) -> pl.DataFrame:
    """A text table (header first) as a frame of strings, for the table view."""
    header, *rows = table
    return pl.DataFrame(
        [list(r) for r in rows], schema=dict.fromkeys(header, pl.String), orient="row"
    )


def details_text(label: str, parts: Iterable[str]) -> str:
    """The line under a chart for what was clicked: the label in bold, then its numbers."""
    return "; ".join([f"<b>{label}</b>", *(p for p in parts if p)])


class ChartFrame(QWidget):
    """A plot with its table, interval toggle, copy and save."""

    row_clicked = Signal(str)  # the code of the bar, point or cell clicked (to drill into)

    def __init__(self, name: str, parent: QWidget | None = None, intervals: bool = True) -> None:
        super().__init__(parent)
        self.setAccessibleName(name)
        self._table: list[list[str]] = []
        self._interval_items: list[pg.GraphicsObject] = []
        #: A line under a saved chart saying what its numbers are of (the page's filter).
        self.save_note = ""

        self.table_button = QPushButton("Table")
        self.table_button.setCheckable(True)
        self.table_button.setAccessibleName(f"{name}: show the numbers as a table")
        self.intervals = QCheckBox("95% intervals")
        self.intervals.setChecked(True)
        self.intervals.setVisible(intervals)
        self.intervals.setAccessibleName(f"{name}: show the 95% confidence intervals")
        self.copy_button = QPushButton("Copy")
        self.copy_button.setAccessibleName(f"{name}: copy the table")
        self.save_button = QPushButton("Save…")
        self.save_button.setAccessibleName(f"{name}: save the chart as PNG or SVG")
        #: The row of actions: a chart type may add its own controls at its end.
        self.actions_row = QHBoxLayout()
        for control in (self.table_button, self.intervals, self.copy_button, self.save_button):
            self.actions_row.addWidget(control)
        self.actions_row.addStretch(1)

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
        for side in ("left", "bottom"):
            axis = self.plot.getPlotItem().getAxis(side)
            axis.setPen(pg.mkPen(GREY))
            axis.setTextPen(pg.mkPen(GREY))  # 10.9:1 on white (WCAG AA wants 4.5:1)
            # "0.06", never "60" with "(x0.001)" at the end of a title that may be cut off
            axis.enableAutoSIPrefix(False)

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
        layout.addLayout(self.actions_row)
        for part in (self.title, self.message, self.stack, self.legend, self.details):
            layout.addWidget(part)
        layout.setStretchFactor(self.stack, 1)
        # The table's button first: keyboard and screen-reader users reach the numbers
        # before the picture.
        QWidget.setTabOrder(self.table_button, self.intervals)
        QWidget.setTabOrder(self.intervals, self.copy_button)
        QWidget.setTabOrder(self.copy_button, self.save_button)

        self.table_button.toggled.connect(self._show_table)
        self.intervals.toggled.connect(self._show_intervals)
        self.copy_button.clicked.connect(self.copy)
        self.save_button.clicked.connect(self._ask_save)

    # ------------------------------------------------------------ for chart types

    def add_interval_item(self, item: pg.GraphicsObject) -> None:
        """An item that draws intervals: the toggle shows and hides it."""
        self._interval_items.append(item)
        item.setVisible(self.intervals.isChecked())

    def set_table(self, table: list[list[str]]) -> None:
        """The numbers drawn, header first: the table view and the clipboard show this."""
        self._table = table
        self.model.set_frame(text_frame(table))
        fit_columns(self.table)

    def view_point(self, event: object) -> QPointF | None:
        """Where a click on the plot lands, in the plot's own units (None: off the plot)."""
        pos = event.scenePos()  # type: ignore[attr-defined]
        item = self.plot.getPlotItem()
        if not item.sceneBoundingRect().contains(pos):
            return None
        point: QPointF = item.vb.mapSceneToView(pos)
        return point

    def say(self, message: str | None) -> None:
        """Say why nothing (or not everything) is drawn; None hides the message."""
        self.message.setText(message or "")
        self.message.setVisible(bool(message))

    # ------------------------------------------------------------ actions

    def _show_table(self, as_table: bool) -> None:
        self.stack.setCurrentWidget(self.table if as_table else self.plot)

    def _show_intervals(self, shown: bool) -> None:
        for item in self._interval_items:
            item.setVisible(shown)

    def copy(self) -> str:
        """Put the table on the clipboard as tab-separated cells, then a line saying that
        it is not disclosure-controlled (DESIGN 8: no rule is for the screen); return it."""
        text = tsv(self._table) + "\n" + UNCONTROLLED if self._table else ""
        QApplication.clipboard().setText(text)
        return text

    def save(self, path: Path) -> Path:
        """Write the chart to ``path`` (SVG for ``.svg``, else PNG) as on the screen, with
        its title above and its legend and :attr:`save_note` (what the numbers are of:
        the page's filter) below, so that a saved chart says what it shows."""
        width = self.plot.width()
        head, foot = (
            self.title.text(),
            "\n".join(t for t in (self.legend.text(), self.save_note) if t),
        )
        head_h, foot_h = _text_height(self, head, width), _text_height(self, foot, width)
        size = QSize(width, head_h + self.plot.height() + foot_h)
        if path.suffix.lower() == ".svg":
            # Qt's own SVG writer: pyqtgraph 0.14's exporter misreads Qt 6.11's paths.
            generator = QSvgGenerator()
            generator.setFileName(str(path))
            generator.setSize(size)
            generator.setViewBox(QRect(QPoint(0, 0), size))
            generator.setTitle(head or "chart")
            painter = QPainter(generator)
            try:
                self._paint(painter, head, head_h, foot, foot_h)
            finally:
                painter.end()
        else:  # what is on the screen
            path = path if path.suffix.lower() == ".png" else path.with_suffix(".png")
            image = QImage(size, QImage.Format.Format_ARGB32)
            image.fill(QColor("white"))
            painter = QPainter(image)
            try:
                self._paint(painter, head, head_h, foot, foot_h)
            finally:
                painter.end()
            if not image.save(str(path)):  # the format from the suffix
                raise OSError(f"could not write {path}")
        return path

    def _paint(self, painter: QPainter, head: str, head_h: int, foot: str, foot_h: int) -> None:
        width, flags = self.plot.width(), _WRAPPED
        painter.setFont(self.font())
        painter.setPen(QColor("black"))
        painter.drawText(QRect(0, 0, width, head_h), flags, head)
        painter.save()
        painter.translate(0, head_h)
        self.plot.render(painter)
        painter.restore()
        painter.setPen(QColor(GREY))
        painter.drawText(QRect(0, head_h + self.plot.height(), width, foot_h), flags, foot)

    def _ask_save(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "Save the chart", "chart.png", "PNG image (*.png);;SVG drawing (*.svg)"
        )
        if name:
            self.save(Path(name))
