"""Issue 9 in the import wizard: lookalike columns and duplicated headers at the top of the
mapping page, the replace question that says what leaves live data, the rejects warning."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot
from wizard_helpers import (
    SMALL_HEADER,
    batch_statuses,
    choose_file,
    go_next,
    make_wizard,
    referral_rows,
    small_csv,
    store,
    to_result,
    wait_ready,
)

from rehabdash.ui.import_wizard import PageId
from rehabdash.ui.import_wizard.mapping_table import NOT_MAPPED

HEADER = SMALL_HEADER


def test_lookalike_column_must_be_mapped_or_left_out(qtbot: QtBot, tmp_path: Path) -> None:
    engine = store(tmp_path)
    # "Closed" holding dates is only close to "closed date": asked, not taken.
    path = small_csv(tmp_path / "seen.csv", range(5), HEADER + ",Closed", ",01/04/2024")
    wizard = make_wizard(qtbot, engine)
    choose_file(wizard, path)
    go_next(qtbot, wizard, PageId.MAPPING)
    page = wizard.currentPage()
    qtbot.waitUntil(lambda: bool(page.attention.text()))
    assert "“Closed” (probably Discharge date" in page.attention.text()
    assert page.table.fields().get("discharge_date") is None
    assert not page.isComplete()
    assert page.leave_out.isVisibleTo(page)
    page.table.set_field("discharge_date", "Closed")  # mapped: nothing left to ask
    assert page.attention.text() == ""
    assert page.isComplete()
    page.table.set_field("discharge_date", NOT_MAPPED)
    assert not page.isComplete()
    page.leave_out.setChecked(True)
    assert page.isComplete()
    to_result(qtbot, wizard)
    assert wizard.state.mapping.dropped == ["Closed"]
    assert referral_rows(engine) == 5


def test_duplicated_header_is_named_on_the_mapping_page(qtbot: QtBot, tmp_path: Path) -> None:
    engine = store(tmp_path)
    header = "Referral ID,Patient ID,Referral ID,Provider,Referral Date"
    rows = [f"9434765919,P{i},R{i},RY1,01/03/2024" for i in range(3)]
    path = tmp_path / "dup.csv"
    path.write_text("\n".join([header, *rows]) + "\n")
    wizard = make_wizard(qtbot, engine)
    choose_file(wizard, path)
    go_next(qtbot, wizard, PageId.MAPPING)
    page = wizard.currentPage()
    qtbot.waitUntil(lambda: bool(page.attention.text()))
    assert "The header “Referral ID” appears 2 times" in page.attention.text()
    assert not page.isComplete()  # a guess between the copies must be confirmed
    page.checked_repeats.setChecked(True)
    # Left as suggested, the NHS numbers would be stored as referral ids: the preview refuses.
    go_next(qtbot, wizard, PageId.PREVIEW)
    preview = wizard.currentPage()
    qtbot.waitUntil(lambda: not preview.status.busy, timeout=30_000)
    assert "holds NHS numbers" in preview.status.message.text()
    assert referral_rows(engine) == 0


def test_replace_question_says_what_leaves_live_data(qtbot: QtBot, tmp_path: Path) -> None:
    engine = store(tmp_path)
    first = make_wizard(qtbot, engine)
    choose_file(first, small_csv(tmp_path / "old.csv", range(10)))
    go_next(qtbot, first, PageId.MAPPING)
    to_result(qtbot, first)
    old = first.state.result.batch_id

    second = make_wizard(qtbot, engine)
    asked: list[str] = []
    second.confirm_replace = lambda text: asked.append(text) or True
    choose_file(second, small_csv(tmp_path / "new.csv", range(4)))
    go_next(qtbot, second, PageId.MAPPING)
    to_result(qtbot, second)
    assert len(asked) == 1
    assert f"batch {old} (old.csv): 6 of its 10 row(s) are not in this file" in asked[0]
    assert second.state.result.left_out == {old: 6}
    assert batch_statuses(engine) == ["superseded", "committed"]
    assert referral_rows(engine, live_only=True) == 4


def test_rejects_export_says_it_holds_identifiers(qtbot: QtBot, tmp_path: Path) -> None:
    engine = store(tmp_path)
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "\nP1,R1,RY1,99/99/2024\nP2,R2,RY1,01/03/2024\n")
    wizard = make_wizard(qtbot, engine)
    choose_file(wizard, path)
    go_next(qtbot, wizard, PageId.MAPPING)
    go_next(qtbot, wizard, PageId.PREVIEW)
    wait_ready(qtbot, wizard)
    preview = wizard.currentPage()
    preview.export_to(tmp_path / "fix.csv")
    qtbot.waitUntil(lambda: not preview.export_status.busy, timeout=30_000)
    assert "identifiers included" in preview.export_status.message.text()
    assert (tmp_path / "fix.csv").stat().st_mode & 0o077 == 0


def test_repeated_header_mapped_on_purpose_imports(qtbot: QtBot, tmp_path: Path) -> None:
    engine = store(tmp_path)
    header = "Referral ID,Patient ID,Referral ID,Provider,Referral Date"
    rows = [f"OLD{i},P{i},R{i},RY1,01/03/2024" for i in range(3)]
    path = tmp_path / "dup.csv"
    path.write_text("\n".join([header, *rows]) + "\n")
    wizard = make_wizard(qtbot, engine)
    choose_file(wizard, path)
    go_next(qtbot, wizard, PageId.MAPPING)
    qtbot.waitUntil(lambda: bool(wizard.currentPage().attention.text()))
    page = wizard.currentPage()
    page.table.set_field("referral_id", "Referral ID (2)")  # the officer's choice
    assert not page.isComplete()
    page.checked_repeats.setChecked(True)
    to_result(qtbot, wizard)
    assert referral_rows(engine) == 3
