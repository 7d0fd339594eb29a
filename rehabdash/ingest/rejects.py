"""The rows to fix, as a file the data officer chooses: original columns plus reasons.

Rows the pipeline rejected come from each prepared part's ``rejected_source``. Rows
refused because a live batch already holds them (known only once the store is
asked) are read again from the source file by their row numbers, so the file shows
them in the user's own columns too. Clear identifiers are in this file by design
(it is for fixing and re-importing); it is never written to the store, the file is
made readable by its owner only, and whoever writes it says so (REJECTS_WARNING).

A spreadsheet would run a cell such as ``=HYPERLINK(...)`` as a formula (CSV
injection): in CSV such cells get a leading apostrophe, as the OWASP guidance on CSV
injection says (plain numbers such as -1 are left alone), which the importer takes
off again on re-import; header names too (a source column named "=Notes"). In XLSX
every cell, header included, is written as text, never as a formula.
"""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl
import xlsxwriter

from rehabdash.ingest.fields import ACTIVITY_SYNONYMS, vocabulary
from rehabdash.ingest.prepared import PreparedImport, read_bytes
from rehabdash.ingest.readers import MISALIGNED, ROW, read_table
from rehabdash.paths import restrict_to_user

__all__ = [
    "FIX_COLUMNS",
    "FORMULA_GUARD",
    "REJECTS_WARNING",
    "RejectsCollector",
    "failures_on_screen",
    "guard_formulas",
    "write_rows_to_fix",
]

REJECTS_WARNING = (
    "the rejects file holds the rows as they were in your file, identifiers included "
    "(NHS numbers, dates of birth, postcodes), so that you can fix and re-import them: "
    "keep it as securely as the extract and delete it when done"
)
#: Columns a rows-to-fix file adds to the user's own; re-imported, the new ones replace them.
FIX_COLUMNS = ("source_row", "reasons")
#: A leading character that makes a spreadsheet treat a cell as a formula.
FORMULA_GUARD = r"^[=+\-@\t\r]"
_PLAIN_NUMBER = r"^[+-]?[0-9]+([.,][0-9]+)?$"


def guard_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """Text cells that a spreadsheet would run as formulas, prefixed with an apostrophe."""
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(FORMULA_GUARD) & ~pl.col(c).str.contains(_PLAIN_NUMBER))
        .then(pl.lit("'") + pl.col(c))
        .otherwise(pl.col(c))
        .alias(c)
        for c, dtype in frame.schema.items()
        if dtype == pl.Utf8
    )


def write_rows_to_fix(frame: pl.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` (rows as in the file, plus row number and reasons) to ``path``:
    .xlsx gives a workbook of text cells, anything else CSV in UTF-8 with a BOM (so that
    Excel shows "£" and "é"). The file holds clear identifiers: only its owner may read it.
    """
    target = Path(path)
    _private(target)
    if target.suffix.lower() in {".xlsx", ".xlsm"}:
        _write_xlsx(frame, target)
    else:
        _write_csv(frame, target)
    return target


def _write_csv(frame: pl.DataFrame, path: Path) -> None:
    """CSV with formula-like cells guarded, the header line included."""
    if not frame.columns:
        frame.write_csv(path, include_bom=True)
        return
    # The header goes out as a row of text, so it is guarded and quoted like any cell
    # (renaming the columns could collide with a column already named "'=Notes").
    header = guard_formulas(pl.DataFrame({str(i): [n] for i, n in enumerate(frame.columns)}))
    with path.open("wb") as out:
        header.write_csv(out, include_header=False, include_bom=True)
        guard_formulas(frame).write_csv(out, include_header=False)


def _private(path: Path) -> None:
    """Create (or empty) ``path`` as a file only its owner can read."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.close(fd)
    restrict_to_user(path)  # an existing file keeps its old mode otherwise


def _write_xlsx(frame: pl.DataFrame, path: Path) -> None:
    """Every cell as typed text or a number; no formulas, links or guessed numbers."""
    options = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    with xlsxwriter.Workbook(str(path), {**options, "constant_memory": True}) as book:
        sheet = book.add_worksheet("Rejected rows")
        for col, name in enumerate(frame.columns):
            sheet.write_string(0, col, name)
        for r, row in enumerate(frame.iter_rows(), start=1):
            for col, value in enumerate(row):
                if isinstance(value, int | float):
                    sheet.write_number(r, col, value)
                elif value is not None:
                    sheet.write_string(r, col, str(value))


class RejectsCollector:
    """Passed as ``collect`` to import_prepared: keeps each part's rows to fix."""

    def __init__(self, source: Path) -> None:
        self.source = source
        self.sheet: str | None = None
        self._rejected: list[pl.DataFrame] = []
        self._repeats: list[pl.DataFrame] = []

    def __call__(self, part: PreparedImport, repeats: pl.DataFrame) -> None:
        self.sheet = part.sheet
        self._rejected.append(part.rejected_source)
        self._repeats.append(repeats)

    def frame(self) -> pl.DataFrame:
        """Rejected and already-imported rows, in file order."""
        if not self._rejected:
            return pl.DataFrame()
        frame = pl.concat(self._rejected)
        repeats = pl.concat(self._repeats)
        if repeats.height:
            extra = self._repeated_rows(repeats, frame.columns)
            if extra.height:
                frame = pl.concat([frame, extra.cast(frame.schema)]).sort(
                    "source_row", maintain_order=True
                )
        return frame

    def write(self, path: str | Path) -> int:
        """Write the rows to fix to ``path`` (see write_rows_to_fix); returns the count."""
        frame = self.frame()
        write_rows_to_fix(frame, path)
        return frame.height

    def _repeated_rows(self, repeats: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
        reasons = (
            repeats.filter(pl.col("source_row").is_not_null())
            .group_by("source_row", maintain_order=True)
            .agg(pl.col("message").str.join("; ").alias("reasons"))
        )
        if reasons.height == 0:
            return pl.DataFrame()
        data, _sha = read_bytes(self.source)
        table = read_table(
            self.source, data, sheet=self.sheet, vocabulary=vocabulary(ACTIVITY_SYNONYMS)
        )
        return (
            table.frame.drop(*FIX_COLUMNS, MISALIGNED, strict=False)
            .rename({ROW: "source_row"})
            .join(reasons, on="source_row", how="inner", maintain_order="left")
            .select(columns)
        )


def failures_on_screen(failures: pl.DataFrame, rejected_source: pl.DataFrame) -> pl.DataFrame:
    """The failures with each rejected row's cell as the file has it, for the preview only.

    The store keeps identifiers redacted ("1***0"), which leaves the officer unable to see
    what is wrong with a date of birth in their own file; on screen, before anything is
    stored, the rejected row's own cell is shown instead. The frame is never written.
    """
    redacted = failures.filter(pl.col("value").str.contains("***", literal=True))
    columns = [c for c in redacted["column"].unique().to_list() if c in rejected_source.columns]
    if not columns:
        return failures
    cells = (
        rejected_source.select("source_row", *columns)
        .with_columns(pl.col(c).cast(pl.String) for c in columns)
        .unpivot(index="source_row", variable_name="column", value_name="__cell")
        .with_columns(pl.col("source_row").cast(failures.schema["source_row"]))
    )
    shown = failures.join(cells, on=["source_row", "column"], how="left", maintain_order="left")
    masked = pl.col("value").str.contains("***", literal=True).fill_null(False)
    value = pl.when(masked & pl.col("__cell").is_not_null()).then("__cell").otherwise("value")
    return shown.with_columns(value.alias("value")).drop("__cell")
