"""Reading a written workbook back as a user's software would: openpyxl for cells,
tables and properties, polars/calamine for a table as a frame."""

from __future__ import annotations

import gc
from functools import lru_cache
from pathlib import Path
from typing import Any

import polars as pl
from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries
from openpyxl.worksheet.worksheet import Worksheet

__all__ = ["book", "cells", "forget", "table_frame", "table_of", "text_above"]


@lru_cache(maxsize=8)
def _book(path: Path, stamp: float) -> Any:
    return load_workbook(path)


def book(path: Path) -> Any:
    """The workbook at ``path``, read once while the file is unchanged."""
    return _book(path, path.stat().st_mtime)


def forget() -> None:
    """Let the workbooks read go: hundreds of thousands of cell objects that would
    otherwise lengthen every later garbage-collector pass (and the GUI stall tests)."""
    _book.cache_clear()
    gc.collect()


def table_of(ws: Worksheet) -> tuple[str, int, int, int, int]:
    """(name, first col, header row, last col, last row) of the sheet's one table."""
    (table,) = ws.tables.values()
    c1, r1, c2, r2 = range_boundaries(table.ref)
    assert None not in (c1, r1, c2, r2)
    return table.displayName, c1, r1, c2, r2  # type: ignore[return-value]


def cells(path: Path, sheet: str) -> list[dict[str, Any]]:
    """The sheet's table as rows of {header: cell value} (openpyxl: numbers stay numbers)."""
    ws = book(path)[sheet]
    _, c1, r1, c2, r2 = table_of(ws)
    rows = list(ws.iter_rows(min_row=r1, max_row=r2, min_col=c1, max_col=c2, values_only=True))
    header = [str(h) for h in rows[0]]
    return [dict(zip(header, r, strict=True)) for r in rows[1:]]


def table_frame(path: Path, table: str) -> pl.DataFrame:
    """A table read by calamine, every column as text (numbers and shorthand mixed)."""
    return pl.read_excel(path, table_name=table, engine="calamine", infer_schema_length=0)


def text_above(ws: Worksheet) -> list[str]:
    """The title and description lines above the sheet's table (or all of column A)."""
    last = table_of(ws)[2] - 1 if ws.tables else ws.max_row
    return [str(ws.cell(r, 1).value or "") for r in range(1, last + 1)]
