"""Choice boxes and chart rows that do not grow a page past the screen (issue 11 item 6).

* A QComboBox asks for the width of its longest item; the breakdown choice lists pairs
  such as "Ethnic group (5 broad groups, NHS grouping) × Deprivation (IMD quintile, 1 =
  most deprived fifth: Core20)", so a title row with two choices would ask for more than
  a 1366-pixel screen gives a page. :func:`fit_combo` caps the box at a number of
  characters (the current choice elides, and is its tooltip) while its list still opens
  wide enough to read every item whole.
* Two charts of the same groups sit side by side (:class:`ChartRow`) in a vertical
  scroll area: charts of many groups (a pair of characteristics) keep readable rows and
  scroll instead of growing the window; when the groups' labels are so long that a plot
  beside another would be squeezed to a sliver (the 16 ethnic categories on a laptop),
  the charts go one above the other, each the page's full width.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QBoxLayout, QComboBox, QFrame, QScrollArea, QSizePolicy, QWidget

from rehabdash.ui.charts.frame import ChartFrame

__all__ = ["MIN_PLOT_WIDTH", "ChartRow", "fit_combo"]

#: Below this width (pixels) a bar chart's plot beside another is too narrow to read.
MIN_PLOT_WIDTH = 300


def fit_combo(combo: QComboBox, chars: int = 26) -> QComboBox:
    """Size ``combo`` for ``chars`` characters; its popup list as wide as its items."""
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(chars)
    # At least that, and wider where the row has room (a large screen shows it whole).
    combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    combo.setMaximumWidth(combo.fontMetrics().horizontalAdvance("M") * 60)
    view = combo.view()
    view.setMinimumWidth(view.sizeHintForColumn(0) + 24)
    combo.setToolTip(combo.currentText())
    combo.currentTextChanged.connect(combo.setToolTip)
    return combo


class _Row(QBoxLayout):
    """A row of charts that asks for its minimum height, not its wrapped labels'
    preferred one: the scroll area then fills the page with it, and scrolls only when
    the charts' rows need more than the page has."""

    def hasHeightForWidth(self) -> bool:
        return False


class ChartRow(QScrollArea):
    """Charts side by side (or, when their labels are long, one above the other) in a
    vertical scroll area."""

    def __init__(self, *charts: QWidget) -> None:
        super().__init__()
        names = ", ".join(c.accessibleName() for c in charts if c.accessibleName())
        self.setAccessibleName(f"Charts: {names}" if names else "Charts")
        self.inner = QWidget()
        self.row = _Row(QBoxLayout.Direction.LeftToRight, self.inner)
        self.row.setContentsMargins(0, 0, 0, 0)
        for chart in charts:
            self.row.addWidget(chart, 1)
        self.count = len(charts)
        self.label_width = 0  # the widest category axis of the charts, in pixels
        self.setWidget(self.inner)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    @property
    def side_by_side(self) -> bool:
        return self.row.direction() == QBoxLayout.Direction.LeftToRight

    def fit(self, label_width: int) -> None:
        """The charts now label their groups in ``label_width`` pixels: side by side
        while each plot keeps :data:`MIN_PLOT_WIDTH`, else one above the other."""
        self.label_width = label_width
        each = (self.viewport().width() - 8 * self.count) // max(self.count, 1)
        wide = each - label_width - 40 >= MIN_PLOT_WIDTH  # 40: the axis title's room
        direction = QBoxLayout.Direction.LeftToRight if wide else QBoxLayout.Direction.TopToBottom
        if self.row.direction() != direction:
            self.row.setDirection(direction)

    def fit_charts(self, *charts: ChartFrame) -> None:
        """:meth:`fit` to the widest category axis of ``charts`` (as they drew it)."""
        axes = [c.plot.getPlotItem().getAxis("left") for c in charts]
        self.fit(int(max((a.minimumWidth() for a in axes), default=0)))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.label_width:
            self.fit(self.label_width)
