"""Who accesses: people seen per 1,000 of each group's population, with 95% intervals,
by any characteristic or the default pairs (issue 11 item 1; DESIGN 10).

The page asks the session for the access section of one breakdown and draws its
``seen_rate`` indicator in the one chart panel; beside it, how much of the breakdown is
recorded (a rate on known values leaves out the people whose value is not known). A
change of breakdown starts one task; a superseded result is never drawn (the runner
drops it). The chart panel and the plan load on first show, so start-up does not pay
for them.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from rehabdash.ui.session import Session
from rehabdash.ui.settings import Settings
from rehabdash.ui.tasks import TaskContext, TaskRunner

if TYPE_CHECKING:
    from rehabdash.plan.result import Indicator
    from rehabdash.ui.charts.panel import ChartPanel

__all__ = ["METRIC", "WhoAccessesPage"]

#: The indicator this page draws (the access section's rate of people seen).
METRIC = "seen_rate"
SECTIONS = ("access",)
BLINK_MS = 200  # longer than this, work shows a busy bar and Cancel
CHOICE, DEFAULT = "who_accesses/breakdown", "ethnic_group"  # the breakdown kept in settings


def breakdown_choices() -> list[tuple[str, str]]:
    """(key, title) of every single characteristic, then the default pairs."""
    from rehabdash.codes.characteristics import CHARACTERISTICS
    from rehabdash.plan.breakdown import breakdown
    from rehabdash.plan.engine import DEFAULT_BREAKDOWNS

    singles = [(k, c.title) for k, c in CHARACTERISTICS.items()]
    pairs = [(k, breakdown(k).title) for k in DEFAULT_BREAKDOWNS if k not in CHARACTERISTICS]
    return singles + pairs


class WhoAccessesPage(QWidget):
    """People seen per 1,000 by the chosen breakdown, drawn in the chart panel."""

    def __init__(
        self,
        session: Session,
        runner: TaskRunner,
        settings: Settings | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.session, self.runner, self.settings = session, runner, settings
        self.panel: ChartPanel | None = None
        self.drawn: Indicator | None = None  # what the panel shows now
        self._stale = True
        title = QLabel("Who accesses community rehab")
        title.setObjectName("pageTitle")
        self.choice = QComboBox()
        self.choice.setAccessibleName("Breakdown: the characteristic or pair to compare")
        self.status = QLabel("Open a store to see who accesses rehab.")
        self.status.setWordWrap(True)
        self.recording = QLabel()
        self.recording.setWordWrap(True)
        # Slower than a blink (the first pull of a large store): a busy bar and Cancel.
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(220)
        self.busy.setAccessibleName("Working out who is seen")
        self.cancel = QPushButton("Cancel")
        self.cancel.setAccessibleName("Cancel working out who is seen")
        self.cancel.clicked.connect(self._cancel)
        self._busy_timer = QTimer(self)
        self._busy_timer.setSingleShot(True)
        self._busy_timer.setInterval(BLINK_MS)
        self._busy_timer.timeout.connect(self._show_busy)
        self._set_busy(False)
        top = QHBoxLayout()
        top.addWidget(title)
        top.addStretch(1)
        top.addWidget(QLabel("Breakdown:"))
        top.addWidget(self.choice)
        working = QHBoxLayout()
        working.addWidget(self.status, 1)
        working.addWidget(self.busy)
        working.addWidget(self.cancel)
        self._layout = QVBoxLayout(self)
        self._layout.addLayout(top)
        self._layout.addLayout(working)
        self._layout.addWidget(self.recording)

    # The panel and the list of breakdowns import the plan (polars): made on first show.
    def _build(self) -> None:
        from rehabdash.ui.charts.panel import ChartPanel

        for key, text in breakdown_choices():
            self.choice.addItem(text, key)
        last = self.settings.last_choice(CHOICE, DEFAULT) if self.settings else DEFAULT
        found = self.choice.findData(last)
        self.choice.setCurrentIndex(found if found >= 0 else max(self.choice.findData(DEFAULT), 0))
        self.choice.currentIndexChanged.connect(self._chosen)
        self.panel = ChartPanel("People seen per 1,000 population")
        self._layout.addWidget(self.panel, 1)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.panel is None:
            self._build()
        if self._stale and self.session.engine is not None:
            self.refresh()

    def store_changed(self) -> None:
        """The store was opened or changed: recompute when next shown (now, if shown)."""
        self.session.changed()
        self._stale = True
        if self.isVisible() and self.panel is not None:
            self.refresh()

    @property
    def breakdown_key(self) -> str:
        return str(self.choice.currentData() or DEFAULT)

    def _chosen(self, _index: int) -> None:
        if self.settings is not None:  # comes back on the next start
            self.settings.set_last_choice(CHOICE, self.breakdown_key)
        self.refresh()

    def refresh(self) -> None:
        """Start one task for the chosen breakdown (a newer one supersedes it)."""
        if self.session.engine is None:
            return
        self._stale = False
        key, session = self.breakdown_key, self.session
        self.status.setText("Working out who is seen…")

        def work(_ctx: TaskContext) -> list[Indicator]:
            return session.breakdown(key, SECTIONS)

        self._busy_timer.start()
        self.runner.start("who-accesses", work, self.show_result, lane=session.lane())

    def _show_busy(self) -> None:
        self._set_busy(True)

    def _set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.cancel.setVisible(busy)

    def _cancel(self) -> None:
        """Stop waiting: the result, when it comes, is not drawn (the chart keeps the
        last one), and the next change of breakdown starts afresh."""
        self.runner.cancel("who-accesses")
        self._busy_timer.stop()
        self._set_busy(False)
        self._stale = True
        self.status.setText("Cancelled: choose a breakdown to try again.")

    def show_result(self, items: list[Indicator]) -> None:
        from rehabdash.plan.chart_data import chart_data

        self._busy_timer.stop()
        self._set_busy(False)

        found = next((i for i in items if i.metric == METRIC), None)
        if found is None or self.panel is None:
            self.status.setText("This breakdown has no rate of people seen.")
            return
        self.drawn = found
        self.panel.show_data(chart_data(found))
        flt = self.session.filter
        self.status.setText(f"Period: {flt.period.label}" if flt else "")
        self.recording.setText(_recording_note(found))


def _recording_note(seen: Indicator) -> str:
    """How much of the breakdown is recorded: the rates of groups leave out the people
    whose value is not stated or not known, who count in "All" only."""
    from rehabdash.plan.result import NOT_APPLICABLE  # a rate of the unknown kinds: [z]

    unknown = seen.frame.filter(seen.frame["flag"] == NOT_APPLICABLE)
    left_out = float(unknown["numerator"].sum()) if unknown.height else 0.0
    everyone = seen.row("All")
    total = float(everyone["numerator"] or 0) if everyone else 0.0
    if not total or not left_out:
        return "Every person seen has this characteristic recorded."
    share = left_out / total * 100
    return (
        f"{left_out:,.0f} of {total:,.0f} people seen ({share:.1f}%) have no recorded group "
        "here (not stated, not known, blank or invalid): they count in All only, so each "
        "group's rate is on known values and All is on all records."
    )


def _load(engine: Any) -> Any:
    return engine


if __name__ == "__main__":
    from rehabdash.ui.standalone import show_page

    def make() -> WhoAccessesPage:
        return WhoAccessesPage(Session(url=""), TaskRunner(synchronous=True))

    def show(page: QWidget, engine: Any) -> None:
        assert isinstance(page, WhoAccessesPage)
        page.session.opened(engine)
        page.store_changed()

    sys.exit(show_page(make, _load, show))
