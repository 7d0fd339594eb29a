"""Age-sex standardisation shared by the plan's sections (DESIGN 4.4, 7.3, 7.4).

Expected people seen (need): by default the scope's own age-sex rates applied to each
group's population, so need is proportional to the age-sex structure (indirect
standardisation against the ICB itself). With an imported need table, relative need by
age band and sex reweights those rates: rate = weight × k, with k chosen so that the
expected total equals the observed total (the ICB as a whole is its own reference).
The standard for a directly standardised rate is the European Standard Population
2013, each band's weight split equally between the sexes.
"""

from __future__ import annotations

import polars as pl

from rehabdash.codes.characteristics import UNKNOWN_LEVELS
from rehabdash.plan.breakdown import Breakdown, seen_by_band
from rehabdash.plan.result import ALL
from rehabdash.plan.scope import Scope
from rehabdash.stats import esp2013

__all__ = [
    "expected_by_level",
    "expected_of",
    "reference_rates",
    "scale_to_recorded",
    "scope_rates",
    "standard_weights",
]


def standard_weights() -> pl.DataFrame:
    """age_band, weight: ESP 2013 halved, for bands of one sex."""
    esp = esp2013()
    return esp.select("age_band", (pl.col("esp2013_population") / 2).alias("weight"))


def reference_rates(
    scope: Scope, observed: pl.DataFrame, *, pool: tuple[str, ...] = ()
) -> pl.DataFrame:
    """sex, age_band, rate: expected people seen per person of each age-sex band.

    ``observed``: people seen by sex and age band (level_code "All"). ``pool`` names the
    dimensions ("sex", "age_band") the rates are pooled over: a breakdown by sex is
    compared at age-only rates, or every sex would be exactly as expected."""
    assert scope.denominator is not None
    pop = scope.denominator.frame.group_by("sex", "age_band").agg(pl.col("count").sum())
    seen = observed.group_by("sex", "age_band").agg(pl.col("seen").sum())
    bands = pop.join(seen, on=["sex", "age_band"], how="left").with_columns(
        pl.col("seen").fill_null(0.0)
    )
    if pool:
        keep = [k for k in ("sex", "age_band") if k not in pool]
        over = keep if keep else pl.lit(1)
        bands = bands.with_columns(
            pl.col("count").sum().over(over).alias("count"),
            pl.col("seen").sum().over(over).alias("seen"),
        )
    weights = scope.need_weights
    if weights is None:
        return bands.select(
            "sex",
            "age_band",
            pl.when(pl.col("count") > 0)
            .then(pl.col("seen") / pl.col("count"))
            .otherwise(0.0)
            .alias("rate"),
        )
    weighted = bands.join(weights, on=["sex", "age_band"], how="left").with_columns(
        pl.col("weight").fill_null(0.0)
    )
    need = float((weighted["count"] * weighted["weight"]).sum())
    k = float(weighted["seen"].sum()) / need if need > 0 else 0.0
    return weighted.select("sex", "age_band", (pl.col("weight") * k).alias("rate"))


def scope_rates(scope: Scope, pool: tuple[str, ...] = ()) -> pl.DataFrame:
    """:func:`reference_rates` of everyone the scope saw, kept in its cache: access's O/E
    and need by group read the same rates."""
    key = ("reference rates", pool)
    if key not in scope.cache:
        everyone = seen_by_band(scope, Breakdown(ALL, ALL, ()))
        scope.cache[key] = reference_rates(scope, everyone, pool=pool)
    return scope.cache[key]  # type: ignore[return-value]


def expected_of(scope: Scope, bd: Breakdown, population: pl.DataFrame) -> pl.DataFrame:
    """:func:`expected_by_level` of ``bd``'s ``population`` at the scope's rates (pooled
    over sex or age band for a breakdown by it), kept in the scope's cache."""
    pool = tuple(c.key for c in bd.parts if c.key in ("sex", "age_band"))
    key = ("expected", bd.key)
    if key not in scope.cache:
        scope.cache[key] = expected_by_level(population, scope_rates(scope, pool))
    return scope.cache[key]  # type: ignore[return-value]


def expected_by_level(population: pl.DataFrame, reference: pl.DataFrame) -> pl.DataFrame:
    """level_code, expected: Σ population × reference rate per level, and "All"."""
    cells = population.join(reference, on=["sex", "age_band"], how="left").with_columns(
        (pl.col("population") * pl.col("rate").fill_null(0.0)).alias("expected")
    )
    by_level = cells.group_by("level_code").agg(pl.col("expected").sum())
    total = by_level.select(pl.col("expected").sum()).with_columns(
        pl.lit("All").alias("level_code")
    )
    return pl.concat([by_level, total.select(by_level.columns)])


def scale_to_recorded(table: pl.DataFrame) -> pl.DataFrame:
    """Expected counts of the levels scaled so they sum to the people observed in them.

    People whose characteristic is not known are in no level's observed count, so
    without this every recorded group would look under-served by the unrecorded share.
    Scaled, the levels average 1 and each says how its people compare with everyone
    recorded (the "All" row keeps the unscaled ratio, 1 by construction)."""
    # Recorded levels only: "not stated" may have a census population (religion), but the
    # people recorded so are a mix of every group, so they take no part in the scaling.
    unknown = "|".join(UNKNOWN_LEVELS.values())
    levels = (
        (pl.col("level_code") != "All")
        & (pl.col("expected").fill_null(0) > 0)
        & ~pl.col("level_code").str.contains(f"(^|\\|)({unknown})($|\\|)")
    )
    observed = table.filter(levels)["seen"].sum()
    expected = table.filter(levels)["expected"].sum()
    if not expected or not observed:
        return table
    factor = float(observed) / float(expected)
    return table.with_columns(
        pl.when(levels).then(pl.col("expected") * factor).otherwise(pl.col("expected"))
    )
