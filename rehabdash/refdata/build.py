"""Convert the published national reference CSVs into the compact Parquet files in resources/.

Run once by a maintainer when a new edition is published:
``python -m rehabdash.refdata.build SOURCE_DIR [OUT_DIR]``. The app itself only reads the
Parquet files (see ``rehabdash.refdata``); nothing reads the source folder at run time.

The Census 2021 topic summaries in SOURCE_DIR/census/ become one long table each
(``rehabdash.refdata.census``); the README's checks are re-run on the way and any failure
stops the build rather than shipping a table that disagrees with its source.

The LSOA 2011 -> 2021 lookup and the derived LSOA 2021 -> MSOA 2021 lookup come from
SOURCE_DIR/geo/ (``rehabdash.refdata.geography``; ``build_geography``), checked the same
way, the MSOA lookup also against the Census 2021 TS021 tables built just before it.

The boundaries (LSOA 2011 and 2021, MSOA 2021, ICB 2024, and local authorities dissolved
from the LSOA 2021s) and the LSOA centroids also come from SOURCE_DIR/geo/
(``rehabdash.refdata.boundaries``; ``build_boundaries``), checked against the lookups.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import polars as pl

from rehabdash.refdata import geography, polygons
from rehabdash.refdata.boundaries import (
    BOUNDARIES_ATTRIBUTION,
    BOUNDARY_RESOURCES,
    CENTROID_METHOD,
    CENTROIDS_RESOURCE,
    BoundaryLevel,
    Shapes,
    dissolve_counting,
    shapes_frame,
)
from rehabdash.refdata.census import CENSUS_TABLES, CensusTable

__all__ = [
    "BOUNDARY_SOURCES",
    "CENSUS_SOURCES",
    "GEO_SOURCES",
    "MSOA_CENSUS_TOLERANCE",
    "TABLES",
    "GeographyCheckError",
    "build",
    "build_boundaries",
    "build_census",
    "build_geography",
    "check_msoa_against_census",
    "lsoa11_lsoa21_table",
    "lsoa21_msoa21_table",
]

# source file -> (resource name, columns to keep as text). Codes stay text; ranks and
# counts become integers; nothing else is changed.
TABLES: dict[str, str] = {
    "imd2019_lsoa11_england.csv": "imd2019_lsoa11.parquet",
    "imd2025_lsoa21_england.csv": "imd2025_lsoa21.parquet",
    "lsoa11_sicbl22_icb22_lad22_england.csv": "lsoa11_icb22.parquet",
    "lsoa21_sicbl24_icb24_lad24_england.csv": "lsoa21_icb24.parquet",
    "population_lsoa11_persons_5yr_mid2019_mid2020_england.csv": (
        "population_lsoa11_persons.parquet"
    ),
    "esp2013_19bands.csv": "esp2013.parquet",
    "primary_care/gp_practice_pcn_icb_2024-10.csv": "gp_practice_pcn_2024_10.parquet",
}

_NUMERIC = {
    "imd_score": pl.Float64,
    "imd_rank": pl.Int32,
    "imd_decile": pl.Int8,
    "mid_year": pl.Int16,
}


def _read(path: Path) -> pl.DataFrame:
    df = pl.read_csv(path, infer_schema=False)
    casts = []
    for name in df.columns:
        if name in _NUMERIC:
            casts.append(pl.col(name).cast(_NUMERIC[name]))
        elif name.startswith(("age_", "all_ages", "esp2013_")) and name != "age_band":
            casts.append(pl.col(name).cast(pl.Int32))
    return df.with_columns(casts)


def build(source: Path, out: Path) -> list[Path]:
    """Write one Parquet file per table; returns the files written."""
    written = []
    for src_name, out_name in TABLES.items():
        target = out / out_name
        _read(source / src_name).write_parquet(target, compression="zstd", compression_level=19)
        written.append(target)
    written += build_census(source / "census", out)
    return written + build_geography(source, out) + build_boundaries(source, out)


# --- Census 2021 ------------------------------------------------------------------------

# (topic, geography) -> (column prefix in the Nomis layout, label of the total column).
# TS077 comes in a long layout (msoa21_code, sexual_orientation, n, total_residents).
CENSUS_SOURCES: dict[tuple[str, str], tuple[str, str]] = {
    ("ethnic_group", "lsoa"): ("Ethnic group: ", "Total: All usual residents"),
    ("ethnic_group", "msoa"): ("Ethnic group: ", "Total: All usual residents"),
    ("religion", "lsoa"): ("Religion: ", "Total: All usual residents"),
    ("disability", "lsoa"): ("Disability: ", "Total: All usual residents"),
    ("partnership_status", "lsoa"): ("Marital and civil partnership status: ", "Total"),
    ("age", "lsoa"): ("Age: ", "Total"),
    ("sex", "lsoa"): ("Sex: ", "All persons"),
    ("sexual_orientation", "msoa"): ("", ""),
}
_CODE_PREFIX = {"lsoa": "E01", "msoa": "E02"}
_OLD_NOMIS_SUFFIX = "; measures: Value"  # TS002 and TS008 use the older column names


class CensusCheckError(ValueError):
    """A census source file fails one of the README's checks."""


