"""Section 4 of the data plan: performance on improvements (DESIGN 6 and 7.7).

An ICB's plan asks whether access is getting better and whether the gaps are closing, so
this section turns the scope into series and before-and-after comparisons:

* **Series, SPC and the recent trend** (:mod:`rehabdash.plan.series`): people referred,
  seen and seen per 1,000 per year by month or financial quarter, each level's XmR chart
  with the Making Data Count rules, and the Fingertips trend marker.
* **Gaps, baseline vs latest** (:func:`gap_change`): baseline = the first complete
  financial quarter of the period, latest = the last complete one (a financial year: Q1
  vs Q4). The rate ratio of people seen per 1,000, IMD quintile 1 ÷ 5 (log-normal
  limits); the SII across IMD deciles (PHE method, limits by simulation); representation
  of each group (share of people seen ÷ share of population, Wilson limits of the share).
  The change (latest ÷ baseline for ratios, latest − baseline for the SII) has limits
  from the two intervals as independent estimates (Altman and Bland 2003, BMJ 326:219)
  and a verdict: a significant move towards no gap (1 for a ratio, 0 for the SII) is
  "improving", away from it "worsening" (:mod:`rehabdash.stats.compare`).

``seen_within`` (days) counts only people first seen within that many days of referral,
as the series do (:mod:`rehabdash.plan.series` says why).
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from rehabdash.plan.breakdown import Breakdown, breakdown
from rehabdash.plan.result import ALL, NOT_AVAILABLE, Indicator, Metric
from rehabdash.plan.scope import Scope
from rehabdash.plan.series import (
    SERIES_METRICS,
    improvement_metric,
    period_grid,
    recent_trend,
    seen_rates,
    series_caveats,
    series_frame,
    series_indicator,
    series_indicators,
    spc_flags,
    unknown_level,
)
from rehabdash.stats import difference, proportion, rate_ratio, sii

__all__ = [
    "METRICS",
    "TREND_BREAKDOWNS",
    "gap_change",
    "improvement_indicators",
    "recent_trend",
    "series_indicators",
    "spc_flags",
]

SII_SEED, SII_REPETITIONS = 20251030, 20_000
#: Breakdowns a plan follows over time (the headline gaps' characteristics).
TREND_BREAKDOWNS = ("All", "imd_quintile", "ethnic_group")
#: Trends count people seen within this many days of referral (a fixed follow-up): people
#: referred late in the period have had less time to be seen before the extract.
TREND_SEEN_WITHIN = 28
_CHANGE = (
    "baseline = first complete quarter of the period, latest = last complete quarter; the "
    "change's limits treat the two as independent estimates; towards no gap is improving"
)
_GAPS = {
    "rate_ratio": improvement_metric(
        "gap_rate_ratio_q1_q5",
        "Gap: people seen per 1,000, most ÷ least deprived fifth (IMD Q1 ÷ Q5)",
        "people seen per 1,000 per year in IMD quintile 1 (most deprived)",
        "people seen per 1,000 per year in IMD quintile 5 (least deprived)",
        f"rate ratio, log-normal limits; change = latest ÷ baseline; {_CHANGE}",
        "ratio",
        "complex",
    ),
    "sii": improvement_metric(
        "gap_sii",
        "Gap: slope index of inequality, people seen per 1,000 per year",
        "people seen per 1,000 per year by IMD decile",
        "population of each decile",
        f"SII (PHE method), limits by simulation; change = latest − baseline; {_CHANGE}",
        "per 1,000 per year",
        "complex",
        multiplier=1000.0,
    ),
    "representation": improvement_metric(
        "gap_representation",
        "Gap: representation (share of people seen ÷ share of population)",
        "the group's share of people seen in the quarter",
        "the group's share of the population",
        f"ratio of shares, Wilson limits of the seen share; change = latest ÷ baseline; {_CHANGE}",
        "ratio",
        "complex",
    ),
}
METRICS: tuple[Metric, ...] = (*SERIES_METRICS, *_GAPS.values())


def _quarters(scope: Scope) -> tuple[str, str] | None:
    """(baseline, latest): the first and last complete financial quarters of the period."""
    period = scope.filter.period
    full = period_grid(period.start, period.end, "quarter").filter("complete")["period"]
    return (full[0], full[-1]) if full.len() >= 2 else None


def _rate_ratio_gap(frame: pl.DataFrame, confidence: float) -> pl.DataFrame:
    """Quintile 1 ÷ quintile 5 of people seen per person-year, per quarter."""
    frame = frame.filter(
        pl.col("level_code").is_in(["1", "5"]), pl.col("person_years").fill_null(0) > 0
    )
    wide = frame.pivot(on="level_code", index="period", values=["seen", "person_years"])
    names = ("seen_1", "person_years_1", "seen_5", "person_years_5")
    if not all(n in wide.columns for n in names):
        return pl.DataFrame(schema={"period": pl.String})
    out = rate_ratio(wide, *names, confidence=confidence)
    return out.select(
        "period", "value", "lower", "upper", pl.format("rate ratio, {}", "method").alias("method")
    )


def _sii_gap(frame: pl.DataFrame, confidence: float) -> pl.DataFrame:
    """The SII of people seen per 1,000 per year across the 10 IMD deciles, per quarter."""
    deciles = frame.filter(pl.col("level_code").is_in([str(d) for d in range(1, 11)]))
    rates = seen_rates(deciles, 1000.0)  # 95% limits: the SE that stats.sii reads from them
    # Every decile seen and with a population (none has one for a PCN's patients).
    counted = (pl.col("numerator") > 0) & (pl.col("denominator").fill_null(0) > 0)
    whole = counted.all().over("period") & (pl.len().over("period") == 10)
    usable = rates.filter(whole).with_columns(pl.col("level_code").cast(pl.Int64).alias("q"))
    if usable.height == 0:
        return pl.DataFrame(schema={"period": pl.String})
    fitted = sii(
        usable,
        "q",
        "population",
        "value",
        "lower",
        "upper",
        value_type="rate",
        group_by="period",
        confidence=confidence,
        repetitions=SII_REPETITIONS,
        seed=SII_SEED,
    )
    return fitted.select("period", "value", "lower", "upper", "method")


def _representation_gap(frame: pl.DataFrame, confidence: float) -> pl.DataFrame:
    """Each level's share of people seen ÷ its share of the population, per quarter."""
    frame = frame.filter(pl.col("level_code") != ALL, pl.col("population").fill_null(0) > 0)
    frame = frame.with_columns(
        pl.col("seen").sum().over("period").alias("total_seen"),
        (pl.col("population") / pl.col("population").sum().over("period")).alias("pop_share"),
    ).filter(pl.col("total_seen") > 0)
    if frame.height == 0:
        return pl.DataFrame(schema={"period": pl.String, "level_code": pl.String})
    share = proportion(frame, "seen", "total_seen", confidence=confidence)
    return share.select(
        "level_code",
        "period",
        *(pl.col(c) / pl.col("pop_share") for c in ("value", "lower", "upper")),
        pl.lit("ratio of shares, Wilson limits of the seen share").alias("method"),
    )


