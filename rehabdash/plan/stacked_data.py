"""What a stacked bar chart of week bands draws, and its table, without Qt (issue 11).

The wait to first contact (and the time waited so far on the list) is reported in NHS
England's community waiting-list week bands (:data:`rehabdash.plan.consequences.WAIT_BANDS`),
one proportion indicator a band (``wait_band_0_1w`` ... ``wait_band_52w_plus``). A
stacked chart shows each group's waits split across the bands, the bands in their order
from the shortest wait, so a group's share waiting longer than 18 weeks is the length
of its last two segments. This module lines the band indicators up by group, so the
chart (``ui/charts/stacked.py``) draws exactly what the plan returned and its table
shows exactly the shares drawn.

A group's bar is drawn when every band has a number (a band nobody is in is a true
0); otherwise (nobody to band: ``[z]``; suppressed: ``[c]``; not available: ``[x]``) the
group has no bar but a marker and the state's words, as in the one bar chart panel.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rehabdash.plan.chart_data import STATES, ChartRow, State, chart_data, number
from rehabdash.plan.consequences import WAIT_BANDS
from rehabdash.plan.result import ALL, Indicator

__all__ = ["BAND_KEYS", "StackedData", "StackedRow", "band_keys", "stacked_data"]

#: The key suffixes of the week bands, shortest wait first.
BAND_KEYS: tuple[str, ...] = tuple(s for s, *_ in WAIT_BANDS)
_DRAWN: tuple[State, ...] = ("value", "zero", "low")


def band_keys(prefix: str) -> tuple[str, ...]:
    """The metric keys of the bands of ``prefix`` ("wait_band" or "waiting_band")."""
    return tuple(f"{prefix}_{s}" for s in BAND_KEYS)


@dataclass(frozen=True)
class StackedRow:
    """One group: its share (%) in each band, in band order (None: not drawn)."""

    code: str
    label: str
    shares: tuple[float | None, ...]
    counts: tuple[float | None, ...]  # the numerator of each band's share
    total: float | None  # the denominator: everyone banded in the group
    state: State  # "value" or "low": a bar; else the marker's state
    note: str

    @property
    def drawn(self) -> bool:
        return self.state in _DRAWN

    def starts(self) -> tuple[float, ...]:
        """Where each band's segment starts: the shares of the bands before it."""
        out, at = [], 0.0
        for share in self.shares:
            out.append(at)
            at += share or 0.0
        return tuple(out)


@dataclass(frozen=True)
class StackedData:
    """The bands of one breakdown, ready to draw: "All" first, then the levels."""

    title: str
    value_title: str  # the axis title, with its unit
    total_title: str  # what the denominator counts: "Referrals seen"
    breakdown: str
    bands: tuple[str, ...]  # the bands' labels, shortest wait first
    rows: tuple[StackedRow, ...]
    caveats: tuple[str, ...]

    @property
    def recorded(self) -> bool:
        """Whether any group but "All" has a bar (else the chart says why not)."""
        return any(r.drawn for r in self.rows if r.code != ALL)

    def states(self) -> list[State]:
        used = {r.state for r in self.rows}
        return [s for s in STATES if s in used and s != "value"]

    def table(self) -> list[list[str]]:
        """Header and rows as text: exactly the shares drawn, then the denominator."""
        header = ["Group", *(f"{b} (%)" for b in self.bands), self.total_title, "Note"]
        rows = [header]
        for r in self.rows:
            shares = [number(s) for s in r.shares] if r.drawn else [_shorthand(r)] * len(r.shares)
            note = "; ".join(t for t in (r.note, STATES[r.state] if r.state == "low" else "") if t)
            rows.append([r.label, *shares, number(r.total), note])
        return rows


def _shorthand(row: StackedRow) -> str:
    return ChartRow(row.code, row.label, None, None, None, None, None, row.state, "", "").shorthand


def _row_state(cells: Sequence[ChartRow]) -> State:
    """A bar when every band has a number ("low" when any is of low reliability); else
    the first band's state that has none."""
    missing = [c.state for c in cells if c.state not in _DRAWN]
    if missing:
        return missing[0]
    return "low" if any(c.state == "low" for c in cells) else "value"


def _band_label(title: str) -> str:
    """ "Wait to first contact: 0-1 weeks (0-7 days)" -> "0-1 weeks (0-7 days)"."""
    return title.split(": ", 1)[-1]


def stacked_data(bands: Sequence[Indicator], what: str, total_title: str) -> StackedData:
    """The band indicators of one breakdown (shortest wait first) as stacked rows;
    ``what`` names the waits ("Wait to first contact"), ``total_title`` the denominator."""
    if not bands:
        raise ValueError("no band indicators to stack")
    charts = [chart_data(b) for b in bands]
    codes = [r.code for r in charts[0].rows]
    by_code = [{r.code: r for r in c.rows} for c in charts]
    rows = []
    for code in codes:
        cells = [b[code] for b in by_code]
        state = _row_state(cells)
        drawn = state in _DRAWN
        first = cells[0]
        notes = dict.fromkeys(c.note for c in cells if c.note)
        rows.append(
            StackedRow(
                code=code,
                label=first.label,
                shares=tuple(c.value if drawn else None for c in cells),
                counts=tuple(c.numerator for c in cells),
                total=first.denominator,
                state=state,
                note="; ".join(notes),
            )
        )
    caveats = tuple(dict.fromkeys(c for chart in charts for c in chart.caveats))
    return StackedData(
        title=f"{what} by week band: each group's share (%)",
        value_title=f"Share of {total_title.lower()} (%)",
        total_title=total_title,
        breakdown=charts[0].breakdown,
        bands=tuple(_band_label(b.definition.title) for b in bands),
        rows=tuple(rows),
        caveats=caveats,
    )
