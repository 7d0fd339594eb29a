"""The Overview's plan panel: headline tiles with 95% intervals and the ranked findings,
each a link to the page, breakdown and level behind it (issue 11 item 1; DESIGN 10).

It is a :class:`~rehabdash.ui.pages.plan_page.PlanPage` asking for the whole plan under
the session's filter (on the database lane, with a busy bar and Cancel after a blink;
a superseded or cancelled plan is never drawn), held inside the Overview, which keeps
its own fast summary for the first paint. The tiles are
:func:`rehabdash.plan.headlines.headlines` of what the plan returned; the findings are
the plan's, in its order; a click emits :attr:`FindingsPanel.finding_opened`.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QFont, QFontMetrics, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QCommandLinkButton,
    QFrame,
    QGridLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from rehabdash.ui.pages.links import Link, finding_link
from rehabdash.ui.pages.plan_page import NO_ACTIVITY, PlanPage
from rehabdash.ui.session import PageRequest, PageResult, Session
from rehabdash.ui.settings import Settings
from rehabdash.ui.tasks import TaskRunner
from rehabdash.ui.widgets import Tile

if TYPE_CHECKING:
    from rehabdash.plan.findings import Finding
    from rehabdash.plan.headlines import Headline

__all__ = [
    "HEADLINE_KEYS",
    "TILE_CHARS",
    "FindingButton",
    "FindingsPanel",
    "IntervalTile",
    "TileRow",
    "split_caveat",
]

#: The tiles, in order (the keys of rehabdash.plan.headlines.Headline), and their titles
#: until the plan is drawn (then each headline's own, the same words).
HEADLINE_KEYS = ("seen_rate", "deprivation_gap", "sii", "ethnicity_recorded")
_TITLES = (
    "People seen per 1,000 residents",
    "Deprivation gap: most ÷ least deprived fifth",
    "Slope index of inequality",
    "Ethnicity recorded",
)
NO_FINDINGS = (
    "No clear differences for this filter: for every group compared, the 95% interval "
    "includes “no difference”, so none is reported as a finding. The pages still show "
    "each group's figures."
)
FINDING_MIN_WIDTH = 240  # a finding's button may be this narrow (its title shortened)
TITLE_INSET = 64  # the arrow's room and the margins, left and right of a finding's title
TILE_CHARS = 30  # a tile narrower than this many characters: two tiles to a row
_HEADING = "font-size: 15px; font-weight: 600; color: #12436D;"
_CAVEAT = "color: #3D3D3D; font-size: 12px; padding-left: 44px;"  # over 9:1 on the page


def split_caveat(finding: Finding) -> tuple[str, str | None]:
    """The finding's sentence without its caveat (shown under it), and the caveat."""
    tail = f" {finding.caveat}." if finding.caveat else ""
    if tail and finding.text.endswith(tail):
        return finding.text[: -len(tail)], finding.caveat
    return finding.text, finding.caveat


