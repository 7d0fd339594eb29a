"""An indicator built by hand, with every empty state, for the chart tests."""

from __future__ import annotations

import polars as pl

from rehabdash.plan.result import Indicator, Metric, conform

METRIC = Metric(
    "seen_rate",
    "People seen per 1,000 population",
    "people seen",
    "population (ONS mid-2020)",
    "crude rate; Byar's",
    "per 1,000",
    "access",
    "ratio",
    multiplier=1000.0,
)
# level, value, lower, upper, numerator, denominator, flag, note
ROWS = [
    ("A", "White British (A)", 41.5, 40.0, 43.1, 2900.0, 69880.0, None, None),
    ("All", "All", 38.2, 37.6, 38.8, 15000.0, 392670.0, None, None),
    ("J", "Pakistani (J)", 22.0, 19.5, 24.7, 300.0, 13636.0, None, None),
    ("R", "Chinese (R)", 0.0, 0.0, 1.2, 0.0, 3100.0, None, None),
    ("K", "Bangladeshi (K)", None, None, None, None, 900.0, "[c]", "1 to 7 people"),
    ("Z", "Not stated (Z)", None, None, None, 510.0, None, "[z]", "not a group of people"),
    ("S", "Any other ethnic group (S)", 12.0, 3.1, 30.6, 3.0, 250.0, "[u]", "few people"),
    ("99", "Not known (99)", None, None, None, 80.0, None, "[x]", "no population"),
]


def indicator(rows: list[tuple[object, ...]] = ROWS) -> Indicator:
    frame = pl.DataFrame(
        rows,
        schema={
            "level_code": pl.String,
            "level": pl.String,
            "value": pl.Float64,
            "lower": pl.Float64,
            "upper": pl.Float64,
            "numerator": pl.Float64,
            "denominator": pl.Float64,
            "flag": pl.String,
            "note": pl.String,
        },
        orient="row",
    ).with_columns(breakdown_key=pl.lit("ethnicity"), breakdown=pl.lit("Ethnic group"))
    definition = METRIC.definition(caveats=["Ethnicity is recorded for only 70% of people"])
    return Indicator("seen_rate/ethnicity", definition, conform(frame, METRIC))
