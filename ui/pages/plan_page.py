"""The one way to build a dashboard page (issue 11 item 2; DESIGN 2 and 10).

A page is a Qt-free :class:`~rehabdash.ui.session.PageRequest` (what it asks the plan
for, made by :meth:`PlanPage.request`) plus :meth:`PlanPage.show_result` (how it draws
the :class:`~rehabdash.ui.session.PageResult`). This base does the rest once for every
page:

* the title row (with room for the page's own controls), the demo banner, the status
  line with a busy bar and Cancel after a blink (200 ms);
* one task a request on the runner, named after the page, so a newer request supersedes
  an older one and a superseded or cancelled result is never drawn;
* recomputing only when shown and stale (the store or the filter changed meanwhile);
* a breakdown choice that comes back on the next start (:meth:`add_breakdown_choice`);
* launching the page alone on a demo store (:func:`run_alone`).

Heavy parts (the chart panel, polars) are made on first show in :meth:`build`, so
start-up does not pay for pages nobody opened.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any, ClassVar

from PySide6.QtCore import QTimer, Signal
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

from rehabdash.ui.session import DEMO_LABEL, PageRequest, PageResult, Session
from rehabdash.ui.settings import Settings
from rehabdash.ui.tasks import TaskContext, TaskRunner, freeze_long_lived

__all__ = ["BLINK_MS", "NO_ACTIVITY", "PlanPage", "breakdown_choices", "run_alone"]

BLINK_MS = 200  # longer than this, work shows a busy bar and Cancel
NO_ACTIVITY = (
    "This store holds no rehab activity yet: import an activity extract on the Import page."
)


def breakdown_choices(pairs: bool = True) -> list[tuple[str, str]]:
    """(key, title) of every single characteristic, then (``pairs``) the default pairs."""
    from rehabdash.codes.characteristics import CHARACTERISTICS
    from rehabdash.plan.breakdown import breakdown
    from rehabdash.plan.engine import DEFAULT_BREAKDOWNS

    singles = [(k, c.title) for k, c in CHARACTERISTICS.items()]
    if not pairs:
        return singles
    doubles = [(k, breakdown(k).title) for k in DEFAULT_BREAKDOWNS if k not in CHARACTERISTICS]
    return singles + doubles


class PlanPage(QWidget):
    """A dashboard page: subclasses set the class attributes and write :meth:`build`,
    :meth:`request` and :meth:`show_result`."""

    key: ClassVar[str] = ""  # the page's registry key: its task kind and settings prefix
    heading: ClassVar[str] = ""
    working: ClassVar[str] = "Working…"  # the status while a request runs
    drawn_result = Signal()  # a result was drawn (tests and the screenshot script wait on it)

    def __init__(
        self,
        session: Session,
        runner: TaskRunner,
        settings: Settings | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.session, self.runner, self.settings = session, runner, settings
        self.result: PageResult | None = None  # what the page shows now
        self.breakdown_combo: QComboBox | None = None  # add_breakdown_choice's
        self.built = False
        self._stale = True
        self.title = title = QLabel(self.heading)
        title.setObjectName("pageTitle")
        self.banner = QLabel(DEMO_LABEL)
        self.banner.setObjectName("demoBanner")
        self.banner.setAccessibleName(f"{DEMO_LABEL}: not your ICB's data")
        self.banner.setVisible(False)
        self.status = QLabel("Open a store to see this page.")
        self.status.setWordWrap(True)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(220)
        self.busy.setAccessibleName(f"{self.heading}: working")
        self.cancel = QPushButton("Cancel")
        self.cancel.setAccessibleName(f"Cancel working out {self.heading.lower()}")
        self.cancel.clicked.connect(self._cancel)
        runner.error.connect(self._failed)
        self._busy_timer = QTimer(self)
        self._busy_timer.setSingleShot(True)
        self._busy_timer.setInterval(BLINK_MS)
        self._busy_timer.timeout.connect(lambda: self._set_busy(True))
        self._set_busy(False)
        heading = QHBoxLayout()
        heading.addWidget(title)
        heading.addWidget(self.banner)
        heading.addStretch(1)
        heading.addWidget(self.busy)
        heading.addWidget(self.cancel)
        #: The row under the title, after the status: pages add their own controls here
        #: (a breakdown, a level). Not beside the title: the page fits a narrow screen.
        self.controls = QHBoxLayout()
        self.controls.addWidget(self.status, 1)
        #: The page's body, below the controls.
        self.body = QVBoxLayout(self)
        self.body.addLayout(heading)
        self.body.addLayout(self.controls)

    # ------------------------------------------------------------ for subclasses

    def build(self) -> None:
        """Make the page's panels (on first show)."""

    def request(self) -> PageRequest:
        raise NotImplementedError

    def show_result(self, result: PageResult) -> None:
        raise NotImplementedError

    @staticmethod
    def prepare_result(result: PageResult) -> Any:
        """Qt-free work on the result before it is drawn, run on the worker after the
        fetch (a page whose drawing needs more than a blink of polars); it arrives as
        ``result.prepared``. Default: nothing."""
        return None

    def add_choice(
        self,
        label: str,
        items: list[tuple[str, str]],
        default: str,
        what: str,
        *,
        changed: Callable[[], None] | None = None,
        chars: int = 26,
        row: QHBoxLayout | None = None,
    ) -> QComboBox:
        """A combo of (value, text) ``items`` with its caption, in ``row`` (default: the
        controls row). The choice is kept in settings and comes back on the next start; a
        change calls ``changed`` (default: recompute). Call it from :meth:`build`."""
        from rehabdash.ui.pages.page_fit import fit_combo

        combo = QComboBox()
        combo.setAccessibleName(f"{label}: {what}")
        for value, text in items:
            combo.addItem(text, value)
        fit_combo(combo, chars)  # long titles must not widen the page past a small screen
        name = f"{self.key}/{label.lower()}"
        last = self.settings.last_choice(name, default) if self.settings else default
        found = combo.findData(last)
        combo.setCurrentIndex(found if found >= 0 else max(combo.findData(default), 0))
        after = changed or self.refresh

        def chosen(_index: int) -> None:
            if self.settings is not None:
                self.settings.set_last_choice(name, str(combo.currentData()))
            after()

        combo.currentIndexChanged.connect(chosen)
        caption = QLabel(f"{label}:")
        caption.setBuddy(combo)
        place = row if row is not None else self.controls
        place.addWidget(caption)
        place.addWidget(combo)
        return combo

    def add_breakdown_choice(
        self, default: str, choices: list[tuple[str, str]] | None = None, label: str = "Breakdown"
    ) -> QComboBox:
        """The page's breakdown: :meth:`add_choice` of the characteristics and pairs (or
        ``choices``); a finding's link sets it (:meth:`open_at`)."""
        items = choices if choices is not None else breakdown_choices()
        what = "the characteristic or pair to compare"
        self.breakdown_combo = combo = self.add_choice(label, items, default, what)
        return combo

    def open_at(self, breakdown_key: str) -> bool:
        """Show ``breakdown_key`` (a finding's link); False if the page does not offer it."""
        if not self.built:
            self.built = True
            self.build()
        combo = self.breakdown_combo
        found = combo.findData(breakdown_key) if combo is not None else -1
        if combo is not None and found >= 0:
            combo.setCurrentIndex(found)
        return found >= 0

    # ------------------------------------------------------------ the life of a page

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self.built:
            self.built = True
            self.build()
            freeze_long_lived()  # the page's widgets live as long as the window
        if self._stale and self.session.engine is not None:
            self.refresh()

    def store_changed(self) -> None:
        """The store was opened or changed: recompute when next shown (now, if shown)."""
        self.session.changed()
        self.filter_changed()

    def filter_changed(self) -> None:
        """The session's filter changed: recompute when next shown (now, if shown)."""
        self.banner.setVisible(self.session.demo)
        self._stale = True
        if self.isVisible() and self.built:
            self.refresh()

    def refresh(self) -> None:
        """Start one task for the page's request (a newer one supersedes it)."""
        if self.session.engine is None:
            return
        if self.session.no_activity:  # stays stale: an import makes it worth asking
            self.status.setText(NO_ACTIVITY)
            return
        self._stale = False
        self.banner.setVisible(self.session.demo)
        request, session = self.request(), self.session
        self.status.setText(self.working)

        prepare = type(self).prepare_result

        def work(ctx: TaskContext) -> PageResult:
            result = session.fetch(request, ctx.report, ctx.cancelled)
            return replace(result, prepared=prepare(result))

        self._busy_timer.start()
        self.runner.start(self.key, work, self._done, lane=session.lane(request))

    def _done(self, result: PageResult) -> None:
        self._busy_timer.stop()
        self._set_busy(False)
        self.result = result
        described = self.session.describe(result.filter)
        self.status.setText(
            f"No referrals match this filter ({described}): choose a wider one."
            if result.people == 0
            else f"{described}."
        )
        self.show_result(result)
        from rehabdash.ui.charts.frame import ChartFrame

        for chart in self.findChildren(ChartFrame):  # a saved chart says what it is of
            chart.save_note = f"{described}. rehabdash: not disclosure-controlled."
        self.drawn_result.emit()

    def _failed(self, kind: str, exc: object) -> None:
        """The page's task failed (the window's reporter says why): stop looking busy,
        say so, and try again on the next change."""
        if kind != self.key:
            return
        from rehabdash.ui.errors import short_message

        self._busy_timer.stop()
        self._set_busy(False)
        self._stale = True
        self.status.setText(f"Could not work out this page: {short_message(exc)}")

    def _set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.cancel.setVisible(busy)

    def _cancel(self) -> None:
        """Stop waiting: the result, when it comes, is not drawn (the page keeps the
        last one), and the next change starts afresh."""
        self.runner.cancel(self.key)
        self._busy_timer.stop()
        self._set_busy(False)
        self._stale = True
        self.status.setText("Cancelled: change a choice or the filter to try again.")


def run_alone(page_class: type[PlanPage]) -> int:
    """``python -m rehabdash.ui.pages.<page>``: the page alone on a demo store."""
    from rehabdash.ui.standalone import show_page

    def make() -> PlanPage:
        return page_class(Session(url=""), TaskRunner(synchronous=True))

    def show(page: QWidget, engine: Any) -> None:
        assert isinstance(page, PlanPage)
        page.session.opened(engine)
        page.session.demo = True
        page.store_changed()

    return show_page(make, lambda engine: engine, show)
