"""Statistical process control: XmR charts with NHS "Making Data Count" rules.

Why this module exists: the Trends page and the improvement sheet show monthly
series as XmR charts the way NHS England's Making Data Count programme and the
NHS-R package NHSRplotthedots do (DESIGN 7.7): centre = mean (of the first n
points when a baseline fixes the limits), moving ranges |y_i − y_{i−1}|, their
mean m̄ (optionally re-computed after dropping moving ranges ≥ 3.267 m̄),
process limits mean ± 2.66 m̄, "near" limits mean ± (2/3)(2.66) m̄.

Special-cause rules, in priority order (a point's direction comes from the
first rule that flags it): a point outside the limits; a run of 7 points each
higher (or each lower) than the one before (all 7 flagged; equal neighbours
break it); 2 of 3 consecutive points close to or beyond the same limit (the
close points are flagged); 7 points in a row on the same side of the mean (a
point exactly on the mean breaks the run). Every series (``group_by``) and
every rebased segment is computed on its own, all at once with polars window
expressions (no Python loop per series).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import polars as pl

from rehabdash.stats._common import GroupBy, check_columns, check_numeric, check_rows, group_keys

__all__ = ["LIMIT_FACTOR", "SCREEN_FACTOR", "spc"]

LIMIT_FACTOR = 2.66
SCREEN_FACTOR = 3.267
RUN_LENGTH = 7


def _assurance(improvement: str | None, target: float | None) -> pl.Expr:
    if improvement is None or target is None:
        return pl.lit(None, dtype=pl.String)
    t = pl.lit(float(target))
    good, bad = (
        ((pl.col("lower") >= t), (pl.col("upper") < t))
        if improvement == "up"
        else ((pl.col("upper") <= t), (pl.col("lower") > t))
    )
    return (
        pl.when(pl.col("upper").is_null())
        .then(None)
        .when(good)
        .then(pl.lit("always meets"))
        .when(bad)
        .then(pl.lit("always fails"))
        .otherwise(pl.lit("hit and miss"))
    )


def spc(
    df: pl.DataFrame,
    date: str,
    value: str,
    improvement: Literal["up", "down"] | None = None,
    *,
    group_by: GroupBy = None,
    baseline: int | None = None,
    rebase: Sequence[Any] | None = None,
    screen: bool = True,
    target: float | None = None,
) -> pl.DataFrame:
    """XmR chart per point, sorted by series and date.

    ``improvement`` is "up", "down" or None (neutral). ``baseline`` fixes the
    mean and limits from the first n points of each segment; ``rebase`` lists
    dates at which a new segment (fresh limits) starts; ``screen`` drops
    moving ranges ≥ 3.267 m̄ before the limits are set (on by default, as the
    MDC Excel tool); ``target`` gives the assurance: "always meets" when the
    whole process range is on the good side of it (limit equal to the target
    counts as meeting), "always fails" when it is wholly on the bad side,
    otherwise "hit and miss" (missing without a target or direction).

    Added columns: ``segment``, ``mean``, ``lower``, ``upper``, ``near_lower``,
    ``near_upper``, ``moving_range``, ``moving_range_mean``, flags
    ``outside_limits``, ``trend``, ``two_of_three``, ``shift``,
    ``special_cause``, ``direction`` (+1 high, −1 low, 0), ``variation``
    ("improvement", "concern", "neutral" or "common cause"), ``variation_icon``
    (the latest point's variation in the series), ``assurance``, ``method``.
    Missing values or dates and repeated dates raise ``ValueError``.
    """
    keys = group_keys(group_by)
    if improvement not in ("up", "down", None):
        raise ValueError(f"improvement must be 'up', 'down' or None, not {improvement!r}")
    if baseline is not None and (
        isinstance(baseline, bool) or not isinstance(baseline, int) or baseline < 2
    ):
        raise ValueError(f"baseline must be a whole number of at least 2 points, not {baseline!r}")
    check_columns(df, date, value, *keys)
    check_numeric(df, value)
    check_rows(
        df,
        value,
        pl.col(value).is_null() | pl.col(value).cast(pl.Float64).is_nan(),
        "values must not be missing on an SPC chart",
        keys,
    )
    check_rows(df, date, pl.col(date).is_null(), "dates must not be missing", keys)
    check_rows(df, date, pl.len().over([*keys, date]) > 1, "the same date appears twice", keys)

    def over(expr: pl.Expr, extra: Sequence[str] = ()) -> pl.Expr:
        parts = [*keys, "segment", *extra]
        return expr.over(parts)

    y = pl.col("__y")
    work = df.sort([*keys, date]).with_columns(pl.col(value).cast(pl.Float64).alias("__y"))
    starts = pl.col(date).is_in(list(rebase)) if rebase else pl.lit(False)
    seg = starts.cast(pl.Int64).cum_sum()
    work = work.with_columns((seg.over(keys) if keys else seg).alias("segment"))
    idx = pl.int_range(pl.len())
    work = work.with_columns(over(idx).alias("__i"), over(y.diff().abs()).alias("moving_range"))
    in_base = (pl.col("__i") < baseline) if baseline else pl.lit(True)
    mr = pl.col("moving_range")
    work = work.with_columns(
        over(y.filter(in_base).mean()).alias("mean"),
        over(mr.filter(in_base).mean()).alias("__amr0"),
    )
    if screen:
        kept = pl.when(mr < SCREEN_FACTOR * pl.col("__amr0")).then(mr)
        amr = over(kept.filter(in_base).mean())
    else:
        amr = pl.col("__amr0")
    work = work.with_columns(amr.alias("moving_range_mean"))
    m, a = pl.col("mean"), pl.col("moving_range_mean")
    work = work.with_columns(
        (m - LIMIT_FACTOR * a).alias("lower"),
        (m + LIMIT_FACTOR * a).alias("upper"),
        (m - 2 / 3 * LIMIT_FACTOR * a).alias("near_lower"),
        (m + 2 / 3 * LIMIT_FACTOR * a).alias("near_upper"),
        (y - m).sign().cast(pl.Int64).alias("__side"),
        over(y.diff().sign()).fill_null(0).cast(pl.Int64).alias("__step"),
    )
    side, step = pl.col("__side"), pl.col("__step")
    outside = ((y > pl.col("upper")) | (y < pl.col("lower"))).fill_null(False)
    work = work.with_columns(
        outside.alias("outside_limits"),
        over(side.rle_id()).alias("__run"),
        over(step.rle_id()).alias("__trun"),
        (y > pl.col("near_upper")).fill_null(False).cast(pl.Int64).alias("__cu"),
        (y < pl.col("near_lower")).fill_null(False).cast(pl.Int64).alias("__cd"),
    )
    trend_step = (step != 0) & (over(pl.len(), ["__trun"]) >= RUN_LENGTH - 1)
    work = work.with_columns(
        ((side != 0) & (over(pl.len(), ["__run"]) >= RUN_LENGTH)).alias("shift"),
        trend_step.alias("__ts"),
    )
    ts = pl.col("__ts")
    next_ts = over(ts.shift(-1)).fill_null(False)
    next_step = over(step.shift(-1)).fill_null(0)

    def two_of_three(c: str) -> pl.Expr:
        col = pl.col(c)
        window = col + over(col.shift(-1)).fill_null(0) + over(col.shift(-2)).fill_null(0)
        best = pl.max_horizontal(
            window, over(window.shift(1)).fill_null(0), over(window.shift(2)).fill_null(0)
        )
        return (col == 1) & (best >= 2)

    work = work.with_columns(
        (ts | next_ts).alias("trend"),
        pl.when(ts).then(step).otherwise(next_step).alias("__tdir"),
        (two_of_three("__cu") | two_of_three("__cd")).alias("two_of_three"),
    )
    flags = ("outside_limits", "trend", "two_of_three", "shift")
    direction = (
        pl.when("outside_limits")
        .then(side)
        .when("trend")
        .then(pl.col("__tdir"))
        .when("two_of_three")
        .then(side)
        .when("shift")
        .then(side)
        .otherwise(0)
    )
    work = work.with_columns(
        pl.any_horizontal(*flags).alias("special_cause"),
        direction.cast(pl.Int64).alias("direction"),
    )
    good = 1 if improvement == "up" else -1
    variation = (
        pl.when(~pl.col("special_cause"))
        .then(pl.lit("common cause"))
        .when(pl.lit(improvement is None))
        .then(pl.lit("neutral"))
        .when(pl.col("direction") == good)
        .then(pl.lit("improvement"))
        .otherwise(pl.lit("concern"))
    )
    work = work.with_columns(variation.alias("variation"))
    icon = pl.col("variation").last()
    work = work.with_columns(
        (icon.over(keys) if keys else icon).alias("variation_icon"),
        _assurance(improvement, target).alias("assurance"),
        pl.lit("XmR", dtype=pl.String).alias("method"),
    )
    return work.drop([c for c in work.columns if c.startswith("__")])
