"""What the Trends page draws, without Qt: each series' SPC chart, its Making Data Count
icons in words, the summary of every series and the gaps, baseline vs latest (issue 11
item 1; DESIGN 7.7 and 10).

The plan's "trends" extra returns the monthly and quarterly series of people referred,
people seen and people seen per 1,000 per year ("All", IMD quintile, ethnic group) and
the XmR chart (:func:`rehabdash.plan.series.spc_flags`) of the monthly rate. The page
charts every series, so :func:`derived_spc` adds the chart of each series the extra
returned without one, made by the same :func:`~rehabdash.plan.series.spc_flags` (the
direction of improvement from the metric's polarity: people referred is neutral).

An SPC indicator's frame has, per level and period: ``value``; ``lower`` and ``upper``,
the process limits (the mean is midway); ``note``, the point's verdict ("special cause
concern (outside the process limits; 2 of 3 close to a limit)", "common cause
variation", then "; fewer than 12 points" for a short series); ``method``, the level's
variation icon ("XmR (Making Data Count); latest point: special cause improvement") and,
given a target, "; assurance: always meets"; ``flag`` "[u]" for fewer than 12 points.
:func:`spc_series` reads that into one :class:`SpcSeries` per level, with the icons
classified as Making Data Count draws them (NHS England, *Making Data Count: strengthening
your decisions*, 2019 and the November 2023 update):

* **variation**: common cause (grey); special cause improving (blue) or concerning
  (orange) variation, "H" when the special cause is high and "L" when low (an
  improvement is high when higher is better); neither improving nor concerning (a
  neutral measure; purple) with H or L from the side of the mean of the latest point,
  or the direction of its 7-point trend;
* **assurance**: consistently passing (P) or failing (F) the target, or hit and miss
  (?) when the target lies within the process limits; no icon without a target.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import polars as pl

from rehabdash.plan.improvement import TREND_SEEN_WITHIN
from rehabdash.plan.result import ALL, FLAGS, LOW_RELIABILITY, NOT_APPLICABLE, Indicator
from rehabdash.plan.series import _VARIATION, SERIES, spc_flags_many

__all__ = [
    "ASSURANCE",
    "BREAKDOWNS",
    "FREQS",
    "GAP_NAMES",
    "MEASURES",
    "SHORT_MEASURES",
    "Assurance",
    "GapRow",
    "SpcPoint",
    "SpcSeries",
    "TrendBoard",
    "Variation",
    "VariationIcon",
    "derived_spc",
    "direction_of_improvement",
    "spc_series",
    "trend_board",
    "variation_icon",
]

Variation = Literal["improvement", "concern", "neutral", "common cause"]
Tone = Literal["improvement", "concern", "neutral", "common", "none"]
Assurance = Literal["pass", "fail", "hit and miss", "none"]

#: The series the extra returns, by measure and frequency: (measure, freq) -> metric key.
#: People seen are those seen within TREND_SEEN_WITHIN days of referral, and the names
#: say so: the trend's rate is lower than the year's (which counts everyone seen so far).
MEASURES: dict[str, str] = {
    "seen_rate": f"People seen within {TREND_SEEN_WITHIN} days, per 1,000 population per year",
    "people_seen": f"People seen within {TREND_SEEN_WITHIN} days of referral",
    "people_referred": "People referred",
}
#: Shorter names, for the summary table.
SHORT_MEASURES: dict[str, str] = {
    "seen_rate": f"Seen in {TREND_SEEN_WITHIN} days per 1,000 a year",
    "people_seen": f"Seen in {TREND_SEEN_WITHIN} days",
    "people_referred": "People referred",
}
FREQS: dict[str, str] = {"monthly": "Monthly", "quarterly": "Quarterly"}
#: The breakdowns the trends extra follows, by short name (a choice, a table column).
BREAKDOWNS: dict[str, str] = {
    "All": "Everyone",
    "imd_quintile": "IMD quintile",
    "ethnic_group": "Ethnic group",
}
_BY_LABEL: dict[str, Variation] = {label: v for v, label in _VARIATION.items()}  # type: ignore[misc]
_ASSURANCE_BY_ENGINE: dict[str, Assurance] = {
    "always meets": "pass",
    "always fails": "fail",
    "hit and miss": "hit and miss",
}
#: Each assurance icon: (letter, words).
ASSURANCE: dict[Assurance, tuple[str, str]] = {
    "pass": ("P", "Consistently passing the target"),
    "fail": ("F", "Consistently failing the target"),
    "hit and miss": ("?", "Hit and miss: the target lies within the process limits"),
    "none": ("", "No target set: no assurance icon"),
}
_TREND_RULE = "7 points rising or falling"
#: Each gap's short name, for the gaps table.
GAP_NAMES = {
    "gap_rate_ratio_q1_q5": "Rate ratio, IMD Q1 ÷ Q5",
    "gap_sii": "SII, per 1,000 per year",
    "gap_representation": "Representation ratio",
}


@dataclass(frozen=True)
class VariationIcon:
    """The variation icon of a series (its latest point), in a word and a letter."""

    tone: Tone
    letter: str  # "H" (high), "L" (low) or ""

    @property
    def words(self) -> str:
        side = {"H": " (high)", "L": " (low)"}.get(self.letter, "")
        return {
            "improvement": f"Special cause improving variation{side}",
            "concern": f"Special cause concerning variation{side}",
            "neutral": f"Special cause variation, neither improving nor concerning{side}",
            "common": "Common cause variation",
            "none": "No SPC chart",
        }[self.tone]


def direction_of_improvement(polarity: str) -> Literal["up", "down"] | None:
    """The direction :func:`spc_flags` is told is better, from a metric's polarity."""
    return {"higher": "up", "lower": "down"}.get(polarity)  # type: ignore[return-value]