def _with_change(
    levels: pl.DataFrame, estimates: pl.DataFrame, pair: tuple[str, str], scale: str
) -> pl.DataFrame:
    """Baseline, latest and change rows of each level; the change's verdict in ``note``."""
    cols = ["value", "lower", "upper", "method"]
    estimates = estimates.with_columns(
        pl.lit(None, pl.Float64).alias(c) for c in cols if c not in estimates.columns
    )
    roles = pl.DataFrame({"period": list(pair), "role": ["baseline", "latest"], "r": [0, 1]})
    rows = levels.join(roles, how="cross").join(estimates, on=["level_code", "period"], how="left")
    wide = levels.select("level_code")
    for role, s in (("baseline", "a"), ("latest", "b")):
        one = rows.filter(pl.col("role") == role)
        wide = wide.join(
            one.select("level_code", *(pl.col(c).alias(c + s) for c in cols[:3])),
            on="level_code",
            how="left",
        )
    names = [c + s for s in "ab" for c in cols[:3]]
    positive = pl.all_horizontal(pl.col(names) > 0) if scale == "log" else pl.lit(True)
    ok = wide.filter(pl.all_horizontal(pl.col(names).is_not_null()) & positive)
    change = levels.with_columns(
        pl.lit("change").alias("period"),
        pl.lit(2).alias("r"),
        pl.lit(None, pl.String).alias("note"),
    )
    if ok.height:
        diff = difference(ok, *names, scale=scale, polarity="towards")  # type: ignore[arg-type]
        diff = diff.select(
            "level_code",
            *cols[:3],
            pl.col("verdict").alias("note"),
            pl.format("{}; {}", "statistic", "method").alias("method"),
        )
        change = change.drop("note").join(diff, on="level_code", how="left")
    rows = rows.with_columns(pl.format("{} {}", "role", "period").alias("period")).drop("role")
    out = pl.concat([rows, change], how="diagonal_relaxed")
    missing = pl.lit("not available: nobody seen, or no population, in a quarter")
    return out.with_columns(
        pl.when(pl.col("value").is_null()).then(pl.lit(NOT_AVAILABLE)).alias("flag"),
        pl.when(pl.col("value").is_null()).then(missing).otherwise("note").alias("note"),
    ).sort("order", "r")


