"""Spreadsheets (XLSX, XLSM, XLSB, XLS, ODS) into a grid of text cells via calamine.

fastexcel/calamine reads about 20x faster than openpyxl. Every cell is read as text
(dates come back as ISO text, numbers as their shortest text), with the sheet's
leading blank rows kept so that row numbers match what the user sees in Excel;
calamine trims leading blank *columns*, so each column's letter is recovered from
its absolute index.
"""

from __future__ import annotations

from pathlib import Path

import fastexcel
import polars as pl

from rehabdash.ingest.errors import ImportFileError

__all__ = ["EXCEL_SUFFIXES", "column_letter", "open_workbook", "read_sheet_grid"]

EXCEL_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"})
_ERRORS = (fastexcel.FastExcelError, OSError, ValueError, pl.exceptions.PolarsError)


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA (as Excel labels columns)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def open_workbook(data: bytes, path: Path) -> tuple[fastexcel.ExcelReader, list[str]]:
    """The reader over ``data`` (the bytes of ``path``) and its sheet names."""
    try:
        reader = fastexcel.read_excel(data)
        names = list(reader.sheet_names)
    except _ERRORS as exc:
        raise ImportFileError(path, f"this is not a readable spreadsheet ({_short(exc)})") from exc
    if not names:
        raise ImportFileError(path, "the workbook has no sheets")
    return reader, names


def _short(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__


def read_sheet_grid(
    path: Path, reader: fastexcel.ExcelReader, sheet: str | int, n_rows: int | None = None
) -> tuple[pl.DataFrame, list[str]]:
    """All cells of one sheet as text from row 1 down, and each column's letter."""
    try:
        loaded = reader.load_sheet(
            sheet,
            header_row=None,
            skip_rows=0,
            n_rows=n_rows,
            dtypes="string",
            whitespace_as_null=True,
        )
        letters = [column_letter(info.absolute_index) for info in loaded.available_columns()]
        frame = loaded.to_polars()
    except _ERRORS as exc:
        raise ImportFileError(path, f"sheet {sheet!r} could not be read ({_short(exc)})") from exc
    if not isinstance(frame, pl.DataFrame):  # pragma: no cover - defensive
        raise ImportFileError(path, f"sheet {sheet!r} could not be read")
    frame = frame.select(pl.all().cast(pl.Utf8))
    frame.columns = [f"c{i}" for i in range(frame.width)]
    return frame, letters
