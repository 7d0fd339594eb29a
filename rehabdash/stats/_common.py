"""Shared plumbing for the statistics: argument parsing and input validation.

Why this module exists: every public function in ``rehabdash.stats`` accepts a
confidence level written either as a fraction (0.95) or as a percentage (95),
an optional ``group_by``, and column names that must exist and hold valid
numbers. Doing those checks once, here, keeps the error messages uniform: each
``ValueError`` names the column and the first offending row (0-based, as in
``DataFrame.row``) or group, as DESIGN section 7 and the issue require.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl

from rehabdash.stats._quantiles import norm_ppf

__all__ = [
    "GroupBy",
    "as_float_array",
    "check_all",
    "check_columns",
    "check_multiplier",
    "check_numeric",
    "check_rows",
    "format_multiplier",
    "group_keys",
    "grouped",
    "label_series",
    "parse_confidence",
    "to_series",
    "z_value",
]

GroupBy = str | Sequence[str] | None


def parse_confidence(confidence: float) -> float:
    """Return the confidence level as a fraction in [0.9, 1).

    Accepts ``0.95`` or ``95`` (and ``0.998`` or ``99.8``): as PHEindicatormethods, a
    level between 0.9 and 1 or between 90 and 100. Anything else, such as 0.5, 80,
    1, 100, 0.05 or a negative number, raises ``ValueError`` naming the value.
    """
    if isinstance(confidence, bool) or not isinstance(confidence, int | float):
        raise ValueError(f"confidence must be a number such as 0.95 or 95, not {confidence!r}")
    level = float(confidence)
    if 1.0 < level < 100.0:
        level = level / 100.0
    if not (math.isfinite(level) and 0.9 <= level < 1.0):
        raise ValueError(
            f"confidence {confidence!r} is out of range: give a level between 0.9 and 1 "
            "(for example 0.95) or between 90 and 100 (for example 95), as "
            "PHEindicatormethods does"
        )
    return level


def z_value(confidence: float) -> float:
    """Two-sided standard normal quantile, written as PHEindicatormethods does."""
    return float(norm_ppf(confidence + (1.0 - confidence) / 2.0))


def group_keys(group_by: GroupBy) -> list[str]:
    """Normalise ``group_by`` (a name, a list of names, or None) to a list."""
    if group_by is None:
        return []
    if isinstance(group_by, str):
        return [group_by]
    keys = list(group_by)
    if not all(isinstance(k, str) for k in keys):
        raise ValueError(f"group_by must be a column name or a list of names, not {group_by!r}")
    return keys


def check_columns(df: pl.DataFrame, *columns: str) -> None:
    """Raise ``ValueError`` naming any column absent from ``df``."""
    if not isinstance(df, pl.DataFrame):
        raise ValueError(f"expected a polars DataFrame, got {type(df).__name__}")
    for column in columns:
        if column not in df.columns:
            raise ValueError(f"column {column!r} is not in the data (columns: {df.columns})")


def check_multiplier(multiplier: float, *, positive: bool = True) -> float:
    """Validate a multiplier (must be finite and non-zero; positive unless allowed)."""
    if isinstance(multiplier, bool) or not isinstance(multiplier, int | float):
        raise ValueError(f"multiplier must be a number, not {multiplier!r}")
    value = float(multiplier)
    if not math.isfinite(value) or value == 0 or (positive and value < 0):
        kind = "a positive number" if positive else "a non-zero number"
        raise ValueError(f"multiplier must be {kind}, not {multiplier!r}")
    return value


def format_multiplier(multiplier: float) -> str:
    """Write 100000.0 as '100000' for labels such as 'rate per 100000'."""
    return str(int(multiplier)) if float(multiplier).is_integer() else repr(multiplier)


def _describe(df: pl.DataFrame, index: int, keys: Sequence[str]) -> str:
    where = f"row {index}"
    if keys:
        values = ", ".join(f"{k}={df[k][index]!r}" for k in keys)
        where += f" (group {values})"
    return where


def check_rows(
    df: pl.DataFrame,
    column: str,
    bad: pl.Expr,
    problem: str,
    keys: Sequence[str] = (),
) -> None:
    """Raise ``ValueError`` if the boolean expression ``bad`` is true on any row.

    The message names ``column``, the first offending row and its group.
    Null results of ``bad`` count as fine (missing values propagate instead).
    """
    mask = df.select(bad.fill_null(False).alias("_bad")).to_series()
    if mask.any():
        index = int(mask.arg_true()[0])
        value = df[column][index]
        raise ValueError(
            f"column {column!r}: {problem} at {_describe(df, index, keys)} (value {value!r})"
        )


def check_all(
    df: pl.DataFrame,
    checks: Sequence[tuple[str, pl.Expr, str]],
    keys: Sequence[str] = (),
) -> None:
    """Run several :func:`check_rows` checks in one pass over ``df``.

    ``checks`` holds (column, bad expression, problem) triples; the first that
    fails raises, with the same message as :func:`check_rows`.
    """
    if not checks:
        return
    flags = df.select(
        [bad.fill_null(False).any().alias(f"_{i}") for i, (_, bad, _) in enumerate(checks)]
    ).row(0)
    for flag, (column, bad, problem) in zip(flags, checks, strict=True):
        if flag:
            check_rows(df, column, bad, problem, keys)


def check_numeric(df: pl.DataFrame, *columns: str) -> None:
    """Raise ``ValueError`` if a column is not numeric (or entirely null)."""
    for column in columns:
        dtype = df.schema[column]
        if not (dtype.is_numeric() or dtype == pl.Null):
            raise ValueError(f"column {column!r} must be numeric, but it holds {dtype}")


def as_float_array(df: pl.DataFrame, column: str) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Column as float64 numpy array with nulls (and NaN) as NaN."""
    series = df[column].cast(pl.Float64)
    return series.to_numpy().astype(np.float64, copy=False)


def to_series(name: str, values: np.ndarray[Any, Any]) -> pl.Series:
    """Float numpy array to a polars Series, turning NaN into null."""
    return pl.Series(name, values, dtype=pl.Float64, nan_to_null=True)


def label_series(
    name: str,
    labels: Sequence[tuple[np.ndarray[Any, np.dtype[np.bool_]], str]],
    size: int,
) -> pl.Series:
    """String Series: the label of the first mask that is true, else null."""
    out = pl.Series(name, [None] * size, dtype=pl.String)
    for mask, label in reversed(labels):
        index = np.flatnonzero(mask)
        if index.size:
            out = out.scatter(index, label)
    return out


def grouped(df: pl.DataFrame, keys: Sequence[str], aggs: Sequence[pl.Expr]) -> pl.DataFrame:
    """Aggregate per group, groups in order of first appearance.

    Faster than ``group_by(maintain_order=True)``: an unordered group-by
    carrying each group's first row number, then a sort on it.
    """
    return (
        df.lazy()
        .with_row_index("__first")
        .group_by(keys)
        .agg(*aggs, pl.col("__first").min())
        .sort("__first")
        .drop("__first")
        # The streaming engine is quicker on many rows, slower to start on few.
        .collect(engine="streaming" if df.height > 100_000 else "in-memory")
    )
