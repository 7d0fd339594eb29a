"""prepare_areas: the ICB's own LSOA -> neighbourhood (locality, hub catchment) lookup, issue 14.

A data officer's file: an LSOA code column (``LSOA21CD``, ``LSOA11CD``, ``LSOA code``,
``lsoa``, ``LSOA 2021 code``...), a name column (``Neighbourhood``, ``Neighbourhood
name``, ``Locality``, ``Hub``, ``Catchment``, ``Area name``) and perhaps a code
(``Neighbourhood code``, ``code``, ``ID``; the name stands in when there is none).
The area type is the caller's or follows from the name column's header.

Rules: every code is an English LSOA of one vintage (a file mixing 2011-only and
2021-only codes is refused whole, rehabdash.ingest.lsoa_codes); an LSOA listed in two
different areas is rejected on every such row, naming both; a blank name is rejected;
a row repeated exactly is kept once. The notes say how many LSOAs of the ICB(s) the
file covers are in no area (a gap to know of, not an error).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from rehabdash.ingest.errors import ImportFileError
from rehabdash.ingest.lsoa_codes import (
    LSOA_HEADERS,
    LSOA_PATTERN,
    file_vintage,
    known_lsoa,
    lsoa_column,
    lsoa_flags,
    tidy_code,
)
from rehabdash.ingest.prepared import CancelFn, PreparedImport, ProgressFn, Steps
from rehabdash.ingest.readers import ROW
from rehabdash.ingest.reference_tables import find_column, finish, open_table
from rehabdash.ingest.validate import REJECTED, Rule, Schema
from rehabdash.kinds import AREA_TYPES, area_type_named

__all__ = ["AREA_SCHEMA", "prepare_areas"]

AREA_SCHEMA: dict[str, pl.DataType] = {
    "lsoa": pl.Utf8(),
    "lsoa_vintage": pl.Int16(),
    "code": pl.Utf8(),
    "name": pl.Utf8(),
    "area_type": pl.Utf8(),
}
#: Name and code headers of each area type, most specific first.
_NAMES: dict[str, tuple[str, ...]] = {
    "neighbourhood": (
        "neighbourhood name",
        "neighbourhood",
        "neighborhood name",
        "neighborhood",
        "integrated neighbourhood",
        "integrated neighbourhood team",
        "neighbourhood team",
        "pcn neighbourhood",
        "pcn neighbourhood name",
        "neighbourhood area",
    ),
    "locality": ("locality name", "locality", "place", "place name"),
    "hub catchment": (
        "hub catchment",
        "hub catchment name",
        "hub name",
        "hub",
        "catchment name",
        "catchment",
        "catchment area",
    ),
}
_ANY_NAME = ("area name", "area", "name")
_CODES: dict[str, tuple[str, ...]] = {
    "neighbourhood": ("neighbourhood code", "neighbourhood id", "neighborhood code"),
    "locality": ("locality code", "locality id", "place code"),
    "hub catchment": ("hub code", "hub id", "catchment code", "catchment id"),
}
_ANY_CODE = ("area code", "area id", "code", "id")
_EXAMPLE = {"neighbourhood": "Neighbourhood", "locality": "Locality", "hub catchment": "Hub"}
#: How the messages name one and several areas of each type.
_NOUNS = {
    "neighbourhood": ("neighbourhood", "neighbourhoods"),
    "locality": ("locality", "localities"),
    "hub catchment": ("hub catchment", "hub catchments"),
}


class _AreaSchema(Schema):
    def __init__(self, area_type: str) -> None:
        self.noun, self.nouns = _NOUNS[area_type]

    def rules(self, frame: pl.DataFrame) -> list[Rule]:
        code = pl.col("lsoa")
        wales = code.str.contains(r"^W01[0-9]{6}$")
        shaped = code.str.contains(LSOA_PATTERN)
        return [
            Rule("lsoa_missing", REJECTED, "lsoa", code.is_null(), "LSOA code is blank"),
            Rule(
                "lsoa_wales",
                REJECTED,
                "lsoa",
                wales,
                "LSOA is in Wales; the lookup takes English LSOAs",
            ),
            Rule(
                "lsoa_malformed",
                REJECTED,
                "lsoa",
                ~shaped & ~wales,
                "not an LSOA code (E01 and 6 digits)",
            ),
            Rule(
                "lsoa_unknown",
                REJECTED,
                "lsoa",
                shaped & ~known_lsoa(),
                "not an English LSOA (not in the ONS 2011 or 2021 lists)",
            ),
            Rule(
                "name_missing",
                REJECTED,
                "name",
                pl.col("name").is_null(),
                f"{self.noun} name is blank",
            ),
            Rule(
                "lsoa_in_two_areas",
                REJECTED,
                "lsoa",
                pl.col("__areas") > 1,
                pl.lit("LSOA in ")
                + pl.col("__areas").cast(pl.Utf8)
                + f" {self.nouns}: "
                + pl.col("__labels"),
            ),
        ]


def _area_columns(
    path: Path, headers: list[str], lsoa: str, area_type: str | None
) -> tuple[str, str, str | None]:
    """(area type, name column, code column) for this file."""
    others = [h for h in headers if h != lsoa]
    types = (area_type,) if area_type is not None else AREA_TYPES
    for kind in types:
        name = find_column(others, _NAMES[kind])
        if name is not None:
            break
    else:
        kind = area_type or AREA_TYPES[0]
        name = find_column(others, _ANY_NAME)
    if name is None:
        raise ImportFileError(
            path,
            f"no {_NOUNS[kind][0]} name column (e.g. '{_EXAMPLE[kind]}' or 'Area name'). "
            "Columns found: " + ", ".join(repr(h) for h in headers[:20]),
        )
    rest = [h for h in others if h != name]
    code = find_column(rest, _CODES[kind]) or find_column(rest, _ANY_CODE)
    return kind, name, code


def _other_types(headers: list[str], used: str, kind: str) -> list[str]:
    """Notes for the other area types' name columns a file also has (one type a file)."""
    notes = []
    for other in AREA_TYPES:
        column = find_column([h for h in headers if h != used], _NAMES[other])
        if other != kind and column is not None:
            notes.append(
                f"column {column!r} ({_NOUNS[other][1]}) not read: one area type a file; "
                f"import the file again with --area-type {other!r} to load it"
            )
    return notes