class TileRow(QWidget):
    """Tiles side by side, or two to a row where four would not fit (a narrow window or
    125-150% display scaling): the page never grows wider than the screen."""

    def __init__(self, tiles: Iterable[Tile], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tiles = list(tiles)
        for tile in self.tiles:
            title = tile.findChild(QLabel, "tileTitle")
            if title is not None:
                title.setWordWrap(True)
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self.columns = 0
        self._place(len(self.tiles))

    def _place(self, columns: int) -> None:
        if columns == self.columns:
            return
        self.columns = columns
        for tile in self.tiles:
            self._grid.removeWidget(tile)
        for i in range(self._grid.columnCount()):
            self._grid.setColumnStretch(i, 0)
        for i, tile in enumerate(self.tiles):
            self._grid.addWidget(tile, i // columns, i % columns)
        for i in range(columns):
            self._grid.setColumnStretch(i, 1)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        narrowest = self.fontMetrics().averageCharWidth() * TILE_CHARS
        fits = event.size().width() >= narrowest * len(self.tiles)
        self._place(len(self.tiles) if fits else max(1, (len(self.tiles) + 1) // 2))

    def minimumSizeHint(self) -> QSize:  # two to a row at the narrowest
        hint = super().minimumSizeHint()
        if self.columns == len(self.tiles) and len(self.tiles) > 2:
            half = (len(self.tiles) + 1) // 2
            return QSize(hint.width() * half // len(self.tiles), hint.height())
        return hint


class FindingButton(QCommandLinkButton):
    """A finding as a command link: its rank, page and breakdown as the title (shortened
    with "…" where the pane is narrow; whole in the tooltip and accessible name), the
    sentence as the description, which wraps."""

    def __init__(self, title: str, description: str, parent: QWidget | None = None) -> None:
        super().__init__(title, description, parent)
        self.full_title = title

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        return QSize(min(hint.width(), FINDING_MIN_WIDTH), hint.height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        bold = QFont(self.font())
        bold.setBold(True)
        room = event.size().width() - TITLE_INSET
        title = QFontMetrics(bold).elidedText(self.full_title, Qt.TextElideMode.ElideRight, room)
        if title != self.text():
            self.setText(title)


class IntervalTile(Tile):
    """A headline tile with its 95% interval on a line of its own."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.interval = QLabel("")
        self.interval.setObjectName("tileInterval")
        self.interval.setStyleSheet("color: #12436D; font-size: 12px;")
        self.interval.setWordWrap(True)
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(2, self.interval)
        layout.addStretch(1)  # the tiles of a row line up at the top

    def show_headline(self, headline: Headline) -> None:
        title = self.findChild(QLabel, "tileTitle")
        if title is not None:
            title.setText(headline.title)
        self.setAccessibleName(headline.title)
        self.set(headline.value_text, headline.note)
        self.interval.setText(headline.interval_text)
        self.setAccessibleDescription(
            f"{headline.value_text} ({headline.unit}). {headline.interval_text}. {headline.note}"
        )


class FindingsPanel(PlanPage):
    """The whole plan's headlines and findings, for the Overview."""

    key = "overview_findings"
    heading = "Headline figures with 95% intervals"
    working = "Working out the headline figures and findings…"
    #: A finding was opened: (page key, breakdown key, level code) behind it.
    finding_opened = Signal(str, str, str)

    def __init__(
        self,
        session: Session,
        runner: TaskRunner,
        settings: Settings | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(session, runner, settings, parent)
        #: Whether the store has activity to plan (the Overview says so); until then a
        #: show or a store change asks for nothing.
        self.armed = False
        self.headlines: tuple[Headline, ...] = ()  # what the tiles show now
        self.links: list[Link | None] = []  # each drawn finding's link, in order
        self.finding_buttons: list[FindingButton] = []
        self.caveats: list[QLabel | None] = []
        self.body.setContentsMargins(0, 0, 0, 0)  # in line with the Overview's own parts
        # A section of the Overview, not a page's title.
        self.title.setObjectName("sectionTitle")
        self.title.setStyleSheet(_HEADING)
        self.tiles = {k: IntervalTile(t) for k, t in zip(HEADLINE_KEYS, _TITLES, strict=True)}
        for tile in self.tiles.values():
            tile.set("…", "")
        self.tile_row = TileRow(self.tiles.values())
        self.body.addWidget(self.tile_row)
        self.findings_area = self._findings_area()
        self.body.addWidget(self.findings_area, 1)

    def _findings_area(self) -> QScrollArea:
        """The ranked findings, in a scroll area the Overview may place elsewhere."""
        self.findings_heading = QLabel("What stands out, largest difference first")
        self.findings_heading.setStyleSheet(_HEADING)
        self.findings_heading.setWordWrap(True)
        self.message = QLabel("The findings appear once the plan is worked out.")
        self.message.setWordWrap(True)
        holder = QWidget()
        holder.setObjectName("findings")
        self._list = QVBoxLayout(holder)
        self._list.setContentsMargins(4, 4, 12, 4)
        self._list.addWidget(self.findings_heading)
        self._list.addWidget(self.message)
        self._list.addStretch(1)
        area = QScrollArea()
        area.setWidgetResizable(True)
        area.setFrameShape(QFrame.Shape.NoFrame)
        area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        area.setWidget(holder)
        area.setAccessibleName("Findings, largest difference first")
        return area

    def request(self) -> PageRequest:
        return PageRequest(whole_plan=True)

    def refresh(self) -> None:
        if self.armed:  # an empty store has nothing to plan (the Overview says so)
            super().refresh()
        elif self.session.engine is not None:
            self.status.setText(NO_ACTIVITY)

    def showEvent(self, event: QShowEvent) -> None:
        if self._behind(self.result):  # the filter changed while another page was shown
            self._stale = True
        super().showEvent(event)

    def _done(self, result: PageResult) -> None:
        if self._behind(result) and self.armed:  # the filter moved on meanwhile: again
            self.refresh()
            return
        super()._done(result)

    def _behind(self, result: PageResult | None) -> bool:
        """Whether ``result`` is for a filter other than the session's now."""
        now = self.session.filter
        return result is not None and now is not None and result.filter != now

    def show_result(self, result: PageResult) -> None:
        from rehabdash.plan.headlines import headlines

        self.headlines = headlines(result.indicators)
        for headline in self.headlines:
            self.tiles[headline.key].show_headline(headline)
        self._show_findings(result.findings)
        self.status.setText(
            f"For {result.filter.describe()}: the whole data plan, each figure with its 95% "
            "interval (the range the true value is likely to lie in)."
        )

    def _show_findings(self, findings: tuple[Finding, ...]) -> None:
        for widget in (*self.finding_buttons, *(c for c in self.caveats if c)):
            self._list.removeWidget(widget)
            widget.deleteLater()
        self.finding_buttons, self.caveats, self.links = [], [], []
        self.message.setText(NO_FINDINGS)
        self.message.setVisible(not findings)
        at = self._list.indexOf(self.message) + 1
        for rank, finding in enumerate(findings, 1):
            try:
                link: Link | None = finding_link(finding)
            except ValueError:  # a metric no page shows: the sentence alone
                link = None
            sentence, caveat = split_caveat(finding)
            where = f"{link.page_title}: {link.breakdown_title}" if link else "Not linked"
            button = FindingButton(f"{rank}. {where}", sentence)
            button.setAccessibleName(f"Finding {rank}: {sentence}")
            if link is None:
                button.setEnabled(False)
                button.setToolTip(button.full_title)
            else:
                button.setAccessibleDescription(f"Opens {where}")
                button.setToolTip(f"Open {where}")
                button.clicked.connect(partial(self._open, rank - 1))
            self._list.insertWidget(at, button)
            at += 1
            note: QLabel | None = None
            if caveat:
                note = QLabel(f"⚠ Caveat: {caveat}.")
                note.setWordWrap(True)
                note.setStyleSheet(_CAVEAT)
                note.setAccessibleName(f"Caveat to finding {rank}: {caveat}")
                self._list.insertWidget(at, note)
                at += 1
            self.finding_buttons.append(button)
            self.caveats.append(note)
            self.links.append(link)

    def _open(self, index: int) -> None:
        link = self.links[index]
        if link is not None:
            self.finding_opened.emit(link.page, link.breakdown_key, link.level_code)
