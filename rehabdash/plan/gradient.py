"""What the Deprivation page draws, without Qt: people seen per 1,000 by IMD decile or
quintile as bars, the fitted SII line over them, and the SII and RII in words (issue 11;
DESIGN 7.6 and 10).

The access section returns the SII and RII of a deprivation breakdown but not the line
itself, so :func:`fitted_line` gives its two ends from what the engine returned, fitted
the way :func:`rehabdash.stats.sii` fits it (PHE method; Low and Low 2004): quantiles
from the most deprived (1) upwards, population shares a_j (the ``seen_rate``
denominators), relative ranks b_j = cumulative share before j + a_j / 2, a weighted
least-squares line of the standardised rates y_j on b_j with weights a_j. Its slope is the
SII; its intercept is the weighted mean of y less the slope × the weighted mean rank,
so fitted(0) is the most deprived end and fitted(1) = fitted(0) + SII the least deprived.

The rates the engine fits are those of ``access._standardised_rates``: the DSR where the
quantiles' age structure is known, else O/E × the crude rate of everyone. The bars are
the DSR where the engine gives it, else the crude ``seen_rate`` (the page says which).

On the chart's x axis each bar spans its quantile's share of the population, so the
line is straight and its ends at 0 and 1 are exactly the ends the SII compares.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from rehabdash.plan.chart_data import ChartRow, chart_data, number
from rehabdash.plan.result import ALL, Indicator

__all__ = [
    "Gradient",
    "GradientBar",
    "Summary",
    "fitted_line",
    "gradient",
    "rii_sentence",
    "sii_sentence",
]

#: The words for one quantile of each deprivation breakdown.
PART = {"imd_decile": ("tenth", "deciles"), "imd_quintile": ("fifth", "quintiles")}


@dataclass(frozen=True)
class Summary:
    """The SII or RII as the engine returned it (None: not computed)."""

    value: float
    lower: float | None
    upper: float | None
    method: str

    def excludes(self, none: float) -> bool:
        """Whether the 95% interval leaves out ``none`` (the value of no difference)."""
        if self.lower is None or self.upper is None:
            return False
        return not (self.lower <= none <= self.upper)


@dataclass(frozen=True)
class GradientBar:
    """One quantile as drawn: its row (value, interval, state) and where its bar lies."""

    row: ChartRow
    population: float | None
    left: float  # the bar's edges on the x axis (relative rank, 0 to 1)
    right: float

    @property
    def centre(self) -> float:
        return (self.left + self.right) / 2


@dataclass(frozen=True)
class Gradient:
    """The bars, the line's ends (None: no line) and the summaries of one breakdown."""

    breakdown_key: str
    breakdown: str
    metric: str  # the bars' metric: "seen_dsr" or "seen_rate"
    value_title: str
    bars: tuple[GradientBar, ...]
    everyone: ChartRow | None  # the "All" row of the bars' metric
    line: tuple[float, float] | None  # fitted at rank 0 (most deprived) and 1 (least)
    fitted_on: str  # what the line is fitted to, in words
    sii: Summary | None
    rii: Summary | None
    by_population: bool  # bar widths are population shares (else equal)
    unknown: float  # people seen with no quantile recorded (in All only)
    caveats: tuple[str, ...]

    @property
    def part(self) -> str:
        return PART.get(self.breakdown_key, ("group", "groups"))[0]

    @property
    def parts(self) -> str:
        return PART.get(self.breakdown_key, ("group", "groups"))[1]

    @property
    def quantile(self) -> str:
        """ "decile" or "quintile" (one of :attr:`parts`)."""
        return self.parts.removesuffix("s")

    def table(self) -> list[list[str]]:
        """What is drawn, header first: each bar, All, then the line's two ends."""
        header = ["Group", "Value", "Lower 95%", "Upper 95%", "Population", "Rank from", "to"]
        rows = [header]
        for bar in self.bars:
            r = bar.row
            rows.append(
                [
                    r.label,
                    r.shorthand,
                    number(r.lower),
                    number(r.upper),
                    number(bar.population),
                    f"{bar.left:.3f}",
                    f"{bar.right:.3f}",
                ]
            )
        if self.everyone is not None:
            e = self.everyone
            rows.append([ALL, e.shorthand, number(e.lower), number(e.upper), "", "", ""])
        if self.line is not None:
            rows.append(
                ["Fitted line, most deprived end", number(self.line[0]), "", "", "", "0", ""]
            )
            rows.append(
                ["Fitted line, least deprived end", number(self.line[1]), "", "", "", "1", ""]
            )
        return rows


