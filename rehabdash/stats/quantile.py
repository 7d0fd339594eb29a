"""Quantiles (median, centiles) with distribution-free order-statistic limits.

Why this module exists: waiting times are skewed, so services report the
median wait (and the 90th or 92nd centile) rather than the mean, with a
confidence interval that assumes no distribution. For n values sorted
x(1) <= ... <= x(n) and the q-th quantile ξ, the number Y of values below ξ is
binomial(n, q), so P(x(j) <= ξ <= x(k)) = F(k − 1) − F(j − 1), F the binomial
cumulative distribution (Conover 1999, section 3.2; Campbell and Gardner in
Altman et al. 2000, "Medians and their differences"). The limits are the values of ranks

    j = B⁻¹(α/2),   k = B⁻¹(1 − α/2) + 1,   both clipped to 1..n,

where B⁻¹(p) is the binomial(n, q) quantile function (the smallest y with
F(y) >= p, as ``scipy.stats.binom.ppf``). Then P(Y < j) < α/2 and P(Y >= k) <=
α/2, so before clipping the interval covers ξ with probability at least 1 − α
(exact, slightly conservative because Y is discrete). When n is so small that
j would be 0 or k would be n + 1, the limit is the sample minimum or maximum
and the interval covers less than 1 − α.

The point estimate is the "type 7" sample quantile of Hyndman and Fan (1996):
linear interpolation between x(⌊h⌋ + 1) and x(⌊h⌋ + 2) with h = (n − 1)q, the
default of R's ``quantile`` (which PHE/OHID analysts use; no other rule is
published in PHEindicatormethods), of numpy and of polars ("linear").

References: Conover WJ (1999) *Practical nonparametric statistics*, 3rd edn,
Wiley; Altman DG, Machin D, Bryant TN, Gardner MJ (2000)
*Statistics with confidence*, 2nd edn, BMJ Books; Hyndman RJ, Fan Y
(1996) Sample quantiles in statistical packages, Am Stat 50:361-365.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl
from scipy import special

from rehabdash.stats._common import (
    GroupBy,
    check_columns,
    check_numeric,
    group_keys,
    grouped,
    parse_confidence,
    to_series,
)

__all__ = [
    "binom_ppf",
    "quantile",
    "quantile_label",
    "quantiles",
    "quantiles_of_sorted",
    "sorted_values",
]

Array = np.ndarray[Any, np.dtype[np.float64]]


def binom_ppf(p: float, n: Array, q: float) -> Array:
    """Smallest y with P(Binomial(n, q) <= y) >= p, for each n (as scipy's ``binom.ppf``).

    Starts from ``scipy.special.bdtrik`` (the continuous inverse) and steps to
    the neighbouring integer where rounding put it on the wrong side.
    """
    n = np.asarray(n, dtype=np.float64)
    trials = n.astype(np.int64)  # bdtr wants integer trials
    with np.errstate(invalid="ignore"):
        y = np.clip(np.ceil(special.bdtrik(p, n, q)), 0.0, n)
    y = np.where(np.isnan(y), n, y)
    below = np.maximum(y - 1.0, 0.0)
    y = np.where((y > 0) & (special.bdtr(below, trials, q) >= p), below, y)
    y = np.where((y < n) & (special.bdtr(y, trials, q) < p), y + 1.0, y)
    result: Array = y
    return result


def quantile_label(q: float) -> str:
    """'median' for 0.5, otherwise e.g. '90th centile', '2.5th centile', '1st centile'."""
    if q == 0.5:
        return "median"
    pct = round(q * 100.0, 10)
    text = f"{pct:g}"
    whole = int(pct) if float(pct).is_integer() else None
    suffix = "th"
    if whole is not None and whole % 100 not in (11, 12, 13):
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(whole % 10, "th")
    return f"{text}{suffix} centile"


def _check_q(q: float) -> float:
    if isinstance(q, bool) or not isinstance(q, int | float) or not math.isfinite(q):
        raise ValueError(f"q must be a number between 0 and 1 (0.5 for the median), not {q!r}")
    if not 0.0 < float(q) < 1.0:
        raise ValueError(f"q {q!r} is out of range: give a fraction between 0 and 1, e.g. 0.9")
    return float(q)


def quantile(
    df: pl.DataFrame,
    x: str,
    q: float,
    *,
    group_by: GroupBy = None,
    confidence: float = 0.95,
) -> pl.DataFrame:
    """The q-th quantile of the individual values in ``x`` with order-statistic limits.

    One output row per group (groups in order of first appearance; a single
    row without ``group_by``) with the group columns, ``n`` (non-missing
    values), ``value`` (type 7 quantile), ``lower`` and ``upper`` (values of
    ranks j and k, see the module docstring), ``confidence``, ``method``
    ("order statistics") and ``statistic`` ("median", "90th centile", ...).

    Missing values (null or NaN) are ignored; a group with no values has
    missing value and limits. ``q`` must lie strictly between 0 and 1.
    """
    return quantiles(df, x, [q], group_by=group_by, confidence=confidence)[0]


def quantiles(
    df: pl.DataFrame,
    x: str,
    qs: Sequence[float],
    *,
    group_by: GroupBy = None,
    confidence: float = 0.95,
) -> list[pl.DataFrame]:
    """:func:`quantile` for each of ``qs``, in that order, from one sort of the values
    (a median and a 90th centile of the same waits sort them once)."""
    keys = group_keys(group_by)
    parse_confidence(confidence)
    for q in qs:
        _check_q(q)
    check_columns(df, x, *keys)
    check_numeric(df, x)
    values = sorted_values(x).alias("__v")
    out = grouped(df, keys, [values]) if keys else df.select(values.implode())
    return quantiles_of_sorted(out, "__v", qs, confidence=confidence)


def sorted_values(x: str) -> pl.Expr:
    """Each group's values of ``x`` (null and NaN left out), sorted: the aggregation
    :func:`quantiles_of_sorted` reads, so that one group-by can make it beside others."""
    return pl.col(x).cast(pl.Float64).fill_nan(None).drop_nulls().sort()


def quantiles_of_sorted(
    out: pl.DataFrame, column: str, qs: Sequence[float], *, confidence: float = 0.95
) -> list[pl.DataFrame]:
    """:func:`quantiles` of groups already made: ``column`` holds each group's sorted
    values (:func:`sorted_values`); it becomes ``n``, the other columns are kept."""
    level = parse_confidence(confidence)
    probs = [_check_q(q) for q in qs]
    counts = out[column].list.len().cast(pl.Int64)
    flat = out[column].explode().drop_nulls().to_numpy().astype(np.float64, copy=False)
    out = out.drop(column).with_columns(counts.alias("n"))
    n = counts.to_numpy().astype(np.float64)
    start = np.cumsum(n) - n
    empty = n == 0
    last = np.maximum(n - 1.0, 0.0)

    def at(rank0: Array) -> Array:
        """Value of 0-based rank ``rank0`` within each group (NaN for empty groups)."""
        if flat.size == 0:
            return np.full(n.shape, np.nan)
        index = (start + np.clip(rank0, 0.0, last)).astype(np.int64)
        return np.where(empty, np.nan, flat[np.minimum(index, flat.size - 1)])

    alpha = 1.0 - level
    results = []
    for prob in probs:
        h = last * prob
        low = np.floor(h)
        value = at(low) + (h - low) * (at(low + 1.0) - at(low))
        j = np.clip(binom_ppf(alpha / 2.0, n, prob), 1.0, np.maximum(n, 1.0))
        k = np.clip(binom_ppf(1.0 - alpha / 2.0, n, prob) + 1.0, 1.0, np.maximum(n, 1.0))
        results.append(
            out.with_columns(
                to_series("value", value),
                to_series("lower", at(j - 1.0)),
                to_series("upper", at(k - 1.0)),
                pl.lit(level, dtype=pl.Float64).alias("confidence"),
                pl.lit("order statistics", dtype=pl.String).alias("method"),
                pl.lit(quantile_label(prob), dtype=pl.String).alias("statistic"),
            )
        )
    return results
