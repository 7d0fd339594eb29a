"""The demo ICB's own geography (issue 14): neighbourhoods and rehab service sites.

Neighbourhoods: within each local authority, the LSOAs' MSOAs (2021) are taken in
code order, which follows the MSOA numbering ("Leeds 001", "Leeds 002"...) and so keeps
neighbours together, and cut into runs of near-equal population, as many as
NEIGHBOURHOOD_TARGET people go into the authority: some 35,000 to 60,000 people each,
like the NHS's integrated neighbourhood teams (48 for West Yorkshire); no seed.

Sites: for West Yorkshire (QWO, the default) ten at real town centres by latitude and
longitude; for another ICB, one hub per local authority at an LSOA of its first
neighbourhood. All named "Demo site: ..." so no one takes them for real services.
"""

from __future__ import annotations

import polars as pl

from rehabdash import refdata
from rehabdash.demo.generate import DemoData
from rehabdash.ingest.sites import SITE_SCHEMA

__all__ = ["NEIGHBOURHOOD_TARGET", "demo_neighbourhoods", "demo_sites"]

NEIGHBOURHOOD_TARGET = 45_000  # people

#: West Yorkshire's demo sites: name, type, latitude, longitude (town centres, WGS84).
_QWO_SITES = (
    ("Demo site: Bradford community rehab hub", "hub", 53.7950, -1.7594),
    ("Demo site: Leeds city centre MSK clinic", "clinic", 53.7997, -1.5492),
    ("Demo site: Seacroft community rehab hub", "hub", 53.8190, -1.4560),
    ("Demo site: Wakefield community rehab hub", "hub", 53.6830, -1.4977),
    ("Demo site: Pontefract clinic", "clinic", 53.6910, -1.3120),
    ("Demo site: Huddersfield community rehab hub", "hub", 53.6458, -1.7850),
    ("Demo site: Dewsbury community hospital", "community hospital", 53.6910, -1.6330),
    ("Demo site: Halifax physiotherapy clinic", "clinic", 53.7248, -1.8616),
    ("Demo site: Keighley community hospital", "community hospital", 53.8676, -1.9090),
    ("Demo site: Skipton clinic", "clinic", 53.9617, -2.0170),
)


def _msoas(data: DemoData) -> pl.DataFrame:
    """lsoa (2011), lad_code, lad_name, msoa (2021), people: one row per LSOA."""
    to21 = refdata.lsoa11_to_lsoa21().select("lsoa11", "lsoa21")
    msoa = (
        to21.join(refdata.lsoa_to_msoa(), on="lsoa21")
        .group_by("lsoa11")
        .agg(
            pl.col("msoa21").min().alias("msoa")  # a split LSOA: the first of its parts' MSOAs
        )
    )
    people = data.population.group_by("lsoa").agg(pl.col("count").sum().alias("people"))
    return (
        data.areas.select("lsoa", "lad_code", "lad_name")
        .join(msoa.rename({"lsoa11": "lsoa"}), on="lsoa", how="left")
        .with_columns(pl.col("msoa").fill_null(pl.col("lsoa")))  # unknown: its own group
        .join(people, on="lsoa", how="left")
        .with_columns(pl.col("people").fill_null(0))
        .sort("lad_name", "msoa", "lsoa")
    )


def _groups(people: list[float]) -> list[int]:
    """A group number (from 1) for each MSOA of one local authority, in order: as many
    groups as NEIGHBOURHOOD_TARGET people go into the whole, each MSOA in the group its
    middle person falls in, so the groups are contiguous and near equal."""
    total = sum(people)
    count = max(1, round(total / NEIGHBOURHOOD_TARGET))
    size = total / count if total else 1.0
    groups, before = [], 0.0
    for n in people:
        groups.append(min(count, int((before + n / 2) // size) + 1))
        before += n
    return groups


def demo_neighbourhoods(data: DemoData) -> pl.DataFrame:
    """lsoa, lsoa_vintage (2011), code, name, area_type: every LSOA of the demo ICB in
    one neighbourhood ("Leeds neighbourhood 3", code "E08000035-N03")."""
    lsoas = _msoas(data)
    by_msoa = (
        lsoas.group_by("lad_code", "lad_name", "msoa")
        .agg(pl.col("people").sum())
        .sort("lad_name", "msoa")
    )
    parts = []
    for (lad_code, lad_name), part in by_msoa.group_by("lad_code", "lad_name", maintain_order=True):
        number = pl.Series("number", _groups(part["people"].to_list()))
        parts.append(
            part.select("msoa").with_columns(
                number,
                pl.lit(f"{lad_code}-N").alias("__prefix"),
                pl.lit(f"{lad_name} neighbourhood ").alias("__name"),
            )
        )
    groups = pl.concat(parts)
    return (
        lsoas.join(groups, on="msoa", maintain_order="left")
        .select(
            "lsoa",
            pl.lit(2011, pl.Int16).alias("lsoa_vintage"),
            (pl.col("__prefix") + pl.col("number").cast(pl.Utf8).str.zfill(2)).alias("code"),
            (pl.col("__name") + pl.col("number").cast(pl.Utf8)).alias("name"),
            pl.lit("neighbourhood").alias("area_type"),
        )
        .sort("code", "lsoa")
    )


def demo_sites(data: DemoData, neighbourhoods: pl.DataFrame) -> pl.DataFrame:
    """name, site_type, lsoa, lsoa_vintage, latitude, longitude, row_number."""
    schema = SITE_SCHEMA  # as an imported sites file is stored
    rows: list[tuple[object, ...]]
    if data.icb.ods_code == "QWO":
        rows = [
            (name, kind, None, None, lat, lon, i + 2)
            for i, (name, kind, lat, lon) in enumerate(_QWO_SITES)
        ]
        return pl.DataFrame(rows, schema=schema, orient="row")
    first = (
        neighbourhoods.join(data.areas.select("lsoa", "lad_name"), on="lsoa")
        .sort("code", "lsoa")
        .group_by("lad_name", maintain_order=True)
        .first()
        .sort("lad_name")
        .head(10)
    )
    rows = [
        (f"Demo site: {lad} community rehab hub", "hub", lsoa, 2011, None, None, i + 2)
        for i, (lad, lsoa) in enumerate(first.select("lad_name", "lsoa").iter_rows())
    ]
    return pl.DataFrame(rows, schema=schema, orient="row")