def _check(ok: bool, info: CensusTable, what: str) -> None:
    if not ok:
        raise CensusCheckError(f"{info.source_file} ({info.table_id}): {what}")


def _census_wide(path: Path, info: CensusTable) -> pl.DataFrame:
    """Nomis wide layout -> area_code, total and one column per leaf category (by key).

    Every column is accounted for: the total, a leaf, or a parent whose value must equal
    the sum of its leaves (e.g. a broad ethnic group, TS002's "Married").
    """
    prefix, total_label = CENSUS_SOURCES[(info.topic, info.geography)]
    raw = pl.read_csv(path, infer_schema=False)
    names = {c: c.removesuffix(_OLD_NOMIS_SUFFIX) for c in raw.columns}
    raw = raw.rename(names)
    values = [c for c in raw.columns if c.startswith(prefix)]
    _check(
        set(raw.columns) - set(values) == {"date", "geography", "geography code"},
        info,
        f"unexpected columns {sorted(set(raw.columns) - set(values))}",
    )
    _check((raw["date"] == "2021").all(), info, "not all rows are dated 2021")
    labels = {c.removeprefix(prefix): c for c in values}
    leaves = {cat.label: cat.key for cat in info.categories}
    missing = set(leaves) - set(labels)
    _check(not missing, info, f"categories missing from the file: {sorted(missing)}")
    _check(total_label in labels, info, f"no total column {prefix}{total_label}")
    table = raw.select(
        pl.col("geography code").alias("area_code"),
        pl.col(labels[total_label]).cast(pl.Int64).alias("total"),
        *(pl.col(labels[label]).cast(pl.Int64).alias(key) for label, key in leaves.items()),
    )
    for label, column in labels.items():
        if label == total_label or label in leaves:
            continue
        below = [key for leaf, key in leaves.items() if leaf.startswith(f"{label}: ")]
        _check(bool(below), info, f"column {column!r} is neither a category nor a group")
        parent = raw[column].cast(pl.Int64)
        _check(
            (parent == table.select(pl.sum_horizontal(below)).to_series()).all(),
            info,
            f"{label!r} is not the sum of its categories in every row",
        )
    return table


def _census_long_ts077(path: Path, info: CensusTable) -> pl.DataFrame:
    """TS077 long layout -> the same wide shape as _census_wide."""
    raw = pl.read_csv(path, infer_schema=False)
    leaves = {cat.label: cat.key for cat in info.categories}
    _check(
        set(raw["sexual_orientation"].unique()) == set(leaves),
        info,
        "sexual orientation categories differ from the catalogue",
    )
    _check(
        raw.group_by("msoa21_code", "sexual_orientation").len()["len"].max() == 1,
        info,
        "an MSOA has a category twice",
    )
    _check(
        (
            raw.group_by("msoa21_code").agg(pl.col("total_residents").n_unique())["total_residents"]
            == 1
        ).all(),
        info,
        "an MSOA has more than one total",
    )
    wide = raw.with_columns(pl.col("n", "total_residents").cast(pl.Int64)).pivot(
        on="sexual_orientation", index=["msoa21_code", "total_residents"], values="n"
    )
    return wide.select(
        pl.col("msoa21_code").alias("area_code"),
        pl.col("total_residents").alias("total"),
        *(pl.col(label).alias(key) for label, key in leaves.items()),
    )


