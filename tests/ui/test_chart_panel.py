"""The one chart panel: what is drawn is what the indicator says, read back from the
pyqtgraph items; the table, copy, save, interval toggle and click all work."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from pytestqt.qtbot import QtBot

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "plan"))
from chart_helpers import indicator

from rehabdash.plan.chart_data import chart_data
from rehabdash.ui.charts.frame import UNCONTROLLED
from rehabdash.ui.charts.panel import MARKERS, ChartPanel
from rehabdash.ui.theme import GREY


def _contrast(r: float, g: float, b: float) -> float:
    """WCAG 2.1 contrast ratio of an sRGB colour against white."""

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    lum = 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)
    return 1.05 / (lum + 0.05)


def _panel(qtbot: QtBot) -> ChartPanel:
    panel = ChartPanel("People seen per 1,000 by ethnic group")
    qtbot.addWidget(panel)
    panel.resize(900, 600)
    panel.show_data(chart_data(indicator()))
    return panel


def _bars(item: object) -> dict[float, float]:
    opts = item.opts  # type: ignore[attr-defined]
    return dict(
        zip(np.asarray(opts["y"]).tolist(), np.asarray(opts["width"]).tolist(), strict=True)
    )


def test_bars_intervals_and_markers_are_the_indicator_rows(qtbot: QtBot) -> None:
    panel = _panel(qtbot)
    # Rows from the top: All, A, J, R (zero), K [c], Z [z], S [u], 99 [x].
    assert _bars(panel.all_bar) == {0.0: 38.2}
    assert _bars(panel.bars) == {1.0: 41.5, 2.0: 22.0}
    assert _bars(panel.low_bars) == {6.0: 12.0}  # low reliability: drawn, stippled
    errors = panel.errors.opts
    assert np.asarray(errors["y"]).tolist() == [0.0, 1.0, 2.0, 3.0, 6.0]
    lower = np.asarray(errors["x"]) - np.asarray(errors["left"])
    upper = np.asarray(errors["x"]) + np.asarray(errors["right"])
    assert lower.tolist() == pytest.approx([37.6, 40.0, 19.5, 0.0, 3.1])
    assert upper.tolist() == pytest.approx([38.8, 43.1, 24.7, 1.2, 30.6])
    points = panel.markers.points()
    drawn = {(p.pos().y(), p.symbol()) for p in points}
    assert drawn == {
        (3.0, MARKERS["zero"][0]),
        (4.0, MARKERS["suppressed"][0]),
        (5.0, MARKERS["not_applicable"][0]),
        (7.0, MARKERS["not_available"][0]),
    }
    ticks = panel.plot.getPlotItem().getAxis("left")._tickLevels[0]
    assert [label for _, label in ticks][:3] == ["All", "White British (A)", "Pakistani (J)"]
    assert panel.plot.getPlotItem().getAxis("bottom").labelText == (
        "People seen per 1,000 population"
    )
    legend = panel.legend.text()
    for words in ("true zero", "[c] suppressed", "[x] not available", "[z] not applicable"):
        assert words in legend
    assert "recorded for only 70%" in legend
    assert not panel.message.isVisibleTo(panel)


def test_new_data_updates_the_same_items(qtbot: QtBot) -> None:
    panel = _panel(qtbot)
    items = (panel.bars, panel.all_bar, panel.errors, panel.markers)
    fewer = chart_data(indicator()).rows[:3]
    data = chart_data(indicator())
    panel.show_data(type(data)(**{**data.__dict__, "rows": fewer}))
    assert (panel.bars, panel.all_bar, panel.errors, panel.markers) == items
    plot_items = panel.plot.getPlotItem().items
    assert sum(1 for i in plot_items if i is panel.bars) == 1
    assert _bars(panel.bars) == {1.0: 41.5, 2.0: 22.0}
    assert len(panel.markers.points()) == 0


def test_interval_toggle_table_copy_and_click(qtbot: QtBot) -> None:
    panel = _panel(qtbot)

    panel.intervals.setChecked(False)
    assert not panel.errors.isVisible()
    panel.intervals.setChecked(True)
    assert panel.errors.isVisible()
    panel.table_button.setChecked(True)
    assert panel.stack.currentWidget() is panel.table
    model = panel.model
    table = chart_data(indicator()).table()
    assert model.rowCount() == len(table) - 1
    assert [model.data(model.index(4, c)) for c in range(2)] == ["Bangladeshi (K)", "[c]"]
    text = panel.copy()
    from PySide6.QtWidgets import QApplication

    assert QApplication.clipboard().text() == text
    assert text.splitlines()[1].split("\t")[0] == "All"
    assert text.splitlines()[-2:] == ["", UNCONTROLLED]  # small counts: internal use only
    with qtbot.waitSignal(panel.row_clicked) as clicked:
        row = panel.select(2)
    assert clicked.args == ["J"]
    assert "Pakistani (J)" in panel.details.text()
    assert "19.5 to 24.7" in panel.details.text()
    assert row.numerator == 300.0


def test_the_table_button_comes_first_for_the_keyboard(qtbot: QtBot) -> None:
    panel = _panel(qtbot)
    assert panel.table_button.nextInFocusChain() is panel.intervals or (
        panel.intervals.nextInFocusChain() is panel.copy_button
    )
    assert panel.table.accessibleName().endswith("table of the numbers drawn")
    # The axis text, as set on the axes, meets WCAG AA (4.5:1) against the white plot.
    for side in ("left", "bottom"):
        colour = panel.plot.getPlotItem().getAxis(side).textPen().color()
        assert _contrast(colour.redF(), colour.greenF(), colour.blueF()) >= 4.5
    assert _contrast(*(int(GREY[i : i + 2], 16) / 255 for i in (1, 3, 5))) > 10


@pytest.mark.qt_log_ignore("propagateSizeHints")  # the offscreen platform's remark on show
def test_save_png_and_svg(qtbot: QtBot, tmp_path: Path) -> None:
    panel = _panel(qtbot)
    panel.show()  # laid out, as on screen: the labels that fit are drawn
    qtbot.waitExposed(panel)

    panel.title.setText("People seen per 1,000 by ethnic group")
    panel.save_note = "2024-25, provider RY6. rehabdash: not disclosure-controlled."
    png = panel.save(tmp_path / "chart.png")
    svg = panel.save(tmp_path / "chart.svg")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    from PySide6.QtGui import QImage

    image = QImage(str(png))
    # The chart as on the screen, its title above and its legend and filter below.
    assert image.width() == panel.plot.width()
    assert image.height() > panel.plot.height() + 2 * panel.fontMetrics().height()
    top = {image.pixelColor(x, y).name() for x in range(0, image.width() // 2)
           for y in range(0, panel.fontMetrics().height())}  # fmt: skip
    assert top != {"#ffffff"}  # the title is written there
    # The "All" bar's turquoise is in the picture, as drawn on the screen.
    colours = {image.pixelColor(x, y).name() for x in range(0, image.width(), 4)
               for y in range(0, image.height(), 4)}  # fmt: skip
    assert "#28a197" in colours
    assert "#12436d" in colours
    text = svg.read_text(encoding="utf-8")
    assert text.lstrip().startswith("<?xml")
    assert "<svg" in text
    assert "Pakistani (J)" in text  # the category labels are in the drawing
    assert "People seen per 1,000 by ethnic group" in text
    assert "provider RY6" in text


def test_nothing_recorded_says_so(qtbot: QtBot) -> None:
    from chart_helpers import ROWS

    panel = ChartPanel("test")
    qtbot.addWidget(panel)
    only_all = [ROWS[1], ("99", "Not known (99)", None, None, None, 80.0, None, "[x]", None)]
    panel.show_data(chart_data(indicator(only_all)))
    assert panel.message.isVisibleTo(panel)
    assert "has a recorded value" in panel.message.text()


def test_small_rates_are_labelled_as_written_not_with_an_si_multiplier(qtbot: QtBot) -> None:
    """0.08 per 1,000 stays 0.08 on the axis: pyqtgraph's "(x0.001)" would go at the end
    of the axis title, where a narrow chart cuts it off and 80 is read instead."""
    panel = _panel(qtbot)
    small = indicator()
    frame = small.frame.with_columns(
        *(pl.col(c) / 1000 for c in ("value", "lower", "upper") if c in small.frame.columns)
    )
    panel.show_data(chart_data(type(small)(small.key, small.definition, frame)))
    for side in ("left", "bottom"):
        axis = panel.plot.getPlotItem().getAxis(side)
        assert axis.autoSIPrefixScale == 1.0, side
        assert "(x0.001)" not in axis.labelString()
