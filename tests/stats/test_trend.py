"""Fingertips recent-trend markers, checked against textbook formulae computed here."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from scipy.stats import chi2, norm

from rehabdash.stats import trend


def altman_chi_squared(x: np.ndarray, n: np.ndarray, score: np.ndarray) -> float:
    """Chi-squared for trend, Altman (1991) p. 263: [Σr·s − R·s̄]² / (p̄(1 − p̄)[Σn·s² − N·s̄²])."""
    big_r, big_n = x.sum(), n.sum()
    p_bar = big_r / big_n
    s_bar = (n * score).sum() / big_n
    top = ((x * score).sum() - big_r * s_bar) ** 2
    bottom = p_bar * (1 - p_bar) * ((n * score**2).sum() - big_n * s_bar**2)
    return float(top / bottom)


def series(x: list[float], n: list[float], start: int = 2019) -> pl.DataFrame:
    return pl.DataFrame({"year": list(range(start, start + len(x))), "x": x, "n": n})


def test_r_prop_trend_test_example() -> None:
    # R's ?prop.trend.test example prints X-squared = 8.2249, df = 1, p-value = 0.004132.
    df = series([83, 90, 129, 70], [86, 93, 136, 82])
    row = trend(df, "x", "n", "year", points=4).row(0, named=True)
    assert row["chi_squared"] == pytest.approx(8.2249, abs=5e-5)
    assert row["p_value"] == pytest.approx(0.004132, abs=5e-7)
    assert row["trend"] == "No significant change"  # not at Fingertips' 99.8%


def test_chi_squared_for_trend_by_hand_and_decreasing() -> None:
    # The PHEindicatormethods assign_trend_markers example counts.
    x = np.array([1367, 1332, 1199, 1023, 994.0])
    n = np.array([44701, 44064, 42811, 41527, 40299.0])
    row = trend(series(list(x), list(n)), "x", "n", "year").row(0, named=True)
    want = altman_chi_squared(x, n, np.arange(1.0, 6.0))
    assert row["chi_squared"] == pytest.approx(want, rel=1e-10)
    assert row["p_value"] == pytest.approx(chi2.sf(want, 1), rel=1e-8)
    logit = np.log(x / (n - x))
    assert row["slope"] == pytest.approx(np.polyfit(np.arange(5.0), logit, 1)[0], rel=1e-10)
    assert row["trend"] == "Decreasing"
    assert row["reason"] == "significant trend, no outliers"
    assert (row["points"], row["first_period"], row["last_period"]) == (5, 2019, 2023)
    assert row["confidence"] == 0.998


def test_rate_trend_is_the_weighted_regression_on_byars_limits() -> None:
    x = np.array([40, 52, 61, 70, 95.0])
    n = np.array([10000, 10400, 10300, 10800, 11000.0])
    row = trend(series(list(x), list(n)), "x", "n", "year", kind="rate").row(0, named=True)
    z = norm.ppf(0.975)
    lower = x * (1 - 1 / (9 * x) - z / (3 * np.sqrt(x))) ** 3  # Byar's, all x >= 10
    upper = (x + 1) * (1 - 1 / (9 * (x + 1)) + z / (3 * np.sqrt(x + 1))) ** 3
    sigma = (upper - lower) / n / (2 * z)
    t = np.arange(1.0, 6.0)
    coef, cov = np.polyfit(t, x / n, 1, w=1 / sigma, cov="unscaled")
    assert row["slope"] == pytest.approx(coef[0], rel=1e-9)
    assert row["chi_squared"] == pytest.approx(coef[0] ** 2 / cov[0, 0], rel=1e-9)
    assert row["trend"] == "Increasing"
    assert row["method"] == "weighted regression (Fingertips recent trend)"


@pytest.mark.parametrize("kind", ["proportion", "rate"])
def test_flat_series_and_clear_rise(kind: str) -> None:
    flat = trend(series([50, 52, 49, 51, 50], [1000] * 5), "x", "n", "year", kind=kind)  # type: ignore[arg-type]
    assert flat["trend"][0] == "No significant change"
    assert flat["reason"][0] == "no significant trend"
    rise = trend(series([20, 30, 40, 50, 60], [1000] * 5), "x", "n", "year", kind=kind)  # type: ignore[arg-type]
    assert rise["trend"][0] == "Increasing"


def test_threshold_follows_confidence() -> None:
    df = series([300, 312, 330, 336, 354], [3000] * 5)
    stat = trend(df, "x", "n", "year")["chi_squared"][0]
    assert chi2.ppf(0.95, 1) < stat < chi2.ppf(0.998, 1)
    assert trend(df, "x", "n", "year")["trend"][0] == "No significant change"
    assert trend(df, "x", "n", "year", confidence=95)["trend"][0] == "Increasing"


def test_a_single_point_driving_the_trend_is_an_outlier() -> None:
    row = trend(series([110, 105, 100, 95, 300], [10000] * 5), "x", "n", "year").row(0, named=True)
    assert row["chi_squared"] > chi2.ppf(0.998, 1)
    assert row["slope"] > 0
    assert row["trend"] == "No significant change"
    assert row["reason"] == "outlier found"


def test_groups_windows_and_cannot_be_calculated() -> None:
    df = pl.DataFrame(
        {
            "area": ["b"] * 7 + ["a"] * 4 + ["c"] * 5 + ["d"] * 5 + ["e"] * 5,
            "year": [*range(2014, 2021), *range(2017, 2021), *([*range(2016, 2021)] * 3)],
            "x": [999, None, 20, 30, 40, 50, 60, 5, 5, 5, 5, 10, None, 12, 13, 14]
            + [0, 3, 4, 5, 6]
            + [0] * 5,
            "n": [1000.0] * 26,
        }
    )
    got = trend(df, "x", "n", "year", group_by="area")
    assert got["area"].to_list() == ["a", "b", "c", "d", "e"]
    a, b, c, d, e = got.iter_rows(named=True)
    assert (a["trend"], a["reason"], a["points"]) == (
        "Cannot be calculated",
        "fewer than 5 periods",
        4,
    )
    # b: only the latest five periods count, so the missing 2015 and the 999 are ignored.
    assert (b["first_period"], b["last_period"], b["trend"]) == (2016, 2020, "Increasing")
    assert (c["trend"], c["reason"]) == ("Cannot be calculated", "missing values")
    assert c["chi_squared"] is None
    assert d["trend"] == "Cannot be calculated"  # x = 0 in a period: logit undefined
    assert e["trend"] == "Cannot be calculated"
    rates = trend(df, "x", "n", "year", group_by="area", kind="rate")
    assert rates["trend"].to_list()[3:] == ["No significant change", "Cannot be calculated"]
    assert rates["reason"][4] == "no events in the periods used"


def test_string_periods_sort_and_ungrouped_empty() -> None:
    df = pl.DataFrame(
        {
            "period": ["2022/23", "2018/19", "2019/20", "2021/22", "2020/21"],
            "x": [60, 20, 30, 50, 40],
            "n": [1000] * 5,
        }
    )
    row = trend(df, "x", "n", "period").row(0, named=True)
    assert (row["first_period"], row["last_period"], row["trend"]) == (
        "2018/19",
        "2022/23",
        "Increasing",
    )
    empty = trend(df.head(0), "x", "n", "period")
    assert empty.height == 1
    assert empty["trend"][0] == "Cannot be calculated"


def test_bad_input_names_column_and_row() -> None:
    df = pl.DataFrame({"g": ["a", "a", "b"], "year": [1, 1, 1], "x": [1, 2, 3], "n": [10] * 3})
    with pytest.raises(ValueError, match=r"column 'year'.*twice.*row 1 \(group g='a'\)"):
        trend(df, "x", "n", "year", group_by="g")
    with pytest.raises(ValueError, match=r"column 'x'.*x > n.*row 2"):
        trend(
            df.with_columns(pl.Series("x", [1, 2, 30]), pl.Series("year", [1, 2, 3])),
            "x",
            "n",
            "year",
        )
    with pytest.raises(ValueError, match=r"column 'year'.*missing"):
        trend(df.with_columns(pl.Series("year", [1, None, 3])), "x", "n", "year")
    with pytest.raises(ValueError, match="kind"):
        trend(df, "x", "n", "year", kind="ratio")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="points"):
        trend(df, "x", "n", "year", points=2)
