"""Quantiles with order-statistic limits, checked by hand, by scipy and by simulation."""

from __future__ import annotations

import math
import time

import numpy as np
import polars as pl
import pytest
from scipy.stats import binom

from rehabdash.stats import quantile
from rehabdash.stats.quantile import binom_ppf, quantile_label


def expected_limits(values: np.ndarray, q: float, level: float = 0.95) -> tuple[float, float]:
    """Ranks j = binom.ppf(α/2), k = binom.ppf(1 − α/2) + 1, clipped to 1..n."""
    ordered = np.sort(values)
    size = ordered.size
    alpha = 1 - level
    j = int(min(max(binom.ppf(alpha / 2, size, q), 1), size))
    k = int(min(max(binom.ppf(1 - alpha / 2, size, q) + 1, 1), size))
    return float(ordered[j - 1]), float(ordered[k - 1])


def test_median_of_ten_by_hand() -> None:
    # binom(10, 0.5): F(1) = 0.0107 < 0.025 <= F(2) = 0.0547, so j = 2;
    # F(7) = 0.9453 < 0.975 <= F(8) = 0.9893, so k = 8 + 1 = 9.
    df = pl.DataFrame({"wait": [7.0, 3, 10, 1, 9, 5, 2, 8, 6, 4]})
    row = quantile(df, "wait", 0.5).row(0, named=True)
    assert row["n"] == 10
    assert row["value"] == 5.5
    assert (row["lower"], row["upper"]) == (2.0, 9.0)
    assert row["statistic"] == "median"
    assert row["method"] == "order statistics"
    assert row["confidence"] == 0.95


def test_median_of_twenty_matches_the_published_table() -> None:
    # Conover / Altman et al. tables: for n = 20 the 95% interval is x(6) to x(15).
    values = np.arange(1.0, 21.0) * 10
    row = quantile(pl.DataFrame({"v": values[::-1]}), "v", 0.5).row(0, named=True)
    assert (row["lower"], row["upper"]) == (60.0, 150.0)
    assert binom.cdf(14, 20, 0.5) - binom.cdf(5, 20, 0.5) == pytest.approx(0.9586, abs=1e-4)


@pytest.mark.parametrize("size", [10, 20, 37, 200])
@pytest.mark.parametrize("q", [0.5, 0.9, 0.1, 0.92])
@pytest.mark.parametrize("level", [0.95, 0.998])
def test_limits_and_value_match_scipy_and_numpy(size: int, q: float, level: float) -> None:
    rng = np.random.default_rng(size)
    values = rng.gamma(2.0, 15.0, size)
    row = quantile(pl.DataFrame({"v": values}), "v", q, confidence=level).row(0, named=True)
    assert row["value"] == pytest.approx(np.quantile(values, q), rel=1e-12)
    assert (row["lower"], row["upper"]) == expected_limits(values, q, level)


def test_binomial_quantiles_match_scipy() -> None:
    sizes = np.arange(0.0, 2001.0)
    for q in (0.5, 0.9, 0.01, 0.999):
        for p in (0.0005, 0.025, 0.05, 0.95, 0.975, 0.9995):
            np.testing.assert_array_equal(binom_ppf(p, sizes, q), binom.ppf(p, sizes, q))


@pytest.mark.parametrize(("q", "true", "size"), [(0.5, math.log(2), 25), (0.9, math.log(10), 60)])
def test_coverage_of_the_true_quantile(q: float, true: float, size: int) -> None:
    # 2,000 samples from Exponential(1), whose q-th quantile is −ln(1 − q).
    rng = np.random.default_rng(2024)
    samples = 2000
    df = pl.DataFrame(
        {"s": np.repeat(np.arange(samples), size), "v": rng.exponential(1.0, samples * size)}
    )
    got = quantile(df, "v", q, group_by="s")
    assert got.height == samples
    lower, upper = got["lower"].to_numpy(), got["upper"].to_numpy()
    assert np.mean((lower <= true) & (upper >= true)) >= 0.94