def _census_long(table: pl.DataFrame, info: CensusTable) -> pl.DataFrame:
    """Check the wide table against the README and make it long and compact."""
    keys = [cat.key for cat in info.categories]
    codes = table["area_code"]
    _check(codes.n_unique() == codes.len() == info.areas, info, f"not {info.areas:,} areas")
    _check(
        codes.str.starts_with(_CODE_PREFIX[info.geography]).all(),
        info,
        f"codes not all {_CODE_PREFIX[info.geography]}…",
    )
    _check(table.null_count().sum_horizontal().item() == 0, info, "missing values")
    _check(
        table.select(pl.min_horizontal(["total", *keys]).min()).item() >= 0,
        info,
        "negative values",
    )
    _check(
        (table["total"] == table.select(pl.sum_horizontal(keys)).to_series()).all(),
        info,
        "categories do not add up to the total in every row",
    )
    cats = {cat.key: cat for cat in info.categories}
    long = table.sort("area_code").unpivot(
        index=["area_code", "total"], on=keys, variable_name="category", value_name="count"
    )
    # Area-major order (all categories of an area together) compresses best.
    long = long.with_columns(pl.col("category").cast(pl.Enum(keys))).sort("area_code", "category")
    key = pl.col("category").cast(pl.String)
    return long.select(
        pl.col("area_code").cast(pl.Categorical),
        key.cast(pl.Categorical).alias("category"),
        key.replace_strict({k: c.group for k, c in cats.items()})
        .cast(pl.Categorical)
        .alias("group"),
        key.replace_strict({k: c.label for k, c in cats.items()})
        .cast(pl.Categorical)
        .alias("label"),
        pl.col("count").cast(pl.Int32),
        pl.col("total").cast(pl.Int32),
    )


def build_census(source: Path, out: Path) -> list[Path]:
    """Write the Census 2021 tables (CENSUS_TABLES) from SOURCE_DIR/census/."""
    written = []
    for info in CENSUS_TABLES.values():
        path = source / info.source_file
        if info.topic == "sexual_orientation":
            wide = _census_long_ts077(path, info)
        else:
            wide = _census_wide(path, info)
        target = out / info.resource
        meta = {
            "table_id": info.table_id,
            "title": info.title,
            "year": str(info.year),
            "geography": info.geography_label,
            "base": info.base,
            "source_file": info.source_file,
            "attribution": info.attribution,
        }
        _census_long(wide, info).write_parquet(
            target, compression="zstd", compression_level=19, metadata=meta
        )
        written.append(target)
    return written


# --- small-area lookups -----------------------------------------------------------------

#: Source files in SOURCE_DIR (the ONS lookup, and the boundary files whose properties
#: give the MSOA 2021 codes and names and a second copy of the LSOA 2021 names).
GEO_SOURCES: dict[str, str] = {
    "lookup": "geo/lookup_lsoa11_lsoa21_lad22_ew.csv",
    "msoa21": "geo/msoa21_bsc_england.geojson",
    "lsoa21": "geo/lsoa21_bsc_england.geojson",
}

#: LSOA sums to MSOA must agree with the MSOA TS021 table within this many people in
#: every cell and total (ONS perturbs the two tables separately; the census README: 19).
MSOA_CENSUS_TOLERANCE = 20


class GeographyCheckError(ValueError):
    """A lookup source file, or the lookup derived from it, fails a check."""


def _geo_check(ok: bool, what: str) -> None:
    if not ok:
        raise GeographyCheckError(what)


def _geojson_properties(path: Path, *names: str) -> pl.DataFrame:
    with path.open(encoding="utf-8") as f:
        features = json.load(f)["features"]
    return pl.DataFrame(
        {name: [feat["properties"][name] for feat in features] for name in names},
        schema=dict.fromkeys(names, pl.String),
    )


