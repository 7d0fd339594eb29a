"""Convert the published national reference CSVs into the compact Parquet files in resources/.

Run once by a maintainer when a new edition is published:
``python -m rehabdash.refdata.build SOURCE_DIR [OUT_DIR]``. The app itself only reads the
Parquet files (see ``rehabdash.refdata``); nothing reads the source folder at run time.

The Census 2021 topic summaries in SOURCE_DIR/census/ become one long table each
(``rehabdash.refdata.census``); the README's checks are re-run on the way and any failure
stops the build rather than shipping a table that disagrees with its source.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl

from rehabdash.refdata.census import CENSUS_TABLES, CensusTable

__all__ = ["CENSUS_SOURCES", "TABLES", "build", "build_census"]

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
    return written + build_census(source / "census", out)


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


if __name__ == "__main__":
    src = Path(sys.argv[1])
    dst = (
        Path(sys.argv[2])
        if len(sys.argv) > 2
        else Path(__file__).resolve().parents[2] / "resources"
    )
    for path in build(src, dst):
        sys.stdout.write(f"{path} {path.stat().st_size:,} bytes\n")