def _labels(work: pl.DataFrame) -> pl.DataFrame:
    """Per LSOA: how many different areas list it, and their names ('A' and 'B'; the
    code too where two share a name), short enough for the failure table's 100 characters."""
    areas = (
        work.filter(pl.col("lsoa").is_not_null() & pl.col("name").is_not_null())
        .select("lsoa", "code", "name")
        .unique()
    )
    label = (
        pl.when(pl.col("name").is_duplicated().over("lsoa"))
        .then(pl.col("name") + " (" + pl.col("code") + ")")
        .otherwise(pl.col("name"))
    )
    return (
        areas.select("lsoa", ("'" + label + "'").alias("__label"))
        .sort("lsoa", "__label")
        .group_by("lsoa", maintain_order=True)
        .agg(
            pl.len().alias("__areas"),
            pl.col("__label").str.join(" and ").alias("__labels"),
        )
    )


def _coverage(rows: pl.DataFrame, vintage: int, nouns: tuple[str, str]) -> list[str]:
    """For each ICB the file's LSOAs are in: how many of its LSOAs are in no area."""
    from rehabdash.refdata import lsoa_lookup

    lookup = lsoa_lookup(2011 if vintage == 2011 else 2021).select("lsoa", "icb_code", "icb_name")
    covered = set(rows["lsoa"].to_list())
    icbs = lookup.filter(pl.col("lsoa").is_in(sorted(covered)))["icb_code"].unique().sort()
    notes = []
    for icb in icbs.to_list():
        own = lookup.filter(pl.col("icb_code") == icb)
        name = own["icb_name"][0]
        missing = own.filter(~pl.col("lsoa").is_in(sorted(covered))).height
        if missing:
            notes.append(
                f"{missing:,} of the {own.height:,} LSOAs ({vintage}) of {name} are in no "
                f"{nouns[0]} in this file"
            )
        else:
            notes.append(
                f"every one of the {own.height:,} LSOAs ({vintage}) of {name} is in a {nouns[0]}"
            )
    return notes


def prepare_areas(
    path: str | Path,
    *,
    sheet: str | int | None = None,
    area_type: str | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> PreparedImport:
    """Prepare an LSOA -> area lookup (see the module docstring). ``area_type``: one of
    AREA_TYPES (None: from the name column's header, else neighbourhood)."""
    if area_type is not None:
        area_type = area_type_named(area_type)
    step = Steps(progress, cancel)
    words = (*LSOA_HEADERS, *(w for n in _NAMES.values() for w in n), *_ANY_NAME, *_ANY_CODE)
    path, table, sha = open_table(path, sheet, words, step)
    lsoa, named = lsoa_column(table.headers)
    if lsoa is None:
        raise ImportFileError(
            path,
            "no LSOA code column (e.g. 'LSOA21CD' or 'LSOA code'). Columns found: "
            + ", ".join(repr(h) for h in table.headers[:20]),
        )
    kind, name, code = _area_columns(path, table.headers, lsoa, area_type)
    fields = {"lsoa": lsoa, "name": name} | ({"code": code} if code else {})
    text_name = pl.col(name).cast(pl.Utf8).str.strip_chars()
    clean_name = text_name.str.replace_all(r"\s+", " ").replace("", None)
    work = table.frame.select(
        pl.col(ROW),
        pl.col(lsoa).alias("lsoa__raw"),
        pl.col(name).alias("name__raw"),
        tidy_code(pl.col(lsoa)).alias("lsoa"),
        clean_name.alias("name"),
        (
            pl.col(code).cast(pl.Utf8).str.strip_chars().replace("", None)
            if code
            else pl.lit(None, pl.Utf8)
        ).alias("__code"),
    ).with_columns(pl.coalesce("__code", "name").alias("code"))
    work = work.with_columns(lsoa_flags(pl.col("lsoa")))
    vintage = file_vintage(path, work, lsoa, named)
    work = work.join(_labels(work), on="lsoa", how="left", maintain_order="left")
    result = _AreaSchema(kind).filter(work, fields)
    valid = result.valid.select(
        pl.col("lsoa"),
        pl.lit(vintage.vintage).alias("lsoa_vintage"),
        pl.col("code"),
        pl.col("name"),
        pl.lit(kind).alias("area_type"),
    ).select(pl.col(c).cast(t) for c, t in AREA_SCHEMA.items())
    rows = valid.unique(maintain_order=True)  # a row repeated exactly counts once
    nouns = _NOUNS[kind]
    notes = [f"{kind} lookup on {vintage.note}", *_other_types(table.headers, name, kind)]
    if valid.height > rows.height:
        notes.append(f"{valid.height - rows.height:,} repeated row(s) counted once")
    notes.append(f"{rows['code'].n_unique():,} {nouns[1]} over {rows.height:,} LSOAs")
    if rows.height:
        notes += _coverage(rows, vintage.vintage, nouns)
    return finish("areas", path, table, sha, result, rows, fields, notes, step)
