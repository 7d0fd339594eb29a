"""The workbook writer on its own: text stays text, the file is only replaced once
written, a cancelled export leaves nothing behind, and the check finds what it should."""

from __future__ import annotations

from pathlib import Path

import pytest
import xlsxwriter
from openpyxl import load_workbook
from workbook_built import Built

from rehabdash.plan.export.sheet_model import Column, Line, Sheet, Table, WorkbookModel
from rehabdash.plan.export.workbook import Cancelled, write_plan_workbook
from rehabdash.plan.export.workbook_check import check_workbook
from rehabdash.plan.export.xlsx_writer import write_workbook


def _model(rows: list[tuple[object, ...]]) -> WorkbookModel:
    table = Table("Sources", (Column("File", "text"), Column("Rows", "count")), rows)  # type: ignore[arg-type]
    return WorkbookModel(
        "Test",
        "subject",
        "en-GB",
        [Sheet("Sources", "Sources", "files", [Line("One row per file.")], table)],
    )


def test_text_that_looks_like_a_formula_is_written_as_text(tmp_path: Path) -> None:
    risky = ['=HYPERLINK("http://x")', "+44 113 000", "-1+2", "@SUM(A1:A2)", "=1+1"]
    path = write_workbook(_model([(t, 10) for t in risky]), tmp_path / "t.xlsx")
    ws = load_workbook(path)["Sources"]
    got = [ws.cell(r, 1) for r in range(4, 4 + len(risky))]
    assert [c.value for c in got] == risky
    assert all(c.data_type == "s" for c in got)
    assert check_workbook(path) == []


def test_a_table_with_no_rows_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="needs at least one row"):
        write_workbook(_model([]), tmp_path / "t.xlsx")


def test_the_check_finds_what_breaks_the_rules(tmp_path: Path) -> None:
    """A workbook written by hand the way the guidance says not to."""
    path = tmp_path / "bad.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("Data")
    ws.write_row(0, 0, ["Group", "People"])
    ws.write_string(1, 0, "A")
    ws.write_number(1, 1, 3, book.add_format({"num_format": "#,##0"}))
    ws.write_formula(2, 1, "=B2*2")
    ws.merge_range(4, 0, 4, 1, "merged")
    ws.freeze_panes(1, 0)
    ws.add_table(
        0, 0, 2, 1, {"name": "People", "columns": [{"header": "Group"}, {"header": "People"}]}
    )
    chart = book.add_chart({"type": "column"})
    chart.add_series({"values": "=Data!$B$2:$B$3"})
    ws.insert_chart("D2", chart)
    book.close()
    problems = "\n".join(check_workbook(path, threshold=8))
    for expected in (
        "no language",
        "formula in B3",
        "merged cells",
        "frozen panes",
        "a count of 3",
        "something below table",
        "no alt text",
        "no title",
        "axis has no title",
    ):
        assert expected in problems, expected


def test_cancel_leaves_no_file_and_keeps_an_old_one(built: Built, tmp_path: Path) -> None:
    path = tmp_path / "plan.xlsx"
    path.write_bytes(b"the board's copy")
    calls = []

    def cancel() -> bool:
        calls.append(1)
        return len(calls) > 3

    with pytest.raises(Cancelled):
        write_plan_workbook(built.plan, path, "hes", built.batches, cancel=cancel)
    assert path.read_bytes() == b"the board's copy"
    assert [p.name for p in tmp_path.iterdir()] == ["plan.xlsx"]


def test_progress_runs_to_the_end(built: Built, tmp_path: Path) -> None:
    seen: list[tuple[float, str]] = []
    write_plan_workbook(
        built.plan,
        tmp_path / "p.xlsx",
        "hes",
        built.batches,
        progress=lambda f, m: seen.append((f, m)),
    )
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions)
    assert fractions[-1] == 1.0
    assert any("Writing 3b Need by area" in m for _, m in seen)
