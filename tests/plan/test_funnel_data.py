"""The Need page's funnel plot data, Qt-free: every point and limit is the engine's,
the areas not drawn are counted, the default highlight has the largest unmet need, and
the outliers' table is :func:`outlying_areas` in words."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from deprivation_store import deprivation_store

from rehabdash.plan import parse_filter
from rehabdash.plan.engine import PlanEngine
from rehabdash.plan.funnel_data import OUTLIER_HEADER, funnel_data, outlier_table
from rehabdash.plan.need import outlying_areas
from rehabdash.plan.result import ALL, Indicator
from rehabdash.queries.referrals import ReferralSource


def _areas(tmp_path: Path, level: str, population: bool = True) -> list[Indicator]:
    _, engine = deprivation_store(tmp_path, population=population)
    return PlanEngine(ReferralSource(engine)).extra(
        parse_filter(period="2024-25"), f"areas:{level}"
    )


def _frame(items: list[Indicator], metric: str) -> pl.DataFrame:
    found = next(i for i in items if i.metric == metric)
    return found.frame.filter(pl.col("level_code") != ALL)


def test_points_and_limits_are_the_engines(tmp_path: Path) -> None:
    items = _areas(tmp_path, "lsoa")
    data = funnel_data(items, "lsoa")
    oe, expected = _frame(items, "area_oe"), _frame(items, "area_expected_seen")
    assert [p.code for p in data.points] == oe["level_code"].to_list()
    assert [p.oe for p in data.points] == oe["value"].to_list()
    assert [p.observed for p in data.points] == oe["numerator"].to_list()
    assert [p.expected for p in data.points] == expected["value"].to_list()
    outlier = _frame(items, "area_outlier")
    assert [p.outlier for p in data.points] == outlier["value"].to_list()
    # Limit lines: each area's own limits, in order of its expected count.
    f95 = _frame(items, "area_funnel_95").sort("denominator")
    assert list(data.expected) == pytest.approx(f95["denominator"].to_list())
    assert list(data.upper_95) == pytest.approx(f95["upper"].to_list())
    assert list(data.lower_95) == pytest.approx(f95["lower"].to_list())
    f998 = _frame(items, "area_funnel_998").sort("denominator")
    assert list(data.upper_998) == pytest.approx(f998["upper"].to_list())
    assert data.centre == pytest.approx(1.0)
    assert data.left_out == ()
    # The default highlight: the largest unmet need.
    unmet = _frame(items, "area_unmet_need").sort("value", descending=True)
    assert data.default_highlight() == unmet["level_code"][0]
    assert unmet["value"][0] > 0
    # The table of what is drawn: a row a point.
    assert len(data.table()) == len(data.points) + 1


def test_outlier_table_is_outlying_areas(tmp_path: Path) -> None:
    items = _areas(tmp_path, "lsoa")
    table = outlier_table(items, "lsoa")
    want = outlying_areas(items)
    assert tuple(table.columns) == OUTLIER_HEADER
    assert table["Code"].to_list() == want["area_code"].to_list()
    assert table.height >= 1
    first = want.row(0, named=True)
    assert table["O/E (95% CI)"][0] == (
        f"{first['ratio']:.2f} ({first['lower']:.2f} to {first['upper']:.2f})"
    )
    assert table["Where"][0].startswith("Fewer" if first["ratio"] < 1 else "More")


def test_areas_with_no_ratio_are_counted_not_drawn(tmp_path: Path) -> None:
    items = _areas(tmp_path, "lsoa")
    gone = _frame(items, "area_oe")["level_code"][0]
    blank = pl.when(pl.col("level_code") == gone)
    changed = [
        Indicator(
            i.key,
            i.definition,
            i.frame.with_columns(
                blank.then(None).otherwise(pl.col("value")).alias("value"),
                blank.then(pl.lit("[x]")).otherwise(pl.col("flag")).alias("flag"),
                blank.then(pl.lit("no population")).otherwise(pl.col("note")).alias("note"),
            ),
        )
        if i.metric == "area_oe"
        else i
        for i in items
    ]
    data = funnel_data(changed, "lsoa")
    assert gone not in [p.code for p in data.points]
    assert len(data.points) == len(funnel_data(items, "lsoa").points) - 1
    assert len(data.left_out) == 1
    assert data.left_out[0][1] == "not available: no population"


def test_nothing_to_draw() -> None:
    data = funnel_data([], "msoa")
    assert data.points == ()
    assert data.default_highlight() is None
    assert outlier_table([], "msoa").height == 0
