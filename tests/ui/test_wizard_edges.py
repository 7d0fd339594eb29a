"""The import wizard's rough edges of issue 13, each as an officer met it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select
from wizard_helpers import (
    SMALL_HEADER,
    choose_file,
    go_next,
    make_wizard,
    referral_rows,
    small_csv,
    store,
    wait_ready,
)

from rehabdash.store.mappings import find_mapping
from rehabdash.store.schema import row_issue
from rehabdash.ui.import_wizard import ImportWizard, PageId
from rehabdash.ui.import_wizard.prepare import Job, prepare
from rehabdash.ui.pages.import_page import ImportPage
from rehabdash.ui.tasks import TaskRunner

HEADER = SMALL_HEADER


def _to_preview(qtbot: QtBot, wizard: ImportWizard) -> Any:
    go_next(qtbot, wizard, PageId.MAPPING)
    go_next(qtbot, wizard, PageId.PREVIEW)
    wait_ready(qtbot, wizard)
    return wizard.currentPage()


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_typing_in_the_file_field_keeps_the_focus_there(qtbot: QtBot, tmp_path: Path) -> None:
    from rehabdash.ui.main_window import MainWindow

    window = MainWindow(f"sqlite:///{tmp_path / 'store.db'}")
    qtbot.addWidget(window)
    window.show()
    window.load()
    qtbot.waitUntil(lambda: window.engine is not None, timeout=20_000)
    names = [window.nav.item(i).text() for i in range(window.nav.count())]
    window.nav.setCurrentRow(names.index("Import"))
    window.import_page.start_button.click()
    wizard = window.import_page.wizard
    field = wizard.currentPage().path
    qtbot.waitUntil(lambda: QApplication.focusWidget() is field)  # no click needed
    for char in "/tmp/extract.csv":
        qtbot.keyClick(QApplication.focusWidget(), char)
        assert QApplication.focusWidget() is field
    assert field.text() == "/tmp/extract.csv"
    assert window.nav.currentRow() == names.index("Import")


def _wheel(widget: Any) -> None:
    centre = QPointF(widget.width() / 2, widget.height() / 2)
    event = QWheelEvent(
        centre,
        widget.mapToGlobal(centre),
        QPoint(0, 0),
        QPoint(0, 120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_the_wheel_over_the_mapping_table_changes_no_mapping(qtbot: QtBot, tmp_path: Path) -> None:
    wizard = make_wizard(qtbot, store(tmp_path))
    wizard.show()
    qtbot.waitExposed(wizard)
    choose_file(wizard, small_csv(tmp_path / "a.csv", range(3)))
    go_next(qtbot, wizard, PageId.MAPPING)
    page = wizard.currentPage()
    combo = page.table.combos["referral_date"]
    before = page.table.fields()
    _wheel(combo)  # scrolling past it, unfocused
    assert page.table.fields() == before
    assert combo.focusPolicy() == Qt.FocusPolicy.StrongFocus
    combo.setFocus()
    qtbot.waitUntil(combo.hasFocus)
    _wheel(combo)  # chosen on purpose: the wheel now picks
    assert page.table.fields().get("referral_date") != before["referral_date"]


def test_the_result_page_fits_a_1366_pixel_screen(qtbot: QtBot, tmp_path: Path) -> None:
    engine = store(tmp_path)
    extra = [f"Locally_Defined_Extract_Column_Without_Any_Spaces_Number_{i:02}" for i in range(12)]
    header = HEADER + "," + ",".join(extra)
    path = small_csv(tmp_path / "wide.csv", range(3), header, "," + ",".join("x" * 12))
    wizard = make_wizard(qtbot, engine)
    choose_file(wizard, path)
    _to_preview(qtbot, wizard)
    go_next(qtbot, wizard, PageId.RUN)
    qtbot.waitUntil(lambda: wizard.currentId() == PageId.RESULT, timeout=30_000)
    notes = wizard.currentPage().notes.toPlainText()
    assert "dropped 12 unmapped column(s)" in notes
    assert len(notes) > 700
    assert wizard.minimumSizeHint().width() <= 1366
    assert wizard.currentPage().minimumSizeHint().width() <= 1000


def test_the_preview_counts_rows_already_held(qtbot: QtBot, tmp_path: Path) -> None:
    engine = store(tmp_path)
    first = make_wizard(qtbot, engine)
    choose_file(first, small_csv(tmp_path / "march.csv", range(5)))
    _to_preview(qtbot, first)
    assert "5 will be imported" in first.currentPage().summary.text()
    go_next(qtbot, first, PageId.RUN)
    qtbot.waitUntil(lambda: first.currentId() == PageId.RESULT, timeout=30_000)
    second = make_wizard(qtbot, engine)  # the same rows in another file
    choose_file(second, small_csv(tmp_path / "march-again.csv", range(5), extra=""))
    (tmp_path / "march-again.csv").write_text(
        (tmp_path / "march-again.csv").read_text().replace("Provider", "Provider Code")
    )
    summary = _to_preview(qtbot, second).summary.text()
    assert "all 5 usable rows are already in the store" in summary
    assert "5 will be imported" not in summary


def test_another_file_clears_the_previous_files_mapping(qtbot: QtBot, tmp_path: Path) -> None:
    wizard = make_wizard(qtbot, store(tmp_path))
    first = small_csv(tmp_path / "a.csv", range(3), HEADER + ",Closed", ",01/04/2024")
    choose_file(wizard, first)
    go_next(qtbot, wizard, PageId.MAPPING)
    page = wizard.currentPage()
    assert "“Closed”" in page.attention.text()
    assert page.table.item(3, 2) is not None
    wizard.back()
    other = tmp_path / "b.csv"
    other.write_text("Pt ID,Ref ID,Provider,Referral Date\nQ7,S9,RX2,02/02/2024\n")
    choose_file(wizard, other)
    go_next(qtbot, wizard, PageId.MAPPING)
    assert page.attention.text() == ""
    assert not page.leave_out.isVisibleTo(page)
    assert "Closed" not in page.dropped.text()
    samples = {page.table.item(r, 2).text() for r in range(page.table.rowCount())}
    assert "Q7" in samples
    assert "P0" not in samples


def test_a_one_sheet_workbook_is_not_called_several(qtbot: QtBot, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER.split(","))
    sheet.append(["P1", "R1", "RY1", "01/03/2024"])
    path = tmp_path / "one.xlsx"
    book.save(path)
    wizard = make_wizard(qtbot, store(tmp_path))
    choose_file(wizard, path)
    go_next(qtbot, wizard, PageId.SHEET)
    wait_ready(qtbot, wizard)
    page = wizard.currentPage()
    said = page.status.message.text()
    assert "one sheet" in said
    assert "sheet(s)" not in said
    assert "more than one" not in page.subTitle()


def test_progress_stays_below_full_while_held_rows_are_checked(tmp_path: Path) -> None:
    engine = store(tmp_path)
    path = small_csv(tmp_path / "a.csv", range(20))
    seen: list[tuple[float, str]] = []
    job = Job(engine, "activity", path, None, None, None)
    prepare(job, lambda f, m: seen.append((f, m)), lambda: False)
    checking = [f for f, m in seen if m.startswith("Checking for rows already")]
    assert checking
    assert max(checking) < 1.0
    before = seen[: next(i for i, (_f, m) in enumerate(seen) if m.startswith("Checking for"))]
    assert max(f for f, _m in before) < 1.0
    assert seen[-1][0] == 1.0


def test_rule_counts_beside_rejected_rows_are_explained(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    # Row 3 breaks two rules (no referral id, a referral date that is not a date).
    path.write_text(HEADER + "\nP1,R1,RY1,01/03/2024\nP2,,RY1,31/02/2024\nP3,R3,RY1,01/03/2024\n")
    wizard = make_wizard(qtbot, store(tmp_path))
    choose_file(wizard, path)
    summary = _to_preview(qtbot, wizard).summary.text()
    assert "1 rejected" in summary
    assert "a row can break more than one rule" in summary


def test_the_mapping_is_saved_with_the_import_not_before(qtbot: QtBot, tmp_path: Path) -> None:
    engine = store(tmp_path)
    path = small_csv(tmp_path / "a.csv", range(3))
    wizard = make_wizard(qtbot, engine)
    choose_file(wizard, path)
    go_next(qtbot, wizard, PageId.MAPPING)
    mapping_page = wizard.currentPage()
    mapping_page.save_as.setText("Trust extract")
    signature = wizard.state.suggestion.mapping.header_signature
    go_next(qtbot, wizard, PageId.PREVIEW)
    wait_ready(qtbot, wizard)
    assert find_mapping(engine, signature, "activity") is None  # not at Next
    wizard.back()  # the officer changes their mind: nothing was imported, nothing saved
    assert find_mapping(engine, signature, "activity") is None
    go_next(qtbot, wizard, PageId.PREVIEW)
    wait_ready(qtbot, wizard)
    go_next(qtbot, wizard, PageId.RUN)
    qtbot.waitUntil(lambda: wizard.currentId() == PageId.RESULT, timeout=30_000)
    saved = find_mapping(engine, signature, "activity")
    assert saved is not None
    assert saved.name == "Trust extract"


def test_a_bad_date_of_birth_is_shown_on_screen_and_never_stored(
    qtbot: QtBot, tmp_path: Path
) -> None:
    engine = store(tmp_path)
    path = tmp_path / "dob.csv"
    path.write_text(
        HEADER
        + ",Date of Birth\nP1,R1,RY1,01/03/2024,12/05/1950\nP2,R2,RY1,01/03/2024,31/02/1950\n"
    )
    wizard = make_wizard(qtbot, engine)
    choose_file(wizard, path)
    preview = _to_preview(qtbot, wizard)
    frame = preview.failures_model.frame
    assert frame is not None
    assert "31/02/1950" in frame["value"].to_list()
    go_next(qtbot, wizard, PageId.RUN)
    qtbot.waitUntil(lambda: wizard.currentId() == PageId.RESULT, timeout=30_000)
    with engine.connect() as conn:
        stored = conn.execute(select(row_issue.c.value)).scalars().all()
    assert stored
    assert "31/02/1950" not in stored
    assert all("***" in (v or "") for v in stored)


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_the_history_shows_a_batchs_mapping_and_exports_its_rows_to_fix(
    qtbot: QtBot, tmp_path: Path
) -> None:
    engine = store(tmp_path)
    path = tmp_path / "fix.csv"
    path.write_text(HEADER + "\nP1,R1,RY1,01/03/2024\nP2,,RY1,01/03/2024\n")
    wizard = make_wizard(qtbot, engine)
    choose_file(wizard, path)
    _to_preview(qtbot, wizard)
    go_next(qtbot, wizard, PageId.RUN)
    qtbot.waitUntil(lambda: wizard.currentId() == PageId.RESULT, timeout=30_000)
    page = ImportPage(lambda: engine, TaskRunner(synchronous=True))
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.history_loaded, timeout=20_000):
        page.show()
    page.history.selectRow(0)
    assert page.mapping_button.isEnabled()
    assert page.issues_button.isEnabled()
    shown: list[tuple[str, str]] = []
    page.show_text = lambda title, text: shown.append((title, text))
    page.show_mapping_selected()
    assert shown
    assert shown[0][0] == "Mapping of batch 1 (fix.csv)"
    assert "Local patient identifier (person_id) ← “Patient ID”" in shown[0][1]
    target = tmp_path / "rows-to-fix.csv"
    page.ask_issues_path = lambda _batch: target
    page.export_issues_selected()
    qtbot.waitUntil(target.exists)
    lines = target.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("Row in the file,Column,Rule,Outcome")
    assert lines[1].startswith("3,Referral ID,missing_referral_id,rejected,")
    assert "Wrote 1 line(s) for batch 1" in page.status.text()
    assert page.withdraw_button.isEnabled()  # and the batch can be withdrawn from there
    assert referral_rows(engine) == 1


def test_a_mapping_that_cannot_be_saved_does_not_undo_the_import(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rehabdash.ui.import_wizard.prepare as prepare_module

    def refuse(*_args: object) -> None:
        raise ValueError("a mapping named 'Trust extract' is being saved by someone else")

    monkeypatch.setattr(prepare_module, "save_with_import", refuse)
    engine = store(tmp_path)
    wizard = make_wizard(qtbot, engine)
    choose_file(wizard, small_csv(tmp_path / "a.csv", range(3)))
    go_next(qtbot, wizard, PageId.MAPPING)
    wizard.currentPage().save_as.setText("Trust extract")
    go_next(qtbot, wizard, PageId.PREVIEW)
    wait_ready(qtbot, wizard)
    go_next(qtbot, wizard, PageId.RUN)
    qtbot.waitUntil(lambda: wizard.currentId() == PageId.RESULT, timeout=30_000)
    assert referral_rows(engine) == 3  # the batch stands
    notes = wizard.currentPage().notes.toPlainText()
    assert "The mapping could not be saved as “Trust extract”" in notes
