"""The Export page as a rehab lead uses it: the plan is worked out for the filter, the
cover and contents are previewed, options change the preview, and the workbook is
written in the background with progress, then the folder can be opened (issue 12)."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from rehabdash.demo import build_demo
from rehabdash.plan.export.workbook_check import check_workbook
from rehabdash.store import open_store
from rehabdash.ui.pages.export import ExportPage
from rehabdash.ui.session import Session
from rehabdash.ui.tasks import TaskRunner


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('export') / 'demo.db'}"
    build_demo(open_store(url), rows=8_000, seed=3)
    return url


def _page(qtbot: QtBot, url: str) -> ExportPage:
    session = Session(url)
    session.opened(open_store(url))
    page = ExportPage(session, TaskRunner(synchronous=True))
    qtbot.addWidget(page)
    page.resize(1186, 700)
    page.show()
    qtbot.waitUntil(lambda: page.drawn is not None, timeout=60_000)
    return page


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_preview_shows_the_cover_and_contents(qtbot: QtBot, store: str) -> None:
    page = _page(qtbot, store)
    text = page.preview.toPlainText()
    assert "Community rehabilitation data plan" in text
    assert "Disclosure control: Small numbers suppressed under the HES/ECDS rule" in text
    assert "1 Who is accessing" in text
    assert "Provenance" in text
    assert "NOT FOR CIRCULATION" not in text
    assert page.export_button.isEnabled()
    # No disclosure control: the preview says so at once.
    page.disclosure.setCurrentIndex(page.disclosure.findData("none"))
    qtbot.waitUntil(lambda: "NOT FOR CIRCULATION" in page.preview.toPlainText(), timeout=30_000)
    # Leave a sheet out: it leaves the contents.
    item = page.sheets.findItems("3b Need by area", Qt.MatchFlag.MatchExactly)[0]
    item.setCheckState(Qt.CheckState.Unchecked)
    qtbot.waitUntil(lambda: "3b Need by area" not in page.preview.toPlainText(), timeout=30_000)
    assert "Charts 3" not in page.preview.toPlainText()  # it draws that table


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_export_writes_a_checked_workbook_and_offers_the_folder(
    qtbot: QtBot, store: str, tmp_path: Path
) -> None:
    page = _page(qtbot, store)
    page.compare.setCurrentIndex(page.compare.findData("previous"))
    assert "4c Previous period" in page.preview.toPlainText()
    seen: list[int] = []
    page.progress.valueChanged.connect(seen.append)
    target = tmp_path / "board" / "plan"
    target.parent.mkdir()
    page.export_to(target)
    qtbot.waitUntil(lambda: page.written is not None, timeout=120_000)
    assert page.written == target.with_suffix(".xlsx")
    assert page.open_folder.isEnabled()
    assert not page.progress.isVisible()
    assert "Written:" in page.export_status.text()
    assert seen
    assert max(seen) >= 80
    assert check_workbook(page.written, threshold=8) == []
    assert "4c Previous period" in load_workbook(page.written).sheetnames


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_cancelled_export_leaves_no_file(qtbot: QtBot, store: str, tmp_path: Path) -> None:
    page = _page(qtbot, store)
    page.runner.synchronous = False  # a real background task, so Cancel can reach it
    target = tmp_path / "plan.xlsx"
    page.export_to(target)
    assert page.export_cancel.isVisible()
    qtbot.mouseClick(page.export_cancel, Qt.MouseButton.LeftButton)
    assert page.export_status.text() == "Export cancelled: no file was written."
    assert page.runner.wait(60_000)
    qtbot.wait(50)
    assert not target.exists()
    assert not list(tmp_path.glob(".rehabdash-*"))
    assert page.written is None
