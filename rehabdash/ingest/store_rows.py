"""Prepared rows in the shape of their store table, and what the batch records about them.

Activity rows already have the referral table's columns. IMD rows gain the local
authority, sub-ICB and ICB of each LSOA from the shipped lookup of the same LSOA
vintage (left blank for an LSOA the lookup does not know); population rows gain
their source; need, postcode, area and site rows go as they are.
"""

from __future__ import annotations

import re
from typing import Any

import polars as pl

from rehabdash.ingest.prepared import ImportSource, PreparedImport
from rehabdash.ingest.scrub import scrub

__all__ = [
    "batch_details",
    "check_period",
    "check_provider",
    "distinct_values",
    "providers_of",
    "store_frame",
]

_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_LOOKUP_COLUMNS = ("lad_code", "lad_name", "sicb_code", "sicb_name", "icb_code", "icb_name")


def check_period(period: str | None) -> str | None:
    """``YYYY-MM`` (a reporting month) or None; ValueError otherwise."""
    if period is None:
        return None
    period = period.strip()
    if not _PERIOD.match(period):
        raise ValueError(f"period {period!r} is not a month as YYYY-MM (e.g. 2024-05)")
    return period


def check_provider(code: str | None) -> str | None:
    """An ODS organisation code for rows without one (3 to 6 letters or digits), upper
    case, or None; ValueError otherwise (it would be stored on every row)."""
    if code is None or not code.strip():
        return None
    cleaned = code.strip().upper().replace(" ", "")
    if not re.fullmatch(r"[A-Z0-9]{3,6}", cleaned):
        raise ValueError(
            f"provider code {code!r} is not an ODS organisation code (3 to 6 letters or digits)"
        )
    return cleaned


def providers_of(prepared: PreparedImport) -> list[str]:
    if prepared.kind != "activity":
        return []
    return sorted(prepared.rows["provider_code"].drop_nulls().unique().to_list())


def _imd_frame(rows: pl.DataFrame) -> pl.DataFrame:
    from rehabdash.refdata import lsoa_lookup

    frame = rows.select(
        "lsoa",
        pl.col("lsoa_vintage").cast(pl.Int16),
        pl.col("edition").cast(pl.Int16).alias("imd_edition"),
        pl.col("imd_decile").cast(pl.Int16),
        pl.col("imd_rank").cast(pl.Int32),
        pl.col("imd_score").cast(pl.Float64),
    )
    parts = []
    for vintage in frame["lsoa_vintage"].unique().sort().to_list():
        part = frame.filter(pl.col("lsoa_vintage") == vintage)
        if vintage in (2011, 2021):
            lookup = lsoa_lookup(vintage).select("lsoa", *_LOOKUP_COLUMNS).unique("lsoa")
            part = part.join(lookup, on="lsoa", how="left", maintain_order="left")
        else:
            part = part.with_columns(pl.lit(None, pl.Utf8).alias(c) for c in _LOOKUP_COLUMNS)
        parts.append(part)
    if not parts:
        return frame.with_columns(pl.lit(None, pl.Utf8).alias(c) for c in _LOOKUP_COLUMNS)
    return pl.concat(parts)


def store_frame(prepared: PreparedImport) -> pl.DataFrame:
    """The accepted rows with the store table's column names (batch_id not yet added)."""
    rows = prepared.rows
    if prepared.kind == "activity":
        return rows
    if prepared.kind == "population":
        return rows.select(
            "area_code",
            "sex",
            "age_band",
            pl.col("count").cast(pl.Float64),
            pl.col("year").cast(pl.Int16),
            pl.lit(prepared.source_name).alias("source"),
        )
    if prepared.kind == "imd":
        return _imd_frame(rows)
    if prepared.kind == "need":
        return rows.select(
            "age_band", "sex", pl.col("weight").cast(pl.Float64), pl.col("condition_group")
        )
    if prepared.kind == "postcodes":
        return rows.select("postcode", "lsoa11", "lsoa21")
    if prepared.kind == "areas":
        return rows.select(
            "lsoa", pl.col("lsoa_vintage").cast(pl.Int16), "code", "name", "area_type"
        )
    if prepared.kind == "sites":
        return rows.select(
            "name",
            "site_type",
            "lsoa",
            pl.col("lsoa_vintage").cast(pl.Int16),
            pl.col("latitude").cast(pl.Float64),
            pl.col("longitude").cast(pl.Float64),
            pl.col("row_number").cast(pl.Int32),
        )
    raise ValueError(f"unknown import kind {prepared.kind!r}")


def distinct_values(rows: pl.DataFrame, column: str) -> list[Any]:
    if column not in rows.columns:
        return []
    return sorted(rows[column].drop_nulls().unique().to_list())


def batch_details(
    source: ImportSource, providers: list[str], notes: list[str] | None = None
) -> dict[str, Any]:
    """Provenance for the batch row: editions, vintages, years, providers, notes
    (``notes``: the import's own, when its parts added to the file's)."""
    details: dict[str, Any] = {
        "header_row": source.header_row,
        # Notes quote headers, which in a badly laid-out file may be data.
        "notes": [scrub(n) for n in (source.notes if notes is None else notes)],
    }
    if source.footer_note:
        details["footer"] = source.footer_note
    if source.kind == "activity":
        details["providers"] = providers
    if not isinstance(source, PreparedImport):
        return details
    rows = source.rows
    if source.kind == "population":
        details["years"] = distinct_values(rows, "year")
    elif source.kind == "imd":
        editions = distinct_values(rows, "edition")
        vintages = distinct_values(rows, "lsoa_vintage")
        details["imd_edition"] = editions[0] if len(editions) == 1 else editions
        details["lsoa_vintage"] = vintages[0] if len(vintages) == 1 else vintages
    elif source.kind == "need":
        details["condition_groups"] = distinct_values(rows, "condition_group")
    elif source.kind == "postcodes":
        details["lsoa_vintage"] = [v for v in (2011, 2021) if rows[f"lsoa{v % 100}"].count()]
    elif source.kind == "areas":
        vintages = distinct_values(rows, "lsoa_vintage")
        details["lsoa_vintage"] = vintages[0] if len(vintages) == 1 else vintages
        details["area_type"] = distinct_values(rows, "area_type")
        details["areas"] = rows["code"].n_unique()
    elif source.kind == "sites":
        details["lsoa_vintage"] = distinct_values(rows, "lsoa_vintage")
        details["site_types"] = distinct_values(rows, "site_type")
    return details
