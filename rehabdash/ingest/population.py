"""prepare_population: ONS LSOA estimates or GP-registered counts -> long bands.

Accepted layouts (DESIGN 4.2):
* wide, one column per age: single years "0" ... "90+", five-year bands ("0-4",
  "Aged 0 to 4", "age_00_04"), or sex and age together ("F0" ... "M90", ONS 2021+);
  sex from a column, the sheet name ("Mid-2020 Males") or the caller, else persons;
* long: area, [sex], age (single year or band), count - as NHS England publishes
  patients registered at a GP practice (ORG_CODE, SEX, AGE or AGE_GROUP_5,
  NUMBER_OF_PATIENTS).
Output: area_code, sex ("1", "2", "P"), age_band (ESP bands), count, year.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from rehabdash.ingest.bands import band_of_label, map_uniques, sex_code
from rehabdash.ingest.errors import ImportFileError
from rehabdash.ingest.prepared import CancelFn, PreparedImport, ProgressFn, Steps
from rehabdash.ingest.readers import ROW
from rehabdash.ingest.reference_tables import find_column, finish, number, open_table, year_in
from rehabdash.ingest.validate import REJECTED, Rule, Schema

__all__ = ["POPULATION_SCHEMA", "prepare_population"]

POPULATION_SCHEMA: dict[str, pl.DataType] = {
    "area_code": pl.Utf8(),
    "sex": pl.Utf8(),
    "age_band": pl.Utf8(),
    "count": pl.Int64(),
    "year": pl.Int16(),
}
AREA = (
    "lsoa code",
    "lsoa 2021 code",
    "lsoa 2011 code",
    "lsoa21cd",
    "lsoa11cd",
    "lsoa11 code",
    "lsoa21 code",
    "lsoa code 2011",
    "lsoa code 2021",
    "lsoa",
    "area codes",
    "area code",
    "org code",
    "practice code",
    "gp practice code",
    "practice",
    "code",
    "area",
)
SEX = ("sex", "gender")
YEAR = ("year", "mid year", "mid_year", "extract date", "period", "date")
COUNT = ("count", "number of patients", "population", "patients", "value", "persons", "number")
AGE = ("age band", "age group", "age group 5", "age_group_5", "quinary age", "age")
_SEX_AGE = re.compile(r"^\s*([fmp])\s*_?\s*(\d{1,3}\s*\+?(?:\s*plus)?)\s*$", re.IGNORECASE)


class _PopulationSchema(Schema):
    def rules(self, frame: pl.DataFrame) -> list[Rule]:
        return [
            Rule(
                "missing_area",
                REJECTED,
                "area_code",
                pl.col("area_code").is_null(),
                "area code is blank",
            ),
            Rule(
                "sex_invalid",
                REJECTED,
                "sex",
                pl.col("sex").is_null(),
                "sex must be male, female or persons",
                value=pl.col("sex__raw"),
            ),
            Rule(
                "age_invalid",
                REJECTED,
                pl.col("__age_column"),
                pl.col("age_band").is_null(),
                "age is not a single year or an ESP 5-year band",
                value=pl.col("__age"),
            ),
            Rule(
                "count_not_a_number",
                REJECTED,
                pl.col("__count_column"),
                pl.col("__count").is_not_null() & pl.col("count").is_null(),
                "count is not a whole number",
                value=pl.col("__count"),
            ),
            Rule(
                "count_negative",
                REJECTED,
                pl.col("__count_column"),
                pl.col("count") < 0,
                "count is negative",
                value=pl.col("__count"),
            ),
            Rule(
                "year_invalid",
                REJECTED,
                "year",
                pl.col("year").is_null(),
                "year is missing or not a year",
                value=pl.col("year__raw"),
            ),
        ]


def prepare_population(
    path: str | Path,
    *,
    sheet: str | int | None = None,
    year: int | None = None,
    sex: str | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> PreparedImport:
    """Prepare a population table (see the module docstring)."""
    step = Steps(progress, cancel)
    words = (*AREA, *SEX, *YEAR, *COUNT, *AGE, "all ages", "all_ages", "age_00_04")
    path, table, sha = open_table(path, sheet, words, step)
    headers, frame = table.headers, table.frame
    area = find_column(headers, AREA)
    if area is None:
        raise ImportFileError(path, "no area or practice code column (e.g. 'LSOA code')")
    fields = {"area_code": area}
    notes: list[str] = []
    default_sex = sex_code(sex) if sex else _sex_from_text(table.sheet) or _sex_from_text(path.stem)
    sex_col, year_col = find_column(headers, SEX), find_column(headers, YEAR)
    default_year = year or year_in(table.sheet) or year_in(path.stem)
    if year_col is None and default_year is None:
        raise ImportFileError(path, "the year is not in the file: pass the year of the estimates")
    count_col, age_col = find_column(headers, COUNT), find_column(headers, AGE)
    base = [pl.col(ROW), pl.col(area).str.strip_chars().str.to_uppercase().alias("area_code")]
    sex_expr = pl.col(sex_col) if sex_col else pl.lit(default_sex or "P")
    year_expr = pl.col(year_col) if year_col else pl.lit(str(default_year))
    base += [sex_expr.alias("sex__raw"), year_expr.alias("year__raw")]
    if count_col and age_col:
        fields.update(age=age_col, count=count_col)
        long = frame.select(
            *base,
            pl.col(age_col).alias("__age"),
            pl.col(count_col).alias("__count"),
            pl.lit(age_col).alias("__age_column"),
            pl.lit(count_col).alias("__count_column"),
        )
    else:
        long = _unpivot_wide(path, frame, headers, base, {area, sex_col, year_col} - {None}, notes)
    if sex_col is None and default_sex is None and "__sex_from_header" not in long.columns:
        notes.append("no sex column: counts taken as persons (P)")
    if sex_col:
        fields["sex"] = sex_col
    if year_col:
        fields["year"] = year_col
    long = _parse(long)
    totals = long.filter(pl.col("__kind") == "total").height
    long = long.filter(pl.col("__kind") != "total")
    if totals:
        notes.append(f"ignored {totals:,} all-ages total value(s)")
    result = _PopulationSchema().filter(long, fields)
    valid = result.valid.filter(~pl.col(ROW).is_in(result.rejected_rows[ROW].implode()))
    rows = (
        valid.group_by("area_code", "sex", "age_band", "year")
        .agg(pl.col("count").sum())
        .sort("area_code", "sex", "age_band", "year")
        .select((pl.col(c).cast(t) for c, t in POPULATION_SCHEMA.items()))
    )
    return finish("population", path, table, sha, result, rows, fields, notes, step)


def _sex_from_text(text: str | None) -> str | None:
    low = (text or "").lower()
    for word, code in (("female", "2"), ("male", "1"), ("persons", "P")):
        if re.search(rf"\b{word}s?\b", low):
            return code
    return None


def _unpivot_wide(
    path: Path,
    frame: pl.DataFrame,
    headers: list[str],
    base: list[pl.Expr],
    used: set[str | None],
    notes: list[str],
) -> pl.DataFrame:
    columns: dict[str, str | None] = {}
    for header in headers:
        if header in used:
            continue
        kind = band_of_label(header)[1]
        sex_age = _SEX_AGE.match(header)
        if sex_age and kind is None:
            kind = band_of_label(sex_age.group(2))[1]
            columns[header] = sex_code(sex_age.group(1))
        elif kind in {"band", "year", "unsplittable", "total"}:
            columns[header] = None
        if kind == "unsplittable":
            raise ImportFileError(
                path,
                "this age column cannot be split into the ESP 5-year bands (0-4 ... 85-89, 90+)",
                column=header,
            )
    if not columns:
        raise ImportFileError(
            path, "no age columns (e.g. '0-4' or '0', '1', ...) and no age + count columns"
        )
    ignored = [h for h in headers if h not in columns and h not in used]
    if ignored:
        notes.append("ignored column(s): " + ", ".join(repr(h) for h in ignored))
    wide = frame.select(*base, *(pl.col(h) for h in columns))
    long = wide.unpivot(
        index=[ROW, "area_code", "sex__raw", "year__raw"],
        on=list(columns),
        variable_name="__age_column",
        value_name="__count",
    )
    header_sex = {h: s for h, s in columns.items() if s is not None}
    if header_sex:
        from_header = pl.col("__age_column").replace_strict(header_sex, default=None)
        long = long.with_columns(
            from_header.fill_null(pl.col("sex__raw")).alias("sex__raw"),
            pl.lit(True).alias("__sex_from_header"),
        )
    age_label = {h: _age_part(h) if h in header_sex else h for h in columns}
    return long.with_columns(
        pl.col("__age_column").replace_strict(age_label, return_dtype=pl.Utf8).alias("__age"),
        pl.col("__age_column").alias("__count_column"),
    ).sort(ROW, maintain_order=True)


def _age_part(header: str) -> str:
    match = _SEX_AGE.match(header)
    return match.group(2) if match else header


def _year_text(value: str) -> str | None:
    found = year_in(value)
    return None if found is None else str(found)


def _parse(long: pl.DataFrame) -> pl.DataFrame:
    ages = long["__age"].cast(pl.Utf8)
    count = number(pl.col("__count"))
    return long.with_columns(
        map_uniques(ages, lambda v: band_of_label(v)[0]).alias("age_band"),
        map_uniques(ages, lambda v: band_of_label(v)[1]).alias("__kind"),
        map_uniques(long["sex__raw"].cast(pl.Utf8), sex_code).alias("sex"),
        map_uniques(long["year__raw"].cast(pl.Utf8), _year_text).cast(pl.Int16).alias("year"),
        pl.when(count == count.floor()).then(count).cast(pl.Int64, strict=False).alias("count"),
        pl.col("area_code").replace("", None),
        pl.col("__count").str.strip_chars().replace("", None),
    )