def lsoa11_lsoa21_table(lookup_csv: Path) -> pl.DataFrame:
    """The ONS LSOA 2011 -> 2021 lookup, England rows: lsoa11, lsoa21, change, lad22.

    Checks: no cross-border pair; every England code of both vintages once or more; no
    missing values; the change indicator agrees with the pair's cardinality (U one to one
    with the same code, S one 2011 to several 2021, M several 2011 to one 2021, X both
    or either); every 2021 LSOA in one local authority.
    """
    raw = pl.read_csv(lookup_csv, infer_schema=False)
    _geo_check(
        (raw["LSOA11CD"].str.starts_with("E01") == raw["LSOA21CD"].str.starts_with("E01")).all(),
        "a pair crosses the England/Wales border",
    )
    eng = raw.filter(pl.col("LSOA11CD").str.starts_with("E01")).select(
        pl.col("LSOA11CD").alias("lsoa11"),
        pl.col("LSOA21CD").alias("lsoa21"),
        pl.col("CHGIND").alias("change"),
        pl.col("LAD22CD").alias("lad22"),
    )
    _geo_check(eng.null_count().sum_horizontal().item() == 0, "missing values")
    _geo_check(eng.is_duplicated().sum() == 0, "a pair appears twice")
    _geo_check(
        eng["lsoa11"].n_unique() == geography.LSOA11_AREAS,
        f"not {geography.LSOA11_AREAS:,} LSOA 2011 codes",
    )
    _geo_check(
        eng["lsoa21"].n_unique() == geography.LSOA21_AREAS,
        f"not {geography.LSOA21_AREAS:,} LSOA 2021 codes",
    )
    unknown = set(eng["change"].unique()) - set(geography.CHANGE_INDICATORS)
    _geo_check(not unknown, f"unknown change indicators {sorted(unknown)}")
    card = eng.with_columns(
        pl.len().over("lsoa21").alias("n11"), pl.len().over("lsoa11").alias("n21")
    )
    ok = (
        pl.when(pl.col("change") == "U")
        .then((pl.col("n11") == 1) & (pl.col("n21") == 1) & (pl.col("lsoa11") == pl.col("lsoa21")))
        .when(pl.col("change") == "S")
        .then((pl.col("n11") == 1) & (pl.col("n21") > 1))
        .when(pl.col("change") == "M")
        .then((pl.col("n11") > 1) & (pl.col("n21") == 1))
        .otherwise((pl.col("n11") > 1) | (pl.col("n21") > 1))
    )
    _geo_check(card.select(ok.all()).item(), "a change indicator disagrees with its pair")
    _geo_check(
        eng.group_by("lsoa21").agg(pl.col("lad22").n_unique())["lad22"].max() == 1,
        "an LSOA 2021 in two local authorities",
    )
    return eng.sort("lsoa11", "lsoa21")


def lsoa21_msoa21_table(lookup_csv: Path, msoa_geojson: Path, lsoa_geojson: Path) -> pl.DataFrame:
    """LSOA 2021 -> MSOA 2021 (England) derived from the names: lsoa21, msoa21.

    An LSOA 2021 name is its MSOA name plus one capital letter ("Leeds 001A" -> "Leeds
    001"). LSOA names from the ONS lookup (checked equal to the LSOA 2021 boundary file's),
    MSOA codes and names from the MSOA 2021 boundary file. Checks: every LSOA name has
    that form; MSOA codes and names unique; every LSOA in exactly one MSOA, every MSOA
    with at least one LSOA, all in one local authority.
    """
    raw = pl.read_csv(lookup_csv, infer_schema=False)
    lsoa = (
        raw.filter(pl.col("LSOA21CD").str.starts_with("E01"))
        .select("LSOA21CD", "LSOA21NM", "LAD22CD")
        .unique()
    )
    _geo_check(
        lsoa["LSOA21CD"].n_unique() == lsoa.height == geography.LSOA21_AREAS,
        f"not {geography.LSOA21_AREAS:,} LSOA 2021 codes with one name and one authority",
    )
    shapes = _geojson_properties(lsoa_geojson, "LSOA21CD", "LSOA21NM")
    both = lsoa.join(shapes, on="LSOA21CD", how="full", suffix="_geo")
    _geo_check(
        both.height == lsoa.height == shapes.height
        and (both["LSOA21NM"] == both["LSOA21NM_geo"]).all(),
        "LSOA 2021 codes or names differ between the lookup and the boundary file",
    )
    _geo_check(
        lsoa["LSOA21NM"].str.contains(r"^.+ \d{3}[A-Z]$").all(),
        "an LSOA 2021 name is not an MSOA name plus one letter",
    )
    msoa = _geojson_properties(msoa_geojson, "MSOA21CD", "MSOA21NM")
    _geo_check(
        msoa["MSOA21CD"].n_unique() == msoa["MSOA21NM"].n_unique() == msoa.height,
        "MSOA 2021 codes or names not unique",
    )
    _geo_check(
        msoa.height == geography.MSOA21_AREAS and msoa["MSOA21CD"].str.starts_with("E02").all(),
        f"not {geography.MSOA21_AREAS:,} England MSOA 2021 codes",
    )
    derived = lsoa.with_columns(
        pl.col("LSOA21NM").str.slice(0, pl.col("LSOA21NM").str.len_chars() - 1).alias("MSOA21NM")
    ).join(msoa, on="MSOA21NM", how="full", coalesce=True)
    empty = derived.filter(pl.col("LSOA21CD").is_null())["MSOA21CD"].to_list()
    _geo_check(not empty, f"{len(empty)} MSOAs without an LSOA, e.g. {empty[:5]}")
    orphans = derived.filter(pl.col("MSOA21CD").is_null())["LSOA21CD"].to_list()
    _geo_check(not orphans, f"{len(orphans)} LSOAs without an MSOA, e.g. {orphans[:5]}")
    _geo_check(
        derived.height == derived["LSOA21CD"].n_unique() == geography.LSOA21_AREAS
        and derived["MSOA21CD"].n_unique() == geography.MSOA21_AREAS,
        "not every LSOA in exactly one MSOA",
    )
    _geo_check(
        derived.group_by("MSOA21CD").agg(pl.col("LAD22CD").n_unique())["LAD22CD"].max() == 1,
        "an MSOA's LSOAs lie in two local authorities",
    )
    return derived.select(
        pl.col("LSOA21CD").alias("lsoa21"), pl.col("MSOA21CD").alias("msoa21")
    ).sort("lsoa21")


