"""Funnel plot control limits (95% and 99.8%) and outlier flags.

Why this module exists: the Need page compares areas of very different sizes
on a funnel plot (DESIGN 7.8): control limits around the ICB value that narrow
as the denominator grows, at 95% (≈2 SD) and 99.8% (≈3 SD). Limits are exact
with interpolation, as Spiegelhalter (2005) *Funnel plots for comparing
institutional performance*, Stat Med 24:1185-1202, recommends: for a
probability P, r = F⁻¹(P), α = (F(r) − P) / f(r), limit = (r − α)/n, with F
binomial(n, θ) for proportions and Poisson(θ·n) for rates and ratios (x =
observed, n = expected). Optional overdispersion adjustment: Spiegelhalter's
multiplicative φ from 10%-winsorised z-scores; when φ > 1 the limits become
θ ± z_P √(φ·V(θ)/n). All rows at once with scipy.special, vectorised.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import polars as pl
from scipy import special

from rehabdash.stats._common import (
    as_float_array,
    check_columns,
    check_multiplier,
    check_numeric,
    check_rows,
    label_series,
    parse_confidence,
    to_series,
    z_value,
)
from rehabdash.stats._quantiles import norm_ppf, poisson_ppf
from rehabdash.stats.limits import poisson_limits, wilson_limits
from rehabdash.stats.quantile import binom_ppf

__all__ = ["FUNNEL_PROBABILITIES", "funnel_limits"]

Array = np.ndarray[Any, np.dtype[np.float64]]
Kind = Literal["rate", "proportion", "ratio"]
#: Column suffix → (lower P, upper P).
FUNNEL_PROBABILITIES = {"95": (0.025, 0.975), "998": (0.001, 0.999)}


def exact_funnel_limit(p: float, n: Array, theta: float, kind: Kind) -> Array:
    """Spiegelhalter's interpolated exact limit (as a rate or proportion of 1): r, the
    p-quantile of binomial(n, θ) or Poisson(θn), less α = (F(r) − p) / (F(r) − F(r − 1)),
    over n. From scipy.special, the functions scipy.stats' distributions call."""
    if kind == "proportion":
        trials = np.round(n).astype(np.int64)
        r = binom_ppf(p, trials.astype(np.float64), theta)

        def cdf(k: Array) -> Array:
            return np.asarray(special.bdtr(k, trials, theta), dtype=np.float64)
    else:
        mu = theta * n
        r = np.asarray(poisson_ppf(p, mu), dtype=np.float64)

        def cdf(k: Array) -> Array:
            return np.asarray(special.pdtr(k, mu), dtype=np.float64)

    at = cdf(r)
    below = np.where(r > 0, cdf(np.maximum(r - 1.0, 0.0)), 0.0)
    alpha = (at - p) / (at - below)
    # At r = 0 the interpolation runs below zero; no count is, so the limit stops at 0.
    result: Array = np.maximum(r - alpha, 0.0) / n
    return result


def _phi(y: Array, n: Array, theta: float, variance: float) -> float:
    z = (y - theta) / np.sqrt(variance / n)
    z = z[~np.isnan(z)]
    if z.size == 0:
        return 1.0
    lo, hi = np.quantile(z, [0.1, 0.9])
    return float(np.mean(np.clip(z, lo, hi) ** 2))


def funnel_limits(
    df: pl.DataFrame,
    x: str,
    n: str,
    kind: Kind = "rate",
    *,
    target: float | None = None,
    multiplier: float | None = None,
    confidence: float = 0.95,
    overdispersion: bool = False,
) -> pl.DataFrame:
    """Funnel limits for every row, keeping the input columns.

    ``kind``: "rate" (x events over population n; multiplier default 100,000),
    "proportion" (x of n; default 1) or "ratio" (x observed over n expected;
    default 1). ``target`` (as a rate/proportion of 1, or a ratio) defaults to
    the pooled Σx/Σn over rows with x present.

    Added columns: ``value`` (x/n × multiplier), ``lower``/``upper`` (the row's
    own interval at ``confidence``: Wilson, or exact/Byar's), ``target``,
    ``lower_95``, ``upper_95``, ``lower_998``, ``upper_998``, ``outlier_95`` and
    ``outlier_998`` ("high", "low" or "within"; missing where x is),
    ``overdispersion`` (φ, or missing when not adjusted), ``confidence``,
    ``method``. Errors as for :func:`rate`/:func:`proportion`.
    """
    if kind not in ("rate", "proportion", "ratio"):
        raise ValueError(f"kind must be 'rate', 'proportion' or 'ratio', not {kind!r}")
    level = parse_confidence(confidence)
    default = 100_000 if kind == "rate" else 1
    mult = check_multiplier(default if multiplier is None else multiplier)
    check_columns(df, x, n)
    check_numeric(df, x, n)
    check_rows(df, x, pl.col(x) < 0, "counts must not be negative")
    check_rows(
        df,
        n,
        pl.col(n).is_null() | (pl.col(n) <= 0),
        "denominators must be present and greater than 0",
    )
    if kind == "proportion":
        check_rows(df, x, pl.col(x) > pl.col(n), "the numerator exceeds the denominator (x > n)")
    xs, ns = as_float_array(df, x), as_float_array(df, n)
    present = ~np.isnan(xs)
    theta = float(xs[present].sum() / ns[present].sum()) if target is None else float(target)
    if not theta > 0 or (kind == "proportion" and theta >= 1):
        raise ValueError(
            f"column {x!r}: the funnel target must be above 0 (and below 1 for "
            f"proportions), got {theta!r}"
        )
    y = xs / ns
    z = z_value(level)
    if kind == "proportion":
        lower, upper = wilson_limits(xs, ns, z)
        variance, method = theta * (1 - theta), "Spiegelhalter exact binomial"
    else:
        lo, hi, _ = poisson_limits(xs, level, z)
        lower, upper = lo / ns, hi / ns
        variance, method = theta, "Spiegelhalter exact Poisson"
    phi = _phi(y, ns, theta, variance) if overdispersion else 1.0
    cols: list[pl.Series] = []
    for suffix, (p_low, p_high) in FUNNEL_PROBABILITIES.items():
        if phi > 1:
            spread = np.sqrt(phi * variance / ns)
            lim_lo = np.maximum(theta + norm_ppf(p_low) * spread, 0.0)
            lim_hi = theta + norm_ppf(p_high) * spread
            if kind == "proportion":
                lim_hi = np.minimum(lim_hi, 1.0)
        else:
            lim_lo = exact_funnel_limit(p_low, ns, theta, kind)
            lim_hi = exact_funnel_limit(p_high, ns, theta, kind)
        cols += [
            to_series(f"lower_{suffix}", lim_lo * mult),
            to_series(f"upper_{suffix}", lim_hi * mult),
            label_series(
                f"outlier_{suffix}",
                [
                    (present & (y > lim_hi), "high"),
                    (present & (y < lim_lo), "low"),
                    (present, "within"),
                ],
                y.size,
            ),
        ]
    if overdispersion and phi > 1:
        method += " with multiplicative overdispersion"
    return df.with_columns(
        to_series("value", y * mult),
        to_series("lower", lower * mult),
        to_series("upper", upper * mult),
        pl.lit(theta * mult).alias("target"),
        *cols,
        pl.lit(phi if overdispersion else None, dtype=pl.Float64).alias("overdispersion"),
        pl.lit(level, dtype=pl.Float64).alias("confidence"),
        pl.lit(method, dtype=pl.String).alias("method"),
    )
