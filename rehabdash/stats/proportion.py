"""Proportions with Wilson score confidence limits.

Why this module exists: the share of a group's population seen by community
rehabilitation (and most "% of referrals" figures) is a proportion, and PHE/
OHID Fingertips publish proportions with Wilson score limits (no continuity
correction). DESIGN 7.1; the method and labels follow PHEindicatormethods
``phe_proportion`` (UKHSA), whose published outputs are the test reference.

References: Wilson EB (1927) J Am Stat Assoc 22:209-212; Newcombe RG, Altman DG
(2000) in *Statistics with confidence*, 2nd edn, pp 46-48.
"""

from __future__ import annotations

import polars as pl

from rehabdash.stats._common import (
    GroupBy,
    check_multiplier,
    format_multiplier,
    group_keys,
    parse_confidence,
    to_series,
    z_value,
)
from rehabdash.stats._counts import prepare_counts
from rehabdash.stats.limits import wilson_limits

__all__ = ["proportion"]


def proportion(
    df: pl.DataFrame,
    x: str,
    n: str,
    *,
    group_by: GroupBy = None,
    confidence: float = 0.95,
    multiplier: float = 1,
) -> pl.DataFrame:
    """Proportion x/n × multiplier with Wilson score limits.

    Without ``group_by`` the result has one row per input row, keeping the
    input columns; with ``group_by`` x and n are summed within each group first
    and the result has the group columns, x and n.

    Added columns: ``value``, ``lower``, ``upper``, ``confidence`` (a fraction),
    ``method`` ("Wilson") and ``statistic`` ("percentage" when the multiplier
    is 100, otherwise "proportion of <multiplier>", as PHEindicatormethods).

    Errors (``ValueError`` naming the column and row): x < 0, n <= 0, x > n,
    confidence out of range, multiplier not positive. A missing x or n gives
    missing value and limits for that row (or group). x = 0 gives lower 0.
    """
    keys = group_keys(group_by)
    level = parse_confidence(confidence)
    mult = check_multiplier(multiplier)
    base, xs, ns = prepare_counts(df, x, n, keys, x_at_most_n=True)
    lower, upper = wilson_limits(xs, ns, z_value(level))
    statistic = "percentage" if mult == 100 else f"proportion of {format_multiplier(mult)}"
    return base.with_columns(
        to_series("value", xs / ns * mult),
        to_series("lower", lower * mult),
        to_series("upper", upper * mult),
        pl.lit(level, dtype=pl.Float64).alias("confidence"),
        pl.lit("Wilson", dtype=pl.String).alias("method"),
        pl.lit(statistic, dtype=pl.String).alias("statistic"),
    )