def check_msoa_against_census(
    lsoa_msoa: pl.DataFrame, lsoa_ts021: pl.DataFrame, msoa_ts021: pl.DataFrame
) -> dict[str, int]:
    """Sum the LSOA TS021 table to MSOA through ``lsoa_msoa`` and compare with the MSOA
    TS021 table (both long: area_code, category, count, total). Raises unless every MSOA
    and category, and every MSOA total, agrees within MSOA_CENSUS_TOLERANCE people;
    returns the largest differences and the number of cells compared."""
    summed = lsoa_ts021.join(lsoa_msoa, left_on="area_code", right_on="lsoa21", how="left")
    _geo_check(summed["msoa21"].null_count() == 0, "a TS021 LSOA is not in the lookup")
    cells = (
        summed.with_columns(pl.col("category").cast(pl.String))
        .group_by("msoa21", "category")
        .agg(pl.col("count").cast(pl.Int64).sum())
        .join(
            msoa_ts021.select(
                pl.col("area_code").cast(pl.String).alias("msoa21"),
                pl.col("category").cast(pl.String),
                pl.col("count").cast(pl.Int64).alias("published"),
            ),
            on=["msoa21", "category"],
            how="full",
            coalesce=True,
        )
    )
    _geo_check(cells.null_count().sum_horizontal().item() == 0, "MSOA cells do not line up")
    totals = (
        summed.group_by("msoa21", "area_code")
        .agg(pl.col("total").first().cast(pl.Int64))
        .group_by("msoa21")
        .agg(pl.col("total").sum())
        .join(
            msoa_ts021.group_by(pl.col("area_code").cast(pl.String).alias("msoa21")).agg(
                pl.col("total").first().cast(pl.Int64).alias("published")
            ),
            on="msoa21",
            how="full",
            coalesce=True,
        )
    )
    _geo_check(totals.null_count().sum_horizontal().item() == 0, "MSOA totals do not line up")
    gap = (pl.col("count") - pl.col("published")).abs().max()
    stats = {
        "msoas": totals.height,
        "cells": cells.height,
        "max_cell_difference": int(cells.select(gap).item()),
        "max_total_difference": int(
            totals.select((pl.col("total") - pl.col("published")).abs().max()).item()
        ),
    }
    _geo_check(
        max(stats["max_cell_difference"], stats["max_total_difference"]) <= MSOA_CENSUS_TOLERANCE,
        f"LSOA sums to MSOA differ from the MSOA TS021 table by more than "
        f"{MSOA_CENSUS_TOLERANCE} people: {stats}",
    )
    return stats


