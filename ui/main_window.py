"""The main window: left navigation, one page per dashboard view, the store in the status bar.

Closing it while an import is written (or a file prepared) asks first: cancel the import
(rolled back, nothing written), wait for it to commit, or keep working. Either way the
window closes only once the task has ended, and it drains the task runner as it goes, so
no worker is left writing to the store after the window has gone (DESIGN 12).
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QListWidget,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QWidget,
)

from rehabdash import __version__, snapshot
from rehabdash.paths import hide_password
from rehabdash.queries.summaries import Overview
from rehabdash.ui.errors import report, short_message, what_failed
from rehabdash.ui.pages.import_page import ImportPage
from rehabdash.ui.pages.overview import OverviewPage
from rehabdash.ui.pages.registry import PAGES, plan_pages
from rehabdash.ui.session import Session
from rehabdash.ui.settings import Settings
from rehabdash.ui.tasks import TaskContext, TaskRunner
from rehabdash.ui.theme import STYLE

if TYPE_CHECKING:
    from rehabdash.ui.import_wizard.wizard import Running

__all__ = ["CloseChoice", "MainWindow"]


class CloseChoice(Enum):
    """The answers to "An import is running" when the window is closed."""

    CANCEL = "Cancel the import"
    WAIT = "Wait for it to finish"
    KEEP = "Keep working"


class MainWindow(QMainWindow):
    def __init__(
        self, db_url: str, build_demo_if_empty: bool = False, runner: TaskRunner | None = None
    ) -> None:
        super().__init__()
        self.setWindowTitle("rehabdash — community rehabilitation access")
        self.setStyleSheet(STYLE)
        self.db_url = db_url
        self.engine: Any = None  # a SQLAlchemy Engine once the store is open
        self.runner = runner or TaskRunner(self)
        self.runner.error.connect(self._failed)
        self.settings = Settings()

        self.nav = QListWidget()
        self.nav.setObjectName("nav")
        self.nav.setAccessibleName("Pages")
        self.nav.setFixedWidth(180)
        self.pages = QStackedWidget()
        self.session = Session(db_url)
        self.page_widgets: dict[str, QWidget] = {}
        for spec in PAGES:  # the one list of pages: navigation and the smoke test read it
            self.page_widgets[spec.key] = page = spec.make(self)
            self.nav.addItem(spec.title)
            self.pages.addWidget(page)
        self.overview = cast(OverviewPage, self.page_widgets["overview"])
        self.import_page = cast(ImportPage, self.page_widgets["import_page"])
        self.import_page.overview_requested.connect(self._back_to_overview)
        self.import_page.task_ended.connect(self._import_task_ended)
        self.nav.currentRowChanged.connect(self.pages.setCurrentIndex)
        keys = [spec.key for spec in PAGES]
        last = self.settings.last_page()
        self.nav.setCurrentRow(keys.index(last) if last in keys else 0)

        central = self._central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.nav)
        layout.addWidget(self.pages, 1)
        self.setCentralWidget(central)

        self.progress = QProgressBar()
        self.progress.setMaximumWidth(260)
        self.progress.setRange(0, 1000)
        self.progress.hide()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.hide()
        self.cancel_button.clicked.connect(lambda: self.runner.cancel("open"))
        self.statusBar().addPermanentWidget(self.progress)
        self.statusBar().addPermanentWidget(self.cancel_button)
        self.statusBar().showMessage(f"Store: {hide_password(db_url)}")
        self._menus()
        geometry = self.settings.geometry()
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1200, 760)
        self._build_demo = build_demo_if_empty
        self._closing: CloseChoice | None = None  # CANCEL or WAIT: close once the import ends
        self.confirm_close: Callable[[Running], CloseChoice] = self._ask_close

    def _menus(self) -> None:
        quit_action = QAction("&Quit", self, shortcut=QKeySequence(QKeySequence.StandardKey.Quit))
        quit_action.triggered.connect(self.close)
        self.menuBar().addMenu("&File").addAction(quit_action)
        about = QAction("&About rehabdash", self)
        about.triggered.connect(self._about)
        self.menuBar().addMenu("&Help").addAction(about)

    def _about(self) -> None:
        from rehabdash.refdata import ATTRIBUTION

        QMessageBox.about(
            self,
            "About rehabdash",
            f"<b>rehabdash {__version__}</b><p>Who is and isn't accessing community "
            f"rehabilitation, against need.</p><p style='font-size:small'>{ATTRIBUTION}</p>",
        )

    def load(self) -> None:
        """Open the store (building the demo on first run) and show the overview.

        Runs on the task runner, off the GUI thread.
        """
        url, demo = self.db_url, self._build_demo

        def cached(_ctx: TaskContext) -> Any:
            return snapshot.load(url, "overview")

        def work(ctx: TaskContext) -> Any:
            # Imported here, on the worker: polars and SQLAlchemy load after the window is up.
            from rehabdash.ui.startup import open_and_summarise

            return open_and_summarise(url, demo, ctx.report, ctx.cancelled)

        self.progress.show()
        self.cancel_button.show()
        self.runner.start("snapshot", cached, self._show_snapshot)
        self.runner.start("open", work, self._opened, self._on_progress)

    def refresh(self) -> None:
        """Recompute the overview on the open store (after an import), off the GUI thread."""
        if self.engine is None:
            self.load()
            return
        self._store_changed()  # an import may have changed what the pages draw
        engine, url = self.engine, self.db_url

        def work(_ctx: TaskContext) -> Any:
            from rehabdash.queries.overview import overview

            taken_at = snapshot.fingerprint(url)
            result = overview(engine)
            if result is not None:
                snapshot.save(url, "overview", result.to_json(), taken_at)
            return result

        self.overview.show_message("Refreshing the overview…")
        self.runner.start("overview", work, self.overview.show_overview)

    def _back_to_overview(self) -> None:
        self.nav.setCurrentRow(0)
        self.refresh()

    def _show_snapshot(self, payload: Any) -> None:
        if payload is not None and self.engine is None:
            self.overview.show_overview(Overview.from_json(payload))

    def _on_progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(int(fraction * 1000))
        self.overview.show_message(message)

    def _opened(self, result: Any) -> None:
        self.engine, data = result
        self.progress.hide()
        self.cancel_button.hide()
        self.overview.show_overview(data)
        self.session.opened(self.engine)
        self._store_changed()

    def _store_changed(self) -> None:
        for page in plan_pages(self.page_widgets):
            page.store_changed()

    def _failed(self, kind: str, exc: object) -> None:
        """A task failed: say what failed and why (the overview too, when it was its
        figures that could not be made)."""
        what = what_failed(kind)
        if kind in ("open", "overview", "snapshot"):
            self.progress.hide()
            self.cancel_button.hide()
            self.overview.show_message(f"{what}: {short_message(exc)}")
        report(self, exc, what=what)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._stays_open():
            event.ignore()
            return
        self.runner.cancel_all()
        self.runner.wait()  # drained: no worker is left writing once the window has gone
        self.settings.set_geometry(self.saveGeometry())
        self.settings.set_last_page(PAGES[max(self.nav.currentRow(), 0)].key)
        self.settings.sync()
        super().closeEvent(event)

    def _stays_open(self) -> bool:
        """While an import runs, ask what to do; True keeps the window open for now."""
        running = self.import_page.running()
        if running is None:
            return False
        if self._closing is CloseChoice.CANCEL:
            return True  # already cancelling: the window closes when the rollback is done
        choice = self.confirm_close(running)
        if choice is CloseChoice.KEEP:
            self._stay_open(f"Still importing {running.source}.")
            return True
        self._closing = choice
        self._central.setEnabled(False)  # the window is closing: no new work
        if choice is CloseChoice.CANCEL:
            self.import_page.cancel_running()
            self.progress.setRange(0, 0)  # busy: the rollback reports no fraction
            self.progress.show()
            message = f"Cancelling the import of {running.source}; the window closes when it "
            message += "has been rolled back…"
        else:
            message = f"The window closes by itself when the import of {running.source} is done."
        self.statusBar().showMessage(message)
        return True

    def _import_task_ended(self, name: str, succeeded: bool) -> None:
        choice = self._closing
        if choice is None or self.import_page.running() is not None:
            return
        if choice is CloseChoice.WAIT and name == "import" and not succeeded:
            self._stay_open("The import did not finish, so the window stayed open.")
            return
        self.close()

    def _stay_open(self, message: str) -> None:
        """Back to work: a close that was waiting for an import is called off."""
        self._closing = None
        self._central.setEnabled(True)
        self.progress.hide()
        self.progress.setRange(0, 1000)
        self.statusBar().showMessage(message)

    def _ask_close(self, running: Running) -> CloseChoice:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Close rehabdash?")
        box.setText(f"An import is running: {running.text}.")
        box.setInformativeText(
            f"{CloseChoice.CANCEL.value}: nothing from {running.source} is written.\n"
            f"{CloseChoice.WAIT.value}: the window closes by itself once it is done.\n"
            f"{CloseChoice.KEEP.value}: the window stays open."
        )
        roles = {
            CloseChoice.CANCEL: QMessageBox.ButtonRole.DestructiveRole,
            CloseChoice.WAIT: QMessageBox.ButtonRole.AcceptRole,
            CloseChoice.KEEP: QMessageBox.ButtonRole.RejectRole,
        }
        buttons = {choice: box.addButton(choice.value, role) for choice, role in roles.items()}
        box.setDefaultButton(buttons[CloseChoice.KEEP])
        box.setEscapeButton(buttons[CloseChoice.KEEP])
        box.exec()
        clicked = box.clickedButton()
        return next((c for c, b in buttons.items() if b == clicked), CloseChoice.KEEP)
