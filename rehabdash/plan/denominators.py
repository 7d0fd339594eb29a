"""The population a rate is per (issue 10, item 2; DESIGN 4.2): chosen once, and named.

For a set of areas and a period, the denominator is the user's imported population when
it covers every area (its latest year on or before the period starts), else the shipped
ONS LSOA mid-year estimates (the latest on or before the period, else the earliest),
split by sex to each LSOA's Census 2021 age and sex margins
(:func:`rehabdash.refdata.census.population_by_sex`). An imported persons-only table is
split by the same shares. Every :class:`Denominator` says which it is, its year and the
batches it read, so each result can name its denominator.

Polars in, polars out; the imported rows come from the store through ``queries``.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

import polars as pl

from rehabdash.refdata.census import population_by_sex

__all__ = ["SHIPPED_YEARS", "Denominator", "population_denominator"]

#: Mid-years of the shipped ONS LSOA 2011 estimates.
SHIPPED_YEARS = (2019, 2020)
_COLUMNS = ("area_code", "sex", "age_band", "count")


@dataclass(frozen=True)
class Denominator:
    """Population by area, sex ("1" male, "2" female) and age band, and where it came from."""

    frame: pl.DataFrame  # area_code, sex, age_band, count (Float64)
    source: str  # for a table's "denominator" column or a caveat
    year: int
    batches: tuple[int, ...] = ()  # imported population batches read (none if shipped)
    notes: tuple[str, ...] = ()

    @property
    def total(self) -> float:
        return float(self.frame["count"].sum())


def _imported(
    imported: pl.DataFrame | None, areas: set[str], start: date
) -> tuple[pl.DataFrame, int] | None:
    """The imported rows of the latest year on or before ``start`` covering every area."""
    if imported is None or imported.height == 0:
        return None
    rows = imported.filter(pl.col("area_code").is_in(sorted(areas)), pl.col("year") <= start.year)
    for year in sorted(rows["year"].unique().to_list(), reverse=True):
        of_year = rows.filter(pl.col("year") == year)
        if set(of_year["area_code"].unique().to_list()) >= areas:
            return of_year, int(year)
    return None


def _split_persons(frame: pl.DataFrame, shares: pl.DataFrame) -> pl.DataFrame:
    """Rows of sex "P" split into "1" and "2" by each area and band's male share (an area
    the shares lack takes the band's England-wide share)."""
    persons = frame.filter(pl.col("sex") == "P")
    if persons.height == 0:
        return frame
    england = shares.group_by("age_band").agg(
        (pl.col("male").sum() / pl.col("persons").sum()).alias("england")
    )
    split = (
        persons.join(
            shares.select("area_code", "age_band", "share"),
            on=["area_code", "age_band"],
            how="left",
        )
        .join(england, on="age_band", how="left")
        .with_columns(pl.coalesce("share", "england", pl.lit(0.5)).alias("share"))
    )
    male = split.select(
        "area_code",
        pl.lit("1").alias("sex"),
        "age_band",
        (pl.col("count") * pl.col("share")).alias("count"),
    )
    female = split.select(
        "area_code",
        pl.lit("2").alias("sex"),
        "age_band",
        (pl.col("count") * (1 - pl.col("share"))).alias("count"),
    )
    return pl.concat([frame.filter(pl.col("sex") != "P").select(_COLUMNS), male, female])


def _male_shares(mid_year: int) -> pl.DataFrame:
    """area_code, age_band, male, persons, share from the shipped census-fitted split."""
    by_sex = population_by_sex(mid_year)
    return (
        by_sex.group_by("area_code", "age_band")
        .agg(
            pl.col("count").filter(pl.col("sex") == "1").sum().alias("male"),
            pl.col("count").sum().alias("persons"),
        )
        .with_columns((pl.col("male") / pl.col("persons")).fill_nan(None).alias("share"))
    )


def _shipped_year(start: date) -> int:
    earlier = [y for y in SHIPPED_YEARS if y <= start.year]
    return max(earlier) if earlier else min(SHIPPED_YEARS)


def population_denominator(
    areas: Collection[str], period_start: date, imported: pl.DataFrame | None = None
) -> Denominator:
    """The population of ``areas`` (LSOA codes) for a period starting ``period_start``.

    ``imported``: the live imported population rows (area_code, sex "1"/"2"/"P", age_band,
    count, year, batch_id), if any. ValueError when no population covers any of the areas.
    """
    wanted = set(areas)
    if not wanted:
        raise ValueError("no areas to find a population for")
    found = _imported(imported, wanted, period_start)
    if found is not None:
        rows, year = found
        batches = tuple(sorted(int(b) for b in rows["batch_id"].unique().to_list()))
        frame = rows.select(*_COLUMNS).with_columns(pl.col("count").cast(pl.Float64))
        notes: list[str] = []
        if (frame["sex"] == "P").any():
            frame = _split_persons(frame, _male_shares(_shipped_year(period_start)))
            notes.append("split by sex with Census 2021 TS007A/TS008 shares")
        source = f"imported population, mid-{year} (batch {', '.join(map(str, batches))})"
        if notes:
            source += "; " + notes[0]
        return Denominator(frame.select(_COLUMNS), source, year, batches, tuple(notes))
    year = _shipped_year(period_start)
    shipped = population_by_sex(year).filter(pl.col("area_code").is_in(sorted(wanted)))
    missing = len(wanted - set(shipped["area_code"].unique().to_list()))
    if missing == len(wanted):
        raise ValueError(
            f"none of the {len(wanted):,} areas has a population: import one for them "
            "(rehabdash import population FILE), or check the LSOA vintage"
        )
    notes = []
    if year > period_start.year:
        notes.append(f"the population is for mid-{year}, after the period starts")
    if missing:
        notes.append(f"{missing:,} of the {len(wanted):,} areas have no shipped population")
    source = (
        f"ONS LSOA 2011 population, mid-{year} (shipped), split by sex to Census 2021 "
        "TS007A/TS008 margins"
    )
    frame = shipped.select(*_COLUMNS).with_columns(pl.col("count").cast(pl.Float64))
    return Denominator(frame, source, year, (), tuple(notes))