def build_geography(source: Path, out: Path) -> list[Path]:
    """Write lsoa11_lsoa21.parquet and lsoa21_msoa21.parquet from SOURCE_DIR/geo/.

    The MSOA lookup is checked against the TS021 LSOA and MSOA tables already in ``out``
    (build_census writes them first)."""
    lookup_csv = source / GEO_SOURCES["lookup"]
    pairs = lsoa11_lsoa21_table(lookup_csv)
    msoa = lsoa21_msoa21_table(
        lookup_csv, source / GEO_SOURCES["msoa21"], source / GEO_SOURCES["lsoa21"]
    )
    _geo_check(
        set(pairs["lsoa21"]) == set(msoa["lsoa21"]),
        "the two lookups have different LSOA 2021 codes",
    )
    ts021 = {
        geo: pl.read_parquet(out / CENSUS_TABLES[("ethnic_group", geo)].resource).with_columns(
            pl.col("area_code").cast(pl.String)
        )
        for geo in ("lsoa", "msoa")
    }
    stats = check_msoa_against_census(msoa, ts021["lsoa"], ts021["msoa"])
    common = {"attribution": geography.GEOGRAPHY_ATTRIBUTION}
    outputs = {
        geography.LSOA11_LSOA21_RESOURCE: (
            pairs,
            {
                **common,
                "title": "LSOA (2011) to LSOA (2021) to LAD (2022), England, first edition",
                "source_file": GEO_SOURCES["lookup"],
            },
        ),
        geography.LSOA21_MSOA21_RESOURCE: (
            msoa,
            {
                **common,
                "title": "LSOA (2021) to MSOA (2021), England, derived from the names",
                "source_file": "; ".join(GEO_SOURCES.values()),
                "census_check": json.dumps(stats),
            },
        ),
    }
    written = []
    for name, (table, meta) in outputs.items():
        target = out / name
        table.write_parquet(target, compression="zstd", compression_level=19, metadata=meta)
        written.append(target)
    return written


# --- boundaries and centroids -----------------------------------------------------------

#: Boundary files in SOURCE_DIR: name -> (file, code property, name property). The local
#: authority outlines are not a source file: they are dissolved from "lsoa21".
BOUNDARY_SOURCES: dict[str, tuple[str, str, str]] = {
    "lsoa21": ("geo/lsoa21_bsc_england.geojson", "LSOA21CD", "LSOA21NM"),
    "lsoa11": ("geo/lsoa11_bsc_england.geojson", "LSOA11CD", "LSOA11NM"),
    "msoa21": ("geo/msoa21_bsc_england.geojson", "MSOA21CD", "MSOA21NM"),
    "icb24": ("geo/icb24_from_lsoa21_bsc.geojson", "ICB24CD", "ICB24NM"),
}


def _geojson_shapes(path: Path, code: str, name: str) -> Shapes:
    """A GeoJSON file of MultiPolygons -> Shapes sorted by code, outer rings turned
    anticlockwise and holes clockwise. Checks: codes unique, every ring closed with 3 or
    more corners, coordinates on the micro-degree grid (the sources give 6 places)."""
    with path.open(encoding="utf-8") as f:
        features = json.load(f)["features"]
    features.sort(key=lambda feat: feat["properties"][code])
    codes = [feat["properties"][code] for feat in features]
    _geo_check(len(set(codes)) == len(codes), f"{path.name}: a code appears twice")
    rings: list[np.ndarray] = []
    ring_area: list[int] = []
    for i, feat in enumerate(features):
        geometry = feat["geometry"]
        _geo_check(
            geometry["type"] == "MultiPolygon", f"{path.name}: {codes[i]} not a MultiPolygon"
        )
        for polygon in geometry["coordinates"]:
            for hole, ring in enumerate(polygon):
                xy = np.asarray(ring, dtype=np.float64)
                _geo_check(
                    len(xy) >= 4 and bool(np.all(xy[0] == xy[-1])),
                    f"{path.name}: {codes[i]} has a ring that is not closed",
                )
                clockwise = _signed_area(xy) < 0
                rings.append(xy[::-1] if clockwise != bool(hole) else xy)
                ring_area.append(i)
    xy = np.concatenate(rings)
    e6 = np.rint(xy * 1e6)
    _geo_check(bool(np.all(np.abs(xy * 1e6 - e6) < 1e-3)), f"{path.name}: not 6 decimal places")
    lengths = np.array([len(r) for r in rings], dtype=np.int64)
    return Shapes(
        codes=tuple(codes),
        names=tuple(feat["properties"][name] for feat in features),
        lon=e6[:, 0] / 1e6,
        lat=e6[:, 1] / 1e6,
        ring_starts=np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
        ring_area=np.asarray(ring_area, dtype=np.int64),
    )


