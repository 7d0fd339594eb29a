"""The window's one filter bar: what it offers comes from the store, a change is one
recompute of the page on show, the choice comes back on the next start; an empty store
opens the welcome page, the demo opens in its own store and says so; reset layout."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from rehabdash.demo import build_demo
from rehabdash.store import open_store
from rehabdash.ui.main_window import DEFAULT_SIZE, MainWindow
from rehabdash.ui.pages.registry import PAGES
from rehabdash.ui.pages.who_accesses import WhoAccessesPage
from rehabdash.ui.session import DEMO_LABEL
from rehabdash.ui.tasks import TaskRunner


def _demo_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    build_demo(open_store(url), rows=3_000, seed=5)
    return url


def _window(qtbot: QtBot, url: str, kinds: list[str] | None = None) -> MainWindow:
    runner = TaskRunner(synchronous=True)
    if kinds is not None:
        start = runner.start

        def spy(kind: str, *args: object, **kwargs: object) -> None:  # the window's whole life
            kinds.append(kind)
            start(kind, *args, **kwargs)  # type: ignore[arg-type]

        runner.start = spy  # type: ignore[method-assign]
    window = MainWindow(url, runner=runner)
    qtbot.addWidget(window)
    return window


def _open_page(window: MainWindow, key: str) -> WhoAccessesPage:
    window.nav.setCurrentRow([spec.key for spec in PAGES].index(key))
    page = window.page_widgets[key]
    assert isinstance(page, WhoAccessesPage)
    return page


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_a_filter_change_is_one_recompute_and_comes_back_next_start(
    qtbot: QtBot, tmp_path: Path
) -> None:
    url = _demo_url(tmp_path)
    kinds: list[str] = []
    window = _window(qtbot, url, kinds)
    window.show()
    window.load()
    qtbot.waitUntil(lambda: window.filter_bar.options.providers != (), timeout=20_000)
    page = _open_page(window, "who_accesses")
    qtbot.waitUntil(lambda: page.drawn is not None, timeout=20_000)
    providers = window.filter_bar.options.providers
    assert len(providers) > 1
    combo = window.filter_bar.combos["provider"]
    before = kinds.count("who_accesses")
    combo.setCurrentIndex(combo.findData(providers[0]))
    combo.activated.emit(combo.currentIndex())  # as a user's pick
    assert kinds.count("who_accesses") == before + 1  # one recompute, of the page shown
    assert page.result is not None
    assert page.result.filter.providers == (providers[0],)
    assert "deprivation" not in kinds  # a page not shown is not computed
    window.close()

    again = _window(qtbot, url)
    again.load()
    qtbot.waitUntil(lambda: again.filter_bar.options.providers != (), timeout=20_000)
    assert again.filter_bar.choice.provider == providers[0]
    assert again.session.filter is not None
    assert again.session.filter.providers == (providers[0],)
    again.filter_bar.reset.click()
    assert again.session.filter.providers == ()


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_an_empty_store_welcomes_and_the_demo_opens_in_a_store_of_its_own(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rehabdash.paths import demo_db_url
    from rehabdash.ui import startup

    monkeypatch.setattr(startup, "DEMO_ROWS", 3_000)
    own = f"sqlite:///{tmp_path / 'mine.db'}"
    window = _window(qtbot, own)
    window.show()
    window.load()
    qtbot.waitUntil(lambda: window.screens.currentWidget() is window.welcome, timeout=20_000)
    assert "no rehab activity yet" in window.welcome.store.text()
    assert not window.demo_label.isVisible()
    window.welcome.demo.click()
    qtbot.waitUntil(lambda: window.session.demo, timeout=120_000)
    assert window.db_url == demo_db_url() != own
    assert window.screens.currentIndex() == 0  # the dashboard
    assert window.demo_label.isVisible()
    assert DEMO_LABEL in window.windowTitle()
    page = _open_page(window, "who_accesses")
    qtbot.waitUntil(lambda: page.drawn is not None, timeout=20_000)
    assert page.banner.isVisible()
    assert page.banner.text() == DEMO_LABEL
    # The user's own store was left empty.
    from rehabdash.demo import store_has_activity

    assert not store_has_activity(open_store(own))


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_start_your_own_store_opens_the_import(qtbot: QtBot, tmp_path: Path) -> None:
    window = _window(qtbot, f"sqlite:///{tmp_path / 'mine.db'}")
    window.show()
    window.load()
    qtbot.waitUntil(lambda: window.screens.currentWidget() is window.welcome, timeout=20_000)
    window.welcome.start.click()
    assert window.screens.currentIndex() == 0
    assert window.current_page() is window.import_page
    assert not window.filter_bar.isVisible()  # the filters are the dashboard's


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_the_window_fits_the_screen_and_reset_layout_restores_it(
    qtbot: QtBot, tmp_path: Path
) -> None:
    window = _window(qtbot, f"sqlite:///{tmp_path / 'mine.db'}")
    window.show()
    # A 1366×768 screen at 150% display scaling is 910×512 of Qt's logical pixels: the
    # window can shrink to that (pages scroll), and opens no larger than its screen.
    least = window.minimumSizeHint()
    assert least.width() <= 1366 / 1.5, least
    assert least.height() <= 768 / 1.5 - 40, least
    room = window.screen().availableGeometry()
    assert window.height() <= room.height()
    assert window.width() <= max(room.width(), least.width())
    assert DEFAULT_SIZE[0] <= 1366
    assert DEFAULT_SIZE[1] + 60 <= 768
    window.nav.setCurrentRow(2)
    window.resize(500, 400)
    window.reset_layout()
    assert window.nav.currentRow() == 0
    assert window.height() == min(DEFAULT_SIZE[1], room.height() - 30)
    assert window.width() == max(min(DEFAULT_SIZE[0], room.width()), least.width())


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_a_findings_link_opens_its_page_at_its_breakdown(qtbot: QtBot, tmp_path: Path) -> None:
    window = _window(qtbot, _demo_url(tmp_path))
    window.show()
    window.load()
    qtbot.waitUntil(lambda: window.session.filter is not None, timeout=20_000)
    window.overview.finding_opened.emit("who_accesses", "imd_quintile", "1")
    page = window.current_page()
    assert page is window.page_widgets["who_accesses"]
    assert isinstance(page, WhoAccessesPage)
    assert page.breakdown_key == "imd_quintile"
    qtbot.waitUntil(lambda: page.drawn is not None, timeout=20_000)
    assert page.drawn.breakdown_key == "imd_quintile"


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_an_empty_store_asks_nothing_and_says_so_on_every_page(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rehabdash.ui import main_window
    from rehabdash.ui.pages.plan_page import NO_ACTIVITY, PlanPage

    dialogs: list[str] = []
    monkeypatch.setattr(main_window, "report", lambda _p, exc, what="": dialogs.append(str(exc)))
    window = _window(qtbot, f"sqlite:///{tmp_path / 'mine.db'}")
    window.show()
    window.load()
    qtbot.waitUntil(lambda: window.screens.currentWidget() is window.welcome, timeout=20_000)
    window.welcome.start.click()
    for spec in PAGES:
        window.nav.setCurrentRow([s.key for s in PAGES].index(spec.key))
        page = window.page_widgets[spec.key]
        if isinstance(page, PlanPage):
            assert page.status.text() == NO_ACTIVITY, spec.key
            assert page.result is None
    assert dialogs == []
    assert "Filter not applied" not in window.statusBar().currentMessage()


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_every_focusable_control_has_a_name_and_tab_leaves_tables(
    qtbot: QtBot, tmp_path: Path
) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QAbstractButton, QAbstractScrollArea, QTableView, QWidget

    from rehabdash.ui.pages.plan_page import PlanPage

    window = _window(qtbot, _demo_url(tmp_path))
    window.show()
    window.load()
    qtbot.waitUntil(lambda: window.session.filter is not None, timeout=20_000)
    unnamed: list[str] = []
    for row, spec in enumerate(PAGES):
        window.nav.setCurrentRow(row)
        page = window.page_widgets[spec.key]
        if isinstance(page, PlanPage):
            qtbot.waitUntil(lambda p=page: p.result is not None, timeout=30_000)
        for widget in window.findChildren(QWidget):
            focusable = bool(widget.focusPolicy() & Qt.FocusPolicy.TabFocus)
            if not focusable or not widget.isVisibleTo(window):
                continue
            holder = widget.parent()
            if isinstance(holder, QAbstractScrollArea) and holder.viewport() is widget:
                continue  # a view's own viewport: the view carries the name
            if isinstance(widget, QTableView):
                assert not widget.tabKeyNavigation(), f"{spec.key}: Tab is kept in a table"
            text = widget.text() if isinstance(widget, QAbstractButton) else ""
            if not (widget.accessibleName() or text):
                parent = type(widget.parent()).__name__ if widget.parent() else ""
                unnamed.append(f"{spec.key}: {type(widget).__name__} in {parent}")
    assert unnamed == []
