"""Change between two independent estimates, its verdict, and rate ratios.

Why this module exists: the dashboard reports "baseline vs latest" for rates,
proportions and inequality gaps (SII, rate ratios, representation ratios),
usually from published estimates that come with a confidence interval but no
standard error. As Altman and Bland (2003, 2011), each standard error is
recovered from its interval, SE = (U − L) / (2 z) with z the normal quantile
for the interval's level (on the log scale, ln U − ln L, for ratios), and for
independent estimates a and b:

* natural scale: d = b − a, SE(d) = √(SE_a² + SE_b²), limits d ± z SE(d);
* log scale: ratio b / a, SE = √(SE_ln a² + SE_ln b²), limits
  exp(ln(b/a) ± z SE);

with z statistic ln(b/a)/SE or d/SE and a two-sided normal p-value. For an
asymmetric interval (Wilson, Byar's) this SE is an approximation, the one
Fingertips also uses (its trend test divides U − L by 3.92).

A rate ratio from counts uses the standard large-sample log-scale interval
RR = (x1/n1)/(x2/n2), SE(ln RR) = √(1/x1 + 1/x2) (Rothman, Greenland and Lash
2008, chapter 14; Breslow and Day 1987). Expected counts are treated as fixed
there, so giving the expected counts E1 and E2 as n1 and n2 gives the ratio of
two indirectly standardised ratios (O1/E1)/(O2/E2) with the same interval.

References: Altman DG, Bland JM (2003) Interaction revisited: the difference
between two estimates, BMJ 326:219; Altman DG, Bland JM (2011) How to obtain
the P value from a confidence interval, BMJ 343:d2304.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import polars as pl
from scipy import special

from rehabdash.stats._common import (
    as_float_array,
    check_all,
    check_columns,
    check_numeric,
    label_series,
    parse_confidence,
    to_series,
    z_value,
)

__all__ = ["difference", "rate_ratio", "verdict"]

Array = np.ndarray[Any, np.dtype[np.float64]]
ArrayLike = Array | pl.Series | Sequence[float | None] | float
Scale = Literal["natural", "log"]
Polarity = Literal["higher", "lower", "towards"]


def _array(values: ArrayLike) -> Array:
    if isinstance(values, pl.Series):
        return values.cast(pl.Float64).to_numpy().astype(np.float64, copy=False)
    return np.atleast_1d(np.asarray(values, dtype=np.float64))


def _check_scale(scale: str) -> None:
    if scale not in ("natural", "log"):
        raise ValueError(f"scale must be 'natural' or 'log', not {scale!r}")


def verdict(
    lower: ArrayLike,
    upper: ArrayLike,
    polarity: Polarity,
    *,
    scale: Scale = "natural",
    baseline: ArrayLike | None = None,
    latest: ArrayLike | None = None,
    target: float | None = None,
) -> pl.Series:
    """Verdict on a change from its interval: improving, no significant change, worsening.

    ``lower``/``upper`` are the limits of the change (b − a on the natural
    scale, b / a on the log scale); the change is significant when they exclude
    the no-change value (0, or 1 on the log scale). ``polarity`` "higher": an
    increase is improving; "lower": a decrease is improving; "towards": the
    quantity is a gap whose best value is ``target`` (default the no-change
    value: SII 0, rate or representation ratio 1), so a significant change
    that brings ``latest`` closer to the target than ``baseline`` (on the log
    scale for ratios) is improving and one that takes it further is
    worsening. Missing limits give a missing verdict. Returns a String Series.
    """
    _check_scale(scale)
    lo, hi = _array(lower), _array(upper)
    none = 1.0 if scale == "log" else 0.0
    up, down = lo > none, hi < none
    if polarity == "higher":
        good, bad = up, down
    elif polarity == "lower":
        good, bad = down, up
    elif polarity == "towards":
        if baseline is None or latest is None:
            raise ValueError("polarity 'towards' needs the baseline and latest values")
        goal = none if target is None else float(target)
        if scale == "log" and not goal > 0:
            raise ValueError(f"target must be greater than 0 on the log scale, not {target!r}")
        a, b = _array(baseline), _array(latest)
        with np.errstate(invalid="ignore", divide="ignore"):
            if scale == "log":
                a, b, goal = np.log(a), np.log(b), float(np.log(goal))
        gap_a, gap_b = np.abs(a - goal), np.abs(b - goal)
        good, bad = (up | down) & (gap_b < gap_a), (up | down) & (gap_b > gap_a)
    else:
        raise ValueError(f"polarity must be 'higher', 'lower' or 'towards', not {polarity!r}")
    known = ~(np.isnan(lo) | np.isnan(hi))
    labels = [(good, "improving"), (bad, "worsening"), (known, "no significant change")]
    return label_series("verdict", labels, lo.size)


def _with_estimate(
    df: pl.DataFrame, est: Array, se: Array, level: float, log: bool, labels: tuple[str, str]
) -> pl.DataFrame:
    """Add value, limits, se, z, p-value and labels for an estimate on the working scale."""
    half = z_value(level) * se
    with np.errstate(invalid="ignore", divide="ignore"):
        z = est / se
        back = np.exp if log else (lambda v: v)
        return df.with_columns(
            to_series("value", back(est)),
            to_series("lower", back(est - half)),
            to_series("upper", back(est + half)),
            to_series("se", se),
            to_series("z", z),
            to_series("p_value", 2.0 * special.ndtr(-np.abs(z))),
            pl.lit(level, dtype=pl.Float64).alias("confidence"),
            pl.lit(labels[0], dtype=pl.String).alias("method"),
            pl.lit(labels[1], dtype=pl.String).alias("statistic"),
        )


def difference(
    df: pl.DataFrame,
    value_a: str,
    lower_a: str,
    upper_a: str,
    value_b: str,
    lower_b: str,
    upper_b: str,
    *,
    scale: Scale = "natural",
    confidence: float = 0.95,
    input_confidence: float = 0.95,
    polarity: Polarity | None = None,
    target: float | None = None,
) -> pl.DataFrame:
    """Change from estimate a (baseline) to b (latest), row by row, with limits.

    The six arguments name columns of ``df``: each estimate with the limits of
    its ``input_confidence`` interval. The result keeps the input columns and
    adds ``value`` (b − a, or b / a when ``scale="log"``), ``lower``,
    ``upper`` (at ``confidence``), ``se`` (of the difference, or of the log
    ratio), ``z``, ``p_value`` (two-sided), ``confidence``, ``method``,
    ``statistic`` ("difference (b − a)" or "ratio (b / a)") and, when a
    ``polarity`` is given, ``verdict`` (see :func:`verdict`).

    Errors (``ValueError`` naming the column and row): a lower limit above its
    upper limit; on the log scale, a value or limit <= 0. Missing inputs give
    missing outputs.
    """
    _check_scale(scale)
    level, given = parse_confidence(confidence), parse_confidence(input_confidence)
    names = (value_a, lower_a, upper_a, value_b, lower_b, upper_b)
    check_columns(df, *names)
    check_numeric(df, *names)
    checks = [
        (lo, pl.col(lo) > pl.col(hi), "the lower limit is above the upper limit")
        for lo, hi in ((lower_a, upper_a), (lower_b, upper_b))
    ]
    if scale == "log":
        checks += [(c, pl.col(c) <= 0, "must be greater than 0 on the log scale") for c in names]
    check_all(df, checks)
    log = scale == "log"
    z_in = z_value(given)
    cols = [as_float_array(df, c) for c in names]
    va, la, ua, vb, lb, ub = (np.log(c) for c in cols) if log else cols
    se_a, se_b = (ua - la) / (2.0 * z_in), (ub - lb) / (2.0 * z_in)
    labels = (
        f"independent estimates, SE from {given * 100:g}% limits",
        "ratio (b / a)" if log else "difference (b − a)",
    )
    out = _with_estimate(df, vb - va, np.hypot(se_a, se_b), level, log, labels)
    if polarity is None:
        return out
    lo, hi = out["lower"], out["upper"]
    found = verdict(lo, hi, polarity, scale=scale, baseline=cols[0], latest=cols[3], target=target)
    return out.with_columns(found)


def rate_ratio(
    df: pl.DataFrame,
    x1: str,
    n1: str,
    x2: str,
    n2: str,
    *,
    confidence: float = 0.95,
) -> pl.DataFrame:
    """Ratio of two crude rates (x1/n1)/(x2/n2), row by row, with log-scale limits.

    Keeps the input columns and adds ``value``, ``lower``, ``upper``
    (exp(ln RR ± z √(1/x1 + 1/x2))), ``se`` (of ln RR), ``z``, ``p_value``
    (two-sided, for RR = 1), ``confidence``, ``method`` ("log-normal") and
    ``statistic`` ("rate ratio"). With expected counts as n1 and n2 it is the
    ratio of two indirectly standardised ratios. A zero count gives missing
    limits (the log-scale interval is undefined); x2 = 0 also a missing value.

    Errors (``ValueError`` naming the column and row): x < 0, n <= 0.
    """
    level = parse_confidence(confidence)
    check_columns(df, x1, n1, x2, n2)
    check_numeric(df, x1, n1, x2, n2)
    checks = [(c, pl.col(c) < 0, "counts must not be negative") for c in (x1, x2)]
    checks += [(c, pl.col(c) <= 0, "denominators must be greater than 0") for c in (n1, n2)]
    check_all(df, checks)
    a, na, b, nb = (as_float_array(df, c) for c in (x1, n1, x2, n2))
    with np.errstate(invalid="ignore", divide="ignore"):
        log_rr = np.log(np.where(b > 0, (a / na) / (b / nb), np.nan))
        se = np.where((a > 0) & (b > 0), np.sqrt(1.0 / a + 1.0 / b), np.nan)
    return _with_estimate(df, log_rr, se, level, True, ("log-normal", "rate ratio"))
