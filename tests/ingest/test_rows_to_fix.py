"""The rows-to-fix file: formula-like header names are guarded too (CSV injection)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import polars as pl

from rehabdash.ingest.rejects import write_rows_to_fix

_FRAME = pl.DataFrame(
    {
        "=Notes": ["=1+1", "fine"],
        "@cmd": ["ok", "-1"],
        "-1": ["x", "y"],  # a plain number is no formula, as in cells
        "a,b": ['say "hi"', "z"],
        "source_row": [2, 3],
        "reasons": ["bad date", "bad date"],
    }
)


def test_csv_header_names_are_guarded_like_cells(tmp_path: Path) -> None:
    target = write_rows_to_fix(_FRAME, tmp_path / "fix.csv")
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads it as UTF-8
    header = raw.decode("utf-8-sig").splitlines()[0]
    assert header == "'=Notes,'@cmd,-1,\"a,b\",source_row,reasons"
    back = pl.read_csv(target, infer_schema=False)
    assert back.columns == ["'=Notes", "'@cmd", "-1", "a,b", "source_row", "reasons"]
    assert back.row(0) == ("'=1+1", "ok", "x", 'say "hi"', "2", "bad date")
    assert back["'@cmd"].to_list() == ["ok", "-1"]


def test_a_guarded_name_may_already_exist(tmp_path: Path) -> None:
    frame = pl.DataFrame({"=N": ["a"], "'=N": ["b"]})
    target = write_rows_to_fix(frame, tmp_path / "fix.csv")
    assert target.read_text(encoding="utf-8-sig").splitlines() == ["'=N,'=N", "a,b"]


def test_nothing_to_fix_writes_an_empty_file(tmp_path: Path) -> None:
    target = write_rows_to_fix(pl.DataFrame(), tmp_path / "fix.csv")
    assert target.read_text(encoding="utf-8-sig").strip() == ""


def test_xlsx_header_names_are_text(tmp_path: Path) -> None:
    target = write_rows_to_fix(_FRAME, tmp_path / "fix.xlsx")
    sheet = openpyxl.load_workbook(target).active
    assert sheet is not None
    header = list(sheet[1])
    assert [c.value for c in header] == _FRAME.columns  # as they were: text needs no guard
    assert all(c.data_type == "s" for c in header)  # never a formula ("f")
    assert sheet.cell(row=2, column=1).data_type == "s"