def gap_change(
    scope: Scope,
    representation_by: str = "ethnic_group",
    *,
    confidence: float = 0.95,
    seen_within: int | None = None,
) -> list[Indicator]:
    """Each gap at baseline (the first complete quarter) and latest (the last complete
    quarter) and its change, with a verdict ("improving", "no significant change",
    "worsening") in the change row's ``note``: the rate ratio IMD quintile 1 ÷ 5, the SII
    across IMD deciles, and representation of each level of ``representation_by``."""
    pair = _quarters(scope)
    head = pl.DataFrame({"level_code": [ALL], "level": [ALL], "order": [0]})
    rr_level = "Quintile 1 (most deprived) ÷ quintile 5 (least deprived)"
    rep = breakdown(representation_by)
    specs = (
        ("rate_ratio", breakdown("imd_quintile"), head.with_columns(level=pl.lit(rr_level))),
        ("sii", breakdown("imd_decile"), head),
        ("representation", rep, rep.level_frame().filter(pl.col("level_code") != ALL)),
    )
    out = []
    for name, bd, levels in specs:
        levels = levels.filter(~unknown_level())
        if pair is None:
            why = "not available: the period has fewer than two complete quarters"
            roles = pl.DataFrame({"period": ["baseline", "latest", "change"], "r": [0, 1, 2]})
            frame = levels.join(roles, how="cross").sort("order", "r")
            frame = frame.with_columns(flag=pl.lit(NOT_AVAILABLE), note=pl.lit(why))
        else:
            quarters = series_frame(scope, bd, "quarter", seen_within)
            quarters = quarters.filter(pl.col("period").is_in(pair))
            if name == "representation":
                est = _representation_gap(quarters, confidence)
            else:
                gap = _rate_ratio_gap if name == "rate_ratio" else _sii_gap
                est = gap(quarters, confidence).with_columns(level_code=pl.lit(ALL))
            frame = _with_change(levels, est, pair, "natural" if name == "sii" else "log")
        frame = frame.with_columns(breakdown_key=pl.lit(bd.key), breakdown=pl.lit(bd.title))
        caveats = series_caveats(scope, bd, seen_within)
        out.append(series_indicator(_GAPS[name], bd.key, frame, scope, caveats))
    return out


def improvement_indicators(
    scope: Scope,
    breakdowns: str | Breakdown | Iterable[str | Breakdown] = TREND_BREAKDOWNS,
    *,
    seen_within: int | None = None,
) -> list[Indicator]:
    """The section for a plan: for each breakdown its monthly series and the SPC chart
    and recent trend of its people seen per 1,000; then the gaps (:func:`gap_change`)."""
    out: list[Indicator] = []
    for item in [breakdowns] if isinstance(breakdowns, str | Breakdown) else breakdowns:
        bd = breakdown(item) if isinstance(item, str) else item
        series = series_indicators(scope, bd, "month", seen_within=seen_within)
        out += [*series, spc_flags(series[2], "up"), recent_trend(series[2])]
    return [*out, *gap_change(scope, seen_within=seen_within)]
