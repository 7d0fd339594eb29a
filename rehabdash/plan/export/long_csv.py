"""The data plan as CSV in long format: one row per value (issue 10, item 9).

Every table of the plan is written with the columns of :data:`EXPORT_COLUMNS` after
disclosure control, breakdowns and levels as readable labels with codes in brackets,
and the Analysis Function shorthand in place of a number: ``[c]`` suppressed, ``[x]``
not available, ``[z]`` not applicable (``[u]``, low reliability, goes in the note beside
the number it qualifies). Files, one per section of the plan, plus:

* ``findings.csv``: the plain-English findings, ranked, each with its indicator;
* ``definitions.csv``: each indicator's title, numerator, denominator (source, year),
  method, unit, which direction is better, caveats and the batches it read;
* ``about.csv``: the filter, the disclosure rule, the batches, sources and attribution.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

import polars as pl

from rehabdash import __version__
from rehabdash.paths import restrict_to_user
from rehabdash.plan.disclosure import DisclosureRule, disclosure_note, rule
from rehabdash.plan.engine import Plan
from rehabdash.plan.export.controlled import controlled_sections
from rehabdash.plan.metrics import metric_title
from rehabdash.plan.result import LOW_RELIABILITY
from rehabdash.refdata import ATTRIBUTION

__all__ = ["EXPORT_COLUMNS", "SECTION_FILES", "long_table", "write_plan_csv"]

EXPORT_COLUMNS = (
    "period",
    "area",
    "breakdown",
    "level",
    "metric",
    "value",
    "lower",
    "upper",
    "numerator",
    "denominator",
    "unit",
    "method",
    "note",
)
SECTION_FILES = {
    "access": "1_who_is_accessing.csv",
    "consequences": "2_consequences.csv",
    "need": "3_provision_against_need.csv",
    "improvement": "4_improvement.csv",
    "quality": "5_recording_quality.csv",
}


def _text(column: str) -> pl.Expr:
    """A number as plain text (no thousands separators), blank when missing."""
    # Rounded to 6 decimals first: a sum that is whole but for the last bits of a float
    # (392670.0000000001) is written as the whole number it is.
    value = pl.col(column).round(6)
    whole = value.round(0) == value
    return (
        pl.when(value.is_null())
        .then(pl.lit(""))
        .when(whole & (value.abs() < 1e15))
        .then(value.cast(pl.Int64).cast(pl.String))
        .otherwise(value.cast(pl.String))
    )


def long_table(frame: pl.DataFrame, plan: Plan, disclosure: DisclosureRule) -> pl.DataFrame:
    """Indicator rows (after disclosure) as the export's text columns."""
    area = plan.scope.filter.area.label if plan.scope.filter.area else "areas of the population"
    flag = pl.col("flag")
    shorthand = flag.is_not_null() & (flag != LOW_RELIABILITY)
    counts_hidden = flag == "[c]"
    with_optional = frame.with_columns(
        (pl.col("period") if "period" in frame.columns else pl.lit(None, pl.String))
        .fill_null(plan.filter.period.label)
        .alias("period"),
        (pl.col("area") if "area" in frame.columns else pl.lit(None, pl.String))
        .fill_null(area)
        .alias("area"),
    )
    note = pl.concat_str(
        [
            pl.when(flag == LOW_RELIABILITY).then(pl.lit("[u] low reliability")),
            pl.col("note"),
        ],
        separator="; ",
        ignore_nulls=True,
    )
    return with_optional.select(
        "period",
        "area",
        "breakdown",
        "level",
        pl.col("metric").map_elements(metric_title, return_dtype=pl.String).alias("metric"),
        pl.when(shorthand).then(flag).otherwise(_text("value")).alias("value"),
        pl.when(shorthand).then(pl.lit("")).otherwise(_text("lower")).alias("lower"),
        pl.when(shorthand).then(pl.lit("")).otherwise(_text("upper")).alias("upper"),
        pl.when(counts_hidden & pl.col("numerator").is_null())
        .then(pl.lit("[c]"))
        .otherwise(_text("numerator"))
        .alias("numerator"),
        _text("denominator").alias("denominator"),
        pl.col("unit").fill_null(""),
        pl.col("method").fill_null(""),
        note.fill_null("").alias("note"),
    )


def _write(frame: pl.DataFrame, path: Path) -> Path:
    # UTF-8 with BOM: Excel then opens labels such as "Gypsy or Irish Traveller" unmangled.
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(frame.columns)
        writer.writerows(_safe(row) for row in frame.iter_rows())
    return path


def _safe(row: Iterable[object]) -> list[object]:
    """Text that a spreadsheet would run as a formula is written as text (DESIGN 9)."""
    out = []
    for cell in row:
        if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@") and not _number(cell):
            cell = "'" + cell
        out.append(cell)
    return out


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _definitions(plan: Plan) -> pl.DataFrame:
    rows = []
    for ind in plan.indicators.values():
        d = ind.definition
        rows.append(
            {
                "indicator": ind.key,
                "section": d.section,
                "title": d.title,
                "numerator": d.numerator,
                "denominator": d.denominator,
                "method": d.method,
                "unit": d.unit,
                "better": {"higher": "higher", "lower": "lower"}.get(d.polarity, ""),
                "caveats": "; ".join(d.caveats),
                "batches": ", ".join(map(str, d.batches)),
            }
        )
    return pl.DataFrame(rows)


def _findings(plan: Plan) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "rank": list(range(1, len(plan.findings) + 1)),
            "finding": [f.text for f in plan.findings],
            "indicator": [f.indicator for f in plan.findings],
            "level": [f.level_code for f in plan.findings],
            "filter": [f.filter for f in plan.findings],
            "caveat": [f.caveat or "" for f in plan.findings],
        },
        schema={
            "rank": pl.Int64,
            "finding": pl.String,
            "indicator": pl.String,
            "level": pl.String,
            "filter": pl.String,
            "caveat": pl.String,
        },
    )


def _about(plan: Plan, disclosure: DisclosureRule) -> pl.DataFrame:
    scope = plan.scope
    items = [
        ("title", "Community rehabilitation data plan"),
        ("filter", plan.filter.describe()),
        ("period", f"{plan.filter.period.start} to {plan.filter.period.end}"),
        ("disclosure control", disclosure_note(disclosure)),
        ("IMD edition", str(scope.imd_edition)),
        ("LSOA vintage", str(scope.vintage)),
        ("population", scope.denominator.source if scope.denominator else "none"),
        ("batches read", ", ".join(map(str, scope.batches))),
        ("store fingerprint", plan.fingerprint),
        ("notes", "; ".join(scope.notes)),
        ("produced by", f"rehabdash {__version__}"),
        ("sources", ATTRIBUTION),
    ]
    return pl.DataFrame({"item": [k for k, _ in items], "value": [v for _, v in items]})


def write_plan_csv(plan: Plan, folder: Path, disclosure: str = "hes") -> list[Path]:
    """Write the plan's tables to ``folder`` (created if needed); returns the files."""
    chosen = rule(disclosure)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for section, frame in controlled_sections(plan, chosen).items():
        written.append(_write(long_table(frame, plan, chosen), folder / SECTION_FILES[section]))
    written.append(_write(_findings(plan), folder / "findings.csv"))
    written.append(_write(_definitions(plan), folder / "definitions.csv"))
    written.append(_write(_about(plan, chosen), folder / "about.csv"))
    if chosen.name == "none":  # internal only: readable by this user alone
        for path in written:
            restrict_to_user(path)
    return written
