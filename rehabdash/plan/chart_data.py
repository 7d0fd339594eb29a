"""What a chart of one indicator draws, and its table, without Qt (issue 11 item 2).

The chart panel (``ui/charts/panel.py``) draws a :class:`ChartData` and offers the same
rows as a table, so what a lead sees in a bar is what a screen-reader user hears in the
table and what the copy puts on the clipboard. Each row is one level of the breakdown
in the indicator's order, with the "All" row first (every chart shows it).

The empty states of :mod:`rehabdash.plan.result` stay apart here too, so the panel can
draw each differently and say so in its legend: a true zero is a value of 0 (a bar of
no length, labelled 0); ``[c]`` suppressed, ``[x]`` not available and ``[z]`` not
applicable have no value (a marker and the shorthand, no bar); ``[u]`` is drawn with its
value and marked as of low reliability.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import polars as pl

from rehabdash.plan.result import (
    ALL,
    FLAGS,
    LOW_RELIABILITY,
    NOT_APPLICABLE,
    NOT_AVAILABLE,
    SUPPRESSED,
    Indicator,
)

__all__ = [
    "STATES",
    "ChartData",
    "ChartRow",
    "State",
    "axis_title",
    "chart_data",
    "number",
    "tsv",
]

State = Literal["value", "zero", "suppressed", "not_available", "not_applicable", "low"]
#: Each state's words for a legend and a table (the shorthand where there is one).
STATES: dict[State, str] = {
    "value": "value",
    "zero": "true zero",
    "suppressed": f"{SUPPRESSED} {FLAGS[SUPPRESSED]}",
    "not_available": f"{NOT_AVAILABLE} {FLAGS[NOT_AVAILABLE]}",
    "not_applicable": f"{NOT_APPLICABLE} {FLAGS[NOT_APPLICABLE]}",
    "low": f"{LOW_RELIABILITY} {FLAGS[LOW_RELIABILITY]}",
}
_BY_FLAG: dict[str, State] = {
    SUPPRESSED: "suppressed",
    NOT_AVAILABLE: "not_available",
    NOT_APPLICABLE: "not_applicable",
    LOW_RELIABILITY: "low",
}
_HEADER = ("Group", "Value", "Lower 95%", "Upper 95%", "Numerator", "Denominator", "Note")


@dataclass(frozen=True)
class ChartRow:
    """One level as drawn: its label, value and interval (None when not drawn)."""

    code: str
    label: str
    value: float | None
    lower: float | None
    upper: float | None
    numerator: float | None
    denominator: float | None
    state: State
    note: str
    method: str

    @property
    def interval(self) -> str:
        """ ", 95% CI a to b" when the row has both limits, else "" (for a chart's details)."""
        if self.lower is None or self.upper is None:
            return ""
        return f", 95% CI {self.lower:,.4g} to {self.upper:,.4g}"

    @property
    def shorthand(self) -> str:
        """The text a table shows for the value: the number, or its shorthand."""
        if self.value is None:
            return next((f for f, s in _BY_FLAG.items() if s == self.state), "")
        return number(self.value)


@dataclass(frozen=True)
class ChartData:
    """One indicator ready to draw: titles, the value axis's title with its unit, rows."""

    key: str
    title: str
    value_title: str  # the axis title, unit included: "People seen per 1,000 population"
    unit: str
    breakdown: str  # the breakdown's title, the category axis's title
    rows: tuple[ChartRow, ...]
    caveats: tuple[str, ...]

    @property
    def axis_title(self) -> str:
        return axis_title(self.breakdown)

    @property
    def has_intervals(self) -> bool:
        return any(r.lower is not None or r.upper is not None for r in self.rows)

    @property
    def recorded(self) -> bool:
        """Whether any level but "All" has a number: else the chart says so, not nothing."""
        return any(r.value is not None for r in self.rows if r.code != ALL)

    def states(self) -> list[State]:
        """The states the rows use, in the legend's order."""
        used = {r.state for r in self.rows}
        return [s for s in STATES if s in used]

    def table(self) -> list[list[str]]:
        """Header and rows as text: the table view and the clipboard show exactly this."""
        rows = [list(_HEADER)]
        for r in self.rows:
            note = "; ".join(t for t in (r.note, STATES[r.state] if r.state == "low" else "") if t)
            rows.append(
                [
                    r.label,
                    r.shorthand,
                    number(r.lower),
                    number(r.upper),
                    number(r.numerator),
                    number(r.denominator),
                    note,
                ]
            )
        return rows

    def tsv(self) -> str:
        return tsv(self.table())


def axis_title(breakdown: str) -> str:
    """A breakdown's title without its bracketed detail ("Deprivation", not "Deprivation
    (IMD quintile, 1 = most deprived fifth: Core20)"): a category axis has only the
    height of its chart, and the chart's title and the page's choice name the detail."""
    return breakdown.split(" (")[0]


def tsv(table: list[list[str]]) -> str:
    """A table (header first) as tab-separated text: pastes into a spreadsheet as cells."""
    return "\n".join("\t".join(row) for row in table) + "\n"


def number(value: float | None) -> str:
    """A value as every chart table writes it ("" for none)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.1f}"


def _state(value: float | None, flag: str | None) -> State:
    if flag in _BY_FLAG and (value is None or flag == LOW_RELIABILITY):
        return _BY_FLAG[flag]
    if value is None:
        return "not_available"
    return "zero" if value == 0 else "value"


def _value_title(title: str, unit: str) -> str:
    return title if not unit or unit.lower() in title.lower() else f"{title} ({unit})"


def chart_data(indicator: Indicator) -> ChartData:
    """The rows of ``indicator`` (one value a level; the first of a series' or area
    table's rows), "All" first, then the levels in the indicator's order."""
    frame = indicator.frame
    if "period" in frame.columns or "area" in frame.columns:
        frame = frame.unique("level_code", keep="first", maintain_order=True)
    everyone = frame.filter(pl.col("level_code") == ALL)
    frame = pl.concat([everyone, frame.filter(pl.col("level_code") != ALL)])
    rows = tuple(
        ChartRow(
            code=str(r["level_code"]),
            label=str(r["level"]),
            value=r["value"],
            lower=r["lower"],
            upper=r["upper"],
            numerator=r["numerator"],
            denominator=r["denominator"],
            state=_state(r["value"], r["flag"]),
            note=r["note"] or "",
            method=r["method"] or "",
        )
        for r in frame.iter_rows(named=True)
    )
    definition = indicator.definition
    return ChartData(
        key=indicator.key,
        title=definition.title,
        value_title=_value_title(definition.title, definition.unit),
        unit=definition.unit,
        breakdown=str(frame["breakdown"][0]) if frame.height else "",
        rows=rows,
        caveats=definition.caveats,
    )
