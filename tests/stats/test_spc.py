"""XmR charts against DESIGN 7.7 (NHSRplotthedots rules), hand-checked series."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from rehabdash.stats import spc


def series(values: list[float], name: str = "s") -> pl.DataFrame:
    start = dt.date(2023, 1, 1)
    return pl.DataFrame(
        {
            "series": [name] * len(values),
            "month": [start + dt.timedelta(days=31 * i) for i in range(len(values))],
            "y": [float(v) for v in values],
        }
    )


def limits(values: list[float], screen: bool = True) -> tuple[float, float, float]:
    y = np.array(values, dtype=float)
    mr = np.abs(np.diff(y))
    amr = mr.mean()
    if screen:
        amr = mr[mr < 3.267 * amr].mean()
    return y.mean(), y.mean() - 2.66 * amr, y.mean() + 2.66 * amr


def test_limits_and_outside_point_with_screening() -> None:
    values = [10, 11, 9, 10, 10, 12, 8, 10, 11, 9, 10, 30, 10, 11, 9, 10]
    got = spc(series(values), "month", "y", "up")
    mean, lo, hi = limits(values)
    assert got["mean"][0] == pytest.approx(mean)
    assert got["lower"][0] == pytest.approx(lo)
    assert got["upper"][0] == pytest.approx(hi)
    unscreened = spc(series(values), "month", "y", "up", screen=False)
    assert unscreened["upper"][0] == pytest.approx(limits(values, screen=False)[2])
    assert unscreened["upper"][0] > got["upper"][0]
    assert got["outside_limits"].to_list() == [v == 30 for v in values]
    assert got["variation"][11] == "improvement"
    down = spc(series(values), "month", "y", "down")
    assert down["variation"][11] == "concern"
    neutral = spc(series(values), "month", "y", None)
    assert neutral["variation"][11] == "neutral"


def test_shift_rule_and_point_on_mean_breaks_run() -> None:
    # mean is 10: seven points above it make a shift ...
    base = [12, 8, 12, 8, 12, 8, 11, 11, 11, 11, 11, 11, 11, 3]
    got = spc(series(base), "month", "y", "up")
    assert got["mean"][0] == pytest.approx(10.0)
    assert got["shift"].to_list() == [False] * 6 + [True] * 7 + [False]
    assert got["variation"][8] == "improvement"
    # ... but a point exactly on the mean in the middle breaks the run into 3 + 3
    broken = [12, 8, 12, 8, 12, 8, 11, 11, 11, 10, 11, 11, 11, 4]
    got2 = spc(series(broken), "month", "y", "up")
    assert got2["mean"][0] == pytest.approx(10.0)
    assert not got2["shift"].any()


def test_trend_of_seven_flags_all_seven() -> None:
    values = [10, 12, 10, 12, 10, 12, 10, 11, 12, 13, 14, 15, 16, 11, 12, 11]
    got = spc(series(values), "month", "y", "down")
    flags = got["trend"].to_list()
    assert flags == [False] * 6 + [True] * 7 + [False] * 3
    assert got["variation"][12] in ("concern",)  # rising is bad when down is better
    # an equal neighbour breaks a trend
    flat = [10, 12, 10, 12, 10, 12, 10, 11, 12, 12, 14, 15, 16, 11, 12, 11]
    assert not spc(series(flat), "month", "y")["trend"].any()


def test_two_of_three_near_the_same_limit() -> None:
    values = [10, 10.5, 9.5, 10, 10.5, 9.5, 10, 10.5, 9.5, 10, 12.5, 10, 12.5, 10, 9.5, 10.5]
    got = spc(series(values), "month", "y", "up")
    mean, _lo, hi = limits(values)
    near = mean + 2 / 3 * (hi - mean)
    assert near < 12.5 < hi  # close to, not beyond, the limit
    assert got["two_of_three"].to_list() == [v == 12.5 for v in values]
    assert not got["outside_limits"].any()


def test_baseline_fixes_limits_and_assurance() -> None:
    values = [10, 11, 9, 10, 11, 9, 10, 11, 9, 10, 20, 21, 22, 20, 21]
    got = spc(series(values), "month", "y", "up", baseline=10, target=5)
    mean, _lo, hi = limits(values[:10])
    assert got["mean"][0] == pytest.approx(mean)
    assert got["upper"][-1] == pytest.approx(hi)
    assert got["outside_limits"][-1]
    assert got["assurance"][0] == "always meets"
    assert spc(series(values), "month", "y", "up", baseline=10, target=50)["assurance"][0] == (
        "always fails"
    )
    assert spc(series(values), "month", "y", "up", baseline=10, target=10)["assurance"][0] == (
        "hit and miss"
    )
    assert got["variation_icon"][0] == "improvement"


def test_series_and_rebase_are_independent() -> None:
    a, b = series([1, 2, 3, 2, 1, 2, 3], "a"), series([10, 20, 30, 20, 10, 20, 30], "b")
    got = spc(pl.concat([b, a]), "month", "y", group_by="series")
    assert got["series"][0] == "a"
    assert got["mean"][0] == pytest.approx(2.0)
    assert got.filter(pl.col("series") == "b")["mean"][0] == pytest.approx(20.0)
    rebased = spc(a, "month", "y", rebase=[a["month"][3]])
    assert rebased["segment"].to_list() == [0, 0, 0, 1, 1, 1, 1]
    assert rebased["mean"][0] == pytest.approx(2.0)
    assert rebased["mean"][3] == pytest.approx(2.0)
    assert rebased["moving_range"][3] is None
