"""Rows rejected (and rows warned about) per validation rule per import batch, for the
data plan's "rows rejected per rule per batch" (DESIGN 6, Data quality).

Why this module exists: the importer keeps every failure in ``row_issue``, one line per
failing cell (``rehabdash.ingest.validate``: a row breaking one rule in one column gives
one line, severity "rejected" when the rule removed the row, "warning" when the row was
kept). A data officer needs the counts, not the lines, and a batch may hold a million
warning lines (an LSOA missing from the lookup on every row), so the database counts
and only the small table comes back.

A "row" is a source row of the file: a row breaking a rule in two columns (two dates in
the future) counts once for the rule (``level="rule"``) and once per column
(``level="column"``). Lines without a source row (an overlap found where the row
numbers were not kept) count one each.

Only SQL built by SQLAlchemy Core with bound parameters.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Literal

import polars as pl
from sqlalchemy import ColumnElement, and_, case, distinct, func, null, select
from sqlalchemy.engine import Engine

from rehabdash.queries.frames import fetch_frame
from rehabdash.store.schema import import_batch, row_issue

__all__ = ["BATCH_SCHEMA", "REJECTED", "RULE_SCHEMA", "WARNING", "batch_counts", "rejected_by_rule"]

#: row_issue severities (as rehabdash.ingest.validate writes them; a test keeps them equal).
REJECTED, WARNING = "rejected", "warning"
RULE_SCHEMA: dict[str, pl.DataType] = {
    "batch_id": pl.Int64(),
    "rule": pl.String(),
    "column_name": pl.String(),  # the source header the rule blamed (null: per rule, or none)
    "rows": pl.Int64(),  # source rows the rule rejected
    "warnings": pl.Int64(),  # source rows the rule warned about (kept)
}
_LEVELS = ("column", "rule", "batch")
BATCH_SCHEMA: dict[str, pl.DataType] = {
    "batch_id": pl.Int64(),
    "kind": pl.String(),
    "source_name": pl.String(),
    "status": pl.String(),
    "rows_read": pl.Int64(),
    "rows_accepted": pl.Int64(),
    "rows_rejected": pl.Int64(),
}


def _ids(batch_ids: Iterable[int]) -> list[int]:
    return sorted({int(b) for b in batch_ids})


def _rows(severity: str) -> ColumnElement[Any]:
    """Distinct source rows with a line of ``severity``, plus lines with no source row."""
    hit = row_issue.c.severity == severity
    numbered = func.count(distinct(case((hit, row_issue.c.source_row))))
    unnumbered = func.sum(case((and_(hit, row_issue.c.source_row.is_(None)), 1), else_=0))
    return numbered + func.coalesce(unnumbered, 0)


def rejected_by_rule(
    engine: Engine,
    batch_ids: Iterable[int],
    *,
    level: Literal["column", "rule", "batch"] = "column",
    kinds: Sequence[str] | None = ("activity",),
) -> pl.DataFrame:
    """batch_id, rule, column_name, rows (rejected), warnings, for the batches ``batch_ids``
    of ``kinds`` (every kind when None): one row per batch, rule and blamed column
    (``level="column"``), per batch and rule (``"rule"``: column_name null, a row counted
    once however many columns broke the rule) or per batch (``"batch"``: rule null too,
    a row counted once however many rules it broke). Only what has a line is listed;
    most rejected rows first."""
    if level not in _LEVELS:
        raise ValueError(f"level {level!r}: use one of {', '.join(_LEVELS)}")
    ids = _ids(batch_ids)
    if not ids:
        return pl.DataFrame(schema=RULE_SCHEMA)
    depth = _LEVELS.index(level)
    issue = row_issue.c
    rule: ColumnElement[Any] = issue.rule if depth <= 1 else null()
    column: ColumnElement[Any] = issue.column_name if depth == 0 else null()
    keys = [issue.batch_id, issue.rule, issue.column_name][: 3 - depth]
    query = (
        select(
            issue.batch_id,
            rule.label("rule"),
            column.label("column_name"),
            _rows(REJECTED).label("rows"),
            _rows(WARNING).label("warnings"),
        )
        .where(issue.batch_id.in_(ids))
        .group_by(*keys)
    )
    if kinds is not None:
        query = query.join(import_batch, import_batch.c.id == issue.batch_id).where(
            import_batch.c.kind.in_(list(kinds))
        )
    with engine.connect() as conn:
        frame = fetch_frame(conn, query, RULE_SCHEMA)
    return frame.sort(
        ["batch_id", "rows", "warnings", "rule", "column_name"],
        descending=[False, True, True, False, False],
        nulls_last=True,
    )


def batch_counts(
    engine: Engine, batch_ids: Iterable[int], *, kinds: Sequence[str] | None = ("activity",)
) -> pl.DataFrame:
    """batch_id, kind, source_name, status, rows_read, rows_accepted, rows_rejected of the
    batches ``batch_ids`` of ``kinds`` (every kind when None), as the import recorded them."""
    ids = _ids(batch_ids)
    if not ids:
        return pl.DataFrame(schema=BATCH_SCHEMA)
    b = import_batch.c
    query = select(
        b.id.label("batch_id"),
        b.kind,
        b.source_name,
        b.status,
        b.rows_read,
        b.rows_accepted,
        b.rows_rejected,
    ).where(b.id.in_(ids))
    if kinds is not None:
        query = query.where(b.kind.in_(list(kinds)))
    with engine.connect() as conn:
        return fetch_frame(conn, query.order_by(b.id), BATCH_SCHEMA)