def _summary(indicator: Indicator | None) -> Summary | None:
    if indicator is None:
        return None
    row = indicator.row(ALL)
    if row is None or row["value"] is None:
        return None
    return Summary(float(row["value"]), row["lower"], row["upper"], row["method"] or "")


def _fitted_rates(
    seen_rate: Indicator, seen_dsr: Indicator | None, seen_oe: Indicator | None
) -> tuple[pl.DataFrame, str] | None:
    """level_code, y, population: the rates the engine fitted the SII to (as
    ``access._standardised_rates`` makes them), and their name in words."""
    pops = seen_rate.frame.select("level_code", pl.col("denominator").alias("population"))
    if seen_dsr is not None:
        rates, words = seen_dsr.frame, "the age-sex standardised rates (DSR)"
        y = pl.col("value")
    elif seen_oe is not None:
        everyone = seen_rate.row(ALL)
        if everyone is None or everyone["value"] is None:
            return None
        rates = seen_oe.frame
        words = "age-sex adjusted rates (observed ÷ expected × the crude rate of everyone)"
        y = pl.col("value") * float(everyone["value"])
    else:
        return None
    frame = (
        rates.filter(pl.col("level_code") != ALL)
        .select("level_code", y.alias("y"))
        .join(pops, on="level_code", how="inner")
        .filter(pl.col("y").is_not_null(), pl.col("population") > 0)
    )
    return frame, words


def fitted_line(y: list[float], population: list[float], slope: float) -> tuple[float, float]:
    """The fitted line's values at relative rank 0 (most deprived) and 1 (least deprived):
    quantiles in order from the most deprived, the engine's SII as the ``slope``, the
    intercept from the weighted means (see the module docstring)."""
    if len(y) != len(population) or not y:
        raise ValueError("give one rate and one population per quantile")
    total = sum(population)
    if total <= 0 or any(p <= 0 for p in population):
        raise ValueError("populations must be greater than 0")
    shares = [p / total for p in population]
    before, ranks = 0.0, []
    for a in shares:
        ranks.append(before + a / 2)
        before += a
    mean_y = sum(a * v for a, v in zip(shares, y, strict=True))
    mean_b = sum(a * b for a, b in zip(shares, ranks, strict=True))
    intercept = mean_y - slope * mean_b
    return intercept, intercept + slope


