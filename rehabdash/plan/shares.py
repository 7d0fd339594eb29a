"""Two readings of a rate of people seen by group that a lead needs side by side (issue 11
item 1, Who accesses), made from what the access section returns:

* **caseload share beside population share:** each group's share of the people seen
  (with Wilson limits) and its share of the population, among the groups with a
  recorded value and a population. Their ratio is the plan's ``representation``;
* **rates on known values:** the plan's group rates are *on all records*: a person seen
  whose value is not stated, not known, blank or invalid counts in "All" only, so when
  recording is poor every group's rate is low. On known values, those people are shared
  out like the people with a value: each group's rate (and its limits) × people seen ÷
  people seen with a known value. That assumes the unrecorded are like the recorded,
  which the page says; it is a reading, not a measurement.
"""

from __future__ import annotations

from dataclasses import replace

import polars as pl

from rehabdash.plan.result import ALL, NOT_APPLICABLE, Indicator
from rehabdash.stats import proportion

__all__ = ["known_factor", "on_known_values", "shares"]


def _groups(seen_rate: Indicator) -> pl.DataFrame:
    """The levels with a recorded value (not "All", not the unknown kinds)."""
    frame = seen_rate.frame
    return frame.filter(
        pl.col("level_code") != ALL,
        pl.col("flag").is_null() | (pl.col("flag") != NOT_APPLICABLE),
    )


def known_factor(seen_rate: Indicator) -> float | None:
    """People seen ÷ people seen with a known value (None: none known, or no "All")."""
    everyone = seen_rate.row(ALL)
    known = _groups(seen_rate)["numerator"].sum()
    if everyone is None or not everyone["numerator"] or not known:
        return None
    return float(everyone["numerator"]) / float(known)


def on_known_values(seen_rate: Indicator) -> Indicator | None:
    """``seen_rate`` with each group's rate on known values (see the module docstring);
    "All" and the unknown kinds as they were. None when nothing is recorded."""
    factor = known_factor(seen_rate)
    if factor is None:
        return None
    group = (pl.col("level_code") != ALL) & (
        pl.col("flag").is_null() | (pl.col("flag") != NOT_APPLICABLE)
    )
    scaled = seen_rate.frame.with_columns(
        *(
            pl.when(group).then(pl.col(c) * factor).otherwise(pl.col(c)).alias(c)
            for c in ("value", "lower", "upper", "numerator")
        ),
        pl.when(group)
        .then(pl.col("method") + pl.lit(f"; on known values (× {factor:.3f})"))
        .otherwise(pl.col("method"))
        .alias("method"),
    )
    definition = seen_rate.definition
    shared = f"{(1 - 1 / factor) * 100:.1f}% of people seen have no recorded value"
    definition = replace(
        definition,
        title=f"{definition.title}, on known values",
        caveats=(
            *definition.caveats,
            f"On known values: {shared}; they are shared out among the groups like the "
            "people with a value (each rate × people seen ÷ people seen with a known value).",
        ),
    )
    return Indicator(seen_rate.key.replace("seen_rate", "seen_rate_known", 1), definition, scaled)


def shares(seen_rate: Indicator) -> pl.DataFrame:
    """level_code, level, caseload share % with Wilson limits, population share %, and the
    people seen and population behind them: the groups with a value and a population."""
    groups = _groups(seen_rate).filter(pl.col("numerator").is_not_null(), pl.col("denominator") > 0)
    if groups.height == 0 or not groups["numerator"].sum():
        return pl.DataFrame(
            schema={
                "level_code": pl.String,
                "level": pl.String,
                "caseload_share": pl.Float64,
                "lower": pl.Float64,
                "upper": pl.Float64,
                "population_share": pl.Float64,
                "people_seen": pl.Float64,
                "population": pl.Float64,
            }
        )
    seen = groups.select(
        "level_code",
        "level",
        pl.col("numerator").alias("people_seen"),
        pl.col("denominator").alias("population"),
        pl.lit(float(groups["numerator"].sum())).alias("__n"),
    )
    out = proportion(seen, "people_seen", "__n", multiplier=100)
    return out.select(
        "level_code",
        "level",
        pl.col("value").alias("caseload_share"),
        "lower",
        "upper",
        (pl.col("population") / pl.col("population").sum() * 100).alias("population_share"),
        "people_seen",
        "population",
    )
