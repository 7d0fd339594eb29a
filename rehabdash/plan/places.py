"""Where people live or are registered, as areas of one level (DESIGN 6, issue 14).

Every area table of the plan (provision against need, waits and DNA, distance to a
site) places a person the same way, so the levels are defined here once:

* **lsoa**, **msoa**, **lad**: areas of residence, from the referral's LSOA. MSOAs are
  2021 MSOAs: an LSOA 2011 goes to the MSOA holding most of its 2021 parts (only 38 of
  England's 32,844 LSOAs 2011 have parts in two MSOAs), a tie to the first code.
* **neighbourhood**: the ICB's own LSOA -> neighbourhood (or locality, or hub
  catchment) lookup, imported with ``rehabdash import areas``. A lookup written on the
  other LSOA vintage is carried over by the ONS LSOA 2011 -> 2021 lookup, each LSOA
  going to the neighbourhood most of its parts (or sources) are in. An LSOA may be in
  a neighbourhood, a locality and a hub catchment at once: the tables use one type
  (:func:`shown_area_type`, the first of AREA_TYPES imported) and name it, never a mix.
* **pcn**: the primary care network of the referral's GP practice (ODS, October 2024).
  A PCN has no resident population here.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

import polars as pl

from rehabdash import refdata
from rehabdash.kinds import AREA_TYPES

__all__ = [
    "AREA_LEVELS",
    "AREA_TITLES",
    "NOT_KNOWN",
    "AreaLevel",
    "area_map",
    "area_names",
    "area_title",
    "lsoa11_msoa21",
    "neighbourhoods_on",
    "of_type",
    "shown_area_type",
]

AreaLevel = Literal["lsoa", "msoa", "lad", "neighbourhood", "pcn"]
AREA_LEVELS: tuple[AreaLevel, ...] = ("lsoa", "msoa", "lad", "neighbourhood", "pcn")
AREA_TITLES: dict[str, str] = {
    "lsoa": "LSOA {vintage} of residence",
    "msoa": "MSOA 2021 of residence",
    "lad": "Local authority of residence",
    "neighbourhood": "Neighbourhood of residence (the ICB's own lookup)",
    "pcn": "Primary care network (of the GP practice)",
}
#: The row of people who cannot be placed in an area of the level.
NOT_KNOWN = "Not known"


@lru_cache(maxsize=1)
def lsoa11_msoa21() -> pl.DataFrame:
    """lsoa, code: each LSOA 2011's MSOA 2021 (the one holding most of its 2021 parts)."""
    pairs = refdata.lsoa11_to_lsoa21().join(refdata.lsoa_to_msoa(), on="lsoa21", how="inner")
    parts = pairs.group_by("lsoa11", "msoa21").agg(pl.len().alias("parts"))
    best = parts.sort(["lsoa11", "parts", "msoa21"], descending=[False, True, False])
    return best.unique("lsoa11", keep="first", maintain_order=True).select(
        pl.col("lsoa11").alias("lsoa"), pl.col("msoa21").alias("code")
    )


def area_title(level: str, vintage: int, neighbourhoods: pl.DataFrame | None = None) -> str:
    """A level's title; the ICB's own lookup is named by its type ("Locality of residence
    (the ICB's own lookup)")."""
    title = AREA_TITLES.get(level, level).format(vintage=vintage)
    if level == "neighbourhood" and neighbourhoods is not None and neighbourhoods.height:
        kind = str(neighbourhoods["area_type"][0])
        title = title.replace("Neighbourhood", kind[:1].upper() + kind[1:], 1)
    return title


def shown_area_type(lookup: pl.DataFrame) -> str | None:
    """The area type the tables use: the first of AREA_TYPES the lookup holds."""
    held = set(lookup["area_type"].unique().to_list())
    return next((t for t in AREA_TYPES if t in held), None)


def of_type(lookup: pl.DataFrame, area_type: str | None = None) -> pl.DataFrame | None:
    """The rows of one area type (default: :func:`shown_area_type`); None if none."""
    kind = area_type or shown_area_type(lookup)
    rows = lookup.filter(pl.col("area_type") == kind)
    return rows if rows.height else None


