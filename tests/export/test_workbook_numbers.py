"""The workbook's numbers are the plan's after disclosure control: read back with
polars/calamine and openpyxl and compared with the engine's rows, controlled here
independently by apply_disclosure (issue 12)."""

from __future__ import annotations

import itertools

import polars as pl
from workbook_built import Built
from workbook_read import cells, table_frame

from rehabdash.plan.disclosure import apply_disclosure
from rehabdash.plan.export.wide_tables import header
from rehabdash.plan.result import SUPPRESSED


def _published(built: Built, metric: str, breakdown: str) -> dict[str, dict[str, object]]:
    frame = apply_disclosure(built.plan.indicators[f"{metric}/{breakdown}"].frame, "hes")
    return {r["level"]: r for r in frame.iter_rows(named=True)}


def test_access_rates_and_limits_are_numbers_with_formats(built: Built) -> None:
    from openpyxl import load_workbook

    rows = [
        r
        for r in cells(built.workbook("hes"), "1 Who is accessing")
        if r["Breakdown"].startswith("Ethnic group")
    ]
    expected = _published(built, "seen_rate", "ethnic_group")
    assert next(r["Group"] for r in rows) == "All"
    checked = 0
    for r in rows:
        want = expected[r["Group"]]
        got = r[header("seen_rate")]
        if want["value"] is None:
            assert got == (want["flag"] or "[x]")
            continue
        assert isinstance(got, float)
        assert abs(got - want["value"]) < 1e-9 * max(1.0, abs(want["value"]))
        assert abs(r[header("seen_rate", "lower")] - want["lower"]) < 1e-9 * max(1.0, want["lower"])
        assert abs(r[header("seen_rate", "upper")] - want["upper"]) < 1e-9 * max(1.0, want["upper"])
        checked += 1
    assert checked >= 5
    ws = load_workbook(built.workbook("hes"))["1 Who is accessing"]
    formats = {c.number_format for c in ws["G"] if isinstance(c.value, float)}
    assert formats
    assert formats <= {"#,##0.0", "#,##0", "0.0", "0.00"}


def test_counts_are_the_rounded_counts_and_calamine_reads_the_same(built: Built) -> None:
    frame = table_frame(built.workbook("hes"), "Who_is_accessing")
    title = built.plan.indicators["people_seen/sex"].frame["breakdown"][0]
    seen = frame.filter(pl.col("Breakdown") == title)
    expected = _published(built, "people_seen", "sex")
    for group, text in zip(seen["Group"], seen[header("people_seen")], strict=True):
        want = expected[group]
        if want["value"] is None:
            assert text == (want["flag"] or "[x]")
        else:
            assert float(text) == want["value"]
            assert want["value"] % 5 == 0


def test_area_table_lists_each_area_with_its_funnel_limits(built: Built) -> None:
    rows = cells(built.workbook("hes"), "3b Need by area")
    msoa = [r for r in rows if r["Area level"].startswith("MSOA") and r["Area code"] != "All"]
    oe = {
        r["level_code"]: r
        for r in apply_disclosure(built.plan.indicators["area_oe/msoa"].frame, "hes").iter_rows(
            named=True
        )
    }
    areas = built.plan.indicators["area_people_seen/msoa"].frame["level_code"]
    assert {r["Area code"] for r in msoa} == set(areas) - {"All"}
    drawn = [r for r in msoa if isinstance(r["Observed ÷ expected"], float)]
    # The drawn areas come first, from the smallest expected count up (funnel lines).
    expected = [r["People expected to be seen"] for r in drawn]
    assert expected == sorted(expected)
    assert msoa[: len(drawn)] == drawn
    for r in drawn[:20]:
        assert abs(r["Observed ÷ expected"] - oe[r["Area code"]]["value"]) < 1e-9
        assert r["Funnel: lower 99.8% limit"] < r["Funnel: lower 95% limit"] < 1
        assert 1 < r["Funnel: upper 95% limit"] < r["Funnel: upper 99.8% limit"]


def test_previous_period_sits_beside_the_chosen_one(built: Built) -> None:
    rows = cells(built.workbook("hes"), "4c Previous period")
    everyone = next(
        r for r in rows if r["Measure"].startswith("People seen per 1,000") and r["Group"] == "All"
    )
    now = _published(built, "seen_rate", "age_band")["All"]
    before = {
        r["level"]: r
        for r in apply_disclosure(
            built.previous.indicators["seen_rate/age_band"].frame, "hes"
        ).iter_rows(named=True)
    }["All"]
    assert abs(everyone["Chosen: 2024-25"] - now["value"]) < 1e-9
    assert abs(everyone["Previous: 2023-24"] - before["value"]) < 1e-9
    assert abs(everyone["Change"] - now["value"] / before["value"]) < 1e-9
    assert (
        everyone["Change: lower 95% limit"]
        < everyone["Change"]
        < everyone["Change: upper 95% limit"]
    )
    assert everyone["Verdict"] in ("improving", "no significant change", "worsening")


def test_trend_limits_are_worked_from_the_published_numbers(built: Built) -> None:
    """An XmR chart of the rounded monthly counts in the table: mean and 2.66 × the mean
    moving range, worked here by hand (no screening: no moving range is that large)."""
    rows = [
        r
        for r in cells(built.workbook("hes"), "4a Trends")
        if (r["Measure"], r["Every"], r["Breakdown"]) == ("People referred", "month", "Everyone")
    ]
    values = [r["Value"] for r in rows]
    assert len(values) == 12
    assert all(v % 5 == 0 for v in values)
    mean = sum(values) / len(values)
    ranges = [abs(b - a) for a, b in itertools.pairwise(values)]
    mr = sum(ranges) / len(ranges)
    assert max(ranges) < 3.267 * mr
    assert abs(rows[0]["Mean"] - mean) < 1e-6
    assert abs(rows[0]["Upper process limit"] - (mean + 2.66 * mr)) < 1e-6
    assert abs(rows[0]["Lower process limit"] - (mean - 2.66 * mr)) < 1e-6


def test_findings_about_suppressed_groups_are_left_out(built: Built) -> None:
    rows = cells(built.workbook("hes"), "Findings")
    assert rows
    assert all(isinstance(r["Finding"], str) and r["Finding"] for r in rows)
    assert [r["Rank"] for r in rows] == list(range(1, len(rows) + 1))
    flagged = {
        f"{k}/{r['level_code']}"
        for k, ind in built.plan.indicators.items()
        for r in apply_disclosure(ind.frame, "hes")
        .filter(pl.col("flag") == SUPPRESSED)
        .iter_rows(named=True)
    }
    kept = [f for f in built.plan.findings if f"{f.indicator}/{f.level_code}" not in flagged]
    assert [r["Finding"] for r in rows] == [f.text for f in kept][: len(rows)]
