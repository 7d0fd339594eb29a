"""Crude rates with exact Poisson (below 10 events) or Byar's limits.

Why this module exists: access to community rehabilitation per 1,000 or per
100,000 population is a crude rate, and PHE/OHID Fingertips publish crude rates
with exact Poisson limits below 10 events and Byar's approximation from 10
events (DESIGN 7.2). Byar's approximation, as in PHE Fingertips /
PHEindicatormethods ``phe_rate``, whose published outputs are the test
reference, including its method labels ("Exact", "Byars", missing when x is).

References: Breslow NE, Day NE (1987) *Statistical methods in cancer research*
vol. II, IARC; Armitage P, Berry G (2002) *Statistical methods in medical
research*, 4th edn.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from rehabdash.stats._common import (
    GroupBy,
    check_multiplier,
    format_multiplier,
    group_keys,
    label_series,
    parse_confidence,
    to_series,
    z_value,
)
from rehabdash.stats._counts import prepare_counts
from rehabdash.stats.limits import poisson_limits

__all__ = ["rate"]


def rate(
    df: pl.DataFrame,
    x: str,
    n: str,
    *,
    group_by: GroupBy = None,
    confidence: float = 0.95,
    multiplier: float = 100_000,
) -> pl.DataFrame:
    """Crude rate x/n × multiplier with exact (x < 10) or Byar's (x >= 10) limits.

    Without ``group_by`` the result has one row per input row, keeping the
    input columns; with ``group_by`` x and n are summed within each group first
    and the result has the group columns, x and n.

    Added columns: ``value``, ``lower``, ``upper``, ``confidence``, ``method``
    ("Exact" or "Byars"; missing where x is missing, as PHEindicatormethods) and
    ``statistic`` ("rate per <multiplier>").

    x > n is allowed (people can be referred more than once). Errors
    (``ValueError`` naming the column and row): x < 0, n <= 0, confidence out of
    range, multiplier not positive. A missing x or n gives missing outputs.
    """
    keys = group_keys(group_by)
    level = parse_confidence(confidence)
    mult = check_multiplier(multiplier)
    base, xs, ns = prepare_counts(df, x, n, keys, x_at_most_n=False)
    lower, upper, exact = poisson_limits(xs, level, z_value(level))
    present = ~np.isnan(xs)
    method = label_series("method", [(present & exact, "Exact"), (present, "Byars")], xs.size)
    return base.with_columns(
        to_series("value", xs / ns * mult),
        to_series("lower", lower / ns * mult),
        to_series("upper", upper / ns * mult),
        pl.lit(level, dtype=pl.Float64).alias("confidence"),
        method,
        pl.lit(f"rate per {format_multiplier(mult)}", dtype=pl.String).alias("statistic"),
    )
