"""Means with Student's t confidence limits.

Why this module exists: waiting times and outcome scores are summarised as
means per service or group, published with a Student's t interval:
mean ± t(1 - alpha/2; k - 1) × sd/√k (DESIGN 7.5). Columns and the method label
("Student's t-distribution") follow PHEindicatormethods ``phe_mean`` (UKHSA),
whose published outputs are the test reference.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from rehabdash.stats._common import (
    GroupBy,
    check_columns,
    check_numeric,
    group_keys,
    grouped,
    parse_confidence,
    to_series,
)
from rehabdash.stats._quantiles import t_ppf

__all__ = ["mean", "mean_aggregates", "mean_of_aggregates"]


def mean(
    df: pl.DataFrame,
    x: str,
    *,
    group_by: GroupBy = None,
    confidence: float = 0.95,
) -> pl.DataFrame:
    """Mean of the individual values in column ``x`` with a Student's t interval.

    One output row per group (a single row without ``group_by``), with the
    group columns, ``value_sum``, ``value_count`` (rows in the group),
    ``stdev`` (sample standard deviation), ``value``, ``lower``, ``upper``,
    ``confidence``, ``method`` ("Student's t-distribution") and ``statistic``
    ("mean").

    Missing values propagate as in PHEindicatormethods: a group with any
    missing x has missing sum, standard deviation, value and limits. A group
    of one value has a mean but no limits (no standard deviation).
    """
    keys = group_keys(group_by)
    level = parse_confidence(confidence)
    check_columns(df, x, *keys)
    check_numeric(df, x)
    aggs = mean_aggregates(x)
    out = grouped(df, keys, aggs) if keys else df.select(aggs)
    return mean_of_aggregates(out, confidence=level)


def mean_aggregates(x: str) -> list[pl.Expr]:
    """The aggregates a mean of ``x`` and its interval are made of (``value_sum``,
    ``value_count``, ``stdev``; missing values as in :func:`mean`): for a group-by of the
    caller's own that works out other statistics in the same pass, then
    :func:`mean_of_aggregates` (``x`` must be numeric)."""
    col = pl.col(x).cast(pl.Float64).fill_nan(None)
    has_null = col.is_null().any()
    return [
        pl.when(has_null).then(None).otherwise(col.sum()).alias("value_sum"),
        pl.len().cast(pl.Int64).alias("value_count"),
        pl.when(has_null).then(None).otherwise(col.std()).alias("stdev"),
    ]


def mean_of_aggregates(out: pl.DataFrame, *, confidence: float = 0.95) -> pl.DataFrame:
    """:func:`mean`'s columns from the :func:`mean_aggregates` of each row of ``out``."""
    level = parse_confidence(confidence)
    check_columns(out, "value_sum", "value_count", "stdev")
    total = out["value_sum"].cast(pl.Float64).to_numpy()
    count = out["value_count"].cast(pl.Float64).to_numpy()
    sd = out["stdev"].cast(pl.Float64).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        value = total / count
        tq = t_ppf(level + (1.0 - level) / 2.0, count - 1.0)
        half = tq * sd / np.sqrt(count)
    return out.with_columns(
        to_series("value", value),
        to_series("lower", value - half),
        to_series("upper", value + half),
        pl.lit(level, dtype=pl.Float64).alias("confidence"),
        pl.lit("Student's t-distribution", dtype=pl.String).alias("method"),
        pl.lit("mean", dtype=pl.String).alias("statistic"),
    )
