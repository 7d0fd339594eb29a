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
from rehabdash.plan.scope import Scope, made_once, population_cache
from rehabdash.stats import esp2013, observed_over_expected

__all__ = [
    "expected_by_level",
    "expected_of",
    "observed_expected",
    "reference_rates",
    "scale_to_recorded",
    "scope_rates",
    "standard_weights",
    "with_all",
    "with_oe",
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
    denominator = scope.denominator
    assert denominator is not None
    pop = made_once(  # the same for every scope of this population
        population_cache(scope),
        ("population by sex and age band",),
        lambda: denominator.frame.group_by("sex", "age_band").agg(pl.col("count").sum()),
    )
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

    def make() -> pl.DataFrame:
        return reference_rates(scope, seen_by_band(scope, Breakdown(ALL, ALL, ())), pool=pool)

    return scope.kept(("reference rates", pool), make)


def expected_of(scope: Scope, bd: Breakdown, population: pl.DataFrame) -> pl.DataFrame:
    """:func:`expected_by_level` of ``bd``'s ``population`` at the scope's rates (pooled
    over sex or age band for a breakdown by it), kept in the scope's cache."""
    pool = tuple(c.key for c in bd.parts if c.key in ("sex", "age_band"))
    key = ("expected", bd.key)
    return scope.kept(key, lambda: expected_by_level(population, scope_rates(scope, pool)))


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


def with_all(frame: pl.DataFrame, *columns: str) -> pl.DataFrame:
    """level_code and ``columns``: the levels and their totals as "All"."""
    total = frame.select(pl.lit(ALL).alias("level_code"), *(pl.col(c).sum() for c in columns))
    return pl.concat([frame.select("level_code", *columns), total])


def with_oe(table: pl.DataFrame) -> pl.DataFrame:
    """``table`` (level_code, observed, expected) with oe, oe_lower, oe_upper, oe_method
    where expected > 0 (stats.observed_over_expected: isr_ratio's O/E and limits)."""
    ok = table.filter(pl.col("expected").fill_null(0) > 0).select(
        "level_code", "observed", "expected"
    )
    out = observed_over_expected(ok, "observed", "expected")
    renamed = {"value": "oe", "lower": "oe_lower", "upper": "oe_upper", "method": "oe_method"}
    out = out.select("level_code", *renamed).rename(renamed)
    return table.join(out, on="level_code", how="left")


def observed_expected(scope: Scope, bd: Breakdown, population: pl.DataFrame) -> pl.DataFrame:
    """Every level of ``bd`` and "All", in order: level_code, observed (people seen with
    sex and age band recorded), expected (:func:`expected_of`, the levels' scaled by
    :func:`scale_to_recorded`), and their O/E (:func:`with_oe`). Kept in the scope's
    cache: access's seen_oe and need's unmet need are the same O and E."""

    def make() -> pl.DataFrame:
        seen = seen_by_band(scope, bd)
        observed = seen.group_by("level_code").agg(pl.col("seen").sum().alias("observed"))
        table = (
            bd.level_frame()
            .select("level_code")
            .join(with_all(observed, "observed"), on="level_code", how="left")
            .join(expected_of(scope, bd, population), on="level_code", how="left")
            .with_columns(pl.col("observed").fill_null(0.0))
        )
        scaled = scale_to_recorded(table.rename({"observed": "seen"}))
        return with_oe(scaled.rename({"seen": "observed"}))

    return scope.kept(("observed expected", bd.key), make)
