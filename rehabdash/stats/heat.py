"""WHO HEAT summary measures of health inequality.

Why this module exists: NHS England's statement on information on health
inequalities asks for gaps between groups to be summarised, and the WHO Health
Equity Assessment Toolkit (HEAT; R package ``healthequal``, Schlotheuber and
Hosseinpoor 2022, Int J Environ Res Public Health 19:3697) defines the
standard set (DESIGN 7.6). Ordered dimensions (IMD quintiles or deciles; order
1 = most disadvantaged) get d, r, par, paf, aci, rci, sii, rii; unordered
dimensions (ethnicity, sex, disability, …) get d, r, par, paf, bgv, bgsd, cov,
mdmu, mdmw, mdbu, mdbw, (mdru, mdrw with a reference group), idisu, idisw, ti,
mld. All groups are computed at once on a padded numpy grid.

Intervals: d and r have analytic intervals from the subgroup standard errors
(d: √(se₁² + se₂²); r: on the log scale, √((se₁/y₁)² + (se₂/y₂)²), reported
``se`` is that log-scale SE). Every other measure has missing ``se``,
``lower`` and ``upper`` here: HEAT derives them by simulation or not at all
(use :func:`rehabdash.stats.sii` for simulated SII/RII limits).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from rehabdash.stats._common import (
    GroupBy,
    check_columns,
    check_numeric,
    check_rows,
    group_keys,
    parse_confidence,
    to_series,
)
from rehabdash.stats._grid import Grid
from rehabdash.stats._quantiles import norm_ppf
from rehabdash.stats.sii_fit import fit_line, relative_ranks

__all__ = ["ORDERED_MEASURES", "UNORDERED_MEASURES", "heat"]

ORDERED_MEASURES = ("d", "r", "par", "paf", "aci", "rci", "sii", "rii")
UNORDERED_MEASURES = (
    "d",
    "r",
    "par",
    "paf",
    "bgv",
    "bgsd",
    "cov",
    "mdmu",
    "mdmw",
    "mdbu",
    "mdbw",
    "mdru",
    "mdrw",
    "idisu",
    "idisw",
    "ti",
    "mld",
)
Array = np.ndarray[Any, np.dtype[np.float64]]


def _pick(values: Array, index: np.ndarray[Any, Any]) -> Array:
    out: Array = np.take_along_axis(values, index[:, None].astype(np.int64), axis=1)[:, 0]
    return out


def _masked_arg(y: Array, pad: np.ndarray[Any, Any], largest: bool) -> np.ndarray[Any, Any]:
    fill = -np.inf if largest else np.inf
    filled = np.where(pad | np.isnan(y), fill, y)
    return np.argmax(filled, axis=1) if largest else np.argmin(filled, axis=1)


def heat(
    df: pl.DataFrame,
    subgroup: str,
    estimate: str,
    population: str,
    se: str | None = None,
    *,
    ordered: str | bool | None = None,
    favourable: bool = True,
    reference_group: Any = None,
    setting_average: str | None = None,
    group_by: GroupBy = None,
    confidence: float = 0.95,
) -> pl.DataFrame:
    """HEAT summary measures, one row per group and measure.

    ``ordered`` is the column giving each subgroup's order (1 = most
    disadvantaged), or True when ``subgroup`` itself holds the order; None or
    False for an unordered dimension. ``favourable`` says whether higher is
    better (access: yes). ``reference_group`` is a subgroup label (unordered
    only) used by d, r (as healthequal) and mdru/mdrw. μ is the population-
    weighted mean unless ``setting_average`` names a column holding it.

    Returns group columns, ``measure`` (lower case), ``estimate``, ``se``,
    ``lower``, ``upper``, ``confidence``. theil (ti) and mld are scaled by 1,000
    and paf, cov, idisu/idisw by 100, as HEAT. A group with a missing estimate
    or population gets missing estimates. Needs at least 2 subgroups per
    group and populations > 0.
    """
    keys = group_keys(group_by)
    level = parse_confidence(confidence)
    order_col = subgroup if ordered is True else (ordered or None)
    cols = [c for c in (subgroup, estimate, population, se, order_col, setting_average) if c]
    check_columns(df, *cols, *keys)
    check_numeric(df, *[c for c in (estimate, population, se, order_col, setting_average) if c])
    check_rows(df, population, pl.col(population) <= 0, "populations must be greater than 0", keys)
    size = pl.len().over(keys) if keys else pl.len()
    check_rows(df, subgroup, size < 2, "HEAT measures need at least 2 subgroups", keys)
    check_rows(df, subgroup, pl.len().over([*keys, subgroup]) > 1, "subgroup appears twice", keys)
    if order_col:
        check_rows(df, order_col, pl.col(order_col).is_null(), "subgroup order is missing", keys)
        check_rows(
            df,
            order_col,
            pl.len().over([*keys, order_col]) > 1,
            "two subgroups share one order",
            keys,
        )
    if order_col:
        ordered_df = df.sort([*keys, order_col])
    else:
        ordered_df = df.sort(keys, maintain_order=True) if keys else df
    grid = Grid(ordered_df, keys)
    pad = grid.pad
    y, pop = grid.values(estimate), grid.values(population, fill=0.0)
    s = grid.values(se) if se else np.full_like(y, np.nan)
    bad = np.any(~pad & (np.isnan(y) | np.isnan(pop)), axis=1)
    y0 = np.where(pad | bad[:, None], 0.0, y)
    pop = np.where(np.isnan(pop), 0.0, pop)
    w, rank = relative_ranks(pop)
    mu = grid.values(setting_average)[:, 0] if setting_average else (w * y0).sum(axis=1)
    last = grid.sizes - 1
    imax, imin = _masked_arg(y, pad, True), _masked_arg(y, pad, False)
    best = np.where(favourable, _pick(y0, imax), _pick(y0, imin))
    m: dict[str, Array] = {}
    if order_col:
        adv, dis = last, np.zeros_like(last)
        i1, i2 = (adv, dis) if favourable else (dis, adv)
        ref: Array = _pick(y0, adv)
    else:
        i1, i2 = imax, imin
        ref = best
        if reference_group is not None:
            is_ref = grid.mask(pl.col(subgroup) == reference_group)
            if not is_ref.any(axis=1).all():
                missing = int(np.flatnonzero(~is_ref.any(axis=1))[0])
                raise ValueError(
                    f"column {subgroup!r}: reference group {reference_group!r} "
                    f"is absent from group {grid.heads().row(missing)!r}"
                )
            iref = np.argmax(is_ref, axis=1)
            i1, i2 = (iref, imin) if favourable else (imax, iref)
            yref = _pick(y0, iref)
            m["mdru"] = np.where(pad, 0.0, np.abs(y0 - yref[:, None])).sum(axis=1) / grid.sizes
            m["mdrw"] = (w * np.abs(y0 - yref[:, None])).sum(axis=1)
    y1, y2, se1, se2 = _pick(y0, i1), _pick(y0, i2), _pick(s, i1), _pick(s, i2)
    z = float(norm_ppf(level + (1 - level) / 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        d, d_se = y1 - y2, np.sqrt(se1**2 + se2**2)
        r, r_se = y1 / y2, np.sqrt((se1 / y1) ** 2 + (se2 / y2) ** 2)
        par = ref - mu
        par = np.where((par < 0) if favourable else (par > 0), 0.0, par)
        m.update(par=par, paf=100 * par / mu)
        if order_col:
            aci = (w * (2 * rank - 1) * y0).sum(axis=1)
            slope, icpt = fit_line(y0, w, rank)
            m.update(aci=aci, rci=aci / mu, sii=slope, rii=(icpt + slope) / icpt)
        else:
            dev = np.abs(y0 - mu[:, None])
            dev_best = np.abs(y0 - best[:, None])
            bgv = (w * (y0 - mu[:, None]) ** 2).sum(axis=1)
            ratio = y0 / mu[:, None]
            rlnr = np.where(ratio > 0, ratio * np.log(np.where(ratio > 0, ratio, 1.0)), 0.0)
            mdmu = np.where(pad, 0.0, dev).sum(axis=1) / grid.sizes
            mdmw = (w * dev).sum(axis=1)
            m.update(
                bgv=bgv,
                bgsd=np.sqrt(bgv),
                cov=100 * np.sqrt(bgv) / mu,
                mdmu=mdmu,
                mdmw=mdmw,
                mdbu=np.where(pad, 0.0, dev_best).sum(axis=1) / grid.sizes,
                mdbw=(w * dev_best).sum(axis=1),
                idisu=100 * mdmu / mu,
                idisw=100 * mdmw / mu,
                ti=1000 * (w * rlnr).sum(axis=1),
                mld=1000 * (w * -np.log(np.where(pad, 1.0, ratio))).sum(axis=1),
            )
    nan = np.full(grid.n_groups, np.nan)
    rows = {
        "d": (d, d_se, d - z * d_se, d + z * d_se),
        "r": (r, r_se, r * np.exp(-z * r_se), r * np.exp(z * r_se)),
    }
    names = ORDERED_MEASURES if order_col else UNORDERED_MEASURES
    chosen = [name for name in names if name in rows or name in m]
    parts = [rows.get(name, (m.get(name, nan), nan, nan, nan)) for name in chosen]
    # One frame of every measure (measure by measure, each with every group's row).
    columns = [
        to_series(c, np.concatenate([np.where(bad, np.nan, p[i]) for p in parts]))
        for i, c in enumerate(("estimate", "se", "lower", "upper"))
    ]
    measure = pl.Series("measure", [n for n in chosen for _ in range(grid.n_groups)], pl.String)
    out = pl.DataFrame([measure, *columns]).with_columns(
        pl.lit(level, dtype=pl.Float64).alias("confidence")
    )
    if keys:
        heads = pl.concat([grid.heads()] * len(chosen))
        place = pl.Series("__k", [i for i in range(len(chosen)) for _ in range(grid.n_groups)])
        out = pl.concat([heads, out.with_columns(place)], how="horizontal")
        out = out.sort([*keys, "__k"], maintain_order=True).drop("__k")
    return out