def variation_icon(
    variation: Variation | None,
    improvement: Literal["up", "down"] | None,
    values: list[float],
    mean: float | None,
    rules: tuple[str, ...] = (),
) -> VariationIcon:
    """The MDC variation icon of a series whose latest point has ``variation``:
    improving or concerning variation is high or low by the direction of improvement;
    neutral variation by its latest point (the direction of a 7-point trend, else the
    side of the mean)."""
    if variation is None:
        return VariationIcon("none", "")
    if variation == "common cause":
        return VariationIcon("common", "")
    if variation in ("improvement", "concern") and improvement is not None:
        high = (variation == "improvement") == (improvement == "up")
        return VariationIcon(variation, "H" if high else "L")
    step = 0.0
    if _TREND_RULE in rules and len(values) >= 2:
        step = values[-1] - values[-2]
    elif mean is not None and values:
        step = values[-1] - mean
    letter = "H" if step > 0 else "L" if step < 0 else ""
    return VariationIcon("neutral", letter)


@dataclass(frozen=True)
class SpcPoint:
    """One period of a level's series as charted."""

    period: str
    value: float | None
    numerator: float | None
    denominator: float | None
    variation: Variation | None  # None: not charted (the series has missing values)
    rules: tuple[str, ...]  # the special-cause rules the point breaks
    note: str
    flag: str | None = None

    @property
    def shorthand(self) -> str:
        """What a table says for a point with no value: its flag and its words."""
        flag = self.flag or "[x]"
        if flag not in FLAGS or flag == LOW_RELIABILITY:
            flag = "[x]"
        return f"{flag} {FLAGS[flag]}"


