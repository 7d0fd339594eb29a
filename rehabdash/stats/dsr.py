"""Directly standardised rates with Dobson's confidence limits.

Why this module exists: comparing access between areas or groups whose age
structures differ needs age-standardised rates. Fingertips publishes directly
standardised rates (DSRs) with the European Standard Population 2013 and
Dobson's method (DESIGN 7.4), as PHEindicatormethods ``phe_dsr`` does:

    DSR = Σ(x·w/n) / Σw × multiplier,   var = Σ(x·(w/n)²) / (Σw)²,
    limit = DSR + √(var/O) × (Byar(O) − O) × multiplier,   O = Σx,

with Byar's lower/upper limits for O. A DSR from fewer than 10 events is not
published: value and limits are missing and the ``reason`` column says why.

References: Dobson AJ, Kuulasmaa K, Eberle E, Scherer J (1991) Confidence
intervals for weighted sums of Poisson parameters, Stat Med 10:457-462;
Breslow NE, Day NE (1987) for Byar's method; Eurostat (2013) for the ESP.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from rehabdash.stats._common import (
    GroupBy,
    as_float_array,
    check_columns,
    check_multiplier,
    check_numeric,
    check_rows,
    format_multiplier,
    group_keys,
    grouped,
    label_series,
    parse_confidence,
    to_series,
    z_value,
)
from rehabdash.stats.limits import EXACT_BELOW, byars_lower, byars_upper
from rehabdash.stats.standard_population import esp2013, normalise_band_label

__all__ = ["REASON_MISSING", "REASON_SMALL", "dsr"]

REASON_SMALL = "not published: fewer than 10 events"
REASON_MISSING = "not calculated: a count or population is missing"
_W = "__dsr_weight"


def _attach_esp(df: pl.DataFrame, age_band: str, keys: list[str]) -> pl.DataFrame:
    check_columns(df, age_band)
    esp = esp2013().rename({"age_band": "__band", "esp2013_population": _W})
    joined = df.with_columns(normalise_band_label(pl.col(age_band)).alias("__band")).join(
        esp, on="__band", how="left", maintain_order="left"
    )
    check_rows(
        joined,
        age_band,
        pl.col(_W).is_null(),
        "age band does not match a European Standard Population 2013 band "
        "('0-4', '5-9', …, '85-89', '90+')",
        keys,
    )
    return joined.drop("__band")


def dsr(
    df: pl.DataFrame,
    x: str,
    n: str,
    stdpop: str | None = None,
    *,
    group_by: GroupBy = None,
    age_band: str = "age_band",
    confidence: float = 0.95,
    multiplier: float = 100_000,
) -> pl.DataFrame:
    """Directly standardised rate per group (one row per standardisation band in).

    ``stdpop`` names the column of standard population weights; when it is
    None, the European Standard Population 2013 is matched by label to the
    ``age_band`` column ("0-4" … "90+"). A group may cover only some bands
    (e.g. adults only): the standard is then those bands' weights.

    Returns the group columns, ``observed`` (O = Σx), ``population`` (Σn),
    ``value``, ``lower``, ``upper``, ``confidence``, ``method`` ("Dobson";
    missing where not published), ``statistic`` ("dsr per <multiplier>") and
    ``reason`` (missing when published; otherwise why not: O < 10, or a
    missing count or population in one of the group's bands).

    Errors (``ValueError`` naming column and row): x < 0, n <= 0, negative or
    missing weights, unknown ESP band labels, a band repeated within a group.
    """
    keys = group_keys(group_by)
    level = parse_confidence(confidence)
    mult = check_multiplier(multiplier)
    check_columns(df, x, n, *keys)
    check_numeric(df, x, n)
    if stdpop is None:
        work = _attach_esp(df, age_band, keys)
        band_col = age_band
    else:
        check_columns(df, stdpop)
        check_numeric(df, stdpop)
        work = df.with_columns(pl.col(stdpop).cast(pl.Float64).alias(_W))
        check_rows(
            work,
            stdpop,
            pl.col(_W).is_null() | (pl.col(_W) < 0),
            "standard population weights must be present and not negative",
            keys,
        )
        band_col = age_band if age_band in df.columns else ""
    check_rows(work, x, pl.col(x) < 0, "counts must not be negative", keys)
    check_rows(work, n, pl.col(n) <= 0, "populations must be greater than 0", keys)
    if band_col:
        dup = pl.len().over([*keys, band_col]) > 1 if keys else pl.len().over(band_col) > 1
        check_rows(work, band_col, dup, "the same band appears twice in a group", keys)

    xf = pl.col(x).cast(pl.Float64).fill_nan(None)
    nf = pl.col(n).cast(pl.Float64).fill_nan(None)
    w = pl.col(_W)
    missing = xf.is_null().any() | nf.is_null().any()
    aggs = [
        xf.sum().alias("observed"),
        nf.sum().alias("population"),
        missing.alias("__missing"),
        w.sum().alias("__sum_w"),
        (xf * w / nf).sum().alias("__s1"),
        (xf * (w / nf) ** 2).sum().alias("__s2"),
    ]
    out = grouped(work, keys, aggs) if keys else work.select(aggs)

    obs = as_float_array(out, "observed")
    sum_w = as_float_array(out, "__sum_w")
    is_missing = out["__missing"].to_numpy().astype(bool)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = as_float_array(out, "__s1") / sum_w * mult
        var = as_float_array(out, "__s2") / sum_w**2
        z = z_value(level)
        spread = np.sqrt(var / obs)
        lower = value + spread * (byars_lower(obs, z) - obs) * mult
        upper = value + spread * (byars_upper(obs, z) - obs) * mult
    small = obs < EXACT_BELOW
    hide = small | is_missing
    value, lower, upper = (np.where(hide, np.nan, a) for a in (value, lower, upper))
    reason = label_series("reason", [(is_missing, REASON_MISSING), (small, REASON_SMALL)], obs.size)
    return out.drop("__missing", "__sum_w", "__s1", "__s2").with_columns(
        to_series("observed", np.where(is_missing, np.nan, obs)),
        to_series("population", np.where(is_missing, np.nan, as_float_array(out, "population"))),
        to_series("value", value),
        to_series("lower", lower),
        to_series("upper", upper),
        pl.lit(level, dtype=pl.Float64).alias("confidence"),
        label_series("method", [(~hide, "Dobson")], obs.size),
        pl.lit(f"dsr per {format_multiplier(mult)}", dtype=pl.String).alias("statistic"),
        reason,
    )
