"""Findings: plain-English, person-first sentences generated from the plan's numbers.

Rules (issue 10, DESIGN 6 "Narrative"):

* a sentence only for a difference its interval supports (the 95% interval excludes
  "no difference"), the interval in brackets;
* ranked by the size of the gap (the absolute log of the ratio);
* never about "not known", "not stated", blank or invalid as though it were a group;
* caveated when the characteristic is recorded for fewer than 80% of people referred;
* each names the indicator and the filter it came from, so the dashboard can open the
  view behind it.

:func:`candidates` returns every comparison that was tested, significant or not, so the
false-positive rate can be checked on demo stores with nothing planted; :func:`find`
keeps the significant ones, ranked.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import polars as pl

from rehabdash.codes.characteristics import CHARACTERISTICS, UNKNOWN_LEVELS
from rehabdash.plan.distance import BAND_WORDS
from rehabdash.plan.distance import BREAKDOWN_KEY as DISTANCE_KEY
from rehabdash.plan.quality import CSDS_THRESHOLD, recording_caveat
from rehabdash.plan.result import ALL, LOW_RELIABILITY, Indicator
from rehabdash.plan.scope import Scope
from rehabdash.stats import rate_ratio

__all__ = ["COMPLETENESS_CAVEAT_BELOW", "Finding", "candidates", "find"]

#: A characteristic recorded for fewer than this share of people referred is too
#: incomplete to judge (the CSDS publication threshold, defined in quality).
COMPLETENESS_CAVEAT_BELOW = CSDS_THRESHOLD


@dataclass(frozen=True)
class Finding:
    text: str
    indicator: str  # the Indicator key it came from ("seen_oe/ethnicity")
    level_code: str
    filter: str  # the plan filter, described
    size: float  # |ln ratio|: the ranking
    significant: bool
    caveat: str | None = None
    characteristic: str | None = None


def _who(key: str, level: str, label: str) -> str:
    """Person-first wording for the people of one level."""
    if key == "sex":
        return {"1": "Men", "2": "Women"}.get(level, f"People recorded as {label}")
    if key == "disability":
        return (
            "People with a disability recorded"
            if level == "Disabled"
            else ("People with no disability recorded")
        )
    if key == "age_band":
        return f"People aged {level.replace('+', ' and over')}"
    if key in ("imd_decile", "imd_quintile"):
        part, last = ("tenth", "10") if key == "imd_decile" else ("fifth", "5")
        name = "decile" if key == "imd_decile" else "quintile"
        if level in ("1", last):
            end = "most" if level == "1" else "least"
            return f"People living in the {end} deprived {part} of areas (IMD {name} {level})"
        return f"People living in IMD {name} {level} areas"
    if key in ("ethnicity", "ethnic_group"):
        return (
            f"People recorded as {label} ethnicity"
            if key == "ethnic_group"
            else (f"People recorded as {label}")
        )
    if key == "religion":
        return (
            "People recorded as having no religion"
            if level == "No religion"
            else (
                f"People recorded as {label}"
                if level != "Not stated"
                else ("People who chose not to state a religion")
            )
        )
    return f"People recorded as {label}"


def _ci(lower: float, upper: float, digits: int = 2) -> str:
    return f"95% CI {lower:.{digits}f} to {upper:.{digits}f}"


def _than_expected(ratio: float) -> str:
    """ "2.3 times as often as expected" or "14% less often than expected"."""
    if ratio >= 2:
        return f"{ratio:.1f} times as often as expected"
    change = abs(ratio - 1) * 100
    return f"{change:.0f}% {'more' if ratio > 1 else 'less'} often than expected"


def _oe_candidates(ind: Indicator, scope: Scope, described: str) -> list[Finding]:
    """Each recorded group seen more or less often than expected for its age and sex."""
    key = ind.breakdown_key
    if key not in CHARACTERISTICS or key in ("age_band", "sex"):  # sex: women vs men below
        return []
    caveat = recording_caveat(scope, key)
    rows = ind.frame.filter(
        pl.col("level_code") != ALL,
        ~pl.col("level").is_in(list(UNKNOWN_LEVELS.values())),
        pl.col("value").is_not_null(),
        pl.col("value") > 0,
        _reliable(),
    )
    out = []
    adjust = "age" if key == "sex" else "age and sex"
    for row in rows.iter_rows(named=True):
        value, lower, upper = row["value"], row["lower"], row["upper"]
        significant = lower > 1 or upper < 1
        who = _who(key, row["level_code"], row["level"])
        text = (
            f"{who} were seen by community rehab {_than_expected(value)} for their {adjust} "
            f"(observed ÷ expected {value:.2f}, {_ci(lower, upper)})."
        )
        if caveat:
            text += f" {caveat}."
        out.append(
            Finding(
                text,
                ind.key,
                row["level_code"],
                described,
                abs(math.log(value)),
                significant,
                caveat,
                key,
            )
        )
    return out


def _ratio_candidate(
    ind: Indicator | None,
    first: str,
    second: str,
    sentence: Callable[[float, float, float], str],
    described: str,
    caveat: str | None = None,
) -> list[Finding]:
    """The ratio of two levels' O/E (or rates), with the log-scale interval of a ratio of
    two independent Poisson counts (rehabdash.stats.rate_ratio)."""
    if ind is None:
        return []
    a, b = ind.row(first), ind.row(second)
    if not a or not b or not a["numerator"] or not b["numerator"]:
        return []
    if not a["denominator"] or not b["denominator"]:
        return []
    frame = pl.DataFrame(
        {
            "x1": [a["numerator"]],
            "n1": [a["denominator"]],
            "x2": [b["numerator"]],
            "n2": [b["denominator"]],
        }
    )
    row = rate_ratio(frame, "x1", "n1", "x2", "n2").row(0, named=True)
    value, lower, upper = row["value"], row["lower"], row["upper"]
    if value is None or lower is None or upper is None or value <= 0:
        return []
    significant = lower > 1 or upper < 1
    text = sentence(value, lower, upper)
    if caveat:
        text += f" {caveat}."
    return [
        Finding(
            text,
            ind.key,
            f"{first}/{second}",
            described,
            abs(math.log(value)),
            significant,
            caveat,
            ind.breakdown_key,
        )
    ]


def _deprivation(value: float, lower: float, upper: float) -> str:
    how = f"{abs(1 - value) * 100:.0f}% {'less' if value < 1 else 'more'} likely"
    return (
        f"People living in the most deprived fifth of areas were {how} to be seen by "
        "community rehab than people in the least deprived fifth, after allowing for age "
        f"and sex (ratio {value:.2f}, {_ci(lower, upper)})."
    )


def _women(value: float, lower: float, upper: float) -> str:
    how = f"{abs(value - 1) * 100:.0f}% {'more' if value > 1 else 'less'} often"
    return (
        f"Women were seen {how} than men of the same age (ratio {value:.2f}, {_ci(lower, upper)})."
    )


def _sii_candidate(ind: Indicator | None, rii: Indicator | None, described: str) -> list[Finding]:
    row = ind.row(ALL) if ind is not None else None
    if ind is None or not row or row["value"] is None or row["lower"] is None:
        return []
    value, lower, upper = row["value"], row["lower"], row["upper"]
    significant = lower > 0 or upper < 0
    more, move = ("least", "rise") if value > 0 else ("most", "fall")
    text = (
        f"Across the deprivation scale, people seen per 1,000 (age-sex standardised) {move} by "
        f"{abs(value):.1f} from the most to the least deprived end (slope index of inequality "
        f"{value:.1f}, {_ci(lower, upper, 1)}): more people are seen in the {more} deprived "
        "areas."
    )
    rii_row = rii.row(ALL) if rii is not None else None
    rii_value = rii_row["value"] if rii_row else None
    size = abs(math.log(rii_value)) if rii_value and rii_value > 0 else 0.0  # rank by the RII
    return [Finding(text, ind.key, ALL, described, size, significant, None, ind.breakdown_key)]


def _age_candidate(ind: Indicator | None, described: str) -> list[Finding]:
    """Need rises with age: the oldest band against the band with the lowest rate."""
    if ind is None:
        return []
    rows = ind.frame.filter(
        pl.col("level_code").is_in(list(CHARACTERISTICS["age_band"].levels)),
        pl.col("value").is_not_null(),
        pl.col("value") > 0,
    )
    if rows.height < 2:
        return []
    oldest = rows.row(rows.height - 1, named=True)["level_code"]
    lowest = rows.sort("value").row(0, named=True)["level_code"]
    if oldest == lowest:
        return []

    def sentence(value: float, lower: float, upper: float) -> str:
        return (
            f"{_who('age_band', oldest, oldest)} were seen {value:.1f} times as often per "
            f"1,000 as people aged {lowest} (rate ratio {value:.1f}, {_ci(lower, upper, 1)}): "
            "need for rehab rises with age."
        )

    return _ratio_candidate(ind, oldest, lowest, sentence, described)


def _reliable() -> pl.Expr:
    """Rows a sentence may rest on: not of low reliability ([u]: few people or values).
    Ranked by the size of the gap, such groups would otherwise come first with the least
    behind them. (An interval of no width is not enough to tell: a median of whole days
    for thousands of people has one.)"""
    return pl.col("flag").is_null() | (pl.col("flag") != LOW_RELIABILITY)


def _valid_rows(ind: Indicator) -> pl.DataFrame:
    return ind.frame.filter(
        pl.col("level_code") != ALL,
        ~pl.col("level").is_in(list(UNKNOWN_LEVELS.values())),
        pl.col("value").is_not_null(),
        pl.col("lower").is_not_null(),
        pl.col("upper").is_not_null(),
        _reliable(),
    )


def _wait_candidates(ind: Indicator, scope: Scope, described: str) -> list[Finding]:
    """Each recorded group's median wait against the largest group's: a finding only when
    the two 95% intervals do not overlap (a conservative test of a difference)."""
    key = ind.breakdown_key
    rows = _valid_rows(ind)
    if key not in CHARACTERISTICS or rows.height < 2:
        return []
    caveat = recording_caveat(scope, key)
    ref = rows.sort("numerator", descending=True).row(0, named=True)
    who_ref = _who(key, ref["level_code"], ref["level"]).replace("People", "people", 1)
    out = []
    for row in rows.iter_rows(named=True):
        if row["level_code"] == ref["level_code"] or row["value"] <= 0 or ref["value"] <= 0:
            continue
        longer = row["value"] > ref["value"]
        significant = row["lower"] > ref["upper"] or row["upper"] < ref["lower"]
        text = (
            f"{_who(key, row['level_code'], row['level'])} waited {'longer' if longer else 'less'}"
            f" for a first contact than {who_ref}: a median of {row['value']:.0f} days (95% CI "
            f"{row['lower']:.0f} to {row['upper']:.0f}) against {ref['value']:.0f} days "
            f"({ref['lower']:.0f} to {ref['upper']:.0f})."
        )
        if caveat:
            text += f" {caveat}."
        size = abs(math.log(row["value"] / ref["value"]))
        out.append(
            Finding(text, ind.key, row["level_code"], described, size, significant, caveat, key)
        )
    return out


_GAPS = {
    "gap_rate_ratio_q1_q5": "the ratio of people seen per 1,000 in the most to the least "
    "deprived fifth of areas",
    "gap_sii": "the slope index of inequality in people seen per 1,000 across deprivation",
}


def _gap_candidates(ind: Indicator, described: str) -> list[Finding]:
    """Baseline against latest for a deprivation gap, with the verdict of its change."""
    what = _GAPS.get(ind.metric)
    if what is None or "period" not in ind.frame.columns:
        return []
    rows = {r["period"].split(" ")[0]: r for r in ind.frame.iter_rows(named=True)}
    base, latest, change = rows.get("baseline"), rows.get("latest"), rows.get("change")
    if not base or not latest or not change or change["value"] is None:
        return []
    verdict = change["note"] or ""
    significant = verdict in ("worsening", "improving")
    moved = {"worsening": "widened", "improving": "narrowed"}.get(verdict, "did not change")
    text = (
        f"The deprivation gap {moved} between {base['period'][9:]} and "
        f"{latest['period'][7:]}: {what} went from {base['value']:.2f} "
        f"({base['lower']:.2f} to {base['upper']:.2f}) to {latest['value']:.2f} "
        f"({latest['lower']:.2f} to {latest['upper']:.2f})."
    )
    scale = math.log(change["value"]) if ind.metric != "gap_sii" else None
    size = abs(scale) if scale is not None else abs(change["value"]) / max(base["value"], 1e-9)
    return [Finding(text, ind.key, "change", described, size, significant, None, None)]


def _distance_candidate(ind: Indicator | None, described: str) -> list[Finding]:
    """People in the furthest distance band with anyone expected against those in the
    nearest: the ratio of their age-, sex- and deprivation-adjusted O/E."""
    if ind is None:
        return []
    bands = ind.frame.filter(
        pl.col("level_code") != ALL,
        pl.col("numerator").fill_null(0) > 0,
        pl.col("denominator").fill_null(0) > 0,
    )  # in the bands' order, nearest first
    if bands.height < 2:
        return []
    near, far = bands.row(0, named=True), bands.row(bands.height - 1, named=True)

    def sentence(value: float, lower: float, upper: float) -> str:
        how = f"{abs(1 - value) * 100:.0f}% {'less' if value < 1 else 'more'} likely"
        return (
            f"People living {BAND_WORDS[far['level_code']]} the nearest rehab site were "
            f"{how} to be seen than people living {BAND_WORDS[near['level_code']]} one, "
            f"after allowing for age, sex and deprivation (ratio {value:.2f}, "
            f"{_ci(lower, upper)})."
        )

    return _ratio_candidate(ind, far["level_code"], near["level_code"], sentence, described)


def candidates(indicators: Mapping[str, Indicator], scope: Scope) -> list[Finding]:
    """Every comparison the findings test, significant or not."""
    described = scope.filter.describe()
    out: list[Finding] = []
    for ind in indicators.values():
        if ind.metric == "seen_oe" and ind.breakdown_key not in ("imd_decile", "imd_quintile"):
            out += _oe_candidates(ind, scope, described)
        elif ind.metric == "wait_median":
            out += _wait_candidates(ind, scope, described)
        elif ind.metric in _GAPS:
            out += _gap_candidates(ind, described)
    out += _ratio_candidate(
        indicators.get("seen_oe/imd_quintile"), "1", "5", _deprivation, described
    )
    out += _sii_candidate(
        indicators.get("sii/imd_decile"), indicators.get("rii/imd_decile"), described
    )
    out += _ratio_candidate(
        indicators.get("seen_oe/sex"), "2", "1", _women, described, recording_caveat(scope, "sex")
    )
    out += _age_candidate(indicators.get("seen_rate/age_band"), described)
    out += _distance_candidate(indicators.get(f"distance_oe/{DISTANCE_KEY}"), described)
    return out


def find(indicators: Mapping[str, Indicator], scope: Scope) -> list[Finding]:
    """The significant findings, largest gap first."""
    found = [f for f in candidates(indicators, scope) if f.significant]
    return sorted(found, key=lambda f: -f.size)