@dataclass(frozen=True)
class SpcSeries:
    """One level's XmR chart: its points, mean, limits and icons."""

    metric: str  # "spc_seen_rate_monthly"
    breakdown_key: str
    breakdown: str
    level_code: str
    level: str
    measure: str  # "seen_rate", "people_seen", "people_referred"
    freq: str  # "monthly" or "quarterly"
    unit: str
    points: tuple[SpcPoint, ...]
    mean: float | None
    lower: float | None
    upper: float | None
    icon: VariationIcon
    assurance: Assurance
    low_reliability: bool
    message: str | None  # why there is no chart (or a warning about it)

    @property
    def key(self) -> str:
        return f"{self.metric}/{self.breakdown_key}/{self.level_code}"

    @property
    def title(self) -> str:
        group = "everyone in scope" if self.level_code == ALL else self.level
        every = "month" if self.freq == "monthly" else "financial quarter"
        return f"{MEASURES[self.measure]}, by {every}: {group}"

    @property
    def charted(self) -> bool:
        return self.mean is not None

    @property
    def latest(self) -> SpcPoint | None:
        return self.points[-1] if self.points else None

    @property
    def assurance_words(self) -> str:
        return ASSURANCE[self.assurance][1]

    def format(self, value: float | None) -> str:
        return _format(value, self.unit)

    def table(self) -> list[list[str]]:
        """The chart's numbers, header first, exactly as drawn."""
        header = [
            "Period",
            f"Value ({self.unit})",
            "Mean",
            "Lower process limit",
            "Upper process limit",
            "Point",
            "Special-cause rules",
            "Numerator",
            "Denominator",
        ]
        rows = [header]
        for p in self.points:
            rows.append(
                [
                    p.period,
                    self.format(p.value) if p.value is not None else p.shorthand,
                    self.format(self.mean),
                    self.format(self.lower),
                    self.format(self.upper),
                    point_words(p.variation),
                    "; ".join(p.rules),
                    _format(p.numerator, "people"),
                    _format(p.denominator, "person-years"),
                ]
            )
        return rows


def point_words(variation: Variation | None) -> str:
    """A point's verdict, as the chart's legend and table say it."""
    return {
        "improvement": "Special cause improvement",
        "concern": "Special cause concern",
        "neutral": "Special cause (neither improving nor concerning)",
        "common cause": "Common cause",
        None: "Not charted",
    }[variation]


