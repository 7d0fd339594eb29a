"""Slope and relative index of inequality (SII, RII) with simulated limits.

Why this module exists: the gap in access across the whole deprivation
gradient (not just most vs least deprived) is summarised by the SII, as in
PHE/OHID Fingertips and PHEindicatormethods ``phe_sii`` (UKHSA), following
DESIGN 7.6. Quantiles are ordered from most deprived (1) upwards; with
a_j = pop_j / Σpop and relative rank b_j = (cumulative share before j) + a_j/2,
a weighted least-squares line of y on b (weights a_j) gives
SII = slope × multiplier and RII = fitted(1) / fitted(0). Limits come from
simulation: each quantile's value is drawn from a normal distribution on the
log (rates), logit (proportions) or natural (normal) scale, with
SE = (U − L) / (2 × 1.959964) on that scale, back-transformed, refitted, and
the α/2 and 1 − α/2 quantiles taken. The draws are one numpy array across
repetitions and groups (processed in chunks to bound memory), not a Python
loop per repetition, and are reproducible with ``seed``.

References: Low A, Low A (2004) Measuring the gap: quantifying and comparing
local health inequalities, J Public Health 26:388-395; PHE (2017) *Technical
guide: calculating the SII and RII* (the simulation method).
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import polars as pl

from rehabdash.stats._common import (
    GroupBy,
    as_float_array,
    check_columns,
    check_multiplier,
    check_numeric,
    check_rows,
    group_keys,
    parse_confidence,
    to_series,
)
from rehabdash.stats._quantiles import norm_ppf
from rehabdash.stats.sii_fit import fit_line, relative_ranks

__all__ = ["MAX_QUANTILES", "MIN_QUANTILES", "sii"]

MIN_QUANTILES = 5
MAX_QUANTILES = 100
_CHUNK_ELEMENTS = 2_000_000
Array = np.ndarray[Any, np.dtype[np.float64]]
ValueType = Literal["rate", "proportion", "normal"]


def _to_scale(v: Array, value_type: ValueType) -> Array:
    with np.errstate(divide="ignore", invalid="ignore"):
        if value_type == "rate":
            return np.log(v)
        if value_type == "proportion":
            return np.log(v / (1.0 - v))
    return v


def _from_scale(t: Array, value_type: ValueType) -> Array:
    if value_type == "rate":
        return np.exp(t)
    if value_type == "proportion":
        return 1.0 / (1.0 + np.exp(-t))
    return t


def _validate(
    df: pl.DataFrame,
    cols: dict[str, str | None],
    keys: list[str],
    value_type: ValueType,
    transform: bool,
) -> None:
    if value_type not in ("rate", "proportion", "normal"):
        raise ValueError(f"value_type must be 'rate', 'proportion' or 'normal', not {value_type!r}")
    if transform and value_type == "normal":
        raise ValueError("transform=True needs value_type 'rate' or 'proportion'")
    present = [c for c in cols.values() if c is not None]
    check_columns(df, *present, *keys)
    check_numeric(df, *[c for k, c in cols.items() if c is not None and k != "quantile"])
    if cols["se"] is None and (cols["lower"] is None or cols["upper"] is None):
        raise ValueError("give either se or both lower and upper (95% limits) for the SII")
    q = cols["quantile"]
    assert q is not None
    check_rows(
        df,
        cols["population"] or q,
        pl.col(cols["population"] or q) <= 0,
        "populations must be greater than 0",
        keys,
    )
    size = pl.len().over(keys) if keys else pl.len()
    check_rows(
        df,
        q,
        size < MIN_QUANTILES,
        f"the SII needs at least {MIN_QUANTILES} quantiles per group",
        keys,
    )
    check_rows(
        df, q, size > MAX_QUANTILES, f"the SII allows at most {MAX_QUANTILES} quantiles", keys
    )
    check_rows(df, q, pl.len().over([*keys, q]) > 1, "a quantile appears twice in a group", keys)
    check_rows(df, q, pl.col(q).is_null(), "quantile is missing", keys)
    scaled = [c for k, c in cols.items() if k in ("value", "lower", "upper") and c is not None]
    if cols["se"] is not None:
        check_rows(
            df, cols["se"], pl.col(cols["se"]) < 0, "standard errors must not be negative", keys
        )
    for c in scaled if value_type != "normal" else []:
        check_rows(
            df, c, pl.col(c) <= 0, f"must be greater than 0 for value_type {value_type!r}", keys
        )
        if value_type == "proportion":
            check_rows(
                df, c, pl.col(c) >= 1, "proportions must be fractions below 1 (logit scale)", keys
            )


def sii(
    df: pl.DataFrame,
    quantile: str,
    population: str,
    value: str,
    lower: str | None = None,
    upper: str | None = None,
    *,
    value_type: ValueType = "rate",
    se: str | None = None,
    transform: bool = False,
    group_by: GroupBy = None,
    confidence: float = 0.95,
    multiplier: float = 1,
    repetitions: int = 100_000,
    seed: int | None = None,
) -> pl.DataFrame:
    """SII and RII per group with limits by simulation.

    ``df`` has one row per group and quantile (5 to 100 quantiles; 1 = most
    deprived). ``lower``/``upper`` are each quantile's 95% limits; or give
    ``se``, a standard error on the natural scale (converted by the delta
    method to the log or logit scale for rates and proportions). With
    ``transform`` the line is fitted on the log/logit scale and the fitted
    values back-transformed, so SII = g⁻¹(i + s) − g⁻¹(i), RII = g⁻¹(i + s)/g⁻¹(i).

    Returns group columns, ``quantiles``, ``sii``, ``sii_lower``, ``sii_upper``,
    ``rii``, ``rii_lower``, ``rii_upper``, ``intercept`` (fitted value at the
    most deprived end, b = 0, unscaled), ``value``/``lower``/``upper`` (the
    SII again, for uniformity with the other functions), ``confidence``,
    ``method``. ``multiplier`` scales the SII and its limits; a negative one
    reverses the direction, swapping the SII limits and inverting the RII
    (rii → 1/rii), as in PHEindicatormethods. A group with a missing value,
    limit or SE has missing outputs.
    """
    keys = group_keys(group_by)
    level = parse_confidence(confidence)
    mult = check_multiplier(multiplier, positive=False)
    if isinstance(repetitions, bool) or not isinstance(repetitions, int) or repetitions < 1000:
        raise ValueError(f"repetitions must be an integer of at least 1000, not {repetitions!r}")
    cols = {
        "quantile": quantile,
        "population": population,
        "value": value,
        "lower": lower,
        "upper": upper,
        "se": se,
    }
    _validate(df, cols, keys, value_type, transform)

    work = df.sort([*keys, quantile])
    gid = (
        work.select(pl.struct(keys).rle_id()).to_series().to_numpy()
        if keys
        else np.zeros(work.height, dtype=np.int64)
    )
    pos = (
        (
            work.select(pl.int_range(pl.len()).over(keys))
            if keys
            else work.select(pl.int_range(pl.len()))
        )
        .to_series()
        .to_numpy()
    )
    n_groups, width = int(gid.max()) + 1, int(pos.max()) + 1

    def grid(column: str | None) -> Array:
        out = np.full((n_groups, width), np.nan)
        if column is not None:
            out[gid, pos] = as_float_array(work, column)
        return out

    pop = grid(population)
    pop[np.isnan(pop)] = 0.0
    y = grid(value)
    pad = np.arange(width)[None, :] >= np.bincount(gid, minlength=n_groups)[:, None]
    z95 = float(norm_ppf(0.975))
    if se is not None:
        se_nat = grid(se)
        with np.errstate(divide="ignore", invalid="ignore"):
            se_s = {"rate": se_nat / y, "proportion": se_nat / (y * (1.0 - y)), "normal": se_nat}[
                value_type
            ]
    else:
        se_s = (_to_scale(grid(upper), value_type) - _to_scale(grid(lower), value_type)) / (2 * z95)
    mu_s = _to_scale(y, value_type)
    bad = np.any(~pad & (np.isnan(mu_s) | np.isnan(se_s)), axis=1)
    mu_s[pad | bad[:, None]] = 0.0
    se_s[pad | bad[:, None]] = 0.0
    a, b = relative_ranks(pop)

    def summarise(sample: Array) -> tuple[Array, Array]:
        """sample: (..., G, Q) on the draw scale → (sii, rii) unscaled."""
        if transform:
            slope, icpt = fit_line(sample, a, b)
            f0, f1 = _from_scale(icpt, value_type), _from_scale(icpt + slope, value_type)
        else:
            slope, icpt = fit_line(_from_scale(sample, value_type), a, b)
            f0, f1 = icpt, icpt + slope
        with np.errstate(divide="ignore", invalid="ignore"):
            return f1 - f0, f1 / f0

    if transform:
        slope0, icpt_t = fit_line(mu_s, a, b)
        f0, f1 = _from_scale(icpt_t, value_type), _from_scale(icpt_t + slope0, value_type)
    else:
        slope0, f0 = fit_line(np.where(pad | bad[:, None], 0.0, y), a, b)
        f1 = f0 + slope0
    with np.errstate(divide="ignore", invalid="ignore"):
        sii0, rii0, intercept = f1 - f0, f1 / f0, f0

    rng = np.random.default_rng(seed)
    chunk = max(1, _CHUNK_ELEMENTS // (n_groups * width))
    sims_sii = np.empty((repetitions, n_groups))
    sims_rii = np.empty((repetitions, n_groups))
    for start in range(0, repetitions, chunk):
        stop = min(start + chunk, repetitions)
        draws = mu_s + se_s * rng.standard_normal((stop - start, n_groups, width))
        sims_sii[start:stop], sims_rii[start:stop] = summarise(draws)
    alpha = 1.0 - level
    s_lo, s_hi = np.quantile(sims_sii, [alpha / 2, 1 - alpha / 2], axis=0)
    r_lo, r_hi = np.quantile(sims_rii, [alpha / 2, 1 - alpha / 2], axis=0)

    sii_v, sii_l, sii_u = sii0 * mult, s_lo * mult, s_hi * mult
    rii_v, rii_l, rii_u = rii0, r_lo, r_hi
    if mult < 0:
        sii_l, sii_u = sii_u, sii_l
        rii_v, rii_l, rii_u = 1.0 / rii0, 1.0 / r_hi, 1.0 / r_lo
    results = {
        "sii": sii_v,
        "sii_lower": sii_l,
        "sii_upper": sii_u,
        "rii": rii_v,
        "rii_lower": rii_l,
        "rii_upper": rii_u,
        "intercept": intercept,
    }
    results = {k: np.where(bad, np.nan, v) for k, v in results.items()}
    head = (
        work.group_by(keys, maintain_order=True).agg(pl.len().alias("quantiles"))
        if keys
        else pl.DataFrame({"quantiles": [work.height]})
    )
    head = head.with_columns(pl.col("quantiles").cast(pl.Int64))
    method = f"PHE simulation ({repetitions} repetitions, {value_type})"
    return head.with_columns(
        *(to_series(k, v) for k, v in results.items()),
        to_series("value", results["sii"]),
        to_series("lower", results["sii_lower"]),
        to_series("upper", results["sii_upper"]),
        pl.lit(level, dtype=pl.Float64).alias("confidence"),
        pl.lit(method, dtype=pl.String).alias("method"),
    )
