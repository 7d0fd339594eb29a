"""The main window: left navigation, one page per dashboard view, the store in the status bar."""

from __future__ import annotations

from typing import Any

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
from rehabdash.ui.errors import report
from rehabdash.ui.pages.import_page import ImportPage
from rehabdash.ui.pages.overview import OverviewPage
from rehabdash.ui.settings import Settings
from rehabdash.ui.tasks import TaskContext, TaskRunner
from rehabdash.ui.theme import STYLE

__all__ = ["MainWindow"]


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
        self.runner.error.connect(lambda _kind, exc: self._failed(exc))
        self.settings = Settings()

        self.nav = QListWidget()
        self.nav.setObjectName("nav")
        self.nav.setAccessibleName("Pages")
        self.nav.setFixedWidth(180)
        self.pages = QStackedWidget()
        self.overview = OverviewPage()
        self._add_page("Overview", self.overview)
        self.import_page = ImportPage(lambda: self.engine, self.runner, self.settings)
        self.import_page.overview_requested.connect(self._back_to_overview)
        self._add_page("Import", self.import_page)
        self.nav.currentRowChanged.connect(self.pages.setCurrentIndex)
        self.nav.setCurrentRow(min(self.settings.last_page(), self.nav.count() - 1))

        central = QWidget()
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

    def _add_page(self, name: str, page: QWidget) -> None:
        self.nav.addItem(name)
        self.pages.addWidget(page)

    def _menus(self) -> None:
        quit_action = QAction("&Quit", self, shortcut=QKeySequence.StandardKey.Quit)
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

    def _failed(self, exc: object) -> None:
        self.progress.hide()
        self.cancel_button.hide()
        self.overview.show_message(f"Could not open the store: {exc}")
        report(self, exc)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.runner.cancel("open")
        self.settings.set_geometry(self.saveGeometry())
        self.settings.set_last_page(self.nav.currentRow())
        self.settings.sync()
        super().closeEvent(event)
