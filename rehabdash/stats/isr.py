"""Indirectly standardised ratios and rates (observed / expected).

Why this module exists: "provision against need" compares the people an area
or group actually saw with the number expected if the reference (e.g.
England or the ICB) rates by age band applied to its population (DESIGN 7.3):

    E = Σ_bands (x_ref / n_ref) × n,   O = Σ x,   ratio = O / E × refvalue,

with exact Poisson (O < 10) or Byar's (O >= 10) limits for O divided by E, and
the indirectly standardised rate = ratio × crude reference rate
(Σx_ref / Σn_ref × multiplier). Bands are matched by label, never by position.
As PHEindicatormethods ``calculate_ISRatio`` / ``calculate_ISRate`` (UKHSA)
and PHE Fingertips; Byar's approximation per Breslow and Day (1987).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from rehabdash.stats._common import (
    GroupBy,
    as_float_array,
    check_all,
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
from rehabdash.stats.limits import poisson_limits

__all__ = ["isr_rate", "isr_ratio", "observed_over_expected"]

_Check = tuple[str, pl.Expr, pl.Expr, str]


def _with_reference(
    df: pl.DataFrame,
    band: str | None,
    reference: pl.DataFrame | None,
    x_ref: str,
    n_ref: str,
    keys: list[str],
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Attach x_ref/n_ref per row; return (rows, reference table used)."""
    if reference is None:
        check_columns(df, x_ref, n_ref)
        ref = df
        rows = df
    else:
        if band is None:
            raise ValueError("band must name the band column when a reference frame is given")
        check_columns(df, band)
        check_columns(reference, band, x_ref, n_ref)
        ref = reference.select(band, x_ref, n_ref)
        check_rows(ref, band, pl.len().over(band) > 1, "band appears twice in the reference")
    check_numeric(ref, x_ref, n_ref)
    check_all(
        ref,
        [
            (
                x_ref,
                pl.col(x_ref).is_null() | (pl.col(x_ref) < 0),
                "reference counts must be present and not negative",
            ),
            (
                n_ref,
                pl.col(n_ref).is_null() | (pl.col(n_ref) <= 0),
                "reference populations must be present and greater than 0",
            ),
        ],
        keys if reference is None else (),
    )
    if reference is not None and band is not None:
        dropped = [c for c in (x_ref, n_ref) if c in df.columns]
        rows = df.drop(dropped).join(
            ref.with_columns(pl.lit(True).alias("__matched")),
            on=band,
            how="left",
            maintain_order="left",
        )
    return rows, ref


def _deferred_checks(band: str | None, matched: bool, keys: list[str]) -> list[_Check]:
    """Row checks evaluated inside the group aggregation (no extra pass)."""
    checks: list[_Check] = []
    if matched and band is not None:
        unmatched = pl.col("__matched").is_null()
        checks.append(
            (
                band,
                unmatched.any(),
                unmatched,
                "band not found in the reference (bands are matched by label)",
            )
        )
    if band is not None:
        checks.append(
            (
                band,
                pl.col(band).n_unique() < pl.len(),
                pl.struct([*keys, band]).is_duplicated(),
                "the same band appears twice in a group",
            )
        )
    return checks


