"""Spreadsheets (XLSX, XLSM, XLSB, XLS, ODS) into a grid of text cells via calamine.

fastexcel/calamine reads about 20x faster than openpyxl. Every cell is read as text
(dates come back as ISO text, numbers as their shortest text), with the sheet's
leading blank rows kept so that row numbers match what the user sees in Excel;
calamine trims leading blank *columns*, so each column's letter is recovered from
its absolute index.

Messages are in our own words: calamine's errors may quote what it choked on (a cell's
text in a damaged sheet), so they go to the debug log only.
"""

from __future__ import annotations

import logging
from pathlib import Path

import fastexcel
import polars as pl

from rehabdash.ingest.errors import ImportFileError

__all__ = ["EXCEL_SUFFIXES", "column_letter", "open_workbook", "read_sheet_grid", "sheet_visible"]

log = logging.getLogger(__name__)

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
        log.debug("calamine could not open %s: %s", path.name, exc)
        raise ImportFileError(path, f"this is not a readable spreadsheet ({_why(data)})") from None
    if not names:
        raise ImportFileError(path, "the workbook has no sheets")
    return reader, names


def sheet_visible(reader: fastexcel.ExcelReader, sheet: str) -> bool:
    """Whether ``sheet`` is shown in Excel (not hidden or very hidden); a sheet whose
    state cannot be read counts as shown."""
    try:
        return str(reader.load_sheet(sheet, header_row=None, n_rows=0).visible) == "visible"
    except _ERRORS:
        return True


def _why(data: bytes) -> str:
    """Our own guess at why a workbook would not open, from its first bytes only."""
    if data.startswith(b"PK\x03\x04"):
        return "the file is damaged, incomplete or a zip archive that is not a workbook"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return "the file is damaged, password-protected or in an old format that cannot be read"
    return "the file is not a workbook; if it is a CSV, give it a .csv name"


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
        log.debug("calamine could not read sheet %r of %s: %s", sheet, path.name, exc)
        reason = f"sheet {sheet!r} could not be read (the workbook may be damaged)"
        raise ImportFileError(path, reason) from None
    if not isinstance(frame, pl.DataFrame):  # pragma: no cover - defensive
        raise ImportFileError(path, f"sheet {sheet!r} could not be read")
    frame = frame.select(pl.all().cast(pl.Utf8))
    frame.columns = [f"c{i}" for i in range(frame.width)]
    return frame, letters
