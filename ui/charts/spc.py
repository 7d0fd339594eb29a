"""The SPC chart: one level's series as an XmR chart in the NHS England "Making Data
Count" style (issue 11 item 1; DESIGN 7.7 and 10). It draws a
:class:`~rehabdash.plan.spc_chart.SpcSeries`; the table, copy and save are the
:class:`~rehabdash.ui.charts.frame.ChartFrame`'s.

* the points joined by a line; the mean as a solid line and the process limits dashed,
  each labelled at its right end;
* special-cause points marked by shape as well as colour: improvement a blue square,
  concern an orange triangle (with a dark outline), neither a pink diamond; common cause
  a small grey circle;
* the variation and assurance icons as badges with words above the plot;
* the pyqtgraph items are made once and updated in place;
* clicking a point shows its numbers and emits :attr:`row_clicked` with its period.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from rehabdash.palette import COMMON
from rehabdash.plan.spc_chart import (
    ASSURANCE,
    SpcPoint,
    SpcSeries,
    Variation,
    point_words,
)
from rehabdash.ui.charts.frame import ChartFrame, details_text
from rehabdash.ui.theme import DARK_BLUE, DARK_PINK, GREY, ORANGE

__all__ = ["COMMON", "MARKERS", "TONES", "SpcChart"]

#: Each point's marker: (pyqtgraph symbol, fill, outline, size).
MARKERS: dict[Variation, tuple[str, str, str, int]] = {
    "common cause": ("o", COMMON, COMMON, 7),
    "improvement": ("s", DARK_BLUE, DARK_BLUE, 12),
    "concern": ("t1", ORANGE, GREY, 14),
    "neutral": ("d", DARK_PINK, DARK_PINK, 13),
}
#: Legend symbols of the markers.
_SYMBOL = {"common cause": "●", "improvement": "■", "concern": "▲", "neutral": "◆"}
#: A badge's colour by its icon's tone.
TONES = {
    "improvement": DARK_BLUE,
    "concern": ORANGE,
    "neutral": DARK_PINK,
    "common": COMMON,
    "none": COMMON,
}
_ASSURANCE_TONE = {"pass": DARK_BLUE, "fail": ORANGE, "hit and miss": COMMON, "none": COMMON}
_BADGE = (
    "QLabel {{ border: 2px solid {colour}; border-radius: 10px; padding: 2px 8px; "
    "background: white; color: #1F1F1F; }}"
)


def _badge_text(colour: str, letter: str, words: str, kind: str) -> str:
    """A badge: the icon's colour as a dot (its letter beside it in dark text, for
    contrast), then the icon in words."""
    mark = f"&nbsp;<b>{letter}</b>" if letter else ""
    return (
        f'<span style="color:{colour}; font-size:15px">●</span>{mark}&nbsp; <b>{kind}:</b> {words}'
    )


class SpcChart(ChartFrame):
    """An XmR chart of one series, with its icons, table and actions."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(name, parent, intervals=False)
        self.series: SpcSeries | None = None
        item = self.plot.getPlotItem()
        item.showGrid(x=False, y=True, alpha=0.2)
        self.line = pg.PlotDataItem([], [], pen=pg.mkPen(GREY, width=1.5))
        self.mean_line = pg.PlotDataItem([], [], pen=pg.mkPen("#1F1F1F", width=1.5))
        limit_pen = pg.mkPen(GREY, width=1.5, style=Qt.PenStyle.DashLine)
        self.upper_line = pg.PlotDataItem([], [], pen=limit_pen)
        self.lower_line = pg.PlotDataItem([], [], pen=limit_pen)
        #: One scatter per kind of point, so each has its own shape and colour.
        self.points: dict[Variation, pg.ScatterPlotItem] = {}
        for variation, (symbol, fill, outline, size) in MARKERS.items():
            scatter = pg.ScatterPlotItem(
                symbol=symbol,
                size=size,
                brush=pg.mkBrush(fill),
                pen=pg.mkPen(outline, width=1.5),
            )
            self.points[variation] = scatter
        self.labels = {
            name: pg.TextItem("", color=GREY, anchor=(0, 0.5))
            for name in ("upper", "mean", "lower")
        }
        for chart_item in (
            self.upper_line,
            self.lower_line,
            self.mean_line,
            self.line,
            *self.points.values(),
            *self.labels.values(),
        ):
            item.addItem(chart_item)
        self.variation_badge = QLabel()
        self.assurance_badge = QLabel()
        named = ((self.variation_badge, "variation"), (self.assurance_badge, "assurance"))
        badges = QHBoxLayout()  # a row of their own under the actions: fits a narrow page
        for badge, what in named:
            badge.setTextFormat(Qt.TextFormat.RichText)
            badge.setAccessibleName(f"{name}: {what} icon")
            badge.setVisible(False)
            badges.addWidget(badge)
        badges.addStretch(1)
        frame_layout = self.layout()
        assert isinstance(frame_layout, QVBoxLayout)
        frame_layout.insertLayout(1, badges)
        self.plot.scene().sigMouseClicked.connect(self._clicked)

    # ---------------------------------------------------------------- drawing

    def show_series(self, series: SpcSeries | None, empty: str = "") -> None:
        """Draw ``series`` (None: nothing to chart, saying ``empty``)."""
        self.series = series
        self.details.clear()
        if series is None:
            self.title.setText("")
            self._clear()
            self._set_badges(None)
            self.set_table([["Period", "Value"]])
            self.legend.setText("")
            self.say(empty or "There is no series to chart.")
            return
        self.title.setText(series.title)
        points = series.points
        xs = np.arange(len(points), dtype=float)
        drawn = [i for i, p in enumerate(points) if p.value is not None]
        values = np.array([points[i].value for i in drawn], dtype=float)
        # Joined by a line; a missing value breaks it.
        ys = np.array([np.nan if p.value is None else p.value for p in points], dtype=float)
        self.line.setData(xs, ys, connect="finite")
        for variation, scatter in self.points.items():
            # A point not charted (no limits) is drawn as common cause: just a point.
            chosen = [i for i in drawn if (points[i].variation or "common cause") == variation]
            scatter.setData(x=xs[chosen], y=ys[chosen], data=chosen)
        ends = np.array([-0.25, len(points) - 0.75], dtype=float)
        tops = [float(values.max())] if values.size else [1.0]
        bottoms = [float(values.min())] if values.size else [0.0]
        for line, label, level in (
            (self.mean_line, self.labels["mean"], series.mean),
            (self.upper_line, self.labels["upper"], series.upper),
            (self.lower_line, self.labels["lower"], series.lower),
        ):
            if level is None:
                line.setData([], [])
                label.setText("")
                continue
            line.setData(ends, np.array([level, level], dtype=float))
            label.setText(_label_words(label is self.labels["mean"], label is self.labels["upper"]))
            label.setPos(ends[1] + 0.1, level)
            tops.append(level)
            bottoms.append(level)
        item = self.plot.getPlotItem()
        ticks = [(float(x), p.period) for x, p in zip(xs, points, strict=True)]
        step = 1 if len(points) <= 13 else 2
        item.getAxis("bottom").setTicks([ticks[::step], ticks])
        item.setLabel("bottom", "Month of referral" if series.freq == "monthly" else "Quarter")
        unit = "People" if series.unit == "people" else series.unit
        item.setLabel("left", unit[:1].upper() + unit[1:])
        low, high = min(bottoms), max(tops)
        pad = (high - low) * 0.08 or max(abs(high) * 0.1, 1.0)
        item.setYRange(max(low - pad, 0.0) if low >= 0 else low - pad, high + pad, padding=0)
        # Room on the right for the lines' labels: their width in points' widths.
        n = max(len(points), 1)
        label_px = QFontMetrics(self.plot.font()).horizontalAdvance("Upper limit") + 40
        plot_px = max(self.plot.width() - 80, 2 * label_px)
        extra = label_px * n / max(plot_px - label_px, 1.0)
        item.setXRange(-0.5, n - 0.75 + max(extra, 0.3), padding=0)
        self._set_badges(series)
        self.set_table(series.table())
        self.legend.setText(self._legend_text(series))
        self.say(series.message)

    def _clear(self) -> None:
        for line in (self.line, self.mean_line, self.upper_line, self.lower_line):
            line.setData([], [])
        for scatter in self.points.values():
            scatter.setData(x=[], y=[])
        for label in self.labels.values():
            label.setText("")

    def _set_badges(self, series: SpcSeries | None) -> None:
        if series is None:
            for badge in (self.variation_badge, self.assurance_badge):
                badge.setText("")
                badge.setVisible(False)
            return
        icon = series.icon
        colour = TONES[icon.tone]
        self.variation_badge.setText(_badge_text(colour, icon.letter, icon.words, "Variation"))
        self.variation_badge.setStyleSheet(_BADGE.format(colour=colour))
        self.variation_badge.setAccessibleDescription(f"Variation: {icon.words}")
        letter, words = ASSURANCE[series.assurance]
        tone = _ASSURANCE_TONE[series.assurance]
        self.assurance_badge.setText(_badge_text(tone, letter, words, "Assurance"))
        self.assurance_badge.setStyleSheet(_BADGE.format(colour=tone))
        self.assurance_badge.setAccessibleDescription(f"Assurance: {words}")
        for badge in (self.variation_badge, self.assurance_badge):
            badge.setVisible(True)

    @staticmethod
    def _legend_text(series: SpcSeries) -> str:
        kinds = {p.variation for p in series.points if p.variation is not None}
        parts = [f'<span style="color:{GREY}">—●—</span> value each period']
        if series.charted:
            parts += [
                '<span style="color:#1F1F1F">━━</span> mean',
                f'<span style="color:{GREY}">╌╌</span> process limits (mean ± 2.66 × average '
                "moving range)",
            ]
        order: tuple[Variation, ...] = ("improvement", "concern", "neutral", "common cause")
        for variation in order:
            if variation in kinds or variation == "common cause":
                colour = ORANGE if variation == "concern" else MARKERS[variation][1]
                words = point_words(variation).lower()
                parts.append(f'<span style="color:{colour}">{_SYMBOL[variation]}</span> {words}')
        return "&nbsp;&nbsp; ".join(p for p in parts if p)

    # ---------------------------------------------------------------- clicking

    def _clicked(self, event: object) -> None:
        point = self.view_point(event)
        if self.series is None or point is None:
            return
        index = round(point.x())
        if 0 <= index < len(self.series.points):
            self.select(index)

    def select(self, index: int) -> SpcPoint:
        """Show the numbers of point ``index`` and emit :attr:`row_clicked` (its period)."""
        assert self.series is not None
        s, p = self.series, self.series.points[index]
        limits = (
            f"mean {s.format(s.mean)}, process limits {s.format(s.lower)} to {s.format(s.upper)}"
            if s.charted
            else ""
        )
        parts = [
            f"{s.format(p.value)} {s.unit}" if p.value is not None else "[x] not available",
            point_words(p.variation) + (f" ({'; '.join(p.rules)})" if p.rules else ""),
            limits,
            f"numerator {p.numerator:,.0f}" if p.numerator is not None else "",
            f"denominator {p.denominator:,.1f}" if p.denominator is not None else "",
        ]
        self.details.setText(details_text(f"{s.level}, {p.period}", parts))
        self.row_clicked.emit(p.period)
        return p


def _label_words(mean: bool, upper: bool) -> str:
    return "Mean" if mean else "Upper limit" if upper else "Lower limit"