def _core(
    df: pl.DataFrame,
    x: str,
    n: str,
    x_ref: str,
    n_ref: str,
    *,
    band: str | None,
    reference: pl.DataFrame | None,
    keys: list[str],
    observed_totals: pl.DataFrame | None,
) -> pl.DataFrame:
    check_columns(df, n, *keys)
    check_numeric(df, n)
    checks = [(n, pl.col(n) < 0, "populations must not be negative")]
    if observed_totals is None:
        check_columns(df, x)
        check_numeric(df, x)
        checks.append((x, pl.col(x) < 0, "counts must not be negative"))
    check_all(df, checks, keys)
    rows, ref = _with_reference(df, band, reference, x_ref, n_ref, keys)
    nf = pl.col(n).cast(pl.Float64).fill_nan(None)
    expected = pl.col(x_ref).cast(pl.Float64) / pl.col(n_ref).cast(pl.Float64) * nf
    e_agg = pl.when(nf.is_null().any()).then(None).otherwise(expected.sum()).alias("expected")
    ref_aggs = [
        pl.col(x_ref).cast(pl.Float64).sum().alias("__xr"),
        pl.col(n_ref).cast(pl.Float64).sum().alias("__nr"),
    ]
    aggs = [e_agg] + (ref_aggs if reference is None else [])
    if observed_totals is None:
        xf = pl.col(x).cast(pl.Float64).fill_nan(None)
        aggs.insert(0, pl.when(xf.is_null().any()).then(None).otherwise(xf.sum()).alias("observed"))
    deferred = _deferred_checks(band, reference is not None, keys)
    aggs += [agg.fill_null(False).alias(f"__check{i}") for i, (_, agg, _, _) in enumerate(deferred)]
    out = grouped(rows, keys, aggs) if keys else rows.select(aggs)
    for i, (column, _, row_bad, problem) in enumerate(deferred):
        if out[f"__check{i}"].any():
            check_rows(rows, column, row_bad, problem, keys)
    out = out.drop([f"__check{i}" for i in range(len(deferred))])
    if observed_totals is not None:
        check_columns(observed_totals, x, *keys)
        check_numeric(observed_totals, x)
        check_rows(observed_totals, x, pl.col(x) < 0, "counts must not be negative", keys)
        observed = pl.col(x).cast(pl.Float64).fill_nan(None).alias("observed")
        obs = observed_totals.select(*keys, observed)
        if keys:
            check_rows(
                obs,
                keys[0],
                pl.len().over(keys) > 1,
                "group appears twice in the observed totals",
                keys,
            )
            out = out.join(obs, on=keys, how="left", maintain_order="left")
        else:
            if obs.height != 1:
                raise ValueError(f"column {x!r}: observed totals without group_by must be one row")
            out = out.with_columns(obs["observed"])
        out = out.select(*keys, "observed", pl.exclude(*keys, "observed"))
    if reference is not None:
        out = out.with_columns(
            pl.lit(float(ref[x_ref].sum())).alias("__xr"),
            pl.lit(float(ref[n_ref].sum())).alias("__nr"),
        )
    check_rows(
        out,
        "expected",
        pl.col("expected") <= 0,
        f"expected count is 0 (column {n!r} is 0 in every band)",
        keys,
    )
    return out


def _finish(out: pl.DataFrame, level: float, scale: np.ndarray, statistic: str) -> pl.DataFrame:
    obs = as_float_array(out, "observed")
    exp = as_float_array(out, "expected")
    lower, upper, exact = poisson_limits(obs, level, z_value(level))
    ok = ~(np.isnan(obs) | np.isnan(exp))
    method = label_series("method", [(ok & exact, "Exact"), (ok, "Byars")], obs.size)
    return out.drop("__xr", "__nr", strict=False).with_columns(
        to_series("value", obs / exp * scale),
        to_series("lower", lower / exp * scale),
        to_series("upper", upper / exp * scale),
        pl.lit(level, dtype=pl.Float64).alias("confidence"),
        method,
        pl.lit(statistic, dtype=pl.String).alias("statistic"),
    )


