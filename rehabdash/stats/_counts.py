"""Shared front end for count-based statistics (proportions, crude rates).

Why this module exists: ``proportion`` and ``rate`` take the same inputs (a
numerator column x and a denominator column n), validate them the same way and
work either row by row (no ``group_by``: one output row per input row, input
columns kept) or per group (x and n summed within each group first, as
PHEindicatormethods does with grouped data). A missing x or n anywhere in a
group makes that group's sum missing, so its outputs are missing too.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from rehabdash.stats._common import (
    as_float_array,
    check_all,
    check_columns,
    check_numeric,
    grouped,
)

__all__ = ["prepare_counts"]

FloatArray = np.ndarray[Any, np.dtype[np.float64]]


def _null_propagating_sum(column: str) -> pl.Expr:
    col = pl.col(column).cast(pl.Float64).fill_nan(None)
    return pl.when(col.is_null().any()).then(None).otherwise(col.sum()).alias(column)


def prepare_counts(
    df: pl.DataFrame,
    x: str,
    n: str,
    keys: list[str],
    *,
    x_at_most_n: bool,
) -> tuple[pl.DataFrame, FloatArray, FloatArray]:
    """Validate x and n and return (frame to extend, x array, n array).

    Raises ``ValueError`` naming the column and first offending row for
    negative x, n <= 0 and (when ``x_at_most_n``) x > n.
    """
    check_columns(df, x, n, *keys)
    check_numeric(df, x, n)
    checks = [
        (x, pl.col(x) < 0, "counts must not be negative"),
        (n, pl.col(n) <= 0, "denominators must be greater than 0"),
    ]
    if x_at_most_n:
        checks.append((x, pl.col(x) > pl.col(n), "the numerator exceeds the denominator (x > n)"))
    check_all(df, checks, keys)  # one pass; the first that fails names its row
    sums = [_null_propagating_sum(x), _null_propagating_sum(n)]
    base = grouped(df, keys, sums) if keys else df
    x_values = as_float_array(base, x)
    n_values = as_float_array(base, n)
    return base, x_values, n_values