def _signed_area(xy: np.ndarray) -> float:
    x, y = xy[:, 0] - xy[0, 0], xy[:, 1] - xy[0, 1]
    return float(np.sum(x[:-1] * y[1:] - x[1:] * y[:-1])) / 2


def _e6(values: np.ndarray) -> np.ndarray:
    return np.rint(np.asarray(values) * 1e6).astype(np.int64)


def _area_vertices(shapes: Shapes, starts: np.ndarray, k: int) -> set[tuple[int, int]]:
    part = slice(starts[k], starts[k + 1])
    return set(zip(_e6(shapes.lon[part]).tolist(), _e6(shapes.lat[part]).tolist(), strict=True))


def _same_outlines(ours: Shapes, theirs: Shapes) -> list[str]:
    """Codes whose rings differ in number or vertices between two sets of outlines."""
    ours_at, theirs_at = ours.area_starts(), theirs.area_starts()
    ours_rings = np.bincount(ours.ring_area, minlength=len(ours))
    theirs_rings = np.bincount(theirs.ring_area, minlength=len(theirs))
    where = theirs.index()
    return [
        code
        for i, code in enumerate(ours.codes)
        if ours_rings[i] != theirs_rings[where[code]]
        or _area_vertices(ours, ours_at, i) != _area_vertices(theirs, theirs_at, where[code])
    ]


def _areas(shapes: Shapes) -> np.ndarray:
    """Each area's shoelace area (square degrees: for comparing, not for reading)."""
    return polygons.area_centroids(
        shapes.lon, shapes.lat, shapes.ring_starts, shapes.ring_area, len(shapes)
    )[2]


def _lad_outlines(lsoa21: Shapes, icb24: Shapes, lookup21: pl.DataFrame) -> tuple[Shapes, int]:
    """The local authorities dissolved from the LSOA 2021s, the method first checked by
    dissolving by ICB against the source ICB file; and the slivers dropped."""
    icb_of = dict(zip(lookup21["lsoa21_code"], lookup21["icb24_code"], strict=True))
    icb_names = dict(zip(lookup21["icb24_code"], lookup21["icb24_name"], strict=True))
    differ = _same_outlines(dissolve_counting(lsoa21, icb_of, icb_names)[0], icb24)
    _geo_check(not differ, f"the dissolve by ICB differs from the ICB file for {differ}")
    lad_of = dict(zip(lookup21["lsoa21_code"], lookup21["lad24_code"], strict=True))
    lad_names = dict(zip(lookup21["lad24_code"], lookup21["lad24_name"], strict=True))
    lad, slivers = dissolve_counting(lsoa21, lad_of, lad_names)
    summed = (
        pl.DataFrame({"lad": [lad_of[c] for c in lsoa21.codes], "area": _areas(lsoa21)})
        .group_by("lad")
        .agg(pl.col("area").sum())
        .sort("lad")
    )
    _geo_check(
        summed["lad"].to_list() == list(lad.codes)
        and bool(np.allclose(summed["area"].to_numpy(), _areas(lad), rtol=1e-6, atol=0)),
        "a dissolved local authority's area is not the sum of its LSOAs'",
    )
    return lad, slivers


def _centroids(shapes: dict[int, Shapes]) -> pl.DataFrame:
    """vintage, lsoa, lat_e6, lon_e6 of each LSOA. Worked in degrees: across one LSOA the
    east-west scale (the cosine of the latitude) is all but constant, and a constant
    scale moves no centroid."""
    parts = []
    for vintage, s in shapes.items():
        cx, cy, _ = polygons.area_centroids(s.lon, s.lat, s.ring_starts, s.ring_area, len(s))
        parts.append(
            pl.DataFrame(
                {
                    "vintage": pl.Series([vintage] * len(s), dtype=pl.Int16),
                    "lsoa": list(s.codes),
                    "lat_e6": pl.Series(_e6(cy), dtype=pl.Int32),
                    "lon_e6": pl.Series(_e6(cx), dtype=pl.Int32),
                }
            )
        )
    return pl.concat(parts)


