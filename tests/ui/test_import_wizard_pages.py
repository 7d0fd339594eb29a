"""The import wizard's pages one by one: names for screen readers, Tab order, other kinds."""

from __future__ import annotations

import itertools
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QLineEdit,
    QListWidget,
    QProgressBar,
    QPushButton,
    QTableView,
    QTabWidget,
    QWidget,
)
from pytestqt.qtbot import QtBot
from wizard_helpers import choose_file, extract, go_next, make_wizard, store, wait_ready

from rehabdash.ui.frame_model import FrameModel, format_cell
from rehabdash.ui.import_wizard import PageId
from rehabdash.ui.import_wizard.mapping_table import NOT_MAPPED

CONTROLS = (QComboBox, QLineEdit, QListWidget, QProgressBar, QPushButton, QTableView, QTabWidget)


def _unnamed(page: QWidget) -> list[str]:
    missing = []
    for cls in CONTROLS:
        for widget in page.findChildren(cls):
            text = widget.text() if isinstance(widget, QPushButton) else ""
            if not (widget.accessibleName() or text):
                missing.append(f"{type(widget).__name__} {widget.objectName()!r}")
    return missing


def _next_tab_stop(widget: QWidget) -> QWidget:
    """The widget Tab would move to (the focus chain, skipping what takes no Tab focus)."""
    nxt = widget.nextInFocusChain()
    while not (nxt.focusPolicy() & Qt.FocusPolicy.TabFocus) or not nxt.isEnabled():
        nxt = nxt.nextInFocusChain()
    return nxt


def test_every_control_has_an_accessible_name(qtbot: QtBot, tmp_path: Path) -> None:
    wizard = make_wizard(qtbot, store(tmp_path))
    choose_file(wizard, extract(tmp_path, "xlsx", seed=31, rows=300))
    for page in (PageId.SHEET, PageId.MAPPING, PageId.PREVIEW):
        go_next(qtbot, wizard, page)
        wait_ready(qtbot, wizard)
    go_next(qtbot, wizard, PageId.RUN)
    qtbot.waitUntil(lambda: wizard.currentId() == PageId.RESULT, timeout=30_000)
    for page_id in wizard.pageIds():
        assert _unnamed(wizard.page(page_id)) == [], PageId(page_id).name


def test_tab_walks_the_mapping_drop_downs_in_order(qtbot: QtBot, tmp_path: Path) -> None:
    wizard = make_wizard(qtbot, store(tmp_path))
    choose_file(wizard, extract(tmp_path, "csv", seed=32, rows=300))
    go_next(qtbot, wizard, PageId.MAPPING)
    wait_ready(qtbot, wizard)
    combos = list(wizard.currentPage().table.combos.values())
    for here, there in itertools.pairwise(combos):
        assert _next_tab_stop(here) is there
    assert "(required)" in combos[0].accessibleName()
    assert combos[0].itemText(0) == NOT_MAPPED


def test_a_need_table_skips_the_mapping_page(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "need.csv"
    path.write_text("Age band,Sex,Weight\n0-4,Male,0.5\n90+,F,3\n16-64,M,1\n")
    engine = store(tmp_path)
    wizard = make_wizard(qtbot, engine)
    choose_file(wizard, path, kind="need")
    go_next(qtbot, wizard, PageId.PREVIEW)  # population, IMD and need columns are found alone
    wait_ready(qtbot, wizard)
    page = wizard.currentPage()
    assert page.rows_model.rowCount() == 2
    assert page.failures_model.value(0, 2) == "age_invalid"
    go_next(qtbot, wizard, PageId.RUN)
    qtbot.waitUntil(lambda: wizard.currentId() == PageId.RESULT, timeout=30_000)
    assert wizard.state.result.kind == "need"
    assert wizard.state.result.rows_accepted == 2


def test_frame_model_reads_cells_for_display(qtbot: QtBot) -> None:
    import datetime as dt

    import polars as pl

    frame = pl.DataFrame(
        {"id": [12345], "count": [12345], "when": [dt.date(2025, 4, 1)], "x": [None]}
    )
    model = FrameModel()
    model.set_frame(frame, {"count": "Rows"})
    assert model.rowCount() == 1
    assert model.columnCount() == 4
    assert model.headerData(1, Qt.Orientation.Horizontal) == "Rows"
    shown = [model.data(model.index(0, c)) for c in range(4)]
    assert shown == ["12345", "12,345", "01/04/2025", ""]
    assert model.data(model.index(0, 1), Qt.ItemDataRole.TextAlignmentRole)
    assert format_cell(0.5) == "0.5"
