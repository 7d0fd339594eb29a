"""The population of each level of a breakdown, by sex and age band (issue 10, item 2).

* Age band, sex and deprivation come straight from the scope's population (area x sex x
  age band), deprivation through each LSOA's IMD decile.
* A census characteristic (ethnicity, religion, disability, partnership status, sexual
  orientation) has each group's share of each LSOA's residents from Census 2021 (each
  table's own total; sexual orientation and partnership status are of people aged 16+,
  so they share out the 16+ population). Census 2021 gives no group's age structure at
  LSOA, so a group's population by age band and sex assumes the area's own age-sex
  structure within each LSOA (the census README's "LSOA mix" assumption): good enough
  for observed vs expected, not for a directly standardised rate, which is therefore
  published only where the age structure is known (``age_structure_known``).
* Gender identity and pregnancy have no denominator: their rates are not available.

The census "Not answered" category of religion and sexual orientation is a real group
of people, the population of the activity's "not stated" (never of "not known").
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from rehabdash.codes.age import MAX_AGE, band_fractions
from rehabdash.codes.characteristics import NOT_STATED, UNKNOWN_LEVELS, Characteristic
from rehabdash.codes.ethnicity import BROAD_GROUPS
from rehabdash.plan.scope import Scope, made_once, population_cache
from rehabdash.refdata.census import CENSUS_TABLES, census_shares

__all__ = ["GroupPopulation", "group_population", "has_population"]

#: Census topics counting usual residents aged 16 and over.
ADULT_TOPICS = frozenset({"partnership_status", "sexual_orientation"})
_CENSUS_LEVELS: dict[str, dict[str, str]] = {
    "disability": {"yes": "Disabled", "no": "Not disabled"},
    "sexual_orientation": {"Z": UNKNOWN_LEVELS[NOT_STATED]},
}


@dataclass(frozen=True)
class GroupPopulation:
    """level_code, sex, age_band, population; and where it came from."""

    frame: pl.DataFrame
    source: str
    age_structure_known: bool
    caveats: tuple[str, ...] = ()


def _census_level(char: Characteristic) -> pl.Expr:
    nhs = pl.col("nhs")
    if char.key == "ethnic_group":
        return nhs.replace_strict(dict(BROAD_GROUPS), default=None, return_dtype=pl.String)
    mapping = _CENSUS_LEVELS.get(char.census or "")
    if mapping:
        return nhs.replace(mapping)
    return nhs


def _census_title(topic: str) -> str:
    table = CENSUS_TABLES[(topic, "msoa" if topic == "sexual_orientation" else "lsoa")]
    return f"Census {table.year} {table.table_id} ({table.title})"


def _part_level(
    frame: pl.LazyFrame, scope: Scope, char: Characteristic, name: str
) -> tuple[pl.LazyFrame, str | None]:
    """``frame`` (area_code, sex, age_band, count) with the level of ``char`` (age band,
    sex or deprivation) as column ``name``; with the source of the deciles when used."""
    if char.key in ("age_band", "sex"):
        return frame.with_columns(char.level(pl.col(char.column)).alias(name)), None
    deciles = scope.lookup.lazy().select(pl.col("lsoa").alias("area_code"), "imd_decile")
    joined = frame.join(deciles, on="area_code", how="inner")
    return joined.with_columns(char.level(pl.col("imd_decile")).alias(name)).drop(
        "imd_decile"
    ), f"IMD {scope.imd_edition} deciles of the LSOAs"


def _with_shares(
    frame: pl.DataFrame, scope: Scope, char: Characteristic, name: str, area_levels: list[str]
) -> pl.DataFrame:
    """``frame`` (area_code, sex, age_band, count and other parts' levels, ``area_levels``
    those of the area) shared out by the census shares of ``char``'s levels (column
    ``name``) and summed over the areas: Σ count × share of the rows a join on the area
    would make, one row per level, other levels, sex and age band that such a row
    reaches. Summed with the population by sex and age band as columns (one row per area
    and census level, not per area, level, sex and age band), several times faster."""
    topic = char.census
    assert topic is not None
    if topic in ADULT_TOPICS:
        adults = band_fractions(16, MAX_AGE)
        factor = pl.col("age_band").replace_strict(adults, default=0.0, return_dtype=pl.Float64)
        frame = frame.with_columns(pl.col("count") * factor).filter(pl.col("count") > 0)
    index = ["area_code", *area_levels]
    cell_columns = [c for c in frame.columns if c not in (*index, "count")]  # sex, age band, …
    frame = frame.with_columns(pl.concat_str(cell_columns, separator="\x1f").alias("__cell"))
    cells = frame.select("__cell", *cell_columns).unique()
    wide = frame.pivot(on="__cell", index=index, values="count", aggregate_function="sum")
    columns = [c for c in wide.columns if c not in index]
    shares = (
        _scope_shares(scope, topic)
        .with_columns(_census_level(char).alias(name))
        .select("area_code", name, "share")
        .filter(pl.col(name).is_not_null())
    )
    sums = (
        shares.join(wide, on="area_code", how="inner")
        .group_by(name, *area_levels)
        .agg(
            *((pl.col(c) * pl.col("share")).sum() for c in columns),
            *(pl.col(c).count().alias(f"\x1e{c}") for c in columns),  # rows that reach it
        )
    )
    keys = [name, *area_levels]
    counts = sums.unpivot([f"\x1e{c}" for c in columns], index=keys, value_name="__n")
    counts = counts.with_columns(pl.col("variable").str.slice(1))
    return (
        sums.unpivot(columns, index=keys, value_name="count")
        .join(counts, on=[*keys, "variable"])
        .filter(pl.col("__n") > 0)
        .join(cells, left_on="variable", right_on="__cell")
        .drop("variable", "__n")
        .with_columns(pl.col("count").cast(pl.Float64))  # Float64 even when nobody is in it
    )


def _scope_shares(scope: Scope, topic: str) -> pl.DataFrame:
    """The census shares of the scope's areas (kept in the scope's cache)."""
    key = ("census_shares", topic)
    return scope.kept(key, lambda: census_shares(topic, scope.vintage, scope.areas))  # type: ignore[arg-type]


def has_population(parts: tuple[Characteristic, ...]) -> bool:
    """Whether a breakdown's levels have a population: each part has a denominator, and at
    most one is a census topic (census tables are not cross-tabulated here)."""
    census = [c for c in parts if c.census not in (None, "age", "sex")]
    direct = [c for c in parts if c.key in ("age_band", "sex") or c.column == "imd_decile"]
    return len(census) <= 1 and len(census) + len(direct) == len(parts)


def group_population(scope: Scope, parts: tuple[Characteristic, ...]) -> GroupPopulation | None:
    """The population of each level (``level_code``, joined as the breakdown joins codes)
    by sex and age band; None when the scope or the breakdown has none. Kept in the
    scope's population cache: every section asks for the same ones, and so does the scope
    of another provider, team type or service."""
    key = ("group_population", tuple(c.key for c in parts))
    return made_once(population_cache(scope), key, lambda: _group_population(scope, parts))


def _group_population(scope: Scope, parts: tuple[Characteristic, ...]) -> GroupPopulation | None:
    denominator = scope.denominator
    if denominator is None or not has_population(parts):
        return None
    frame = denominator.frame.lazy()
    sources = [denominator.source]
    names = [f"__level{i}" for i in range(len(parts))]
    census = [c for c in parts if c.census not in (None, "age", "sex")]
    for char, name in zip(parts, names, strict=True):
        if char in census:
            sources.append(f"{_census_title(char.census)} shares")  # type: ignore[arg-type]
            continue  # shared out once the other parts' levels are known
        frame, source = _part_level(frame, scope, char, name)
        if source:
            sources.append(source)
    table = frame.collect(engine="in-memory")
    if census:
        char = census[0]
        areal = [n for c, n in zip(parts, names, strict=True) if c.column == "imd_decile"]
        table = _with_shares(table, scope, char, names[parts.index(char)], areal)
    code = pl.lit("All") if not names else pl.concat_str([pl.col(n) for n in names], separator="|")
    table = table.filter(
        pl.all_horizontal(pl.col(n).is_not_null() for n in names) if names else pl.lit(True)
    )
    caveats: list[str] = []
    if census:
        caveats.append(
            "group populations by age and sex assume each LSOA's age-sex structure (Census "
            "2021 gives no group's age structure by LSOA)"
        )
        topic = census[0].census
        if topic == "sexual_orientation":
            caveats.append("sexual orientation shares are of each MSOA's residents aged 16+")
        elif topic in ADULT_TOPICS:
            caveats.append("partnership status shares are of residents aged 16+")
    by_band = (
        table.with_columns(code.alias("level_code"))
        .group_by("level_code", "sex", "age_band")
        .agg(pl.col("count").sum().alias("population"))
        .sort("level_code", "sex", "age_band")
    )
    return GroupPopulation(by_band, "; ".join(sources), not census, tuple(caveats))