def isr_ratio(
    df: pl.DataFrame,
    x: str,
    n: str,
    x_ref: str,
    n_ref: str,
    *,
    band: str | None = None,
    reference: pl.DataFrame | None = None,
    group_by: GroupBy = None,
    observed_totals: pl.DataFrame | None = None,
    confidence: float = 0.95,
    refvalue: float = 1,
) -> pl.DataFrame:
    """Indirectly standardised ratio O/E × refvalue (1, or 100) per group.

    ``df`` has one row per group and band with the local count ``x`` and
    population ``n``. The reference counts ``x_ref`` and populations ``n_ref``
    are either columns of ``df`` or, with ``reference``, columns of a separate
    frame with one row per ``band`` (matched by label; a band of df missing
    from the reference raises). A band with n = 0 contributes 0 to E; a group
    lacking a band altogether is treated the same way. With
    ``observed_totals`` (a frame of the group columns plus ``x``), O comes
    from there instead, for data without band detail; df then needs no ``x``.

    Returns group columns, ``observed``, ``expected``, ``value``, ``lower``,
    ``upper``, ``confidence``, ``method`` ("Exact" for O < 10, else "Byars"),
    ``statistic``. A missing x or n propagates to missing outputs. O = 0 gives
    value 0, lower 0 and upper χ²(1 − α/2; 2)/2 / E.
    """
    keys = group_keys(group_by)
    level = parse_confidence(confidence)
    ref_value = check_multiplier(refvalue)
    out = _core(
        df,
        x,
        n,
        x_ref,
        n_ref,
        band=band,
        reference=reference,
        keys=keys,
        observed_totals=observed_totals,
    )
    scale = np.full(out.height, ref_value)
    label = f"indirectly standardised ratio x {format_multiplier(ref_value)}"
    return _finish(out, level, scale, label)


def isr_rate(
    df: pl.DataFrame,
    x: str,
    n: str,
    x_ref: str,
    n_ref: str,
    *,
    band: str | None = None,
    reference: pl.DataFrame | None = None,
    group_by: GroupBy = None,
    observed_totals: pl.DataFrame | None = None,
    confidence: float = 0.95,
    multiplier: float = 100_000,
) -> pl.DataFrame:
    """Indirectly standardised rate = (O/E) × crude reference rate × multiplier.

    Arguments as :func:`isr_ratio`. The crude reference rate is Σx_ref/Σn_ref
    over the whole ``reference`` frame, or, when the reference values are
    columns of ``df``, over each group's rows (as PHEindicatormethods). Adds
    ``ref_rate`` (per ``multiplier``) to the columns of :func:`isr_ratio`.
    """
    keys = group_keys(group_by)
    level = parse_confidence(confidence)
    mult = check_multiplier(multiplier)
    out = _core(
        df,
        x,
        n,
        x_ref,
        n_ref,
        band=band,
        reference=reference,
        keys=keys,
        observed_totals=observed_totals,
    )
    ref_rate = as_float_array(out, "__xr") / as_float_array(out, "__nr") * mult
    out = out.with_columns(to_series("ref_rate", ref_rate))
    return _finish(
        out, level, ref_rate, f"indirectly standardised rate per {format_multiplier(mult)}"
    )


def observed_over_expected(
    df: pl.DataFrame, observed: str, expected: str, *, confidence: float = 0.95
) -> pl.DataFrame:
    """O/E of each row from its totals, with the limits of :func:`isr_ratio` (exact
    Poisson for O < 10, else Byar's, divided by E): what isr_ratio gives for these
    observed totals against a flat reference (one band, x_ref = n_ref) and populations
    equal to E, without the band detail it needs and checks.

    Adds ``value``, ``lower``, ``upper``, ``confidence``, ``method`` and ``statistic``
    to ``df``'s columns. Errors (``ValueError`` naming the column and row): O < 0,
    E <= 0. A missing O or E gives missing outputs."""
    level = parse_confidence(confidence)
    check_columns(df, observed, expected)
    check_numeric(df, observed, expected)
    check_all(
        df,
        [
            (observed, pl.col(observed) < 0, "counts must not be negative"),
            (expected, pl.col(expected) <= 0, "expected counts must be greater than 0"),
        ],
    )
    totals = df.with_columns(
        pl.col(observed).cast(pl.Float64).fill_nan(None).alias("observed"),
        pl.col(expected).cast(pl.Float64).fill_nan(None).alias("expected"),
    )
    scale = np.ones(df.height)
    return _finish(totals, level, scale, "indirectly standardised ratio x 1")
