"""Validation schemas at the import boundary, with the failures kept (dataframely-style).

A :class:`Schema` is a list of :class:`Rule` s over a working frame: each rule is a
boolean polars expression that is True where a row fails, a severity, the source
column it blames and a plain message. :meth:`Schema.filter` returns the valid rows,
the failure table (one line per failing cell: source row, column, rule, severity,
value - redacted for identifiers - and message) and per-rule counts. Only
"rejected" failures remove a row; "warning" failures are listed and the row kept.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import polars as pl

from rehabdash.ingest.pseudonymise import redact
from rehabdash.ingest.readers import ROW
from rehabdash.ingest.scrub import CONTROL_CHARACTERS, scrub_expr

__all__ = [
    "FAILURE_SCHEMA",
    "REJECTED",
    "RULE_COUNT_SCHEMA",
    "WARNING",
    "Rule",
    "Schema",
    "ValidationResult",
    "count_rules",
    "empty_failures",
    "stored_failures",
]

SHOWN_CHARACTERS = 100  # of a failing value, in the failure table and row_issue
REJECTED: Literal["rejected"] = "rejected"
WARNING: Literal["warning"] = "warning"
FAILURE_SCHEMA: dict[str, pl.DataType] = {
    "source_row": pl.Int64(),
    "column": pl.Utf8(),
    "rule": pl.Utf8(),
    "severity": pl.Utf8(),
    "value": pl.Utf8(),
    "message": pl.Utf8(),
}
RULE_COUNT_SCHEMA: dict[str, pl.DataType] = {
    "rule": pl.Utf8(),
    "severity": pl.Utf8(),
    "count": pl.Int64(),
}


@dataclass(frozen=True)
class Rule:
    """One check. ``failed`` is True where a row breaks it (nulls count as passing)."""

    id: str
    severity: Literal["rejected", "warning"]
    column: str | pl.Expr
    failed: pl.Expr
    message: str | pl.Expr
    value: pl.Expr | None = None
    redact: bool = False


@dataclass
class ValidationResult:
    valid: pl.DataFrame
    rejected_rows: pl.DataFrame  # __row, reasons
    failures: pl.DataFrame
    rule_counts: pl.DataFrame


def empty_failures() -> pl.DataFrame:
    return pl.DataFrame(schema=FAILURE_SCHEMA)


class Schema:
    """Base class: subclasses supply :meth:`rules` for a given working frame."""

    def rules(self, frame: pl.DataFrame) -> Sequence[Rule]:
        raise NotImplementedError

    def filter(
        self, frame: pl.DataFrame, headers: Mapping[str, str], keep: Sequence[str] | None = None
    ) -> ValidationResult:
        """Split ``frame`` into valid rows and failures.

        ``headers`` maps a rule's column (a canonical field) to the source header the
        user knows; unmapped names are shown as they are. ``keep``: the columns the
        valid rows need (all when None), so rejected-row filtering copies no more.
        """
        rules = list(self.rules(frame))
        if not rules:
            return ValidationResult(
                frame,
                pl.DataFrame(schema={ROW: pl.Int64, "reasons": pl.Utf8}),
                empty_failures(),
                pl.DataFrame(schema=RULE_COUNT_SCHEMA),
            )
        masks = frame.select(
            [r.failed.fill_null(False).alias(f"__m{i}") for i, r in enumerate(rules)]
        )
        parts: list[pl.DataFrame] = []
        for i, rule in enumerate(rules):
            mask = masks[f"__m{i}"]
            if not mask.any():
                continue
            if isinstance(rule.column, str):
                column = pl.lit(headers.get(rule.column, rule.column))
                default_value = pl.col(f"{rule.column}__raw")
            else:
                column, default_value = rule.column, pl.lit(None, dtype=pl.Utf8)
            value = rule.value if rule.value is not None else default_value
            if rule.redact:
                value = redact(value)
            value = _printable(value)
            message = rule.message if isinstance(rule.message, pl.Expr) else pl.lit(rule.message)
            message = _printable(message)
            exprs = [pl.col(ROW), value, message, column]
            needed = sorted({n for e in exprs for n in e.meta.root_names()})
            parts.append(
                frame.select(needed)
                .filter(mask)
                .select(
                    pl.col(ROW).cast(pl.Int64).alias("source_row"),
                    column.cast(pl.Utf8).alias("column"),
                    pl.lit(rule.id).alias("rule"),
                    pl.lit(rule.severity).alias("severity"),
                    value.cast(pl.Utf8).alias("value"),
                    message.cast(pl.Utf8).alias("message"),
                )
            )
        failures = (pl.concat(parts) if parts else empty_failures()).sort(
            "source_row", maintain_order=True
        )
        reject_idx = [f"__m{i}" for i, r in enumerate(rules) if r.severity == REJECTED]
        rejected = (
            masks.select(pl.any_horizontal(reject_idx)).to_series()
            if reject_idx
            else pl.Series([False] * frame.height)
        )
        reasons = (
            failures.filter(pl.col("severity") == REJECTED)
            .group_by("source_row", maintain_order=True)
            .agg(pl.col("message").unique(maintain_order=True).str.join("; ").alias("reasons"))
            .rename({"source_row": ROW})
        )
        kept = frame if keep is None else frame.select(keep)
        return ValidationResult(kept.filter(~rejected), reasons, failures, count_rules(failures))


def _printable(expr: pl.Expr) -> pl.Expr:
    """A value as the failure table keeps it: control characters shown as "?", and cut
    short, so a NUL or a 50 MB cell is stored alike on SQLite and PostgreSQL."""
    text = expr.cast(pl.Utf8).str.replace_all(CONTROL_CHARACTERS, "?")
    return (
        pl.when(text.str.len_chars() > SHOWN_CHARACTERS)
        .then(text.str.slice(0, SHOWN_CHARACTERS) + pl.lit("…"))
        .otherwise(text)
    )


def stored_failures(failures: pl.DataFrame, event_date_rules: Collection[str]) -> pl.DataFrame:
    """The failure table as the store keeps it (row_issue): values and messages scrubbed
    of anything shaped like an identifier, whatever column it came from (an NHS number
    under "Gender" is still one). Rules about event dates keep their dates."""
    dates = pl.col("rule").is_in(sorted(event_date_rules))
    return failures.with_columns(
        pl.when(dates).then(scrub_expr(pl.col(c), dates=False)).otherwise(scrub_expr(pl.col(c)))
        for c in ("value", "message")
    )


def count_rules(failures: pl.DataFrame) -> pl.DataFrame:
    """Failures per rule and severity, most frequent first."""
    return (
        failures.group_by("rule", "severity")
        .agg(pl.len().cast(pl.Int64).alias("count"))
        .sort(["severity", "count", "rule"], descending=[False, True, False])
    )
