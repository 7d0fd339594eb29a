"""One entry point that turns any supported file into a :class:`RawTable`.

The file type is decided by content first (a zip or OLE signature means a
workbook, whatever the suffix says), then by suffix. The result is all text, with
unique header names and a ``__row`` column holding the row number as the user sees
it in the file (1-based, title and header rows counted), so every later message
can point at the exact row.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

import fastexcel
import polars as pl

from rehabdash.codes._normalise import clean_key
from rehabdash.ingest.errors import ImportFileError
from rehabdash.ingest.excel_reader import (
    EXCEL_SUFFIXES,
    column_letter,
    open_workbook,
    read_sheet_grid,
    sheet_visible,
)
from rehabdash.ingest.fields import MAX_CELL_CHARACTERS
from rehabdash.ingest.header_detect import find_header_row, footer_kind, unique_headers
from rehabdash.ingest.text_reader import (
    decode_bytes,
    probe_lines,
    read_text_grid,
    sample_rows,
    sniff_delimiter,
)

__all__ = ["MISALIGNED", "ROW", "RawTable", "read_table"]

ROW = "__row"
#: True on rows with more non-empty cells than the header: their values are misplaced.
MISALIGNED = "__misaligned"
_PROBE_ROWS = 60
_WORKBOOK_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")
# No cell is read longer, a header least of all: a longer header cell means the header
# row is really a damaged line or a data dump, and naming columns after it is meaningless.
MAX_HEADER_CHARS = MAX_CELL_CHARACTERS
MAX_COLUMNS = 16_384  # Excel's limit; a wider header line is not a table


@dataclass
class RawTable:
    """A table as read: text cells under unique header names, plus ``__row``."""

    frame: pl.DataFrame
    headers: list[str]
    header_row: int
    sheet: str | None = None
    footer_note: str | None = None
    notes: list[str] = field(default_factory=list)
    encoding: str | None = None
    delimiter: str | None = None
    #: Header names the file has more than once, each with the unique names given
    #: to its columns ("Referral ID" -> ["Referral ID", "Referral ID (2)"]).
    duplicate_headers: dict[str, list[str]] = field(default_factory=dict)


def read_table(
    path: Path,
    data: bytes,
    *,
    sheet: str | int | None = None,
    vocabulary: Collection[str] = frozenset(),
) -> RawTable:
    """Read ``data`` (the bytes of ``path``) as a table; raise ImportFileError if it is not one."""
    if not data[:65_536].strip() and not data.strip():
        raise ImportFileError(path, "the file is empty")
    if data.startswith(_WORKBOOK_MAGIC) or path.suffix.lower() in EXCEL_SUFFIXES:
        return _read_workbook(path, data, sheet, vocabulary)
    return _read_text(path, data, vocabulary)


def _read_text(path: Path, data: bytes, vocabulary: Collection[str]) -> RawTable:
    body, encoding, encoding_note = decode_bytes(data, path)
    lines = probe_lines(body, _PROBE_ROWS)
    delimiter = sniff_delimiter(lines)
    header = find_header_row(sample_rows(lines, delimiter), vocabulary)
    if header is None:
        raise ImportFileError(path, "the file has no table (only blank lines at the top)")
    _check_header_width(path, body, header, delimiter)
    grid, wide = read_text_grid(path, body, delimiter, skip_lines=header)
    letters = [column_letter(i) for i in range(grid.width)]
    table = _assemble(path, grid, 0, header + 1, letters)
    if wide:  # grid row i is file row header + 1 + i
        rows = [header + 1 + i for i in wide]
        table.frame = table.frame.with_columns(pl.col(ROW).is_in(rows).alias(MISALIGNED))
        table.notes.append(
            f"{len(wide):,} row(s) have more cells than the header (an unquoted "
            f"{'comma' if delimiter == ',' else 'delimiter'} in a value?): they are rejected"
        )
    table.encoding, table.delimiter = encoding, delimiter
    if encoding_note:
        table.notes.insert(0, encoding_note)
    return table


def _check_header_width(path: Path, body: bytes, header: int, delimiter: str) -> None:
    """Refuse a header line with more cells than Excel allows before polars makes a
    column of each (a 50 MB line of commas would take minutes and gigabytes)."""
    start = 0
    for _ in range(header):
        start = body.find(b"\n", start) + 1
    end = body.find(b"\n", start)
    line = body[start : len(body) if end < 0 else end]
    if line.count(delimiter.encode()) >= MAX_COLUMNS:
        reason = f"the header row has more than {MAX_COLUMNS:,} columns; this is not a table"
        raise ImportFileError(path, reason, row=header + 1)


def _read_workbook(
    path: Path, data: bytes, sheet: str | int | None, vocabulary: Collection[str]
) -> RawTable:
    reader, names = open_workbook(data, path)
    chosen, hidden = _choose_sheet(path, reader, names, sheet, vocabulary)
    grid, letters = read_sheet_grid(path, reader, chosen)
    rows = grid.head(_PROBE_ROWS).rows()
    header = find_header_row(rows, vocabulary)
    if header is None:
        raise ImportFileError(path, f"sheet {chosen!r} is empty")
    table = _assemble(path, grid, header, header + 1, letters)
    table.sheet = chosen
    if sheet is None and len(names) > 1:  # the officer should know which sheet was read
        skipped = (
            f"; hidden sheets not read: {', '.join(repr(h) for h in hidden)}" if hidden else ""
        )
        table.notes.insert(0, f"read sheet {chosen!r} of {len(names)}{skipped}")
    return table


def _choose_sheet(
    path: Path,
    reader: fastexcel.ExcelReader,
    names: list[str],
    sheet: str | int | None,
    vocabulary: Collection[str],
) -> tuple[str, list[str]]:
    """The sheet to read, and the hidden sheets passed over: the one named, else the
    shown sheet whose header row holds most of the vocabulary (a hidden sheet is often
    an old copy or a lookup behind the visible one; read it by naming it)."""
    listing = ", ".join(repr(n) for n in names)
    if isinstance(sheet, int):
        if not 0 <= sheet < len(names):
            raise ImportFileError(path, f"there is no sheet number {sheet + 1}; sheets: {listing}")
        return names[sheet], []
    if isinstance(sheet, str):
        for name in names:
            if name.strip().casefold() == sheet.strip().casefold():
                return name, []
        raise ImportFileError(path, f"there is no sheet {sheet!r}; sheets: {listing}")
    hidden = [n for n in names if len(names) > 1 and not sheet_visible(reader, n)]
    shown = [n for n in names if n not in hidden] or names
    hidden = [n for n in hidden if n not in shown]
    best: tuple[int, int] = (-1, -1)
    chosen = shown[0]
    for name in shown:
        grid, _ = read_sheet_grid(path, reader, name, n_rows=_PROBE_ROWS)
        rows = grid.rows()
        filled = sum(1 for r in rows for c in r if c is not None)
        if not filled:
            continue
        header = find_header_row(rows, vocabulary)
        hits = (
            0
            if header is None
            else sum(1 for c in rows[header] if c is not None and clean_key(c) in vocabulary)
        )
        if (hits, min(filled, 1)) > best:
            best, chosen = (hits, min(filled, 1)), name
    return chosen, hidden


def _assemble(
    path: Path, grid: pl.DataFrame, header: int, header_row: int, letters: list[str]
) -> RawTable:
    """Name columns from grid row ``header``; number, de-blank and de-footer the rest."""
    if grid.height <= header:
        raise ImportFileError(path, "the file has no table")
    _check_header_cells(path, grid.row(header), header_row, letters)
    names = unique_headers(grid.row(header), letters)
    duplicates = _duplicate_headers(grid.row(header), names)
    # Row numbers go on before slicing off the header: adding a column to the sliced
    # frame would copy every column of a parallel-parsed grid (about 500 MB per 1M rows).
    data = grid.with_row_index(ROW, offset=header_row - header).slice(header + 1)
    data.columns = [ROW, *names]
    data = data.with_columns(pl.col(ROW).cast(pl.Int64))
    blank_header = [n for n, c in zip(names, grid.row(header), strict=True) if c is None]
    empty = [n for n in blank_header if data[n].null_count() == data.height]
    data = data.drop(empty)
    names = [n for n in names if n not in empty]
    notes: list[str] = []
    blank = data.select(pl.all_horizontal(pl.exclude(ROW).is_null())).to_series()
    if blank.any():
        notes.append(f"skipped {int(blank.sum()):,} blank row(s)")
        data = data.filter(~blank)
    footer_note = None
    dropped: list[str] = []
    for _ in range(3):
        if data.height == 0:
            break
        last = data.row(data.height - 1)
        kind = footer_kind(last[1:], len(names))
        if kind is None:
            break
        dropped.append(f"ignored a {kind} row at row {last[0]:,}")
        data = data.slice(0, data.height - 1)
    if dropped:
        footer_note = "; ".join(reversed(dropped))
    if data.height == 0:
        raise ImportFileError(path, "the table has a header but no data rows", row=header_row)
    return RawTable(
        frame=data,
        headers=names,
        header_row=header_row,
        footer_note=footer_note,
        notes=notes,
        duplicate_headers={k: [n for n in v if n in names] for k, v in duplicates.items()},
    )


def _check_header_cells(
    path: Path, cells: tuple[str | None, ...], row: int, letters: list[str]
) -> None:
    """Refuse a header row with a giant cell (its length is told, never its text)."""
    for cell, letter in zip(cells, letters, strict=False):
        if cell is not None and len(cell) > MAX_HEADER_CHARS:
            reason = (
                f"a header cell is {len(cell):,} characters long (a column name can have at "
                f"most {MAX_HEADER_CHARS:,}); is the header row damaged?"
            )
            raise ImportFileError(path, reason, row=row, column=letter)


def _duplicate_headers(cells: tuple[str | None, ...], names: list[str]) -> dict[str, list[str]]:
    """Header text appearing more than once (case and spacing ignored) -> unique names."""
    groups: dict[str, list[str]] = {}
    first: dict[str, str] = {}
    for cell, name in zip(cells, names, strict=True):
        if cell is None or not cell.strip():
            continue
        key = " ".join(cell.split()).casefold()
        first.setdefault(key, " ".join(cell.split()))
        groups.setdefault(key, []).append(name)
    return {first[k]: v for k, v in groups.items() if len(v) > 1}
