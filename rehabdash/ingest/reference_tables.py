"""Plumbing shared by the population, IMD and need readers.

They read like activity files (any encoding, title rows, totals rows, sheets),
find their columns by name rather than by a saved mapping, and reuse the same
failure table, so one report screen serves every kind of import.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import polars as pl

from rehabdash.codes._normalise import clean_key
from rehabdash.ingest.mapping import ColumnMapping, header_signature
from rehabdash.ingest.prepared import PreparedImport, Steps, read_bytes
from rehabdash.ingest.readers import ROW, RawTable, read_table
from rehabdash.ingest.validate import ValidationResult

__all__ = ["find_column", "finish", "number", "open_table", "year_in"]


def find_column(headers: Sequence[str], names: Iterable[str]) -> str | None:
    """First header (in ``names`` priority order) whose cleaned form is one of ``names``."""
    cleaned = {clean_key(h): h for h in reversed(headers)}
    for name in names:
        if clean_key(name) in cleaned:
            return cleaned[clean_key(name)]
    return None


def year_in(text: str | None) -> int | None:
    """A plausible four-digit year in ``text`` ("Mid-2020 Persons", "01OCT2024")."""
    if not text:
        return None
    found = re.findall(r"(?<!\d)(19[5-9]\d|20\d{2})(?!\d)", text)
    return int(found[-1]) if found else None


def number(expr: pl.Expr) -> pl.Expr:
    """A number from text ("1,234" and " 56 " included); null when not a number."""
    return expr.cast(pl.Utf8).str.replace_all(r"[,\s]", "").cast(pl.Float64, strict=False)


def open_table(
    path: str | Path, sheet: str | int | None, words: Iterable[str], step: Steps
) -> tuple[Path, RawTable, str]:
    """Read a reference table; the vocabulary helps find its header row."""
    path = Path(path)
    step(0.0, "Reading the file")
    data, sha = read_bytes(path)
    table = read_table(path, data, sheet=sheet, vocabulary=frozenset(clean_key(w) for w in words))
    step(0.4, "Checking rows")
    return path, table, sha


def finish(
    kind: str,
    path: Path,
    table: RawTable,
    sha: str,
    result: ValidationResult,
    rows: pl.DataFrame,
    fields: dict[str, str],
    notes: list[str],
    step: Steps,
) -> PreparedImport:
    """Assemble the PreparedImport for a reference table."""
    rejected = table.frame.join(result.rejected_rows, on=ROW, how="inner", maintain_order="left")
    step(1.0, "Prepared")
    signature = header_signature(table.headers)
    mapping = ColumnMapping(kind=kind, fields=fields, header_signature=signature)
    return PreparedImport(
        kind=kind,
        rows=rows,
        rejected_source=rejected.rename({ROW: "source_row"}),
        failures=result.failures,
        rule_counts=result.rule_counts,
        rows_read=table.frame.height,
        file_sha256=sha,
        source_name=path.name,
        header_row=table.header_row,
        sheet=table.sheet,
        footer_note=table.footer_note,
        notes=table.notes + notes,
        mapping=mapping,
    )
