"""The plan's tables after disclosure control, as every export publishes them.

The CSV export and the workbook both call :func:`controlled_sections`, so what a board
reads in either is suppressed the same way (DESIGN 8).

Two steps go beyond :func:`~rehabdash.plan.disclosure.apply_disclosure`, which keeps a
complex statistic (observed ÷ expected, representation, unmet need) even when its
numerator is suppressed. An export publishes the expected count or the population
beside it, and value × denominator then gives the hidden count back. So here:

* a complex value whose numerator count was hidden is suppressed too ([c]);
* every measure made from a group's (or an area's) count of people seen is suppressed
  where that count is (:data:`MADE_FROM_SEEN`), whatever its own numerator.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from rehabdash.plan.disclosure import DisclosureRule, apply_disclosure, rule
from rehabdash.plan.engine import Plan
from rehabdash.plan.result import SUPPRESSED

__all__ = ["MADE_FROM_SEEN", "SECTION_ORDER", "controlled_frame", "controlled_sections"]

#: The plan's sections in the order every export lists them.
SECTION_ORDER = ("access", "consequences", "need", "improvement", "quality")

#: The count of people seen, and the measures made from it that, with what is published
#: beside them (expected, population shares, everyone seen), would give it back.
MADE_FROM_SEEN: dict[str, tuple[str, ...]] = {
    "people_seen": (
        "seen_oe",
        "representation",
        "representation_need",
        "seen_share",
        "seen_dsr",
        "unmet_need",
    ),
    "area_people_seen": ("area_oe", "area_unmet_need", "area_outlier", "area_seen_rate"),
}


def _hide(frame: pl.DataFrame, where: pl.Expr, why: str) -> pl.DataFrame:
    """Rows ``where`` lose value and limits and are flagged [c], saying ``why``."""
    note = pl.col("note")
    return frame.with_columns(
        pl.when(where).then(None).otherwise(pl.col(c)).alias(c) for c in ("value", "lower", "upper")
    ).with_columns(
        pl.when(where).then(pl.lit(SUPPRESSED)).otherwise(pl.col("flag")).alias("flag"),
        pl.when(where & note.is_null())
        .then(pl.lit(why))
        .when(where)
        .then(note + "; " + why)
        .otherwise(note)
        .alias("note"),
    )


def controlled_frame(frame: pl.DataFrame, chosen: str | DisclosureRule) -> pl.DataFrame:
    """Indicator rows made fit to publish under ``chosen`` (same columns and rows)."""
    chosen = rule(chosen)
    out = apply_disclosure(frame, chosen)
    if chosen.threshold <= 1:
        return out
    hidden = (
        (pl.col("value_kind") == "complex")
        & pl.col("numerator").is_null()
        & pl.lit(frame["numerator"].is_not_null())
        & pl.col("value").is_not_null()
    )
    return _hide(out, hidden, "suppressed: its count is, and could be worked out from it")


def _hide_made_from_seen(sections: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """Each measure of :data:`MADE_FROM_SEEN` suppressed where its row's count is."""
    every = pl.concat(list(sections.values()), how="diagonal_relaxed")
    out = dict(sections)
    for count, made in MADE_FROM_SEEN.items():
        keys = [k for k in ("breakdown_key", "level_code", "area", "period") if k in every.columns]
        hidden = every.filter((pl.col("metric") == count) & (pl.col("flag") == SUPPRESSED))
        if not hidden.height:
            continue
        for name, frame in out.items():
            on = [k for k in keys if k in frame.columns]
            marks = hidden.select(on).unique().with_columns(pl.lit(True).alias("_hidden"))
            joined = frame.join(marks, on=on, how="left", nulls_equal=True, maintain_order="left")
            where = (
                pl.col("metric").is_in(made)
                & pl.col("_hidden").fill_null(False)
                & pl.col("value").is_not_null()
            )
            out[name] = _hide(joined, where, "suppressed: the count of people seen is").drop(
                "_hidden"
            )
    return out


def controlled_sections(
    plan: Plan, chosen: str | DisclosureRule, *, skip: Callable[[str], bool] | None = None
) -> dict[str, pl.DataFrame]:
    """Each section's indicator rows, concatenated in the plan's order and controlled,
    with the ``indicator`` key each row came from; indicators whose key ``skip`` says
    are left out, as are sections with no rows."""
    chosen = rule(chosen)
    frames: dict[str, pl.DataFrame] = {}
    for section in SECTION_ORDER:
        parts = [
            i.frame.with_columns(pl.lit(i.key).alias("indicator"))
            for i in plan.section(section)
            if i.frame.height and not (skip is not None and skip(i.key))
        ]
        if parts:
            frames[section] = pl.concat(parts, how="diagonal_relaxed")
    out = {k: controlled_frame(f, chosen) for k, f in frames.items()}
    return _hide_made_from_seen(out) if chosen.threshold > 1 else out
