"""The demo ICB's real areas: its LSOAs (2011), IMD 2019 deciles and mid-2020 population.

Everything comes from the shipped national tables, so the demo stands on real geography;
only the split of each LSOA's population by sex is assumed (truth.MALE_SHARE).
"""

from __future__ import annotations

import polars as pl

from rehabdash import refdata
from rehabdash.demo.truth import MALE_SHARE

__all__ = ["POPULATION_YEAR", "icb_areas", "icb_population", "resolve_icb"]

POPULATION_YEAR = 2020


def resolve_icb(code: str) -> refdata.Icb:
    """Find an ICB by ODS code (QWO), ONS code (E54000054) or a unique part of its name."""
    wanted = code.strip().lower()
    all_icbs = refdata.icbs(2011)
    exact = [i for i in all_icbs if wanted in (i.code.lower(), i.ods_code.lower())]
    named = [i for i in all_icbs if wanted in i.name.lower()]
    found = exact or named
    if len(found) != 1:
        names = ", ".join(f"{i.ods_code} {i.name}" for i in found[:5]) or "none"
        raise ValueError(
            f"'{code}' names {len(found)} ICBs (matches: {names}); use an ODS code such as QWO"
        )
    return found[0]


def icb_areas(icb: refdata.Icb) -> pl.DataFrame:
    """One row per LSOA of the ICB: lookup columns plus IMD 2019 decile, rank and score."""
    lookup = refdata.lsoa_lookup(2011).filter(pl.col("icb_code") == icb.code)
    imd = refdata.imd(2019).select("lsoa", "imd_decile", "imd_rank", "imd_score")
    return lookup.join(imd, on="lsoa", how="left").sort("lsoa")


def icb_population(areas: pl.DataFrame) -> pl.DataFrame:
    """Long population (lsoa, sex, age_band, count).

    Persons are split by the assumed male shares; male + female = persons exactly.
    """
    persons = refdata.population_persons(POPULATION_YEAR).join(areas.select("lsoa"), on="lsoa")
    share = pl.DataFrame({"age_band": refdata.AGE_BANDS, "male_share": MALE_SHARE})
    persons = persons.join(share, on="age_band", maintain_order="left")
    persons = persons.with_columns(
        (pl.col("count") * pl.col("male_share")).round().cast(pl.Int32).alias("male")
    )
    male = persons.select(
        "lsoa", pl.lit("1").alias("sex"), "age_band", pl.col("male").alias("count")
    )
    female = persons.select(
        "lsoa",
        pl.lit("2").alias("sex"),
        "age_band",
        (pl.col("count") - pl.col("male")).alias("count"),
    )
    return pl.concat([male, female]).sort("lsoa", "sex", "age_band")
