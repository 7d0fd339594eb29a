"""The import wizard end to end on demo extracts (CSV and XLSX) into a SQLite store."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from wizard_helpers import (
    BAD_ROWS,
    batch_statuses,
    choose_file,
    extract,
    go_next,
    make_wizard,
    newest_batch,
    referral_rows,
    store,
    wait_ready,
)

from rehabdash.ui.import_wizard import PageId
from rehabdash.ui.import_wizard.mapping_table import NOT_MAPPED
from rehabdash.ui.import_wizard.preview_page import PREVIEW_ROWS


def test_csv_import_end_to_end(qtbot: QtBot, tmp_path: Path) -> None:
    engine = store(tmp_path)
    path = extract(tmp_path, "csv", seed=11)
    wizard = make_wizard(qtbot, engine)
    choose_file(wizard, path, provider="", period="2024-05")
    go_next(qtbot, wizard, PageId.MAPPING)  # a CSV has no sheet page
    mapping = wizard.currentPage()
    wait_ready(qtbot, wizard)
    assert "Suggested" in mapping.banner.text()
    assert mapping.table.fields()["referral_date"] == "Referral Received Date"
    go_next(qtbot, wizard, PageId.PREVIEW)
    preview = wizard.currentPage()
    wait_ready(qtbot, wizard)
    prepared = wizard.state.prepared
    assert prepared.rows_rejected == BAD_ROWS
    assert preview.rows_model.rowCount() == min(PREVIEW_ROWS, prepared.rows_accepted)
    assert preview.rows_model.headerData(0, Qt.Orientation.Horizontal) == "person_key"
    report = preview.report_model.frame
    assert report is not None
    assert "Row rejected" in report["severity"].to_list()
    assert preview.failures_model.rowCount() >= BAD_ROWS
    assert f"{prepared.rows_read:,} rows read" in preview.summary.text()
    go_next(qtbot, wizard, PageId.RUN)
    qtbot.waitUntil(lambda: wizard.currentId() == PageId.RESULT, timeout=30_000)
    result = wizard.currentPage()
    assert referral_rows(engine) == prepared.rows_accepted
    batch = newest_batch(engine)
    assert wizard.state.result.batch_id == batch
    assert result.values["batch"].text().startswith(f"{batch} ")
    assert f"batch {batch}" in result.headline.text()
    assert result.values["rejected"].text() == f"{BAD_ROWS:,}"
    assert result.values["read"].text() == f"{prepared.rows_read:,}"


def test_rejected_rows_export_to_csv_and_xlsx(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rehabdash.ui.import_wizard import preview_page

    engine = store(tmp_path)
    wizard = make_wizard(qtbot, engine)
    choose_file(wizard, extract(tmp_path, "csv", seed=12))
    go_next(qtbot, wizard, PageId.MAPPING)
    go_next(qtbot, wizard, PageId.PREVIEW)
    page = wizard.currentPage()
    wait_ready(qtbot, wizard)
    assert page.export_button.isEnabled()
    for name, selected in (("fix-me", "Excel workbook (*.xlsx)"), ("fix-me.csv", "CSV")):
        target = tmp_path / "out" / name
        target.parent.mkdir(exist_ok=True)
        monkeypatch.setattr(
            preview_page.QFileDialog,
            "getSaveFileName",
            lambda *_a, t=target, s=selected: (str(t), s),
        )
        page.export_button.click()
        written = target if target.suffix else target.with_suffix(".xlsx")
        qtbot.waitUntil(lambda w=written: w.exists(), timeout=10_000)
        qtbot.waitUntil(lambda: "Saved" in page.export_status.message.text(), timeout=10_000)
        frame = pl.read_excel(written) if written.suffix == ".xlsx" else pl.read_csv(written)
        assert frame.height == BAD_ROWS
        assert "reasons" in frame.columns
        assert all("referral" in r.lower() for r in frame["reasons"].to_list())
    assert wizard.settings.last_folder("rejects") == str(tmp_path / "out")
    assert referral_rows(engine) == 0  # previewing and exporting write nothing


def test_saved_mapping_is_reapplied_to_the_next_file(qtbot: QtBot, tmp_path: Path) -> None:
    engine = store(tmp_path)
    first = make_wizard(qtbot, engine)
    choose_file(first, extract(tmp_path, "csv", seed=13))
    go_next(qtbot, first, PageId.MAPPING)
    wait_ready(qtbot, first)
    page = first.currentPage()
    page.table.set_field("service_name", NOT_MAPPED)  # the officer's own choice
    assert "“Service Name”" in page.dropped.text()
    # It looks like a field, so it is not left out silently: the box must be ticked.
    assert "“Service Name” (probably Service name" in page.attention.text()
    assert not page.isComplete()
    page.leave_out.setChecked(True)
    page.save_as.setText("Demo provider extract")
    go_next(qtbot, first, PageId.PREVIEW)
    wait_ready(qtbot, first)
    assert "The mapping will be saved as “Demo provider extract” when you import" in (
        first.currentPage().status.message.text()
    )
    go_next(qtbot, first, PageId.RUN)
    qtbot.waitUntil(lambda: first.currentId() == PageId.RESULT, timeout=30_000)
    assert (first.state.saved.name, first.state.saved.version) == ("Demo provider extract", 1)
    notes = first.currentPage().notes.toPlainText()
    assert "saved the mapping as “Demo provider extract” (version 1)" in notes
    imported = referral_rows(engine)

    second = make_wizard(qtbot, engine)  # next month's file: same headers, as XLSX
    second.confirm_replace = lambda _text: False  # demo referral ids recur across seeds
    choose_file(second, extract(tmp_path, "xlsx", seed=14))
    go_next(qtbot, second, PageId.SHEET)
    wait_ready(qtbot, second)
    assert second.currentPage().sheets.currentItem().text().startswith("Referrals")
    go_next(qtbot, second, PageId.MAPPING)
    wait_ready(qtbot, second)
    mapping = second.currentPage()
    assert "Applied your saved mapping “Demo provider extract” (version 1)" in (
        mapping.banner.text()
    )
    assert "service_name" not in mapping.table.fields()
    assert mapping.leave_out.isChecked()  # the saved mapping remembers what was left out
    assert mapping.save_as.text() == "Demo provider extract"
    go_next(qtbot, second, PageId.PREVIEW)
    wait_ready(qtbot, second)
    assert second.state.prepared.mapping.name == "Demo provider extract"
    assert "will be saved" not in second.currentPage().status.message.text()  # unchanged
    go_next(qtbot, second, PageId.RUN)
    qtbot.waitUntil(lambda: second.currentId() == PageId.RESULT, timeout=30_000)
    assert referral_rows(engine) == imported + second.state.result.rows_accepted


def test_cancel_during_import_leaves_no_rows(qtbot: QtBot, tmp_path: Path) -> None:
    engine = store(tmp_path)
    wizard = make_wizard(qtbot, engine)
    choose_file(wizard, extract(tmp_path, "csv", seed=15))
    go_next(qtbot, wizard, PageId.MAPPING)
    go_next(qtbot, wizard, PageId.PREVIEW)
    run = wizard.page(PageId.RUN)
    # Press Cancel as soon as the import reports progress (the runner is synchronous).
    run.status.bar.valueChanged.connect(lambda _v: run.status.cancel_button.click())
    go_next(qtbot, wizard, PageId.RUN)
    qtbot.waitUntil(lambda: "cancelled" in run.status.message.text(), timeout=30_000)
    assert "Nothing was written" in run.status.message.text()
    assert wizard.currentId() == PageId.RUN
    assert not run.isComplete()
    assert referral_rows(engine) == 0
    assert batch_statuses(engine) == ["rolled back"]  # the attempt is audited, nothing kept


def test_overlap_is_confirmed_naming_the_batch(qtbot: QtBot, tmp_path: Path) -> None:
    engine = store(tmp_path)
    first = make_wizard(qtbot, engine)
    csv = extract(tmp_path, "csv", seed=16)
    choose_file(first, csv)
    go_next(qtbot, first, PageId.MAPPING)
    go_next(qtbot, first, PageId.PREVIEW)
    go_next(qtbot, first, PageId.RUN)
    qtbot.waitUntil(lambda: first.currentId() == PageId.RESULT, timeout=30_000)
    old = first.state.result.batch_id
    held = first.state.result.rows_accepted

    second = make_wizard(qtbot, engine)  # the same referrals again, re-exported as XLSX
    asked: list[str] = []
    second.confirm_replace = lambda text: asked.append(text) or True
    choose_file(second, extract(tmp_path, "xlsx", seed=16))
    go_next(qtbot, second, PageId.SHEET)
    go_next(qtbot, second, PageId.MAPPING)
    go_next(qtbot, second, PageId.PREVIEW)
    wait_ready(qtbot, second)
    assert second.state.overlaps == {old: held}
    assert f"batch {old}" in second.currentPage().overlap.text()
    go_next(qtbot, second, PageId.RUN)
    assert len(asked) == 1
    assert f"batch {old} ({csv.name})" in asked[0]
    assert f"{held:,} row(s)" in asked[0]
    assert "No: every row is already held, so nothing would be imported" in asked[0]
    qtbot.waitUntil(lambda: second.currentId() == PageId.RESULT, timeout=30_000)
    result = second.currentPage()
    assert second.state.result.superseded == (old,)
    assert result.values["superseded"].text().startswith(str(old))
    assert referral_rows(engine, live_only=True) == second.state.result.rows_accepted


def test_declining_the_overlap_rejects_the_repeats(qtbot: QtBot, tmp_path: Path) -> None:
    engine = store(tmp_path)
    first = make_wizard(qtbot, engine)
    choose_file(first, extract(tmp_path, "csv", seed=17))
    for page in (PageId.MAPPING, PageId.PREVIEW, PageId.RUN):
        go_next(qtbot, first, page)
    qtbot.waitUntil(lambda: first.currentId() == PageId.RESULT, timeout=30_000)
    old = first.state.result.batch_id

    second = make_wizard(qtbot, engine)  # another month: some referral ids recur
    answers, asked = iter([None, False]), []  # Cancel (stay on the preview), then No
    second.confirm_replace = lambda text: asked.append(text) or next(answers)
    choose_file(second, extract(tmp_path, "xlsx", seed=18))
    for page in (PageId.SHEET, PageId.MAPPING, PageId.PREVIEW):
        go_next(qtbot, second, page)
    wait_ready(qtbot, second)
    repeated = second.state.overlaps[old]
    assert 0 < repeated < second.state.prepared.rows_accepted
    second.next()
    assert second.currentId() == PageId.PREVIEW  # Cancel keeps the officer on the preview
    go_next(qtbot, second, PageId.RUN)
    assert "No: the repeated rows are rejected as duplicates" in asked[-1]
    qtbot.waitUntil(lambda: second.currentId() == PageId.RESULT, timeout=30_000)
    result = second.state.result
    assert result.superseded == ()
    assert result.rows_rejected == second.state.prepared.rows_rejected + repeated
    live = first.state.result.rows_accepted + result.rows_accepted
    assert referral_rows(engine, live_only=True) == live
    assert any("not counted twice" in n for n in result.notes)
    assert "not counted twice" in second.currentPage().notes.toPlainText()


def test_same_file_twice_is_refused_plainly(qtbot: QtBot, tmp_path: Path) -> None:
    engine = store(tmp_path)
    csv = extract(tmp_path, "csv", seed=18)
    first = make_wizard(qtbot, engine)
    choose_file(first, csv)
    for page in (PageId.MAPPING, PageId.PREVIEW, PageId.RUN):
        go_next(qtbot, first, page)
    qtbot.waitUntil(lambda: first.currentId() == PageId.RESULT, timeout=30_000)

    again = make_wizard(qtbot, engine)
    choose_file(again, csv)
    go_next(qtbot, again, PageId.MAPPING)
    go_next(qtbot, again, PageId.PREVIEW)
    page = again.currentPage()
    qtbot.waitUntil(lambda: not page.status.busy, timeout=30_000)
    text = page.status.message.text()
    assert csv.name in text
    assert "batch 1" in text
    assert not page.isComplete()  # Import stays disabled
    assert newest_batch(engine) == 1


def test_unreadable_file_is_reported_on_the_page(qtbot: QtBot, tmp_path: Path) -> None:
    engine = store(tmp_path)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    wizard = make_wizard(qtbot, engine)
    choose_file(wizard, empty)
    go_next(qtbot, wizard, PageId.MAPPING)
    page = wizard.currentPage()
    qtbot.waitUntil(lambda: "empty.csv" in page.status.message.text(), timeout=10_000)
    assert "the file is empty" in page.status.message.text()
    assert not page.isComplete()


def test_missing_file_and_bad_provider_stay_on_the_first_page(qtbot: QtBot, tmp_path: Path) -> None:
    wizard = make_wizard(qtbot, store(tmp_path))
    page = wizard.currentPage()
    choose_file(wizard, tmp_path / "nowhere.csv")
    wizard.next()
    assert wizard.currentId() == PageId.FILE
    assert "There is no file" in page.problem.text()
    choose_file(wizard, extract(tmp_path, "csv", seed=19, rows=200), provider="R 1!")
    wizard.next()
    assert wizard.currentId() == PageId.FILE
    assert "Provider code" in page.problem.text()


def test_import_page_in_the_main_window(qtbot: QtBot, tmp_path: Path) -> None:
    """The Import page opens the wizard; it runs on real worker threads; the overview follows."""
    from rehabdash.ui.main_window import MainWindow

    window = MainWindow(f"sqlite:///{tmp_path / 'store.db'}")
    qtbot.addWidget(window)
    window.load()
    qtbot.waitUntil(lambda: window.engine is not None, timeout=20_000)
    names = [window.nav.item(i).text() for i in range(window.nav.count())]
    window.nav.setCurrentRow(names.index("Import"))
    page = window.import_page
    assert window.current_page() is page
    assert page.start_button.accessibleName()
    page.start_button.click()
    wizard = page.wizard
    assert wizard is not None
    assert page.stack.currentWidget() is wizard
    wizard.confirm_replace = lambda text: pytest.fail(f"unexpected question: {text}")
    choose_file(wizard, extract(tmp_path, "csv", seed=20))
    for step in (PageId.MAPPING, PageId.PREVIEW, PageId.RUN):
        go_next(qtbot, wizard, step)
    qtbot.waitUntil(lambda: wizard.currentId() == PageId.RESULT, timeout=30_000)
    batch = wizard.state.result.batch_id
    with qtbot.waitSignal(page.history_loaded, timeout=20_000):
        wizard.currentPage().overview_button.click()
    assert window.nav.currentRow() == 0
    assert page.wizard is None
    assert page.history_model.rowCount() == 1
    assert page.history_model.value(0, 0) == batch
    qtbot.waitUntil(
        lambda: window.overview.tiles["referrals"].value.text() not in ("…", ""), timeout=20_000
    )
    assert referral_rows(window.engine) == wizard.state.result.rows_accepted
