"""The Fingertips "recent trend" marker over the latest periods of a series.

Why this module exists: PHE/OHID Fingertips mark each indicator series as
"Increasing", "Decreasing", "No significant change" or "Cannot be calculated"
from its five most recent (annual, non-overlapping) values, and the dashboard
shows the same markers for its access proportions and rates. As Fingertips
(OHID, *Fingertips trend markers*, Public Health Technical Guidance,
https://fingertips.phe.org.uk/static-reports/public-health-technical-guidance/Presentation/Trend_markers.html;
the Fingertips source ``TrendMarkerCalculator``; PHEindicatormethods
``assign_trend_markers``), with the periods scored t = 1..P in order:

* proportions: the chi-squared test for linear trend (Cochran 1954; Armitage
  1955), with C = Σx, N = Σn,
  X² = N (N Σx·t − C Σn·t)² / (C (N − C) (N Σn·t² − (Σn·t)²)); the direction is
  the least-squares slope of logit(x/n) on t;
* rates: weighted least squares of r = x/n on t with weights 1/σ², σ = (U − L)
  / (2 × 1.96) from the rate's 95% limits (exact Poisson below 10 events,
  Byar's from 10, as :func:`rehabdash.stats.rate`); X² = β² / var(β), var(β) =
  Σw / (Σw Σw·t² − (Σw·t)²).

The trend is significant when X² exceeds the chi-squared (1 df) quantile at
``confidence``; Fingertips uses 99.8% (X² > 9.5495), the default here. Then,
as Fingertips, the slope is refitted leaving out each point in turn: if any of
those slopes has the other sign, an outlier drives the trend and the marker is
"No significant change". "Cannot be calculated": fewer than ``points`` periods,
a missing x or n among them, no events (or, for proportions, all events) in
the window, or, for proportions, a period with x = 0 or x = n (its logit, and
so the direction Fingertips uses, is undefined).

References: Armitage P, Berry G, Matthews JNS (2002) *Statistical methods in
medical research*, 4th edn (test for trend in proportions); Altman DG (1991)
*Practical statistics for medical research*, pp 261-265.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import polars as pl
from scipy import special

from rehabdash.stats._common import (
    GroupBy,
    as_float_array,
    check_all,
    check_columns,
    check_numeric,
    group_keys,
    label_series,
    parse_confidence,
    to_series,
)
from rehabdash.stats._quantiles import chi2_ppf, norm_ppf
from rehabdash.stats.limits import poisson_limits

__all__ = ["trend"]

Array = np.ndarray[Any, np.dtype[np.float64]]
Kind = Literal["proportion", "rate"]


def _wls(y: Array, w: Array, t: Array) -> tuple[Array, Array]:
    """Weighted least-squares slope of y on t and its variance, over the last axis."""
    s1, st, sy = w.sum(-1), (w * t).sum(-1), (w * y).sum(-1)
    sty, stt = (w * t * y).sum(-1), (w * t * t).sum(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        det = s1 * stt - st * st
        return (s1 * sty - st * sy) / det, s1 / det


def _grid(work: pl.DataFrame, keys: list[str], column: str, shape: tuple[int, int]) -> Array:
    out = np.full(shape, np.nan)
    if not work.height:
        return out
    if keys:
        ids = work.select(pl.struct(keys).rle_id(), pl.int_range(pl.len()).over(keys))
        gid, pos = ids.to_series(0).to_numpy(), ids.to_series(1).to_numpy()
    else:
        gid, pos = np.zeros(work.height, dtype=np.int64), np.arange(work.height)
    out[gid, pos] = as_float_array(work, column)
    return out


def trend(
    df: pl.DataFrame,
    x: str,
    n: str,
    period: str,
    *,
    kind: Kind = "proportion",
    points: int = 5,
    group_by: GroupBy = None,
    confidence: float = 0.998,
) -> pl.DataFrame:
    """Fingertips recent-trend marker per group over the latest ``points`` periods.

    ``df`` has one row per group and period (any sortable ``period`` column:
    years, dates, "2023/24" labels) with counts ``x`` and denominators ``n``.
    One output row per group, groups sorted by their keys, with the group
    columns, ``points`` (periods used, at most ``points``), ``first_period``
    and ``last_period``, ``chi_squared``, ``p_value`` (chi-squared on 1 df),
    ``slope`` (per period: of logit(x/n) for proportions, of x/n for rates),
    ``trend`` ("Increasing", "Decreasing", "No significant change" or
    "Cannot be calculated"), ``reason``, ``confidence`` and ``method``.

    Errors (``ValueError`` naming the column and row): a missing period, a
    period twice in a group, x < 0, n <= 0, x > n for proportions, an unknown
    ``kind``, ``points`` below 3, confidence out of range.
    """
    keys = group_keys(group_by)
    level = parse_confidence(confidence)
    if kind not in ("proportion", "rate"):
        raise ValueError(f"kind must be 'proportion' or 'rate', not {kind!r}")
    if isinstance(points, bool) or not isinstance(points, int) or points < 3:
        raise ValueError(f"points must be an integer of at least 3, not {points!r}")
    check_columns(df, x, n, period, *keys)
    check_numeric(df, x, n)
    over = (lambda e: e.over(keys)) if keys else (lambda e: e)
    checks = [
        (period, pl.col(period).is_null(), "periods must not be missing"),
        (period, over(~pl.col(period).is_first_distinct()), "a period appears twice in a group"),
        (x, pl.col(x) < 0, "counts must not be negative"),
        (n, pl.col(n) <= 0, "denominators must be greater than 0"),
    ]
    if kind == "proportion":
        checks.append((x, pl.col(x) > pl.col(n), "the numerator exceeds the denominator (x > n)"))
    check_all(df, checks, keys)

    work = df.select(*keys, period, x, n).sort([*keys, period])
    work = work.filter(over(pl.int_range(pl.len()) - pl.len().cast(pl.Int64)) >= -points)
    aggs = [
        pl.len().cast(pl.Int64).alias("points"),
        pl.col(period).first().alias("first_period"),
        pl.col(period).last().alias("last_period"),
    ]
    head = work.group_by(keys, maintain_order=True).agg(aggs) if keys else work.select(aggs)
    shape = (head.height, points)
    xs, ns = _grid(work, keys, x, shape), _grid(work, keys, n, shape)
    t = np.arange(1.0, points + 1.0)
    total, size = xs.sum(-1), ns.sum(-1)
    full = head["points"].to_numpy() == points
    missing = full & np.isnan(total + size)
    if kind == "proportion":
        s_xt, s_nt, s_ntt = (xs * t).sum(-1), (ns * t).sum(-1), (ns * t * t).sum(-1)
        with np.errstate(invalid="ignore", divide="ignore"):
            chi2 = (size * s_xt - total * s_nt) ** 2 * size
            chi2 /= total * (size - total) * (size * s_ntt - s_nt**2)
            y = np.log(xs / (ns - xs))
        w = np.ones_like(y)
        no_events = (total == 0) | (total == size) | np.any((xs == 0) | (xs == ns), axis=-1)
        events_reason = "no events, all events, or a period with x = 0 or x = n"
    else:
        z95 = float(norm_ppf(0.975))
        flat = xs.ravel()
        lower, upper, _ = poisson_limits(np.nan_to_num(flat), 0.95, z95)
        sigma = ((upper - lower) / (2.0 * z95)).reshape(xs.shape) / ns
        y, w = xs / ns, 1.0 / sigma**2
        no_events = total == 0
        events_reason = "no events in the periods used"
    y = np.where(np.isfinite(y) & np.isfinite(w), y, 0.0)
    w = np.where(np.isfinite(w), w, 0.0)
    leave_out = 1.0 - np.vstack([np.zeros(points), np.eye(points)])
    slopes, variance = _wls(y[:, None, :], w[:, None, :] * leave_out, t)
    slope = slopes[:, 0]
    if kind == "rate":
        chi2 = slope**2 / variance[:, 0]
    ok = full & ~missing & ~no_events
    chi2 = np.where(ok, chi2, np.nan)
    slope = np.where(ok, slope, np.nan)
    significant = ok & (chi2 > float(chi2_ppf(level, 1.0)))
    outlier = np.any(np.sign(slopes[:, 1:]) != np.sign(slope)[:, None], axis=-1)
    flagged = significant & ~outlier
    cannot = [(~full, f"fewer than {points} periods"), (missing, "missing values")]
    cannot.append((no_events, events_reason))
    reasons = [
        *cannot,
        (significant & outlier, "outlier found"),
        (flagged, "significant trend, no outliers"),
        (ok, "no significant trend"),
    ]
    trends = [
        (~ok, "Cannot be calculated"),
        (flagged & (slope > 0), "Increasing"),
        (flagged, "Decreasing"),
        (ok, "No significant change"),
    ]
    method = "chi-squared test for trend" if kind == "proportion" else "weighted regression"
    return head.with_columns(
        to_series("chi_squared", chi2),
        to_series("p_value", special.chdtrc(1.0, chi2)),
        to_series("slope", slope),
        label_series("trend", trends, head.height),
        label_series("reason", reasons, head.height),
        pl.lit(level, dtype=pl.Float64).alias("confidence"),
        pl.lit(f"{method} (Fingertips recent trend)", dtype=pl.String).alias("method"),
    )
