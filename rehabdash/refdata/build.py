"""Convert the published national reference CSVs into the compact Parquet files in resources/.

Run once by a maintainer when a new edition is published:
``python -m rehabdash.refdata.build SOURCE_DIR [OUT_DIR]``. The app itself only reads the
Parquet files (see ``rehabdash.refdata``); nothing reads the source folder at run time.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl

__all__ = ["TABLES", "build"]

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
