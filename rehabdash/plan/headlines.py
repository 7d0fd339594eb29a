"""The Overview's headline figures with their 95% intervals, read from the plan (issue 11
item 1; DESIGN 10): Qt-free "what to draw" for the tiles.

Four headlines, each a value, its interval and one line in words:

* people seen per 1,000 residents: the "All" row of ``seen_rate`` (by age band, whose
  population is everyone in scope);
* the gap between the most and least deprived fifth of areas: the ratio of the crude
  rates of people seen per 1,000 in IMD quintile 1 and quintile 5 of ``seen_rate`` by
  ``imd_quintile``, with log-scale limits (:func:`rehabdash.stats.rate_ratio`). The
  plan's ``gap_rate_ratio_q1_q5`` is a different measure (quarters, people seen within
  28 days, baseline against latest), so it is not used here;
* the slope index of inequality: the "All" row of ``sii`` by ``imd_decile``;
* how completely ethnicity is recorded: the "valid" row of ``recorded_share`` by
  ``ethnicity``, with the plan's own verdict against the 95% target and 80% threshold.

A headline with no value says why: suppressed (``[c]``), not available (``[x]``) or not
applicable (``[z]``), as the plan flagged it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import polars as pl

from rehabdash.plan.quality import BELOW_CSDS, BELOW_TARGET, CSDS_THRESHOLD, TARGET, VALID
from rehabdash.plan.result import ALL, FLAGS, NOT_AVAILABLE, SUPPRESSED, Indicator
from rehabdash.stats import rate_ratio

__all__ = ["GAP_SOURCE", "SEEN_SOURCES", "Headline", "deprivation_gap", "headlines", "number"]

#: Where the rate of people seen is read from, in order of preference.
SEEN_SOURCES = ("seen_rate/age_band", "seen_rate/sex")
#: What the deprivation gap is made from.
GAP_SOURCE = "seen_rate/imd_quintile"
SII_SOURCE = "sii/imd_decile"
RECORDING_SOURCE = "recorded_share/ethnicity"


@dataclass(frozen=True)
class Headline:
    """One tile: a value with its 95% interval and a line in words."""

    key: str  # "seen_rate", "deprivation_gap", "sii", "ethnicity_recorded"
    title: str
    indicator: str | None  # the indicator it was read (or made) from
    value: float | None
    lower: float | None
    upper: float | None
    unit: str  # "per 1,000", "ratio", "%"
    note: str  # one line in words
    flag: str | None = None  # why there is no value: "[c]", "[x]" or "[z]"

    @property
    def value_text(self) -> str:
        if self.value is None:
            return self.flag or NOT_AVAILABLE
        return number(self.value, self.unit, self.value)

    @property
    def interval_text(self) -> str:
        if self.value is None:
            return FLAGS.get(self.flag or NOT_AVAILABLE, "not available").capitalize()
        if self.lower is None or self.upper is None:
            return "No 95% interval (too few people)"
        lo = number(self.lower, self.unit, self.value)
        hi = number(self.upper, self.unit, self.value)
        return f"95% interval {lo} to {hi}"


def number(x: float, unit: str, like: float | None = None) -> str:
    """``x`` to the precision that suits ``like`` (the headline's own value), so a value
    and its limits are written alike: 3.32, 41.7, 1,234; ratios to 2 places, % to 1."""
    if unit == "%":
        return f"{x:.1f}%"
    if unit == "ratio":
        return f"{x:.2f}"
    size = abs(like if like is not None else x)
    digits = 2 if size < 10 else (1 if size < 100 else 0)
    return f"{x:,.{digits}f}"


def _missing(
    key: str, title: str, source: str | None, unit: str, why: str, flag: str | None
) -> Headline:
    return Headline(key, title, source, None, None, None, unit, why, flag or NOT_AVAILABLE)


def _why(row: dict[str, Any] | None, what: str) -> tuple[str, str | None]:
    """Why a row has no value, in words, and its flag."""
    if row is None:
        return f"The plan has no {what} for this filter.", NOT_AVAILABLE
    flag = row.get("flag")
    if flag == SUPPRESSED:
        return f"The {what} is suppressed to protect confidentiality.", flag
    reason = row.get("note") or FLAGS.get(flag or NOT_AVAILABLE, "not available")
    return f"The {what} is not available: {reason}.", flag


def _seen(found: dict[str, Indicator]) -> Headline:
    key, title, unit = "seen_rate", "People seen per 1,000 residents", "per 1,000"
    source = next((k for k in SEEN_SOURCES if k in found), None)
    row = found[source].row(ALL) if source else None
    if row is None or row["value"] is None:
        why, flag = _why(row, "rate of people seen")
        return _missing(key, title, source, unit, why, flag)
    seen, residents = row["numerator"], row["denominator"]
    note = "People with at least one attended contact"
    if seen is not None and residents:
        note = f"{seen:,.0f} people seen (an attended contact) of {residents:,.0f} residents"
    return Headline(key, title, source, row["value"], row["lower"], row["upper"], unit, note)


def deprivation_gap(rates: Indicator) -> tuple[float | None, float | None, float | None]:
    """The rate ratio of quintile 1 (most deprived) to quintile 5 of people seen per 1,000,
    with its 95% interval: (None, None, None) if either rate is missing or zero."""
    q1, q5 = rates.row("1"), rates.row("5")
    if q1 is None or q5 is None or SUPPRESSED in (q1["flag"], q5["flag"]):
        return None, None, None
    x1, n1, x2, n2 = q1["numerator"], q1["denominator"], q5["numerator"], q5["denominator"]
    if not (x1 and n1 and x2 and n2):
        return None, None, None
    frame = pl.DataFrame({"x1": [x1], "n1": [n1], "x2": [x2], "n2": [n2]})
    out = rate_ratio(frame, "x1", "n1", "x2", "n2").row(0, named=True)
    return out["value"], out["lower"], out["upper"]


def _times(ratio: float) -> str:
    """ "2.3 times as often as" or "41% less often than"."""
    if ratio >= 2:
        return f"{ratio:.1f} times as often per head as"
    return f"{abs(ratio - 1) * 100:.0f}% {'more' if ratio > 1 else 'less'} often per head than"


def _gap(found: dict[str, Indicator]) -> Headline:
    key, title, unit = "deprivation_gap", "Deprivation gap: most ÷ least deprived fifth", "ratio"
    rates = found.get(GAP_SOURCE)
    if rates is None:
        return _missing(key, title, None, unit, "The plan has no rates by IMD quintile.", None)
    value, lower, upper = deprivation_gap(rates)
    if value is None:
        rows = [rates.row("1"), rates.row("5")]
        suppressed = any(r is not None and r.get("flag") == SUPPRESSED for r in rows)
        flag = SUPPRESSED if suppressed else NOT_AVAILABLE
        why = "suppressed" if suppressed else "not available"
        note = f"A rate of quintile 1 or 5 is {why}, so the gap cannot be worked out."
        return _missing(key, title, GAP_SOURCE, unit, note, flag)
    if lower is not None and upper is not None and lower <= 1 <= upper:
        note = "No clear gap: the interval includes 1 (the same rate in both fifths)"
    else:
        note = (
            f"People in the most deprived fifth of areas were seen {_times(value)} people in "
            "the least deprived fifth (crude rates)"
        )
    return Headline(key, title, GAP_SOURCE, value, lower, upper, unit, note)


def _sii(found: dict[str, Indicator]) -> Headline:
    key, title, unit = "sii", "Slope index of inequality", "per 1,000"
    ind = found.get(SII_SOURCE)
    row = ind.row(ALL) if ind is not None else None
    if row is None or row["value"] is None:
        why, flag = _why(row, "slope index of inequality")
        return _missing(key, title, SII_SOURCE if ind else None, unit, why, flag)
    value, lower, upper = row["value"], row["lower"], row["upper"]
    if lower is not None and upper is not None and lower <= 0 <= upper:
        note = "No clear slope across deprivation: the interval includes 0"
    else:
        move, more = ("Rises", "less") if value > 0 else ("Falls", "more")
        note = (
            f"{move} by {number(abs(value), unit, value)} per 1,000 from the most to the least "
            f"deprived end (age-sex standardised): more are seen in {more} deprived areas"
        )
    return Headline(key, title, SII_SOURCE, value, lower, upper, unit, note)


def _recording(found: dict[str, Indicator]) -> Headline:
    key, title, unit = "ethnicity_recorded", "Ethnicity recorded", "%"
    ind = found.get(RECORDING_SOURCE)
    row = ind.row(VALID) if ind is not None else None
    if row is None or row["value"] is None:
        why, flag = _why(row, "share of people with their ethnicity recorded")
        return _missing(key, title, RECORDING_SOURCE if ind else None, unit, why, flag)
    if row["note"] == BELOW_CSDS:
        verdict = f"below {CSDS_THRESHOLD:.0f}%: too incomplete to compare groups by ethnicity"
    elif row["note"] == BELOW_TARGET:
        verdict = f"below the {TARGET:.0f}% target"
    else:
        verdict = f"meets the {TARGET:.0f}% target"
    note = f"People referred with a valid ethnic category: {verdict}"
    return Headline(
        key, title, RECORDING_SOURCE, row["value"], row["lower"], row["upper"], unit, note
    )


def headlines(indicators: Iterable[Indicator]) -> tuple[Headline, ...]:
    """The four headlines from the plan's indicators (see the module docstring)."""
    found = {i.key: i for i in indicators}
    return _seen(found), _gap(found), _sii(found), _recording(found)