def build_boundaries(source: Path, out: Path) -> list[Path]:
    """Write the boundaries (BOUNDARY_RESOURCES) and lsoa_centroids.parquet from
    SOURCE_DIR/geo/.

    Checks against the lookups already in ``out``: the LSOA codes are those of the LSOA
    -> ICB lookups, the MSOA codes those of the LSOA -> MSOA lookup, the ICB codes and
    names those of the April 2024 lookup. Local authorities: the LSOA 2021s dissolved
    by their LAD 2024 (the April 2024 lookup), each LAD's area that of its LSOAs. The
    dissolve is checked by doing it by ICB too: it must give the source ICB file's rings
    and vertices exactly.
    """
    shapes = {
        key: _geojson_shapes(source / file, code, name)
        for key, (file, code, name) in BOUNDARY_SOURCES.items()
    }
    lookup21 = pl.read_parquet(out / "lsoa21_icb24.parquet")
    lookup11 = pl.read_parquet(out / "lsoa11_icb22.parquet")
    msoa = pl.read_parquet(out / geography.LSOA21_MSOA21_RESOURCE)
    expected = {
        "lsoa21": (geography.LSOA21_AREAS, set(lookup21["lsoa21_code"])),
        "lsoa11": (geography.LSOA11_AREAS, set(lookup11["lsoa11_code"])),
        "msoa21": (geography.MSOA21_AREAS, set(msoa["msoa21"])),
        "icb24": (42, set(lookup21["icb24_code"])),
    }
    for key, (count, codes) in expected.items():
        _geo_check(
            len(shapes[key]) == count and set(shapes[key].codes) == codes,
            f"{BOUNDARY_SOURCES[key][0]}: not the {count:,} codes of the lookup",
        )
    icb_names = dict(zip(lookup21["icb24_code"], lookup21["icb24_name"], strict=True))
    _geo_check(
        [icb_names[c] for c in shapes["icb24"].codes] == list(shapes["icb24"].names),
        "ICB names differ between the boundary file and the April 2024 lookup",
    )
    lad, slivers = _lad_outlines(shapes["lsoa21"], shapes["icb24"], lookup21)

    common = {"attribution": BOUNDARIES_ATTRIBUTION, "crs": "WGS84 (EPSG:4326)"}
    layout = (
        "one row an area: code, name, rings (vertex count of each ring), dlon, dlat "
        "(Int32 micro-degrees, each area's first vertex whole, then steps); rings closed"
    )
    source_of = {key: file for key, (file, _, _) in BOUNDARY_SOURCES.items()}
    outputs: dict[tuple[BoundaryLevel, int], tuple[Shapes, str, str]] = {
        ("lsoa", 2021): (
            shapes["lsoa21"],
            "LSOA (Dec 2021), super generalised",
            source_of["lsoa21"],
        ),
        ("lsoa", 2011): (
            shapes["lsoa11"],
            "LSOA (Dec 2011), super generalised",
            source_of["lsoa11"],
        ),
        ("msoa", 2021): (shapes["msoa21"], "MSOA 2021, super generalised", source_of["msoa21"]),
        ("lad", 2021): (
            lad,
            f"Local authorities (LAD 2024 of the April 2024 lookup), dissolved from the LSOA "
            f"2021 boundaries ({slivers} slivers dropped)",
            f"{source_of['lsoa21']}; lsoa21_icb24.parquet",
        ),
        ("icb", 2021): (shapes["icb24"], "ICB (April 2024), from LSOA 2021", source_of["icb24"]),
    }
    written = []
    for level, (table, title, source_file) in outputs.items():
        target = out / BOUNDARY_RESOURCES[level]
        meta = {**common, "title": title, "source_file": source_file, "layout": layout}
        shapes_frame(table).write_parquet(
            target, compression="zstd", compression_level=19, metadata=meta
        )
        written.append(target)
    target = out / CENTROIDS_RESOURCE
    _centroids({2011: shapes["lsoa11"], 2021: shapes["lsoa21"]}).write_parquet(
        target,
        compression="zstd",
        compression_level=19,
        metadata={
            **common,
            "title": "LSOA 2011 and 2021 centroids, England",
            "method": CENTROID_METHOD,
            "source_file": f"{source_of['lsoa11']}; {source_of['lsoa21']}",
            "layout": "vintage, lsoa, lat_e6, lon_e6 (Int32 micro-degrees)",
        },
    )
    return [*written, target]


if __name__ == "__main__":
    src = Path(sys.argv[1])
    dst = (
        Path(sys.argv[2])
        if len(sys.argv) > 2
        else Path(__file__).resolve().parents[2] / "resources"
    )
    for path in build(src, dst):
        sys.stdout.write(f"{path} {path.stat().st_size:,} bytes\n")
