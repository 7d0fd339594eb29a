"""The workbook's native charts, read from the file's XML: titles, axis titles, alt text,
and series that point at the right cells of the tables they draw (issue 12)."""

from __future__ import annotations

import itertools
import re

from openpyxl.utils.cell import column_index_from_string
from workbook_built import Built
from workbook_read import book, table_of

from rehabdash.plan.export.wide_tables import header
from rehabdash.plan.export.workbook_check import chart_facts

_REF = re.compile(
    r"^'?(?P<sheet>[^'!]+)'?!\$(?P<col>[A-Z]+)\$(?P<r1>\d+):\$(?P<col2>[A-Z]+)\$(?P<r2>\d+)$"
)


def _cells(built: Built, ref: str) -> tuple[str, str, list[object]]:
    """(sheet, header of the column, values) of a series reference."""
    m = _REF.match(ref)
    assert m, ref
    assert m["col"] == m["col2"]
    ws = book(built.workbook("hes"))[m["sheet"]]
    _, _, header_row, _, last = table_of(ws)
    col = column_index_from_string(m["col"])
    r1, r2 = int(m["r1"]), int(m["r2"])
    assert header_row < r1 <= r2 <= last, f"{ref} is not inside the table"
    values = [ws.cell(r, col).value for r in range(r1, r2 + 1)]
    return m["sheet"], str(ws.cell(header_row, col).value), values


def test_every_chart_has_a_title_axis_titles_and_alt_text(built: Built) -> None:
    charts = chart_facts(built.workbook("hes"))
    titles = [str(c["title"]) for c in charts]
    assert sum(t.startswith("People seen per 1,000 population by") for t in titles) >= 8
    assert sum("most to least deprived" in t for t in titles) == 2
    assert sum(t.startswith("Funnel plot") for t in titles) >= 3
    assert sum(t.endswith("(SPC)") for t in titles) == 6
    for c in charts:
        assert c["title"], c
        assert len(c["axis_titles"]) == 2, c  # type: ignore[arg-type]
        assert all(c["axis_titles"]), c  # type: ignore[call-overload]
        alt = str(c["alt_text"])
        assert len(alt) > 80, alt
        assert "The numbers are in the table on sheet" in alt, alt


def test_access_bars_draw_seen_per_1000_of_each_group_all_first(built: Built) -> None:
    charts = [
        c
        for c in chart_facts(built.workbook("hes"))
        if str(c["title"]).startswith("People seen per 1,000 population by age band")
    ]
    assert len(charts) == 1
    (series,) = charts[0]["series"]  # type: ignore[misc]
    sheet, head, values = _cells(built, series["values"])
    _, group_head, groups = _cells(built, series["categories"])
    assert (sheet, head, group_head) == ("1 Who is accessing", header("seen_rate"), "Group")
    assert groups[0] == "All"
    assert groups[1:4] == ["0-4", "5-9", "10-14"]
    assert groups[-1] == "90+"
    rates = {
        r["level"]: r["value"]
        for r in built.plan.indicators["seen_rate/age_band"].frame.iter_rows(named=True)
    }
    # Each bar is its group's published rate (HES: recomputed from rounded counts).
    for group, value in zip(groups, values, strict=True):
        assert isinstance(value, float | int)
        assert abs(value - rates[group]) / rates[group] < 0.05
    assert "highest 90+" in str(charts[0]["alt_text"])


def test_gradient_has_bars_and_the_fitted_sii_line(built: Built) -> None:
    (chart,) = [
        c
        for c in chart_facts(built.workbook("hes"))
        if "by decile, most to least deprived" in str(c["title"])
    ]
    bars, line = chart["series"]  # type: ignore[misc]
    _, head, _ = _cells(built, bars["values"])
    _, line_head, fitted = _cells(built, line["values"])
    _, _, groups = _cells(built, bars["categories"])
    assert head == "People seen per 1,000 population"
    assert line_head == "Fitted SII line at the group's midpoint"
    assert len(groups) == 10
    assert str(groups[0]).startswith("Decile 1")
    steps = [b - a for a, b in itertools.pairwise(fitted)]  # type: ignore[operator]
    assert all(s > 0 for s in steps)  # the demo's planted gradient: more seen when less deprived
    assert "slope index of inequality" in str(chart["alt_text"])


def test_funnels_plot_areas_with_a_number_against_their_limits(built: Built) -> None:
    funnels = [
        c for c in chart_facts(built.workbook("hes")) if str(c["title"]).startswith("Funnel plot")
    ]
    assert {t.split(" by ")[1].split(" ")[0] for t in (str(c["title"]) for c in funnels)} >= {
        "LSOA",
        "MSOA",
    }
    for chart in funnels:
        series = chart["series"]  # type: ignore[assignment]
        assert len(series) == 6  # type: ignore[arg-type]
        _, x_head, expected = _cells(built, series[0]["categories"])  # type: ignore[index]
        _, y_head, oe = _cells(built, series[0]["values"])  # type: ignore[index]
        assert (x_head, y_head) == ("People expected to be seen", "Observed ÷ expected")
        assert all(isinstance(v, float | int) for v in oe), "a text cell would be drawn as 0"
        assert expected == sorted(expected)  # type: ignore[type-var]
        for s in series[1:]:  # type: ignore[index]
            assert s["categories"] == series[0]["categories"]  # type: ignore[index]


def test_spc_charts_draw_value_mean_and_limits_of_everyone(built: Built) -> None:
    spc = [c for c in chart_facts(built.workbook("hes")) if str(c["title"]).endswith("(SPC)")]
    assert len(spc) == 6
    heads = [_cells(built, s["values"])[1] for s in spc[0]["series"]]  # type: ignore[index]
    assert heads == ["Value", "Mean", "Lower process limit", "Upper process limit"]
    _, _, periods = _cells(built, spc[0]["series"][0]["categories"])  # type: ignore[index]
    assert periods[0] == "2024-04"
    assert periods[-1] == "2025-03"
    assert "mean" in str(spc[0]["alt_text"])
    assert "process limits" in str(spc[0]["alt_text"])


def test_charts_sit_on_chart_sheets_not_over_tables(built: Built) -> None:
    wb = book(built.workbook("hes"))
    for ws in wb.worksheets:
        if ws.title.startswith("Charts"):
            assert not ws.tables
    for c in chart_facts(built.workbook("hes")):
        row, col = c["from"]  # type: ignore[misc]
        assert col == 0
        assert row >= 3