def _format(value: float | None, unit: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if unit in ("people", "rows"):
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    if unit == "ratio":
        return f"{value:,.3f}"
    return f"{value:,.1f}"


def _parse_note(note: str | None) -> tuple[Variation | None, tuple[str, ...]]:
    """A point's variation and rules from its verdict ("special cause concern (outside
    the process limits; 2 of 3 close to a limit); fewer than 12 points")."""
    text = note or ""
    for label, variation in _BY_LABEL.items():
        if text.startswith(label):
            rest = text[len(label) :]
            if rest.startswith(" ("):
                inner = rest[2 : rest.index(")")]
                return variation, tuple(r.strip() for r in inner.split(";") if r.strip())
            return variation, ()
    return None, ()


def _parse_method(method: str | None) -> tuple[Variation | None, Assurance]:
    """The level's variation icon and assurance from the SPC row's ``method``."""
    text = method or ""
    variation: Variation | None = None
    if "latest point: " in text:
        latest = text.split("latest point: ", 1)[1].split(";", 1)[0].strip()
        variation = _BY_LABEL.get(latest)
    assurance: Assurance = "none"
    if "assurance: " in text:
        word = text.split("assurance: ", 1)[1].split(";", 1)[0].strip()
        assurance = _ASSURANCE_BY_ENGINE.get(word, "none")
    return variation, assurance


def _measure(metric: str) -> tuple[str, str]:
    """("seen_rate", "monthly") of "spc_seen_rate_monthly"."""
    base = metric.removeprefix("spc_")
    measure, freq = base.rsplit("_", 1)
    return measure, freq


def spc_series(indicator: Indicator) -> list[SpcSeries]:
    """One :class:`SpcSeries` per level of an SPC indicator, in the frame's order."""
    frame = indicator.frame
    if frame.height == 0:
        return []
    measure, freq = _measure(indicator.metric)
    improvement = direction_of_improvement(indicator.definition.polarity)
    out = []
    levels = frame.partition_by("level_code", as_dict=True, maintain_order=True)
    for (code,), rows in levels.items():
        points = []
        for r in rows.iter_rows(named=True):
            variation, rules = _parse_note(r["note"])
            if r["lower"] is None or r["upper"] is None:
                variation, rules = None, ()
            points.append(
                SpcPoint(
                    str(r["period"]),
                    r["value"],
                    r["numerator"],
                    r["denominator"],
                    variation,
                    rules,
                    str(r["note"] or ""),
                    r["flag"],
                )
            )
        first = rows.row(0, named=True)
        lower, upper = first["lower"], first["upper"]
        charted = lower is not None and upper is not None
        mean = (lower + upper) / 2 if charted else None
        icon_variation, assurance = _parse_method(first["method"]) if charted else (None, "none")
        values = [p.value for p in points if p.value is not None]
        latest_rules = points[-1].rules if points else ()
        icon = variation_icon(icon_variation, improvement, values, mean, latest_rules)
        low = bool((rows["flag"] == LOW_RELIABILITY).any())
        message = None
        if not charted:
            message = f"No SPC chart for this group: {_why_not(rows, values)}."
        elif low:
            message = (
                f"Fewer than 12 points ({LOW_RELIABILITY} {FLAGS[LOW_RELIABILITY]}): the "
                "process limits are a rough guide only."
            )
        out.append(
            SpcSeries(
                metric=indicator.metric,
                breakdown_key=indicator.breakdown_key,
                breakdown=str(first["breakdown"]),
                level_code=str(code),
                level=str(first["level"]),
                measure=measure,
                freq=freq,
                unit=indicator.definition.unit,
                points=tuple(points),
                mean=mean,
                lower=lower,
                upper=upper,
                icon=icon,
                assurance=assurance,
                low_reliability=low,
                message=message,
            )
        )
    return out


def _why_not(rows: pl.DataFrame, values: list[float]) -> str:
    """Why a level has no limits: no values, some missing, or no variation at all."""
    if values and len(values) == rows.height and len(set(values)) == 1:
        return f"every point is {_format(values[0], 'people')}, so there is no variation to chart"
    flags = [FLAGS.get(f, f) for f in rows["flag"].drop_nulls().unique(maintain_order=True)]
    notes = [
        n
        for n in rows["note"].drop_nulls().unique(maintain_order=True)
        if _parse_note(n)[0] is None
    ]
    if not values:
        if NOT_APPLICABLE in rows["flag"].to_list():
            return (
                f"{NOT_APPLICABLE} {FLAGS[NOT_APPLICABLE]}: people whose value is not "
                "recorded are not a group with a population, so they have no rate"
            )
        return "; ".join(dict.fromkeys([*flags, *notes])) or "no values"
    return "the series has missing values"


def _series_keys() -> set[str]:
    return {m.key for ms in SERIES.values() for m in ms}


def derived_spc(indicators: Iterable[Indicator]) -> list[Indicator]:
    """The SPC chart of each series among ``indicators`` that has none there, by
    :func:`spc_flags` (improvement from the series' polarity), in the given order."""
    items = list(indicators)
    have = {i.key for i in items}
    wanted = [
        item
        for item in items
        if item.metric in _series_keys()
        and f"spc_{item.key}" not in have
        and "period" in item.frame.columns
        and item.frame.height > 0
    ]
    # Charted together, a pass per direction of improvement (one polars pass, not 15).
    charts: dict[str, Indicator] = {}
    for direction in ("up", "down", None):
        same = [i for i in wanted if direction_of_improvement(i.definition.polarity) == direction]
        for item, chart in zip(same, spc_flags_many(same, direction), strict=True):
            charts[item.key] = chart
    return [charts[i.key] for i in wanted]


@dataclass(frozen=True)
class GapEstimate:
    period: str
    value: float | None
    lower: float | None
    upper: float | None
    flag: str | None
    note: str

    def text(self, unit: str) -> str:
        if self.value is None:
            return f"{self.flag or '[x]'} {FLAGS.get(self.flag or '[x]', 'not available')}"
        interval = (
            f" ({_format(self.lower, unit)} to {_format(self.upper, unit)})"
            if self.lower is not None and self.upper is not None
            else ""
        )
        return f"{_format(self.value, unit)}{interval}"


@dataclass(frozen=True)
class GapRow:
    """One gap for one group: baseline, latest and the change with its verdict."""

    metric: str
    title: str
    unit: str
    level_code: str
    level: str
    baseline: GapEstimate
    latest: GapEstimate
    change: GapEstimate

    @property
    def verdict(self) -> str:
        """ "improving", "no significant change", "worsening", or why not available."""
        if self.change.value is None:
            return self.change.note or "not available"
        return self.change.note or "no verdict"


def _gap_rows(indicator: Indicator) -> list[GapRow]:
    out = []
    unit = indicator.definition.unit
    title = GAP_NAMES.get(indicator.metric, indicator.definition.title.removeprefix("Gap: "))
    for (code,), rows in indicator.frame.partition_by(
        "level_code", as_dict=True, maintain_order=True
    ).items():
        found: dict[str, GapEstimate] = {}
        for r in rows.iter_rows(named=True):
            period = str(r["period"] or "")
            role = period.split(" ", 1)[0]
            found[role] = GapEstimate(
                period.split(" ", 1)[1] if " " in period else "",
                r["value"],
                r["lower"],
                r["upper"],
                r["flag"],
                str(r["note"] or ""),
            )
        empty = GapEstimate("", None, None, None, "[x]", "not available")
        first = rows.row(0, named=True)
        out.append(
            GapRow(
                indicator.metric,
                title,
                unit,
                str(code),
                str(first["level"]),
                found.get("baseline", empty),
                found.get("latest", empty),
                found.get("change", empty),
            )
        )
    return out


@dataclass(frozen=True)
class TrendBoard:
    """Every series' chart and the gaps: what the Trends page shows."""

    series: tuple[SpcSeries, ...]
    gaps: tuple[GapRow, ...]

    def find(
        self, measure: str, freq: str, breakdown_key: str, level_code: str | None = None
    ) -> list[SpcSeries]:
        return [
            s
            for s in self.series
            if (s.measure, s.freq, s.breakdown_key) == (measure, freq, breakdown_key)
            and level_code in (None, s.level_code)
        ]

    def by_key(self, key: str) -> SpcSeries | None:
        return next((s for s in self.series if s.key == key), None)

    def summary_series(self) -> list[SpcSeries]:
        """Every series once: the "All" level of a breakdown is the "All" series."""
        return [s for s in self.series if s.level_code != ALL or s.breakdown_key == ALL]

    def summary(self) -> list[list[str]]:
        """Every series, header first: its latest value and its icons in words."""
        rows = [
            [
                "Measure",
                "Every",
                "Breakdown",
                "Group",
                "Latest period",
                "Latest value",
                "Variation",
                "Assurance",
            ]
        ]
        for s in self.summary_series():
            latest = s.latest
            value = latest.value if latest is not None else None
            rows.append(
                [
                    SHORT_MEASURES[s.measure],
                    "month" if s.freq == "monthly" else "quarter",
                    BREAKDOWNS.get(s.breakdown_key, s.breakdown),
                    s.level,
                    latest.period if latest is not None else "",
                    s.format(value) if value is not None or latest is None else latest.shorthand,
                    s.icon.words,
                    s.assurance_words,
                ]
            )
        return rows

    def gaps_table(self) -> list[list[str]]:
        base = next((g.baseline.period for g in self.gaps if g.baseline.period), "")
        last = next((g.latest.period for g in self.gaps if g.latest.period), "")
        rows = [
            [
                "Gap",
                "Group",
                f"Baseline {base}".strip(),
                f"Latest {last}".strip(),
                "Change",
                "Verdict",
            ]
        ]
        for g in self.gaps:
            rows.append(
                [
                    g.title,
                    g.level,
                    g.baseline.text(g.unit),
                    g.latest.text(g.unit),
                    g.change.text("ratio" if g.unit == "ratio" else g.unit),
                    g.verdict,
                ]
            )
        return rows


_ORDER = {m: i for i, m in enumerate(MEASURES)}
_FREQ_ORDER = {f: i for i, f in enumerate(FREQS)}


def trend_board(indicators: Iterable[Indicator]) -> TrendBoard:
    """The board of what the trends extra returned: the SPC indicators there and the
    ones :func:`derived_spc` adds, every level, and the gaps."""
    items = list(indicators)
    charts = [i for i in items if i.metric.startswith("spc_")]
    charts += derived_spc(items)
    series: list[SpcSeries] = []
    breakdown_order: dict[str, int] = {}
    for item in items:
        breakdown_order.setdefault(item.breakdown_key, len(breakdown_order))
    for item in charts:
        series += spc_series(item)
    series.sort(
        key=lambda s: (
            _FREQ_ORDER.get(s.freq, 9),
            _ORDER.get(s.measure, 9),
            breakdown_order.get(s.breakdown_key, 99),
        )
    )  # stable: the levels keep the frame's order
    gaps = [g for i in items if i.metric.startswith("gap_") for g in _gap_rows(i)]
    return TrendBoard(tuple(series), tuple(gaps))
