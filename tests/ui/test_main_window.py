"""The main window on a real store: the overview shows the store's own figures."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pytestqt.qtbot import QtBot

from rehabdash.demo import build_demo
from rehabdash.queries.overview import overview
from rehabdash.store import open_store
from rehabdash.ui.main_window import MainWindow


def _demo_store(tmp_path: Path, rows: int = 4_000) -> str:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    engine = open_store(url)
    build_demo(engine, rows=rows, seed=21)
    engine.dispose()
    return url


def test_overview_tiles_show_store_figures(qtbot: QtBot, tmp_path: Path) -> None:
    url = _demo_store(tmp_path)
    expected = overview(open_store(url))
    assert expected is not None
    window = MainWindow(url)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.overview.shown_with_data, timeout=20_000):
        window.load()
    tiles = window.overview.tiles
    assert tiles["referrals"].value.text() == f"{expected.headline.referrals:,}"
    assert tiles["seen"].value.text() == f"{expected.headline.people_seen:,}"
    assert tiles["rate"].value.text() == f"{expected.headline.seen_per_1000:,.1f}"
    assert "2024-25" in window.overview.title.text()
    assert window.progress.isHidden()
    # the chart shows every bar: its y range runs from 0 to above the tallest month
    (_x0, _x1), (y0, y1) = window.overview.plot.getViewBox().viewRange()
    assert y0 <= 0 < max(expected.monthly.referrals) < y1
    # the chart's table view holds the same monthly numbers
    window.overview.toggle.click()
    assert window.overview.views.currentIndex() == 1
    table = window.overview.table
    assert table.rowCount() == len(expected.monthly.months)
    assert table.item(0, 1).text() == f"{expected.monthly.referrals[0]:,}"


def test_first_run_builds_the_demo(qtbot: QtBot, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    window = MainWindow(url, build_demo_if_empty=True)
    qtbot.addWidget(window)
    messages: list[str] = []
    window.overview.status.linkHovered.connect(messages.append)  # keep a reference; not used
    with qtbot.waitSignal(window.overview.shown_with_data, timeout=120_000):
        window.load()
    assert int(window.overview.tiles["referrals"].value.text().replace(",", "")) > 50_000


def test_empty_store_says_so(qtbot: QtBot, tmp_path: Path) -> None:
    window = MainWindow(f"sqlite:///{tmp_path / 'empty.db'}")
    qtbot.addWidget(window)
    window.load()
    qtbot.waitUntil(
        lambda: "no rehab activity yet" in window.overview.status.text(), timeout=20_000
    )


def test_bad_store_is_reported_not_raised(
    qtbot: QtBot, tmp_path: Path, monkeypatch: object
) -> None:
    from rehabdash.ui import main_window

    shown: list[str] = []
    monkeypatch.setattr(  # type: ignore[attr-defined]
        main_window, "report", lambda _parent, exc, what="": shown.append(f"{what}: {exc}")
    )
    notes = tmp_path / "notes.db"
    notes.write_text("not a database")
    window = MainWindow(f"sqlite:///{notes}")
    qtbot.addWidget(window)
    window.load()
    qtbot.waitUntil(lambda: bool(shown), timeout=20_000)
    assert "not a SQLite database" in shown[0]
    assert shown[0].startswith("Could not open the store: ")
    assert "Could not open the store" in window.overview.status.text()


def test_a_failed_task_says_what_failed() -> None:
    from rehabdash.ui.errors import what_failed

    assert what_failed("overview") == "Could not compute the overview"
    assert what_failed("import-page.history") == "Could not read the import history"
    assert what_failed("import-wizard.import") == "The import did not finish"
    assert what_failed("import-wizard.preview") == "The import wizard's step did not finish"
    assert what_failed("who-accesses") == "The task 'who-accesses' did not finish"


def test_app_starts_and_shows_data(tmp_path: Path) -> None:
    """The real entry point, as a user starts it, quits once the overview has data."""
    url = _demo_store(tmp_path, rows=2_000)
    env = {**os.environ, "REHABDASH_EXIT_WHEN_READY": "1", "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, "-m", "rehabdash", "--db", url],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ready"


def test_the_navigation_is_the_page_registry(qtbot: QtBot, tmp_path: Path) -> None:
    from rehabdash.ui.pages.registry import PAGES

    window = MainWindow(f"sqlite:///{tmp_path / 'empty.db'}")
    qtbot.addWidget(window)
    titles = [window.nav.item(i).text() for i in range(window.nav.count())]
    assert titles == [spec.title for spec in PAGES]
    assert window.pages.count() == len(PAGES)
    for i, spec in enumerate(PAGES):
        assert window.pages.widget(i).widget() is window.page_widgets[spec.key]


def test_the_last_page_comes_back_by_its_key(qtbot: QtBot, tmp_path: Path) -> None:
    from rehabdash.ui.settings import Settings

    settings = Settings()
    settings.set_last_page("import_page")
    settings.sync()
    window = MainWindow(f"sqlite:///{tmp_path / 'empty.db'}")
    qtbot.addWidget(window)
    assert window.current_page() is window.import_page
    settings.set_last_page("a page that is gone")
    settings.sync()
    other = MainWindow(f"sqlite:///{tmp_path / 'empty2.db'}")
    qtbot.addWidget(other)
    assert other.current_page() is other.overview
