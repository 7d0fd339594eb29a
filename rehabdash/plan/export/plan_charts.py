"""The workbook's native charts, each on a chart sheet after the table it draws.

* Charts 1: people seen per 1,000 by each characteristic, with 95% intervals as error
  bars, and the deprivation gradient (bars by IMD decile and quintile, the fitted SII
  line over them);
* Charts 3: the funnel of areas (observed ÷ expected against expected, with the 95%
  and 99.8% limits) at each area level;
* Charts 4: the SPC chart of each of everyone's series (value, mean, process limits,
  special causes coloured as Making Data Count colours them).

A spreadsheet draws a text cell in a number range as 0. So each bar is labelled from
its own cell (a suppressed bar reads "[c]", a true zero "0"), funnels read only areas
with a number (the area table lists the others last), and an SPC series with a missing
point is not charted. Alt text says what each chart shows and where its numbers are.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from rehabdash.palette import COMMON, DARK_BLUE, DARK_PINK, GREY, LIGHT_GREY, ORANGE, TURQUOISE
from rehabdash.plan.chart_data import number
from rehabdash.plan.export.plan_sheets import PlanSheets
from rehabdash.plan.export.sheet_model import Cell, Chart, Line, Series, Sheet, Table
from rehabdash.plan.export.wide_tables import header
from rehabdash.plan.result import ALL, NOT_APPLICABLE
from rehabdash.plan.spc_chart import SpcSeries

__all__ = ["add_chart_sheets"]

_WHO = "1 Who is accessing"
_GRADIENT = "1d Deprivation gradient"
_AREAS = "3b Need by area"
_TRENDS = "4a Trends"
_VARIATION_COLOURS = {
    "improvement": DARK_BLUE,
    "concern": ORANGE,
    "neutral": DARK_PINK,
    "common cause": COMMON,
}


def _numbers(table: Table, column: str, first: int, last: int) -> list[Cell]:
    col = table.index(column)
    return [table.rows[r][col] for r in range(first, last + 1)]


def _rows_words(sheet: str, top: int, first: int, last: int) -> str:
    """ "sheet '1 Who is accessing', rows 6 to 26" (spreadsheet row numbers)."""
    return f"sheet '{sheet}', rows {top + 2 + first} to {top + 2 + last}"


def _table_top(sheet: Sheet) -> int:
    return 1 + len(sheet.lines)


def _extremes(labels: Sequence[Cell], values: Sequence[Cell], unit: str) -> str:
    pairs = [(str(lab), v) for lab, v in zip(labels, values, strict=True) if isinstance(v, float)]
    groups = [(lab, v) for lab, v in pairs if lab != ALL]
    parts = [f"All: {number(v)} {unit}" for lab, v in pairs if lab == ALL]
    if len(groups) >= 2:
        hi = max(groups, key=lambda p: p[1])
        lo = min(groups, key=lambda p: p[1])
        parts.append(f"highest {hi[0]} ({number(hi[1])}), lowest {lo[0]} ({number(lo[1])})")
    hidden = [str(lab) for lab, v in zip(labels, values, strict=True) if not isinstance(v, float)]
    if hidden:
        parts.append(
            f"{len(hidden)} group(s) have no number shown ([c], [x] or [z]) and are drawn "
            "as no bar, labelled with their symbol"
        )
    return "; ".join(parts)


def _lower(title: str) -> str:
    """ "Ethnicity (NHS ethnic category)" as it reads mid-sentence: only the first letter
    lowered, and not in an acronym."""
    if len(title) > 1 and title[1].isupper():
        return title
    return title[:1].lower() + title[1:]


def _finite(cell: Cell) -> float | None:
    return float(cell) if isinstance(cell, int | float) and math.isfinite(cell) else None


def _error_bars(
    values: Sequence[Cell], lower: Sequence[Cell], upper: Sequence[Cell]
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    minus: list[float] = []
    plus: list[float] = []
    for cells in zip(values, lower, upper, strict=True):
        v, lo, hi = (_finite(c) for c in cells)
        if v is not None and lo is not None and hi is not None:
            minus.append(max(v - lo, 0.0))
            plus.append(max(hi - v, 0.0))
        else:  # no interval shown: no bar either way
            minus.append(0.0)
            plus.append(0.0)
    return tuple(minus), tuple(plus)


def _access_charts(plan_sheets: PlanSheets, period: str) -> list[Chart]:
    sheet = next((s for s in plan_sheets.sheets if s.name == _WHO), None)
    if sheet is None or sheet.table is None:
        return []
    table, top = sheet.table, _table_top(sheet)
    value, lower, upper = (header("seen_rate", f) for f in ("value", "lower", "upper"))
    if value not in {c.header for c in table.columns}:
        return []
    charts = []
    for _key, (first, last) in plan_sheets.access_rows.items():
        # Not stated, not known, blank and invalid come last and have no rate ([z]).
        while last > first and table.rows[last][table.index(value)] == NOT_APPLICABLE:
            last -= 1
        labels = _numbers(table, "Group", first, last)
        values = _numbers(table, value, first, last)
        if not any(
            isinstance(v, float) for v, lab in zip(values, labels, strict=True) if lab != ALL
        ):
            continue  # not recorded for anyone: nothing to compare
        has_limits = lower in {c.header for c in table.columns}
        minus, plus = (
            _error_bars(
                values, _numbers(table, lower, first, last), _numbers(table, upper, first, last)
            )
            if has_limits
            else (None, None)
        )
        breakdown = str(table.rows[first][table.index("Breakdown")])
        title = f"People seen per 1,000 population by {_lower(breakdown)}, {period}"
        alt = (
            f"Horizontal bar chart of people seen by community rehab per 1,000 population "
            f"by {_lower(breakdown)}, {period}, with 95% confidence intervals as error bars. "
            f"{_extremes(labels, values, 'per 1,000')}. The numbers are in the table on "
            f"{_rows_words(_WHO, top, first, last)}."
        )
        charts.append(
            Chart(
                "bar",
                title,
                breakdown,
                "People seen per 1,000 population",
                alt,
                _WHO,
                (
                    Series(
                        "People seen per 1,000",
                        value,
                        first,
                        last,
                        categories="Group",
                        colour=DARK_BLUE,
                        minus=minus,
                        plus=plus,
                        labels_from=value,
                    ),
                ),
                y_min=0,
                height_rows=max(15, int((last - first + 1) * 1.5) + 8),
            )
        )
    return charts


def _gradient_charts(plan_sheets: PlanSheets, period: str) -> list[Chart]:
    sheet = next((s for s in plan_sheets.sheets if s.name == _GRADIENT), None)
    if sheet is None or sheet.table is None or not plan_sheets.gradients:
        return []
    table, top = sheet.table, _table_top(sheet)
    blocks: dict[str, tuple[int, int]] = {}
    for i, row in enumerate(table.rows):
        name = str(row[0])
        blocks[name] = (blocks.get(name, (i, i))[0], i)
    charts = []
    for g in plan_sheets.gradients:
        if g.breakdown not in blocks:
            continue
        first, last = blocks[g.breakdown]
        values = _numbers(table, "People seen per 1,000 population", first, last)
        if not any(isinstance(v, float) for v in values):
            continue
        minus, plus = _error_bars(
            values,
            _numbers(table, "Lower 95% limit", first, last),
            _numbers(table, "Upper 95% limit", first, last),
        )
        labels = _numbers(table, "Group", first, last)
        sii = (
            f" The fitted line's slope, the slope index of inequality, is {number(g.sii.value)} "
            f"per 1,000 (95% CI {number(g.sii.lower)} to {number(g.sii.upper)})."
            if g.sii is not None
            else ""
        )
        series = [
            Series(
                "People seen per 1,000",
                "People seen per 1,000 population",
                first,
                last,
                categories="Group",
                colour=TURQUOISE,
                minus=minus,
                plus=plus,
                labels_from="People seen per 1,000 population",
            )
        ]
        if g.line is not None:
            series.append(
                Series(
                    "Fitted SII line",
                    "Fitted SII line at the group's midpoint",
                    first,
                    last,
                    categories="Group",
                    style="line",
                    colour=DARK_PINK,
                )
            )
        charts.append(
            Chart(
                "column",
                f"People seen per 1,000 by {g.quantile}, most to least deprived, {period}",
                f"IMD {g.quantile} (1 = most deprived)",
                "People seen per 1,000 population",
                f"Column chart of people seen per 1,000 population by IMD {g.quantile}, from the "
                f"most deprived to the least deprived, with 95% confidence intervals and the "
                f"fitted line of the slope index of inequality. "
                f"{_extremes(labels, values, 'per 1,000')}.{sii} The numbers are in the table "
                f"on {_rows_words(_GRADIENT, top, first, last)}.",
                _GRADIENT,
                tuple(series),
                y_min=0,
            )
        )
    return charts


def _funnel_charts(plan_sheets: PlanSheets, period: str) -> list[Chart]:
    sheet = next((s for s in plan_sheets.sheets if s.name == _AREAS), None)
    if sheet is None or sheet.table is None:
        return []
    table, top = sheet.table, _table_top(sheet)
    headers = {c.header for c in table.columns}
    needed = {"Observed ÷ expected", "People expected to be seen", "Funnel: lower 95% limit"}
    if not needed <= headers:
        return []
    oe_col, code_col = table.index("Observed ÷ expected"), table.index("Area code")
    charts = []
    for _key, (first, last) in plan_sheets.area_rows.items():
        rows = range(first, last + 1)
        drawn = [
            r
            for r in rows
            if table.rows[r][code_col] != ALL and isinstance(table.rows[r][oe_col], float)
        ]
        if len(drawn) < 3:
            continue
        a, b = drawn[0], drawn[-1]
        level = str(table.rows[first][table.index("Area level")])
        where = table.index("Against the funnel's limits")
        low = sum(1 for r in drawn if str(table.rows[r][where]).startswith("Fewer"))
        high = sum(1 for r in drawn if str(table.rows[r][where]).startswith("More"))
        hidden = sum(1 for r in rows if table.rows[r][code_col] != ALL) - len(drawn)
        x = "People expected to be seen"
        series = [
            Series(
                "Areas",
                "Observed ÷ expected",
                a,
                b,
                categories=x,
                style="markers",
                colour=DARK_BLUE,
            ),
            Series(
                "95% limits",
                "Funnel: lower 95% limit",
                a,
                b,
                categories=x,
                style="dash",
                colour=GREY,
            ),
            Series(
                "95% limits (upper)",
                "Funnel: upper 95% limit",
                a,
                b,
                categories=x,
                style="dash",
                colour=GREY,
            ),
            Series(
                "99.8% limits",
                "Funnel: lower 99.8% limit",
                a,
                b,
                categories=x,
                style="line",
                colour=ORANGE,
            ),
            Series(
                "99.8% limits (upper)",
                "Funnel: upper 99.8% limit",
                a,
                b,
                categories=x,
                style="line",
                colour=ORANGE,
            ),
            Series(
                "Observed = expected",
                "Funnel centre (observed = expected)",
                a,
                b,
                categories=x,
                style="line",
                colour=LIGHT_GREY,
            ),
        ]
        charts.append(
            Chart(
                "scatter",
                f"Funnel plot: observed ÷ expected people seen by {level}, {period}",
                "People expected to be seen",
                "Observed ÷ expected",
                f"Funnel plot of {len(drawn)} areas ({level}): each area's observed ÷ expected "
                f"people seen against the number expected, with 95% and 99.8% limits around 1. "
                f"{low} area(s) had fewer seen than expected beyond the 95% limit and {high} "
                f"more.{f' {hidden} area(s) with no number shown are not drawn.' * bool(hidden)} "
                f"The numbers are in the table on "
                f"{_rows_words(_AREAS, top, a, b)}.",
                _AREAS,
                tuple(series),
                y_min=0,
                height_rows=22,
            )
        )
    return charts


def _spc_charts(plan_sheets: PlanSheets) -> list[Chart]:
    sheet = next((s for s in plan_sheets.sheets if s.name == _TRENDS), None)
    board = plan_sheets.board
    if sheet is None or sheet.table is None or board is None:
        return []
    top = _table_top(sheet)
    charts = []
    for s in board.series:
        span = plan_sheets.trend_rows.get(s.key)
        if s.breakdown_key != ALL or span is None or not _charted(s):
            continue
        first, last = span
        colours = tuple(
            None if p.variation in (None, "common cause") else _VARIATION_COLOURS[p.variation]
            for p in s.points
        )
        special = [
            f"{p.period} ({p.variation})"
            for p in s.points
            if p.variation not in (None, "common cause")
        ]
        every = "month" if s.freq == "monthly" else "financial quarter"
        charts.append(
            Chart(
                "line",
                f"{s.title} (SPC)",
                "Month" if s.freq == "monthly" else "Financial quarter",
                s.unit,
                f"Statistical process control chart of {s.title.lower()}, by {every}, with the "
                f"mean {s.format(s.mean)} and process limits {s.format(s.lower)} to "
                f"{s.format(s.upper)}. Latest point {s.latest.period if s.latest else ''}: "
                f"{s.icon.words}. "
                + (
                    f"Special-cause points: {', '.join(special)}. "
                    if special
                    else "No point shows special-cause variation. "
                )
                + f"The numbers are in the table on {_rows_words(_TRENDS, top, first, last)}.",
                _TRENDS,
                (
                    Series(
                        "Value",
                        "Value",
                        first,
                        last,
                        categories="Period",
                        style="line_markers",
                        colour=COMMON,
                        point_colours=colours,
                    ),
                    Series(
                        "Mean", "Mean", first, last, categories="Period", style="line", colour=GREY
                    ),
                    Series(
                        "Lower process limit",
                        "Lower process limit",
                        first,
                        last,
                        categories="Period",
                        style="dash",
                        colour=ORANGE,
                    ),
                    Series(
                        "Upper process limit",
                        "Upper process limit",
                        first,
                        last,
                        categories="Period",
                        style="dash",
                        colour=ORANGE,
                    ),
                ),
            )
        )
    return charts


def _charted(s: SpcSeries) -> bool:
    return s.charted and all(p.value is not None for p in s.points) and s.lower is not None


def _chart_sheet(
    name: str, title: str, summary: str, charts: list[Chart], unsuppressed: bool
) -> Sheet:
    lines = [Line("NOT FOR CIRCULATION: unsuppressed", "warning")] if unsuppressed else []
    lines.append(
        Line(
            "Each chart's title is above it and its alt text describes it; the numbers it "
            "draws are in the table its alt text names."
        )
    )
    return Sheet(name, title, summary, lines, charts=charts)


def add_chart_sheets(plan_sheets: PlanSheets, period: str) -> None:
    """Insert the chart sheets after the tables they draw."""
    groups = [
        (
            "Charts 1",
            f"Charts for section 1: access by group and by deprivation, {period}",
            "People seen per 1,000 with 95% intervals by each characteristic; the "
            "deprivation gradient with the fitted SII line.",
            _access_charts(plan_sheets, period) + _gradient_charts(plan_sheets, period),
            _GRADIENT,
        ),
        (
            "Charts 3",
            f"Charts for section 3: funnel plots of areas, {period}",
            "Observed ÷ expected people seen by area against the number expected, with "
            "95% and 99.8% limits.",
            _funnel_charts(plan_sheets, period),
            _AREAS,
        ),
        (
            "Charts 4",
            f"Charts for section 4: SPC charts of everyone's series, {period}",
            "Monthly and quarterly SPC charts of people referred, seen and seen per 1,000.",
            _spc_charts(plan_sheets),
            _TRENDS,
        ),
    ]
    for name, title, summary, charts, after in groups:
        if not charts:
            continue
        names = [s.name for s in plan_sheets.sheets]
        at = names.index(after) + 1 if after in names else len(names)
        if name == "Charts 4" and "4b Gaps" in names:
            at = names.index("4b Gaps") + 1
        plan_sheets.sheets.insert(
            at, _chart_sheet(name, title, summary, charts, plan_sheets.unsuppressed)
        )
