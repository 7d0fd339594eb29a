"""A plain-English line for a chart of groups: which group is at the unfavourable end of
a measure, and whether its 95% interval overlaps the "All" row's (DESIGN 6, Narrative).

Leads are not statisticians, so each chart of the waits and outcomes pages says in
words what its bars show: e.g. "Longest median wait to first contact: Quintile 1 (1),
28 days (95% CI 28 to 29), against 27 days for All (95% CI 27 to 28). The intervals
overlap: the difference may be chance." Overlapping intervals are the cautious test
the dashboard uses everywhere (a difference is only claimed when they do not overlap);
a group is part of All, so this is conservative, never an overclaim.

Only groups of known value compete (a "Not stated", "Not known", "Blank" or "Invalid"
level is a recording gap, not a group of people); a group of low reliability (``[u]``)
is named with that warning. Which end is unfavourable follows the metric's polarity:
the highest value when lower is better (waits, DNAs), the lowest when higher is better
(seen within 18 weeks, outcome change); a measure of neither direction (how many still
wait) names the highest.
"""

from __future__ import annotations

from rehabdash.codes.characteristics import UNKNOWN_LEVELS
from rehabdash.plan.breakdown import PAIR_SEPARATOR
from rehabdash.plan.chart_data import ChartRow, chart_data, number
from rehabdash.plan.result import ALL, Indicator

__all__ = ["amount", "extreme", "is_known", "overlaps", "sentence"]

_UNKNOWN = frozenset(UNKNOWN_LEVELS.values())


def is_known(code: str) -> bool:
    """Whether a level code is a group of people (no part of it an unknown kind)."""
    return code != ALL and not any(p in _UNKNOWN for p in code.split(PAIR_SEPARATOR))


def amount(value: float, unit: str) -> str:
    """A value with its unit as a sentence writes it: "28 days", "13.9%", "+6.9 points"."""
    if unit == "%":
        return f"{value:.1f}%"
    if unit == "index":
        return f"{value:+.3f} on the index"
    if unit == "points":
        return f"{value:+.1f} points"
    text = number(round(value, 1)) if abs(value) < 1000 else f"{value:,.0f}"
    return f"{text} {unit}" if unit else text


def overlaps(a: tuple[float, float], b: tuple[float, float]) -> bool:
    """Whether two closed intervals share a point."""
    return a[0] <= b[1] and b[0] <= a[1]


def extreme(indicator: Indicator, highest: bool) -> tuple[ChartRow | None, list[ChartRow]]:
    """The known group with the highest (or lowest) value, and any tied with it."""
    rows = [r for r in chart_data(indicator).rows if is_known(r.code) and r.value is not None]
    if not rows:
        return None, []
    sign = 1.0 if highest else -1.0

    def rank(row: ChartRow) -> tuple[float, float]:  # then the farther limit breaks ties
        limit = row.upper if highest else row.lower
        return sign * (row.value or 0.0), sign * (limit or 0.0)

    best = max(rows, key=rank)
    ties = [r for r in rows if r is not best and r.value == best.value]
    return best, ties


def _limit(value: float, unit: str) -> str:
    """A limit of an interval: the number alone (the value before it has the unit)."""
    if unit == "%":
        return f"{value:.1f}%"
    if unit in ("index", "points"):
        return f"{value:.3f}" if unit == "index" else f"{value:.1f}"
    return number(round(value, 1))


def _interval(row: ChartRow, unit: str) -> str:
    if row.lower is None or row.upper is None:
        return ""
    return f" (95% CI {_limit(row.lower, unit)} to {_limit(row.upper, unit)})"


def sentence(indicator: Indicator, lead: str, highest: bool | None = None) -> str:
    """The line for ``indicator``: "{lead}: {group}, {value} (95% CI ...), against
    {value} for All (...)", then whether the intervals overlap. ``highest`` picks the
    end (default: the unfavourable end by the metric's polarity)."""
    definition = indicator.definition
    if highest is None:
        highest = definition.polarity != "higher"
    unit = definition.unit
    top, ties = extreme(indicator, highest)
    if top is None or top.value is None:
        return "No group has a value for this measure here, so none can be compared with All."
    everyone = next((r for r in chart_data(indicator).rows if r.code == ALL), None)
    text = f"{lead}: {top.label}, {amount(top.value, unit)}{_interval(top, unit)}"
    if top.state == "low":
        text += " (low reliability: few values)"
    if everyone is None or everyone.value is None:
        return text + "; All has no value to compare it with."
    text += f", against {amount(everyone.value, unit)} for All{_interval(everyone, unit)}."
    if ties:
        text += " Tied with " + ", ".join(r.label for r in ties) + "."
    if None in (top.lower, top.upper, everyone.lower, everyone.upper):
        return text
    if top.state == "low":  # a group of a few values: no claim either way
        return text + " Too few to tell whether the difference is more than chance."
    mine = (float(top.lower or 0.0), float(top.upper or 0.0))
    alls = (float(everyone.lower or 0.0), float(everyone.upper or 0.0))
    if overlaps(mine, alls):
        return text + " The intervals overlap: the difference may be chance."
    return text + " The intervals do not overlap: unlikely to be chance alone."
