"""The series of section 4 of the data plan (DESIGN 6 and 7.7): counts over time.

* **Series** (:func:`series_indicators`): for each month ("2025-03") or financial quarter
  ("2024-25 Q3") of the period, people referred and people seen (people with a referral
  received in that month or quarter, each person once per month or quarter, described by
  their latest referral in it), and people seen per 1,000 population *per year*: the
  population is turned into person-years (population × days of the month or quarter in
  the period ÷ 365.25), so months, quarters, part months and years compare directly.
* **SPC** (:func:`spc_flags`): an XmR chart of each level's series with the NHS "Making
  Data Count" rules as :func:`rehabdash.stats.spc` implements them (NHS England, *Making
  Data Count*; NHSRplotthedots; the November 2023 2-of-3 rule).
* **Recent trend** (:func:`recent_trend`): the PHE/OHID Fingertips trend marker over the
  latest 5 points (:func:`rehabdash.stats.trend`).

People seen counts the contacts recorded by the extract, so people referred shortly
before it have had less time to be seen and the latest months are low. ``seen_within``
(days) counts only people first seen within that many days of referral, which gives
every period the same time to be seen when the extract is at least that long after the
period's end. The gaps between groups, baseline vs latest, are in
:mod:`rehabdash.plan.improvement`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Literal

import polars as pl

from rehabdash.codes.characteristics import UNKNOWN_LEVELS
from rehabdash.plan.breakdown import (
    PAIR_SEPARATOR,
    Breakdown,
    as_text,
    level_codes,
    referral_codes,
)
from rehabdash.plan.populations import group_population
from rehabdash.plan.result import (
    ALL,
    LOW_RELIABILITY,
    NOT_APPLICABLE,
    NOT_AVAILABLE,
    Indicator,
    Metric,
    conform,
)
from rehabdash.plan.scope import ROWS, Scope, latest_rows, rows_at
from rehabdash.stats import rate, spc, trend

__all__ = [
    "DAYS_PER_YEAR",
    "SERIES",
    "SERIES_METRICS",
    "Freq",
    "improvement_metric",
    "period_grid",
    "period_label",
    "recent_trend",
    "seen_rates",
    "series_caveats",
    "series_frame",
    "series_indicator",
    "series_indicators",
    "spc_flags",
    "unknown_level",
]

Freq = Literal["month", "quarter"]
WORD = {"month": "monthly", "quarter": "quarterly"}
DAYS_PER_YEAR = 365.25
MIN_SPC_POINTS = 12  # fewer: limits of low reliability (NHSRplotthedots warns below 12)
_INCOMPLETE = (
    "people seen counts contacts recorded by the extract: people referred shortly before it "
    "have had less time to be seen, so the latest months are incomplete"
)
_RATE = "crude rate, annualised; exact Poisson limits below 10 people, Byar's from 10"


def improvement_metric(
    key: str, title: str, num: str, den: str, method: str, unit: str, kind: str, **kw: object
) -> Metric:
    return Metric(key, title, num, den, method, unit, "improvement", kind, **kw)  # type: ignore[arg-type]


def _series_metrics(f: str) -> tuple[Metric, ...]:
    seen = f"people with a referral received in the {f} who were seen (each once a {f})"
    years = f"person-years: the group's population × days of the {f} in the period ÷ 365.25"
    return (
        improvement_metric(
            f"people_referred_{WORD[f]}",
            f"People referred, by {f}",
            f"people with a referral received in the {f} (each once a {f})",
            "",
            "count of distinct people",
            "people",
            "count",
        ),
        improvement_metric(
            f"people_seen_{WORD[f]}",
            f"People seen, by {f}",
            seen,
            "",
            "count of distinct people",
            "people",
            "count",
            polarity="higher",
        ),
        improvement_metric(
            f"seen_rate_{WORD[f]}",
            f"People seen per 1,000 population per year, by {f}",
            seen,
            years,
            _RATE,
            "per 1,000 per year",
            "ratio",
            polarity="higher",
            multiplier=1000.0,
        ),
    )


SERIES = {f: _series_metrics(f) for f in WORD}
_SPC = {
    s.key: improvement_metric(
        f"spc_{s.key}",
        f"{s.title}: SPC chart",
        s.numerator,
        s.denominator,
        "XmR chart, Making Data Count rules, screened moving ranges; lower and upper "
        "are the process limits, the mean midway",
        s.unit,
        s.value_kind,  # each point is the series' count or rate: disclosed as such
        polarity=s.polarity,
        multiplier=s.multiplier,
    )
    for ms in SERIES.values()
    for s in ms
}
_TREND = {
    s.key: improvement_metric(
        f"trend_{s.key}",
        f"{s.title}: recent trend (latest 5 points)",
        s.numerator,
        s.denominator,
        "Fingertips recent trend: weighted regression of the rate on "
        "time, chi-squared test at 99.8%, leave-one-out outlier check; value = slope",
        f"{s.unit} per {f}",
        "complex",
        polarity=s.polarity,
        multiplier=s.multiplier,
    )
    for f, ms in SERIES.items()
    for s in ms
    if s.value_kind == "ratio"
}
SERIES_METRICS: tuple[Metric, ...] = (
    *(m for ms in SERIES.values() for m in ms),
    *_SPC.values(),
    *_TREND.values(),
)


def period_label(day: pl.Expr, freq: Freq) -> pl.Expr:
    """A date's month ("2025-03") or financial quarter ("2024-25 Q4"; Q1 = April-June)."""
    if freq == "month":
        return day.dt.strftime("%Y-%m")
    month = day.dt.month().cast(pl.Int32)
    fy = day.dt.year().cast(pl.Int32) - (month < 4).cast(pl.Int32)
    next_year = ((fy + 1) % 100).cast(pl.String).str.zfill(2)
    quarter = ((month + 8) % 12 // 3 + 1).cast(pl.String)
    return pl.concat_str(fy.cast(pl.String), pl.lit("-"), next_year, pl.lit(" Q"), quarter)


def period_grid(start: date, end: date, freq: Freq) -> pl.DataFrame:
    """period, p_order, days (of it in [start, end]), full_days, complete."""
    months = pl.DataFrame({"m": pl.date_range(start.replace(day=1), end, "1mo", eager=True)})
    label = period_label(pl.col("m"), freq).alias("period")
    first = months.group_by(label, maintain_order=True).agg(pl.col("m").min())
    m = pl.col("m")
    begin = pl.date(m.dt.year(), (m.dt.month() - 1) // 3 * 3 + 1, 1) if freq == "quarter" else m
    finish = begin.dt.offset_by("2mo" if freq == "quarter" else "0mo").dt.month_end()
    days = pl.min_horizontal(finish, pl.lit(end)) - pl.max_horizontal(begin, pl.lit(start))
    return first.select(
        "period",
        pl.int_range(pl.len()).alias("p_order"),
        (days.dt.total_days() + 1).cast(pl.Float64).alias("days"),
        ((finish - begin).dt.total_days() + 1).cast(pl.Float64).alias("full_days"),
    ).with_columns((pl.col("days") == pl.col("full_days")).alias("complete"))


def _person_periods(scope: Scope, freq: Freq, seen_within: int | None) -> pl.DataFrame:
    """One row per person and period: start (the period's first day), row (in
    ``scope.referrals``) of their latest referral in it, and whether a referral received
    in it was seen. One group-by, kept in the scope: small, as a breakdown reads its
    characteristics through ``row``."""

    def make() -> pl.DataFrame:
        seen = pl.col("seen")
        if seen_within is not None:
            wait = (pl.col("first_contact_date") - pl.col("referral_date")).dt.total_days()
            seen = seen & (wait <= seen_within).fill_null(False)
        # Grouped by the first day of the month or (financial = calendar) quarter: a date
        # is quicker to group by than a label, which is given to the counts instead.
        start = pl.col("referral_date").dt.truncate("1mo" if freq == "month" else "1q")
        rows = latest_rows(scope, [start.alias("start")], seen.any().alias("seen"), pseudonym=False)
        return rows.select("start", "row", "seen")

    return scope.kept((ROWS, "improvement.person_periods", freq, seen_within), make)


def _populations(scope: Scope, bd: Breakdown) -> pl.DataFrame | None:
    """level_code, population: each level's, and the scope's whole population for All."""
    everyone = group_population(scope, ())
    if everyone is None:
        return None
    total = everyone.frame["population"].sum()
    rows = [pl.DataFrame({"level_code": [ALL], "population": [float(total)]})]
    pop = group_population(scope, bd.parts) if bd.parts else None
    if pop is not None:
        rows.append(pop.frame.group_by("level_code").agg(pl.col("population").sum()))
    return pl.concat(rows, how="vertical_relaxed").with_columns(pl.col("population").cast(float))


def series_frame(scope: Scope, bd: Breakdown, freq: Freq, seen_within: int | None) -> pl.DataFrame:
    """Every level × period: referred, seen, population, days, complete. Kept in the
    scope's cache: the gaps read the quarterly series that the plan also lists."""
    key = ("improvement.series", bd.key, freq, seen_within)
    return scope.kept(key, lambda: _make_series_frame(scope, bd, freq, seen_within))


def _make_series_frame(
    scope: Scope, bd: Breakdown, freq: Freq, seen_within: int | None
) -> pl.DataFrame:
    periods = _person_periods(scope, freq, seen_within)
    people = periods.select("start", "seen")
    aggs = [pl.len().alias("referred"), pl.col("seen").sum().alias("seen")]
    counts = [people.group_by("start").agg(aggs).with_columns(pl.lit(ALL).alias("level_code"))]
    if bd.parts:  # the levels of each person's latest referral (an Enum), then as text
        parts = [referral_codes(scope, c).to_frame() for c in bd.parts]
        codes = level_codes([rows_at(p, periods["row"]).to_series() for p in parts])
        counts.append(as_text(people.with_columns(codes).group_by("level_code", "start").agg(aggs)))
    labelled = pl.concat(counts, how="diagonal").with_columns(
        period_label(pl.col("start"), freq).alias("period")
    )
    period = scope.filter.period
    grid = bd.level_frame().join(period_grid(period.start, period.end, freq), how="cross")
    frame = grid.join(labelled.drop("start"), on=["level_code", "period"], how="left")
    pops = _populations(scope, bd)
    if pops is None:
        frame = frame.with_columns(pl.lit(None, pl.Float64).alias("population"))
    else:
        frame = frame.join(pops, on="level_code", how="left")
    return frame.with_columns(
        pl.col("referred", "seen").fill_null(0).cast(pl.Float64),
        (pl.col("population") * pl.col("days") / DAYS_PER_YEAR).alias("person_years"),
        pl.lit(bd.key).alias("breakdown_key"),
        pl.lit(bd.title).alias("breakdown"),
    ).sort("order", "p_order")


def unknown_level() -> pl.Expr:
    """Whether a level (or a part of a pair's level) is an unknown kind ("Not known")."""
    parts = pl.col("level_code").str.split(PAIR_SEPARATOR)
    return parts.list.eval(pl.element().is_in(list(UNKNOWN_LEVELS.values()))).list.any()


def seen_rates(frame: pl.DataFrame, multiplier: float) -> pl.DataFrame:
    """People seen per person-year × multiplier: value, lower, upper, method, flag."""
    frame = frame.with_columns(
        pl.col("seen").alias("numerator"), pl.col("person_years").alias("denominator")
    )
    has = pl.col("denominator").fill_null(0) > 0
    ok, missing = frame.filter(has), frame.filter(~has)
    if ok.height:
        out = rate(ok, "numerator", "denominator", multiplier=multiplier)
        ok = ok.with_columns(out.select("value", "lower", "upper", "method"))
    flag = pl.when(unknown_level()).then(pl.lit(NOT_APPLICABLE)).otherwise(pl.lit(NOT_AVAILABLE))
    missing = missing.with_columns(flag.alias("flag"), pl.lit("no population").alias("note"))
    return pl.concat([ok, missing], how="diagonal_relaxed").sort("order", "p_order")


def series_caveats(scope: Scope, bd: Breakdown, seen_within: int | None) -> list[str]:
    pop = group_population(scope, bd.parts)
    within = f"people seen: first attended contact within {seen_within} days of referral"
    return [*(pop.caveats if pop else ()), within if seen_within is not None else _INCOMPLETE]


def series_indicator(
    metric: Metric, bd_key: str, frame: pl.DataFrame, scope: Scope, caveats: list[str]
) -> Indicator:
    definition = metric.definition(
        denominator=metric.denominator if metric.value_kind != "count" else "",
        caveats=[*caveats, *scope.notes],
        batches=scope.batches,
    )
    return Indicator(f"{metric.key}/{bd_key}", definition, conform(frame, metric))


def series_indicators(
    scope: Scope, bd: Breakdown, freq: Freq = "month", *, seen_within: int | None = None
) -> list[Indicator]:
    """People referred, people seen and people seen per 1,000 per year for each month or
    financial quarter of the period (the ``period`` column), every level and "All"."""
    if freq not in SERIES:
        raise ValueError(f"freq must be 'month' or 'quarter', not {freq!r}")
    frame = series_frame(scope, bd, freq, seen_within)
    part = pl.format(
        "part {}: {} of {} days in the period",
        pl.lit(freq),
        pl.col("days").cast(pl.Int64),
        pl.col("full_days").cast(pl.Int64),
    )
    frame = frame.with_columns(pl.when(~pl.col("complete")).then(part).alias("note"))
    pop = group_population(scope, bd.parts)
    source = f"population: {pop.source}" if pop else "no population for this breakdown"
    referred, seen, seen_rate = SERIES[freq]
    caveats = series_caveats(scope, bd, seen_within)
    return [
        series_indicator(
            referred,
            bd.key,
            frame.with_columns(value="referred", numerator="referred"),
            scope,
            caveats,
        ),
        series_indicator(
            seen, bd.key, frame.with_columns(value="seen", numerator="seen"), scope, caveats
        ),
        series_indicator(seen_rate, bd.key, seen_rates(frame, 1000.0), scope, [*caveats, source]),
    ]


_VARIATION = {
    "improvement": "special cause improvement",
    "concern": "special cause concern",
    "neutral": "special cause variation",
    "common cause": "common cause variation",
}


def _derived(metric: Metric, series: Indicator, frame: pl.DataFrame) -> Indicator:
    d = series.definition
    definition = metric.definition(denominator=d.denominator, caveats=d.caveats, batches=d.batches)
    return Indicator(f"{metric.key}/{series.breakdown_key}", definition, conform(frame, metric))


def spc_flags(
    series: Indicator,
    improvement: Literal["up", "down"] | None = "up",
    *,
    target: float | None = None,
    baseline: int | None = None,
) -> Indicator:
    """An XmR chart of each level's series: one row per level and period with the value,
    lower and upper = the process limits, ``note`` the point's verdict ("special cause
    concern (outside the process limits)", "common cause variation"), ``method`` the
    level's variation icon (its latest point) and, given a ``target``, its assurance.
    ``baseline`` fixes the limits on the first n points. A level with a missing value is
    listed without a chart; fewer than 12 points are flagged "[u]"."""
    return spc_flags_many([series], improvement, target=target, baseline=baseline)[0]


def spc_flags_many(
    many: Sequence[Indicator],
    improvement: Literal["up", "down"] | None = "up",
    *,
    target: float | None = None,
    baseline: int | None = None,
) -> list[Indicator]:
    """:func:`spc_flags` of each of ``many`` series (same direction of improvement),
    charted together in one pass: each series' levels are charted apart, as alone."""
    metrics = []
    for series in many:
        metric = _SPC.get(series.metric)
        if metric is None or "period" not in series.frame.columns:
            raise ValueError(f"{series.key}: an SPC chart needs a series of this section")
        metrics.append(metric)
    if not many:
        return []
    frame = pl.concat(
        [s.frame.with_columns(pl.lit(i).alias("__series")) for i, s in enumerate(many)],
        how="diagonal_relaxed",
    ).with_row_index("row_id")
    # One key for a series' level: stats.spc charts each group apart.
    frame = frame.with_columns(pl.format("{}|{}", "__series", "level_code").alias("spc_group"))
    complete = pl.col("value").is_not_null().all().over("spc_group")
    charted, rest = frame.filter(complete), frame.filter(~complete)
    if charted.height:
        points = charted.select("row_id", "spc_group", "period", "value")
        chart = spc(
            points,
            "period",
            "value",
            improvement,
            group_by="spc_group",
            baseline=baseline,
            target=target,
        )
        rules = pl.concat_str(
            pl.when("outside_limits").then(pl.lit("outside the process limits")),
            pl.when("trend").then(pl.lit("7 points rising or falling")),
            pl.when("two_of_three").then(pl.lit("2 of 3 close to a limit")),
            pl.when("shift").then(pl.lit("7 points on one side of the mean")),
            separator="; ",
            ignore_nulls=True,
        )
        label = pl.col("variation").replace_strict(_VARIATION)
        verdict = pl.when("special_cause").then(pl.format("{} ({})", label, rules)).otherwise(label)
        few = pl.len().over("spc_group") < MIN_SPC_POINTS
        short = pl.when(few).then(pl.lit(f"fewer than {MIN_SPC_POINTS} points"))
        icon = pl.format(
            "XmR (Making Data Count); latest point: {}",
            pl.col("variation_icon").replace_strict(_VARIATION),
        )
        chart = chart.select(
            "row_id",
            "lower",
            "upper",
            pl.concat_str(verdict, short, separator="; ", ignore_nulls=True).alias("note"),
            pl.concat_str(icon, pl.format("; assurance: {}", "assurance").fill_null("")).alias(
                "method"
            ),
            pl.when(few).then(pl.lit(LOW_RELIABILITY)).alias("flag"),
        )
        charted = charted.drop("lower", "upper", "note", "method", "flag").join(chart, on="row_id")
    rest = rest.with_columns(pl.lit("no chart: the series has missing values").alias("note"))
    out = pl.concat([charted, rest], how="diagonal_relaxed").sort("row_id")
    out = out.drop("row_id", "spc_group")
    parts = out.partition_by("__series", as_dict=True, include_key=False)
    empty = out.clear().drop("__series")
    return [
        _derived(metric, series, parts.get((i,), empty))
        for i, (metric, series) in enumerate(zip(metrics, many, strict=True))
    ]


def recent_trend(series: Indicator, *, points: int = 5, confidence: float = 0.998) -> Indicator:
    """The Fingertips recent-trend marker of each level's rate series over its latest
    ``points`` periods: value = the slope per period (in the series' unit), ``note`` the
    marker ("Decreasing and getting worse (significant trend, no outliers; 2024-11 to
    2025-03)"), ``period`` the latest period used."""
    metric = _TREND.get(series.metric)
    if metric is None:
        raise ValueError(f"{series.key}: a recent trend needs a rate series of this section")
    frame = series.frame
    usable = frame.filter(
        (pl.col("numerator").is_not_null() & (pl.col("denominator") > 0)).all().over("level_code")
    )
    heads = frame.group_by("level_code", maintain_order=True).agg(
        pl.col("breakdown_key", "breakdown", "level").first()
    )
    marks = trend(
        usable.select("level_code", "period", "numerator", "denominator"),
        "numerator",
        "denominator",
        "period",
        kind="rate",
        points=points,
        group_by="level_code",
        confidence=confidence,
    )
    better = {"higher": "Increasing", "lower": "Decreasing"}.get(metric.polarity)
    words = (
        pl.when(pl.col("trend") == better)
        .then(pl.lit(" and getting better"))
        .when(pl.col("trend").is_in(["Increasing", "Decreasing"]) & pl.lit(better is not None))
        .then(pl.lit(" and getting worse"))
        .otherwise(pl.lit(""))
    )
    out = heads.join(marks, on="level_code", how="left").with_columns(
        (pl.col("slope") * metric.multiplier).alias("value"),
        pl.col("last_period").alias("period"),
        pl.format("{}{} ({}; {} to {})", "trend", words, "reason", "first_period", "last_period")
        .fill_null("no trend: the series has missing values")
        .alias("note"),
        pl.when(pl.col("slope").is_null()).then(pl.lit(NOT_AVAILABLE)).alias("flag"),
    )
    return _derived(metric, series, out)
