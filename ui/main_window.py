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

from PySide6.QtCore import QRect
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from rehabdash import __version__, snapshot
from rehabdash.paths import default_db_url, demo_db_url, hide_password
from rehabdash.queries.summaries import Overview
from rehabdash.ui.errors import report, short_message, what_failed
from rehabdash.ui.filter_bar import FilterBar
from rehabdash.ui.filter_state import FilterChoice
from rehabdash.ui.pages.import_page import ImportPage
from rehabdash.ui.pages.overview import OverviewPage
from rehabdash.ui.pages.plan_page import PlanPage
from rehabdash.ui.pages.registry import PAGES, plan_pages
from rehabdash.ui.pages.welcome import WelcomePage
from rehabdash.ui.session import DEMO_LABEL, Session
from rehabdash.ui.settings import Settings
from rehabdash.ui.tasks import TaskContext, TaskRunner, freeze_long_lived
from rehabdash.ui.theme import STYLE

if TYPE_CHECKING:
    from rehabdash.queries.filter_options import FilterOptions
    from rehabdash.ui.import_wizard.wizard import Running
    from rehabdash.ui.startup import Opened

TITLE = "rehabdash — community rehabilitation access"
#: The default window: fits a 1366×768 screen with its task bar and the status bar.
DEFAULT_SIZE = (1280, 700)

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
        self.setWindowTitle(TITLE)
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
            # Scrolled, not stretched: no page grows the window past the screen.
            area = QScrollArea()
            area.setAccessibleName(f"{spec.title} page")
            area.setWidgetResizable(True)
            area.setFrameShape(QFrame.Shape.NoFrame)
            area.setWidget(page)
            self.pages.addWidget(area)
        self.overview = cast(OverviewPage, self.page_widgets["overview"])
        self.import_page = cast(ImportPage, self.page_widgets["import_page"])
        self.import_page.overview_requested.connect(self._back_to_overview)
        self.import_page.task_ended.connect(self._import_task_ended)
        self.import_page.batches_changed.connect(self.refresh)  # withdrawn or reinstated
        self.overview.finding_opened.connect(self.open_finding)
        for widget in self.page_widgets.values():  # a map or a table that drills to an area
            drill = getattr(widget, "drill_requested", None)
            if drill is not None:
                drill.connect(self.drill_to)
        self.filter_bar = FilterBar()
        self.filter_bar.changed.connect(self._filter_changed)
        self.nav.currentRowChanged.connect(self._page_chosen)

        dashboard = QWidget()
        right = QVBoxLayout()
        right.setContentsMargins(0, 0, 0, 0)
        right.addWidget(self.filter_bar)
        right.addWidget(self.pages, 1)
        layout = QHBoxLayout(dashboard)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.nav)
        layout.addLayout(right, 1)
        self.welcome = WelcomePage()
        self.welcome.demo_requested.connect(self.open_demo)
        self.welcome.import_requested.connect(self._start_own_store)
        # The dashboard, or the welcome page while the store holds no activity.
        self.screens = QStackedWidget()
        self.screens.addWidget(dashboard)
        self.screens.addWidget(self.welcome)
        self._central = self.screens
        self.setCentralWidget(self.screens)
        keys = [spec.key for spec in PAGES]
        last = self.settings.last_page()
        self.nav.setCurrentRow(keys.index(last) if last in keys else 0)

        self.progress = QProgressBar()
        self.progress.setMaximumWidth(260)
        self.progress.setRange(0, 1000)
        self.progress.hide()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.hide()
        self.cancel_button.clicked.connect(lambda: self.runner.cancel("open"))
        self.demo_label = QLabel(DEMO_LABEL)
        self.demo_label.setObjectName("demoBanner")
        self.demo_label.hide()
        self.statusBar().addPermanentWidget(self.demo_label)
        self.statusBar().addPermanentWidget(self.progress)
        self.statusBar().addPermanentWidget(self.cancel_button)
        self.statusBar().showMessage(f"Store: {hide_password(db_url)}")
        self._menus()
        geometry = self.settings.geometry()
        if geometry is None or not self.restoreGeometry(geometry):
            self._default_layout()
        self._fit_screen()
        self._build_demo = build_demo_if_empty
        self._closing: CloseChoice | None = None  # CANCEL or WAIT: close once the import ends
        self.confirm_close: Callable[[Running], CloseChoice] = self._ask_close

    def _menus(self) -> None:
        files = self.menuBar().addMenu("&File")
        own = QAction("Open &my store", self)
        own.triggered.connect(lambda: self.switch_store(default_db_url()))
        demo = QAction("Open the &demo store (synthetic data)", self)
        demo.triggered.connect(self.open_demo)
        quit_action = QAction("&Quit", self, shortcut=QKeySequence(QKeySequence.StandardKey.Quit))
        quit_action.triggered.connect(self.close)
        for action in (own, demo):
            files.addAction(action)
        files.addSeparator()
        files.addAction(quit_action)
        reset = QAction("&Reset layout", self)
        reset.triggered.connect(self.reset_layout)
        self.menuBar().addMenu("&View").addAction(reset)
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

    def open_finding(self, page_key: str, breakdown_key: str, _level_code: str) -> None:
        """A finding's link: the page behind it, at its breakdown."""
        keys = [spec.key for spec in PAGES]
        if page_key not in keys:
            return
        page = self.page_widgets[page_key]
        if isinstance(page, PlanPage):
            page.open_at(breakdown_key)
        self.nav.setCurrentRow(keys.index(page_key))

    def drill_to(self, value: str, label: str) -> None:
        """Show every page for one area (``value``, "lsoa:E01…"), chosen on a map or a
        table; the map keeps showing the areas it was drilled from (Session.drill)."""
        drill = self.session.drill
        current = self.filter_bar.choice.area
        before = drill[1] if drill is not None and drill[0] == current else current
        self.session.drill = (value, before)
        self.session.area_names[value] = label
        self.filter_bar.drill_to(value, label)

    def current_page(self) -> QWidget:
        """The page shown (inside its scroll area)."""
        area = self.pages.currentWidget()
        assert isinstance(area, QScrollArea)
        page = area.widget()
        assert page is not None
        return page

    # ------------------------------------------------------------ layout

    def _default_layout(self) -> None:
        self.resize(*DEFAULT_SIZE)
        screen = self.screen().availableGeometry() if self.screen() else None
        if screen is not None:
            self.move(screen.center() - self.rect().center())

    def _fit_screen(self) -> None:
        """Never larger than the screen it opens on (a geometry kept from a bigger one)."""
        screen = QGuiApplication.primaryScreen()
        if screen is None:
            return
        room: QRect = screen.availableGeometry()
        width, height = min(self.width(), room.width()), min(self.height(), room.height() - 30)
        if (width, height) != (self.width(), self.height()):
            self.resize(width, height)

    def reset_layout(self) -> None:
        """The window as on a first start: default size, centred, the Overview."""
        self.settings.reset_layout()
        if self.isMaximized() or self.isFullScreen():
            self.showNormal()
        self._default_layout()
        self._fit_screen()
        self.nav.setCurrentRow(0)

    def _page_chosen(self, row: int) -> None:
        self.pages.setCurrentIndex(row)
        # The filters apply to the dashboard's pages, not to the import.
        self.filter_bar.setVisible(row >= 0 and PAGES[row].key != "import_page")

    # ------------------------------------------------------------ the store

    def open_demo(self) -> None:
        """The demo's own store (built on first use), never the user's."""
        self.switch_store(demo_db_url(), build_demo=True)

    def _start_own_store(self) -> None:
        """From the welcome page: the dashboard, on the import page."""
        self.screens.setCurrentIndex(0)
        keys = [spec.key for spec in PAGES]
        self.nav.setCurrentRow(keys.index("import_page"))

    def switch_store(self, url: str, build_demo: bool = False) -> None:
        """Close the open store and open ``url`` (not while an import is written)."""
        if self.import_page.running() is not None:
            self.statusBar().showMessage(
                "Finish or cancel the import before opening another store."
            )
            return
        self.runner.cancel_all()
        self.runner.wait()
        if self.engine is not None:
            self.engine.dispose()
        self.engine, self.db_url, self._build_demo = None, url, build_demo
        self.session = Session(url)
        for page in plan_pages(self.page_widgets):
            page.session = self.session
        self.statusBar().showMessage(f"Store: {hide_password(url)}")
        # The Overview says how the opening goes (building the demo takes a while).
        self.screens.setCurrentIndex(0)
        self.nav.setCurrentRow(0)
        self.overview.show_message("Opening the store…")
        self.load()

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
        self.screens.setCurrentIndex(0)
        self._load_filter_options()  # an import may add providers and change the pages
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

    def _opened(self, result: Opened) -> None:
        freeze_long_lived()  # modules, widgets and the engine live as long as the window
        self.engine = result.engine
        self.progress.hide()
        self.cancel_button.hide()
        self.session.opened(self.engine)
        self.session.demo = result.demo
        self.demo_label.setVisible(result.demo)
        self.setWindowTitle(f"{TITLE} — {DEMO_LABEL}" if result.demo else TITLE)
        if result.overview is None and not result.demo:
            self.welcome.set_store(self.db_url)
            self.screens.setCurrentWidget(self.welcome)
        else:
            self.screens.setCurrentIndex(0)
        self.overview.show_overview(result.overview)
        self._load_filter_options()

    def _load_filter_options(self) -> None:
        """What the filter bar offers (on the database lane), then the pages recompute."""
        engine = self.engine

        def work(_ctx: TaskContext) -> FilterOptions:
            from rehabdash.queries.filter_options import filter_options

            return filter_options(engine)

        self.runner.start("filter-options", work, self._filter_options_loaded)

    def _filter_options_loaded(self, options: FilterOptions) -> None:
        kept = FilterChoice.from_dict(dict(self.settings.filters()))
        self.session.no_activity = not options.periods
        self.session.area_names = dict(options.areas)
        self.filter_bar.set_options(options, kept)
        self._apply_filter(self.filter_bar.choice)
        self._store_changed()

    def _filter_changed(self, choice: FilterChoice) -> None:
        if self._apply_filter(choice):
            for page in plan_pages(self.page_widgets):
                page.filter_changed()

    def _apply_filter(self, choice: FilterChoice) -> bool:
        """The session's filter from the bar's choice; False (and why, in the status bar)
        when the store cannot answer it."""
        from rehabdash.plan.filters import FilterError

        if not self.filter_bar.options.periods:  # no activity yet: nothing to filter
            self.session.filter = None
            return True
        try:
            flt = choice.to_filter(self.filter_bar.options)
        except FilterError as exc:
            self.statusBar().showMessage(f"Filter not applied: {exc}")
            return False
        self.session.filter = flt
        self.settings.set_filters(choice.as_dict())
        return True

    def _store_changed(self) -> None:
        for page in plan_pages(self.page_widgets):
            page.store_changed()

    def _failed(self, kind: str, exc: object) -> None:
        """A task failed: say what failed and why (the overview too, when it was its
        figures that could not be made)."""
        titles = {spec.key: spec.title for spec in PAGES}
        if kind in titles and isinstance(exc, ValueError):
            return  # the page's own status line says what it could not work out, and why
        what = (
            f"Could not work out the {titles[kind]} page" if kind in titles else what_failed(kind)
        )
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
        self.settings.set_filters(self.filter_bar.choice.as_dict())
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
