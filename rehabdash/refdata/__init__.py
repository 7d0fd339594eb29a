"""The national reference tables shipped in resources/ (IMD, LSOA lookups, population, ESP 2013).

They let any English ICB work offline: pick the ICB and its LSOAs, deprivation and
population are already here. Sources and licences: resources/REFDATA_SOURCES.md
(MHCLG and ONS under the Open Government Licence v3.0; ESP 2013 from Eurostat).
Census 2021 denominators and their NHS mappings: rehabdash.refdata.census.
LSOA 2011 -> 2021 and LSOA 2021 -> MSOA 2021 lookups: rehabdash.refdata.geography.
Boundaries for maps and LSOA centroids: the module rehabdash.refdata.boundaries (the
package's ``boundaries`` is its loader function: import the module's other names from it).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from typing import Literal

import polars as pl

from rehabdash.codes.age import AGE_BANDS  # re-exported: the bands the tables use
from rehabdash.refdata.boundaries import (
    CENTROID_METHOD,
    BoundaryLevel,
    Shapes,
    boundaries,
    lsoa_centroids,
)
from rehabdash.refdata.census import (
    CENSUS_ATTRIBUTION,
    CENSUS_TABLES,
    CENSUS_TO_NHS,
    CensusTable,
    census_groups,
    census_shares,
    census_table,
    nhs_denominators,
    population_by_sex,
)
from rehabdash.refdata.geography import lsoa11_to_lsoa21, lsoa_to_msoa

__all__ = [
    "AGE_BANDS",
    "ATTRIBUTION",
    "CENSUS_ATTRIBUTION",
    "CENSUS_TABLES",
    "CENSUS_TO_NHS",
    "CENTROID_METHOD",
    "BoundaryLevel",
    "CensusTable",
    "Icb",
    "Shapes",
    "boundaries",
    "census_groups",
    "census_shares",
    "census_table",
    "esp2013",
    "gp_practices",
    "icbs",
    "imd",
    "lsoa11_to_lsoa21",
    "lsoa_centroids",
    "lsoa_lookup",
    "lsoa_to_msoa",
    "nhs_denominators",
    "population_by_sex",
    "population_persons",
    "resource_path",
]

ATTRIBUTION = (
    "Contains public sector information licensed under the Open Government Licence v3.0. "
    "Source: Office for National Statistics licensed under the Open Government Licence v.3.0. "
    "Contains OS data © Crown copyright and database right. "
    "Source: Office for National Statistics, Census 2021, licensed under the Open Government "
    "Licence v3.0. "
    "European Standard Population 2013: Eurostat."
)


Vintage = Literal[2011, 2021]


def resource_path(name: str) -> str:
    """Path of a shipped resource file, wherever the package is installed."""
    return str(files("rehabdash.resources") / name)


def imd(edition: Literal[2019, 2025]) -> pl.DataFrame:
    """IMD by LSOA with a common layout: lsoa, vintage, edition, score, rank, decile, lad."""
    vintage = 2011 if edition == 2019 else 2021
    lad = "lad19" if edition == 2019 else "lad24"
    raw = pl.read_parquet(resource_path(f"imd{edition}_lsoa{vintage % 100}.parquet"))
    return raw.select(
        pl.col(f"lsoa{vintage % 100}_code").alias("lsoa"),
        pl.col(f"lsoa{vintage % 100}_name").alias("lsoa_name"),
        pl.col(f"{lad}_code").alias("lad_code"),
        pl.col(f"{lad}_name").alias("lad_name"),
        "imd_score",
        "imd_rank",
        "imd_decile",
    )


def lsoa_lookup(vintage: Vintage) -> pl.DataFrame:
    """LSOA -> sub-ICB location -> ICB -> local authority.

    The July 2022 lookup for 2011 LSOAs, the April 2024 lookup for 2021 LSOAs. Read once
    (every plan scope asks for it); each call returns its own copy.
    """
    return _lsoa_lookup(vintage).clone()


@lru_cache(maxsize=2)
def _lsoa_lookup(vintage: Vintage) -> pl.DataFrame:
    yy = "22" if vintage == 2011 else "24"
    raw = pl.read_parquet(resource_path(f"lsoa{vintage % 100}_icb{yy}.parquet"))
    return raw.select(
        pl.col(f"lsoa{vintage % 100}_code").alias("lsoa"),
        pl.col(f"sicbl{yy}_code").alias("sicb_code"),
        pl.col(f"sicbl{yy}_ods_code").alias("sicb_ods_code"),
        pl.col(f"sicbl{yy}_name").alias("sicb_name"),
        pl.col(f"icb{yy}_code").alias("icb_code"),
        pl.col(f"icb{yy}_ods_code").alias("icb_ods_code"),
        pl.col(f"icb{yy}_name").alias("icb_name"),
        pl.col(f"lad{yy}_code").alias("lad_code"),
        pl.col(f"lad{yy}_name").alias("lad_name"),
    )


def population_persons(mid_year: int) -> pl.DataFrame:
    """ONS LSOA 2011 persons estimates for mid-2019 or mid-2020, long: lsoa, age_band, count."""
    raw = pl.read_parquet(resource_path("population_lsoa11_persons.parquet"))
    raw = raw.filter(pl.col("mid_year") == mid_year)
    if raw.is_empty():
        raise ValueError(f"no shipped population for mid-{mid_year} (have mid-2019 and mid-2020)")
    band_cols = [c for c in raw.columns if c.startswith("age_") and c != "all_ages"]
    long = raw.unpivot(index="lsoa11_code", on=band_cols, variable_name="col", value_name="count")
    names = dict(zip(band_cols, AGE_BANDS, strict=True))
    return long.select(
        pl.col("lsoa11_code").alias("lsoa"),
        pl.col("col").replace_strict(names).alias("age_band"),
        pl.col("count"),
    )


def esp2013() -> pl.DataFrame:
    """European Standard Population 2013, 19 bands summing to 100,000."""
    return pl.read_parquet(resource_path("esp2013.parquet"))


@dataclass(frozen=True)
class Icb:
    code: str  # ONS code, e.g. E54000054
    ods_code: str  # e.g. QWO
    name: str
    lsoas: int


def icbs(vintage: Vintage = 2011) -> list[Icb]:
    """The 42 ICBs with their LSOA counts, by name."""
    grouped = (
        lsoa_lookup(vintage).group_by("icb_code", "icb_ods_code", "icb_name").len().sort("icb_name")
    )
    return [Icb(r[0], r[1], r[2], r[3]) for r in grouped.iter_rows()]


def gp_practices() -> pl.DataFrame:
    """GP practice -> PCN -> sub-ICB -> ICB (NHS England ODS, October 2024), with status."""
    raw = pl.read_parquet(resource_path("gp_practice_pcn_2024_10.parquet"))
    return raw.select(
        pl.col("PRACTICE_CODE").alias("practice_code"),
        pl.col("PRACTICE_NAME").alias("practice_name"),
        pl.col("PRACTICE_SICBL_CDH").alias("sicb_ods_code"),
        pl.col("PCN_CODE").alias("pcn_code"),
        pl.col("PCN_NAME").alias("pcn_name"),
        pl.col("ICB24CDH").alias("icb_ods_code"),
        pl.col("STATUS_EPRACCUR_2025_09").alias("status"),
    )
