"""prepare_need: optional need weights by age band x sex (x condition group).

DESIGN 4.4: by default need follows the age-sex structure; a user may supply
relative need per band (or condition prevalence), and expected activity becomes
population x weight x reference rate. Weights must be non-negative numbers on the
same ESP bands as the population; one weight per band, sex and condition group.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from rehabdash.ingest.bands import band_of_label, map_uniques, sex_code
from rehabdash.ingest.errors import ImportFileError
from rehabdash.ingest.prepared import CancelFn, PreparedImport, ProgressFn, Steps
from rehabdash.ingest.readers import ROW
from rehabdash.ingest.reference_tables import find_column, finish, number, open_table
from rehabdash.ingest.validate import REJECTED, Rule, Schema

__all__ = ["NEED_SCHEMA", "prepare_need"]

NEED_SCHEMA: dict[str, pl.DataType] = {
    "age_band": pl.Utf8(),
    "sex": pl.Utf8(),
    "weight": pl.Float64(),
    "condition_group": pl.Utf8(),
}
AGE = ("age band", "age group", "age", "band")
SEX = ("sex", "gender")
WEIGHT = ("weight", "need weight", "relative need", "need", "prevalence", "rate", "value")
CONDITION = ("condition group", "condition", "group", "condition_group")


class _NeedSchema(Schema):
    def rules(self, frame: pl.DataFrame) -> list[Rule]:
        key = [pl.col("age_band"), pl.col("sex"), pl.col("condition_group")]
        return [
            Rule(
                "age_invalid",
                REJECTED,
                "age_band",
                pl.col("age_band").is_null(),
                "age band must be an ESP 5-year band (0-4 ... 85-89, 90+)",
            ),
            Rule(
                "sex_invalid",
                REJECTED,
                "sex",
                pl.col("sex").is_null(),
                "sex must be male, female or persons",
            ),
            Rule(
                "weight_not_a_number",
                REJECTED,
                "weight",
                pl.col("weight").is_null(),
                "weight is missing or not a number",
            ),
            Rule("weight_negative", REJECTED, "weight", pl.col("weight") < 0, "weight is negative"),
            Rule(
                "duplicate_band",
                REJECTED,
                "age_band",
                (pl.len().over(key) > 1) & pl.col("age_band").is_not_null(),
                "age band, sex and condition group appear more than once",
            ),
        ]


def _band_only(label: str) -> str | None:
    band, kind = band_of_label(label)
    return band if kind == "band" else None


def prepare_need(
    path: str | Path,
    *,
    sheet: str | int | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> PreparedImport:
    """Prepare a need-weight table (see the module docstring)."""
    step = Steps(progress, cancel)
    path, table, sha = open_table(path, sheet, (*AGE, *SEX, *WEIGHT, *CONDITION), step)
    age, weight = find_column(table.headers, AGE), find_column(table.headers, WEIGHT)
    if age is None or weight is None:
        raise ImportFileError(path, "a need table needs an age band column and a weight column")
    sex, condition = find_column(table.headers, SEX), find_column(table.headers, CONDITION)
    fields = {"age_band": age, "weight": weight}
    notes = [] if sex else ["no sex column: weights taken as persons (P)"]
    if sex:
        fields["sex"] = sex
    if condition:
        fields["condition_group"] = condition
    work = table.frame.select(
        pl.col(ROW),
        pl.col(age).alias("age_band__raw"),
        (pl.col(sex) if sex else pl.lit("P")).alias("sex__raw"),
        pl.col(weight).alias("weight__raw"),
        (
            pl.col(condition).str.strip_chars().replace("", None)
            if condition
            else pl.lit(None, dtype=pl.Utf8)
        ).alias("condition_group"),
    )
    work = work.with_columns(
        map_uniques(work["age_band__raw"], _band_only).alias("age_band"),
        map_uniques(work["sex__raw"].cast(pl.Utf8), sex_code).alias("sex"),
        number(pl.col("weight__raw")).alias("weight"),
    )
    result = _NeedSchema().filter(work, fields)
    rows = result.valid.select(pl.col(c).cast(t) for c, t in NEED_SCHEMA.items())
    return finish("need", path, table, sha, result, rows, fields, notes, step)
