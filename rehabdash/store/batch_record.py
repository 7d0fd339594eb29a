"""What the import history shows of one past batch: its mapping and its rows to fix (issue 13).

The store never holds a rejected row's cells in clear (identifiers are redacted in
``row_issue``), so a past batch's rejects are its list of *where* to look: row
number, column, rule and reason, for the officer to find in their own file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import select
from sqlalchemy.engine import Engine

from rehabdash.store.schema import import_batch, row_issue

__all__ = [
    "ISSUE_LABELS",
    "batch_issues",
    "batch_mapping",
    "describe_mapping",
    "write_batch_issues",
]

#: Column headings of the rows-to-fix list, as the officer reads them.
ISSUE_LABELS = {
    "source_row": "Row in the file",
    "column_name": "Column",
    "rule": "Rule",
    "severity": "Outcome",
    "value": "Value (identifiers masked)",
    "message": "Reason",
}


def batch_mapping(engine: Engine, batch_id: int) -> dict[str, Any] | None:
    """The column mapping the batch was imported with (as stored), or None."""
    with engine.connect() as conn:
        value = conn.execute(
            select(import_batch.c.mapping).where(import_batch.c.id == batch_id)
        ).scalar_one_or_none()
    return value if isinstance(value, dict) else None


def batch_issues(engine: Engine, batch_id: int) -> pl.DataFrame:
    """Every rejected or warned-about cell of the batch, in file order."""
    cols = [row_issue.c[name] for name in ISSUE_LABELS]
    query = select(*cols).where(row_issue.c.batch_id == batch_id).order_by(row_issue.c.id)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    schema = {name: pl.String() for name in ISSUE_LABELS} | {"source_row": pl.Int64()}
    return pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")


def write_batch_issues(engine: Engine, batch_id: int, path: str | Path) -> int:
    """Write the batch's rows to fix to ``path`` (.xlsx or CSV); returns how many lines."""
    from rehabdash.ingest.rejects import write_rows_to_fix

    frame = batch_issues(engine, batch_id).rename(ISSUE_LABELS)
    write_rows_to_fix(frame, path)
    return frame.height


def describe_mapping(mapping: dict[str, Any] | None) -> list[str]:
    """The stored mapping in lines an officer reads: field (key) <- column; then what was
    left out. A batch without a column mapping (population, IMD) says so."""
    from rehabdash.ingest.fields import describe_field

    if not mapping or not isinstance(mapping.get("fields"), dict):
        return ["This batch was imported without a column mapping."]
    name = mapping.get("name")
    lines = [f"Saved mapping “{name}” version {mapping.get('version', 1)}."] if name else []
    for fld, column in mapping["fields"].items():
        lines.append(f"{describe_field(str(fld))} ← “{column}”")
    dropped = mapping.get("dropped") or []
    if dropped:
        lines.append("Left out on purpose: " + ", ".join(f"“{c}”" for c in dropped))
    return lines