def gradient(
    seen_rate: Indicator,
    seen_dsr: Indicator | None = None,
    seen_oe: Indicator | None = None,
    sii: Indicator | None = None,
    rii: Indicator | None = None,
) -> Gradient:
    """The Deprivation chart of one breakdown from the access section's indicators."""
    from rehabdash.codes.characteristics import CHARACTERISTICS

    key = seen_rate.breakdown_key
    char = CHARACTERISTICS.get(key)
    levels = list(char.levels) if char is not None else []
    has_dsr = seen_dsr is not None and any(
        v is not None
        for c, v in seen_dsr.frame.select("level_code", "value").iter_rows()
        if c != ALL
    )
    shown = seen_dsr if has_dsr and seen_dsr is not None else seen_rate
    data = chart_data(shown)
    rows = {r.code: r for r in data.rows}
    pops = dict(seen_rate.frame.select("level_code", "denominator").iter_rows())
    ordered = [rows[c] for c in levels if c in rows]
    populations = [pops.get(r.code) for r in ordered]
    by_population = bool(ordered) and all(p is not None and p > 0 for p in populations)
    total = sum(p or 0.0 for p in populations) if by_population else float(len(ordered))
    bars, left = [], 0.0
    for row, pop in zip(ordered, populations, strict=True):
        width = (pop or 0.0) / total if by_population else 1.0 / total
        bars.append(GradientBar(row, pop, left, left + width))
        left += width
    summary_sii, summary_rii = _summary(sii), _summary(rii)
    line, fitted_on = None, ""
    fitted = _fitted_rates(seen_rate, seen_dsr, seen_oe)
    if summary_sii is not None and fitted is not None:
        frame, fitted_on = fitted
        order = {c: i for i, c in enumerate(levels)}
        frame = frame.sort(pl.col("level_code").replace_strict(order, default=len(order)))
        line = fitted_line(frame["y"].to_list(), frame["population"].to_list(), summary_sii.value)
    unknown = seen_rate.frame.filter(~pl.col("level_code").is_in([*levels, ALL]))
    return Gradient(
        breakdown_key=key,
        breakdown=data.breakdown,
        metric=shown.metric,
        value_title=data.value_title,
        bars=tuple(bars),
        everyone=rows.get(ALL),
        line=line,
        fitted_on=fitted_on,
        sii=summary_sii,
        rii=summary_rii,
        by_population=by_population,
        unknown=float(unknown["numerator"].fill_null(0).sum()),
        caveats=data.caveats,
    )


def _interval(s: Summary, digits: str) -> str:
    if s.lower is None or s.upper is None:
        return "no interval"
    return f"95% CI {s.lower:{digits}} to {s.upper:{digits}}"


def sii_sentence(g: Gradient) -> str:
    """The SII in words a non-statistician reads, with its direction and interval."""
    s = g.sii
    if s is None:
        return (
            f"No slope index of inequality: it needs a standardised rate for every one of "
            f"the {len(g.bars) or 'five or more'} {g.parts}, with a population for each."
        )
    if s.value >= 0:
        more, fewer = "least", "most"
    else:
        more, fewer = "most", "least"
    gap = (
        f"People in the {more} deprived {g.part} of areas were seen at {abs(s.value):.2f} per "
        f"1,000 more than people in the {fewer} deprived {g.part}, at the ends of the line "
        f"fitted across all {len(g.bars)} {g.parts} ({_interval(s, '.2f')})."
    )
    need = "more deprived areas usually have more need for rehab"
    if s.value >= 0:
        direction = f" This is the worse direction, fewer seen where deprivation is higher: {need}."
    else:
        direction = f" This is the better direction, more seen where deprivation is higher: {need}."
    if s.excludes(0.0):
        sure = " The interval excludes no difference (0): the gap is unlikely to be chance."
    else:
        sure = " The interval includes no difference (0): the gap may be chance."
    return gap + direction + sure


def rii_sentence(g: Gradient) -> str:
    """The RII in words, with its direction and interval."""
    r = g.rii
    if r is None:
        return "No relative index of inequality (it comes with the slope index)."
    if r.value >= 1:
        words = (
            f"The fitted rate in the least deprived {g.part} is {r.value:.2f} times that in "
            f"the most deprived ({_interval(r, '.2f')})."
        )
    else:
        inverse = Summary(
            1 / r.value,
            1 / r.upper if r.upper else None,
            1 / r.lower if r.lower else None,
            r.method,
        )
        words = (
            f"The fitted rate in the most deprived {g.part} is {inverse.value:.2f} times "
            f"that in the least deprived ({_interval(inverse, '.2f')})."
        )
    worse = " Above 1 is the worse direction (fewer seen in more deprived areas)."
    if r.excludes(1.0):
        sure = " The interval excludes 1 (no difference): the gap is unlikely to be chance."
    else:
        sure = " The interval includes 1 (no difference): the gap may be chance."
    return words + worse + sure