def test_groups_nulls_and_edge_cases() -> None:
    df = pl.DataFrame(
        {
            "g": ["b", "b", "b", "a", "c", "c", "d"],
            "v": [3.0, None, float("nan"), 4.0, None, None, 2.5],
        }
    )
    got = quantile(df, "v", 0.5, group_by="g")
    assert got["g"].to_list() == ["b", "a", "c", "d"]  # first appearance
    assert got["n"].to_list() == [1, 1, 0, 1]
    b, a, c, _ = got.iter_rows(named=True)
    assert (b["value"], b["lower"], b["upper"]) == (3.0, 3.0, 3.0)  # one value: its range
    assert a["value"] == 4.0
    assert (c["value"], c["lower"], c["upper"]) == (None, None, None)
    empty = quantile(df.head(0), "v", 0.9)
    assert empty.height == 1
    assert empty["n"][0] == 0
    assert empty["value"][0] is None


def test_small_samples_fall_back_to_the_range() -> None:
    # n = 5: binom.ppf(0.025, 5, 0.5) = 1 and binom.ppf(0.975) + 1 = 5, so min to max.
    row = quantile(pl.DataFrame({"v": [5, 1, 4, 2, 3]}), "v", 0.5).row(0, named=True)
    assert (row["value"], row["lower"], row["upper"]) == (3.0, 1.0, 5.0)


def test_labels() -> None:
    assert [quantile_label(q) for q in (0.5, 0.9, 0.01, 0.02, 0.03, 0.11, 0.21, 0.925)] == [
        "median",
        "90th centile",
        "1st centile",
        "2nd centile",
        "3rd centile",
        "11th centile",
        "21st centile",
        "92.5th centile",
    ]
    got = quantile(pl.DataFrame({"v": [1.0, 2.0]}), "v", 0.9, confidence=95)
    assert got["statistic"][0] == "90th centile"
    assert got["confidence"][0] == 0.95


@pytest.mark.parametrize("q", [0, 1, 1.5, -0.1, 50, True, "0.5", float("nan")])
def test_bad_q(q: object) -> None:
    with pytest.raises(ValueError, match=r"^q "):
        quantile(pl.DataFrame({"v": [1.0]}), "v", q)  # type: ignore[arg-type]


def test_bad_columns() -> None:
    df = pl.DataFrame({"g": ["a"], "v": ["x"]})
    with pytest.raises(ValueError, match="numeric"):
        quantile(df, "v", 0.5)
    with pytest.raises(ValueError, match="'wait'"):
        quantile(df, "wait", 0.5)
    with pytest.raises(ValueError, match="'area'"):
        quantile(df, "v", 0.5, group_by="area")


def test_a_million_rows_in_a_hundred_groups_is_fast() -> None:
    rng = np.random.default_rng(7)
    rows = 1_000_000
    df = pl.DataFrame(
        {"g": rng.integers(0, 100, rows).astype(str), "v": rng.exponential(30.0, rows)}
    )
    quantile(df, "v", 0.5, group_by="g")  # warm up
    best = math.inf
    for _ in range(3):
        start = time.perf_counter()
        got = quantile(df, "v", 0.9, group_by="g")
        best = min(best, time.perf_counter() - start)
    assert got.height == 100
    assert best < 0.3


def test_several_quantiles_from_one_sort_equal_each_alone() -> None:
    from rehabdash.stats import quantiles

    rng = np.random.default_rng(11)
    frame = pl.DataFrame(
        {"g": rng.choice(["a", "b", "c"], size=900), "v": rng.gamma(2.0, 20.0, size=900)}
    )
    both = quantiles(frame, "v", [0.5, 0.9], group_by="g")
    assert len(both) == 2
    for got, q in zip(both, (0.5, 0.9), strict=True):
        assert got.equals(quantile(frame, "v", q, group_by="g"))
        for row in got.iter_rows(named=True):
            mine = frame.filter(pl.col("g") == row["g"])["v"].to_numpy()
            assert row["value"] == pytest.approx(float(np.quantile(mine, q)))
            assert (row["lower"], row["upper"]) == expected_limits(mine, q)