def neighbourhoods_on(lookup: pl.DataFrame, vintage: int) -> pl.DataFrame:
    """lsoa, code, name, area_type, batch_id: the live neighbourhood ``lookup`` (columns
    lsoa, lsoa_vintage, code, name, area_type, batch_id) on LSOAs of ``vintage``, each
    LSOA once per area type (:func:`of_type` picks one type).

    Rows already on ``vintage`` are kept; the others are carried over the ONS 2011 ->
    2021 lookup, each LSOA to the neighbourhood most of its parts or sources are in
    (ties: the first code), unless the lookup names it on ``vintage`` itself."""
    columns = ["lsoa", "code", "name", "area_type", "batch_id"]
    once = ["area_type", "lsoa"]
    own = lookup.filter(pl.col("lsoa_vintage") == vintage).select(columns)
    other = lookup.filter(pl.col("lsoa_vintage") != vintage)
    if other.height == 0:
        return own.unique(once, keep="first", maintain_order=True)
    source, target = ("lsoa11", "lsoa21") if vintage == 2021 else ("lsoa21", "lsoa11")
    pairs = refdata.lsoa11_to_lsoa21().select(
        pl.col(source).alias("lsoa"), pl.col(target).alias("to")
    )
    votes = (
        other.join(pairs, on="lsoa", how="inner")
        .group_by("to", "code", "name", "area_type", "batch_id")
        .agg(pl.len().alias("parts"))
        .sort(["area_type", "to", "parts", "code"], descending=[False, False, True, False])
        .unique(["area_type", "to"], keep="first", maintain_order=True)
        .select(pl.col("to").alias("lsoa"), *columns[1:])
    )
    carried = votes.join(own.select(once), on=once, how="anti")
    return pl.concat([own, carried]).unique(once, keep="first", maintain_order=True)


@lru_cache(maxsize=8)
def _shipped_names(level: AreaLevel, vintage: int) -> pl.DataFrame:
    if level == "lsoa":
        imd = refdata.imd(2019 if vintage == 2011 else 2025)
        frame = imd.select(pl.col("lsoa").alias("code"), pl.col("lsoa_name").alias("name"))
    elif level == "msoa":  # an LSOA 2021 is named after its MSOA and one letter
        names = refdata.imd(2025).select(pl.col("lsoa").alias("lsoa21"), "lsoa_name")
        frame = (
            refdata.lsoa_to_msoa()
            .join(names, on="lsoa21")
            .select(
                pl.col("msoa21").alias("code"),
                pl.col("lsoa_name")
                .str.slice(0, pl.col("lsoa_name").str.len_chars() - 1)
                .alias("name"),
            )
        )
    elif level == "lad":
        frames = [refdata.lsoa_lookup(v).select("lad_code", "lad_name") for v in (2011, 2021)]
        frames += [refdata.imd(e).select("lad_code", "lad_name") for e in (2019, 2025)]
        frame = pl.concat(frames).rename({"lad_code": "code", "lad_name": "name"})
    elif level == "pcn":
        frame = refdata.gp_practices().select(
            pl.col("pcn_code").alias("code"), pl.col("pcn_name").alias("name")
        )
    else:
        frame = pl.DataFrame(schema={"code": pl.String, "name": pl.String})
    frame = frame.drop_nulls().unique("code", keep="first", maintain_order=True)
    return frame.rename({"code": "level_code"})


def area_names(
    level: AreaLevel, vintage: int, neighbourhoods: pl.DataFrame | None = None
) -> pl.DataFrame:
    """level_code, name of every area of ``level`` (shipped tables; a neighbourhood's
    from the imported lookup)."""
    if level == "neighbourhood":
        if neighbourhoods is None:
            return _shipped_names(level, vintage)
        return (
            neighbourhoods.select(pl.col("code").alias("level_code"), "name")
            .drop_nulls()
            .unique("level_code", keep="first", maintain_order=True)
        )
    return _shipped_names(level, vintage)


def area_map(
    lookup: pl.DataFrame,
    level: AreaLevel,
    vintage: int,
    neighbourhoods: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """home, code: the area of each home of ``level`` (an LSOA of ``lookup``, a scope's
    lookup with lsoa and lad_code; a GP practice for PCNs). ``neighbourhoods``: the
    lookup of :func:`neighbourhoods_on` (none imported: no LSOA has a neighbourhood)."""
    if level == "pcn":
        practices = refdata.gp_practices().unique("practice_code")
        return practices.select(
            pl.col("practice_code").alias("home"), pl.col("pcn_code").alias("code")
        )
    lsoas = lookup.select(pl.col("lsoa").alias("home"))
    if level == "lsoa":
        return lsoas.with_columns(pl.col("home").alias("code"))
    if level == "lad":
        lad = lookup.select(pl.col("lsoa").alias("home"), pl.col("lad_code").alias("code"))
        return lad.drop_nulls("code")
    if level == "neighbourhood":
        if neighbourhoods is None:
            return pl.DataFrame(schema={"home": pl.String, "code": pl.String})
        own = neighbourhoods.select(pl.col("lsoa").alias("home"), "code")
        return lsoas.join(own, on="home", how="inner")
    if vintage == 2011:
        msoa = lsoa11_msoa21()
    else:
        msoa = refdata.lsoa_to_msoa().rename({"lsoa21": "lsoa", "msoa21": "code"})
    return lsoas.join(msoa.rename({"lsoa": "home"}), on="home", how="inner")
