"""Small-area lookups (England) shipped in resources/: LSOA 2011 -> LSOA 2021, and
LSOA 2021 -> MSOA 2021.

They let tables published on one geography be used with areas given on another: the
demo ICB and stores using IMD 2019 are on 2011 LSOAs, the Census 2021 tables are on 2021
LSOAs (and sexual orientation on 2021 MSOAs only); see census.census_shares.

- ``lsoa11_lsoa21.parquet``: the ONS LSOA (2011) to LSOA (2021) to LAD (2022) lookup,
  first edition, England rows only. One row per 2011/2021 pair: 33,855 rows, all 32,844
  LSOA 2011 and all 33,755 LSOA 2021 codes. ``change`` is the ONS change indicator
  (CHANGE_INDICATORS); ``lad22`` is the local authority of the 2021 LSOA (three
  irregular 2011 LSOAs straddle two).
- ``lsoa21_msoa21.parquet``: LSOA 2021 -> MSOA 2021, 33,755 rows onto all 6,856 MSOAs.
  ONS publishes no such file here; it is derived from the names (an LSOA 2021 name is its
  MSOA's name plus one letter: "Leeds 001A" is in "Leeds 001") and checked against the
  Census 2021 TS021 LSOA and MSOA tables when built.

Source: Office for National Statistics, Open Government Licence v3.0
(resources/REFDATA_SOURCES.md). Built by ``python -m rehabdash.refdata.build``
(``build.build_geography``). Both loaders are cached; each call returns its own copy.
"""

from __future__ import annotations

from functools import lru_cache

import polars as pl

from rehabdash import refdata

__all__ = [
    "CHANGE_INDICATORS",
    "GEOGRAPHY_ATTRIBUTION",
    "LSOA11_AREAS",
    "LSOA11_LSOA21_RESOURCE",
    "LSOA21_AREAS",
    "LSOA21_MSOA21_RESOURCE",
    "MSOA21_AREAS",
    "lsoa11_to_lsoa21",
    "lsoa_to_msoa",
]

GEOGRAPHY_ATTRIBUTION = (
    "Source: Office for National Statistics licensed under the Open Government Licence v.3.0. "
    "Contains OS data © Crown copyright and database right."
)

LSOA11_AREAS = 32_844  # England LSOAs (2011)
LSOA21_AREAS = 33_755  # England LSOAs (2021)
MSOA21_AREAS = 6_856  # England MSOAs (2021)

LSOA11_LSOA21_RESOURCE = "lsoa11_lsoa21.parquet"
LSOA21_MSOA21_RESOURCE = "lsoa21_msoa21.parquet"

#: ONS change indicator of an LSOA 2011 -> 2021 pair (CHGIND).
CHANGE_INDICATORS: dict[str, str] = {
    "U": "unchanged (same code, one to one)",
    "S": "split (one 2011 LSOA into several 2021 LSOAs)",
    "M": "merged (several 2011 LSOAs into one 2021 LSOA)",
    "X": "irregular (redrawn: part of a split and of a merge)",
}


@lru_cache(maxsize=1)
def _lsoa11_lsoa21() -> pl.DataFrame:
    raw = pl.read_parquet(refdata.resource_path(LSOA11_LSOA21_RESOURCE))
    return raw.select(
        pl.col("lsoa11").cast(pl.String),
        pl.col("lsoa21").cast(pl.String),
        pl.col("change").cast(pl.String),
        pl.col("lad22").cast(pl.String),
    )


@lru_cache(maxsize=1)
def _lsoa21_msoa21() -> pl.DataFrame:
    raw = pl.read_parquet(refdata.resource_path(LSOA21_MSOA21_RESOURCE))
    return raw.select(pl.col("lsoa21").cast(pl.String), pl.col("msoa21").cast(pl.String))


def lsoa11_to_lsoa21() -> pl.DataFrame:
    """LSOA 2011 -> LSOA 2021 (England, ONS first edition): lsoa11, lsoa21, change
    (U/S/M/X, CHANGE_INDICATORS), lad22 (the 2021 LSOA's local authority, 2022 codes).

    One row per pair, sorted by lsoa11 then lsoa21: an unchanged LSOA has one row with
    the same code on both sides, a split 2011 LSOA one row per 2021 part, a merged 2021
    LSOA one row per 2011 source.
    """
    return _lsoa11_lsoa21().clone()


def lsoa_to_msoa() -> pl.DataFrame:
    """LSOA 2021 -> MSOA 2021 (England): lsoa21, msoa21; one row per LSOA, sorted by
    lsoa21. Derived from the names (resources/REFDATA_SOURCES.md)."""
    return _lsoa21_msoa21().clone()
